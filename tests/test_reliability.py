"""Runs that end badly, overlap or repeat: crashes, a second writer, concurrent readers, and the
same files loaded twice or on another day. Real `finsam` processes on real DuckDB files."""

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.catalog import load_catalog
from orchestration.demo_data import write_demo_exports
from orchestration.ingest import ingest_landing
from orchestration.ingest.readers import read_table
from orchestration.lock import writer_lock
from orchestration.settings import Settings, environment_set, load_settings
from tests.conftest import FINSAM

pytestmark = pytest.mark.slow

# Tables that record the run itself (its id and clock), not the data.
# Tables that say which run made them and when: the same data on another day differs only there.
RUN_RECORDS = {"check_outcomes", "publication", "publication_changes"}


def finsam_env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "FINSAM_HOME": str(home), **extra}
    env.pop("FINSAM_LANDING", None)
    return env


def finsam(home: Path, *args: str, timeout: int = 1200, **extra) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FINSAM, *args, "--home", str(home)],
        env=finsam_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def table_hashes(
    database: Path, schema: str | None = None, leave_out: tuple[str, ...] = ()
) -> dict[str, str]:
    """A content hash of every table, independent of row order, without the columns named in
    `leave_out`."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        where = f"where table_schema = '{schema}'" if schema else "where table_schema = 'main'"
        tables = [
            name
            for (name,) in con.execute(
                f"select table_name from information_schema.tables {where} order by 1"
            ).fetchall()
        ]
        prefix = f"{schema}." if schema else ""
        hashes = {}
        run_records = ", ".join(f"'{name}'" for name in sorted(RUN_RECORDS))
        left_out = ", ".join(f"'{column}'" for column in leave_out)
        columns = f"columns(c -> not list_contains([{left_out}]::varchar[], c))"
        for table in tables:
            # the listing of the downloads names the run record's files too
            where = f"where table_name not in ({run_records})" if table == "downloads" else ""
            rows = con.execute(
                f'select {columns} from {prefix}"{table}" {where} order by all'
            ).fetchall()
            hashes[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return hashes
    finally:
        con.close()


def duckdb_rows(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_outcomes(home: Path) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return sorted(
            con.execute(
                "select file_name, sha256, status, rows_loaded, rows_duplicate, rows_rejected "
                "from audit.file_loads"
            ).fetchall()
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def landings(tmp_path_factory, catalog):
    """Two years of small demo data, and the same files plus a third year's (the new files of
    the next run)."""
    first = tmp_path_factory.mktemp("landing_2020_2021")
    write_demo_exports(first, seed=23, first_year=2020, last_year=2021, scale=0.2, catalog=catalog)
    generated = tmp_path_factory.mktemp("generated_2020_2022")
    write_demo_exports(
        generated, seed=23, first_year=2020, last_year=2022, scale=0.2, catalog=catalog
    )
    both = tmp_path_factory.mktemp("landing_2020_2022")
    shutil.copytree(first, both, dirs_exist_ok=True)
    for path in generated.iterdir():
        if path.name.startswith("2022_"):
            shutil.copy2(path, both / path.name)
    return first, both


@pytest.fixture(scope="module")
def reference(tmp_path_factory, landings):
    """A fresh run over all three years, made "on another day": its files are loaded with a clock
    set to June 2027, then the pipeline runs."""
    home = tmp_path_factory.mktemp("reference_home")
    settings = load_settings(home=home, landing=landings[1])
    settings.ensure_dirs()
    ingest_landing(settings, load_catalog(), now=datetime(2027, 6, 15, 9, 30))
    result = finsam(home, "run", "--landing", str(landings[1]), "--no-site")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home


@pytest.fixture(scope="module")
def published_home(tmp_path_factory, landings):
    """A home where the first two years are loaded and published, with the site."""
    home = tmp_path_factory.mktemp("published_home")
    result = finsam(home, "run", "--landing", str(landings[0]), timeout=2400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home


READER = textwrap.dedent(
    """
    import os, sys, time, duckdb
    snapshot, stop = sys.argv[1], sys.argv[2]
    seen, errors = set(), 0
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(snapshot, read_only=True)
            runs = con.execute(
                "select count(distinct run_id), min(run_id) from check_outcomes"
            ).fetchone()
            results = con.execute("select count(*) from indicator_results").fetchone()[0]
            listed = con.execute(
                "select rows from downloads where table_name = 'indicator_results' "
                "and file_format = 'csv'").fetchone()[0]
            con.close()
            assert runs[0] == 1 and results == listed, (runs, results, listed)
            seen.add(runs[1])
        except Exception as error:
            errors += 1
            print("ERROR", repr(error), flush=True)
        # a read costs 19 ms of processor time: 3 readers at 20 a second took a core, at 4 a
        # second a quarter of one for the whole run; at 2 a second each sees the run's switch
        time.sleep(0.5)
    print("RUNS", len(seen), "ERRORS", errors, flush=True)
    """
)


@dataclass
class Continued:
    home: Path
    reader_outputs: list[str]


@pytest.fixture(scope="module")
def continued(tmp_path_factory, published_home, landings) -> Continued:
    """The published home's next run over the third year's files, never interrupted: what every
    interrupted run from the published home must end up as. Three processes query its published
    snapshot in a loop all the while, as readers of the site and analysts would."""
    folder = tmp_path_factory.mktemp("continued_home")
    home = folder / "home"
    shutil.copytree(published_home, home, symlinks=True)
    stop = folder / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(home / "published" / "finsam.duckdb"), str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        # with the site: while a site is served, a run without one leaves its publication waiting
        result = finsam(home, "run", "--landing", str(landings[1]), timeout=2400)
    finally:
        stop.touch()
        outputs = [process.communicate(timeout=120)[0] for process in readers]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return Continued(home, outputs)


def kill_when(home: Path, landing: Path, marker: str, with_site: bool) -> str:
    """Start a run over `landing`, SIGKILL its whole process group as soon as its log shows
    `marker`, and return what it printed (--verbose: the markers are lines of the run's log)."""
    args = [FINSAM, "run", "--home", str(home), "--landing", str(landing), "--verbose"]
    if not with_site:
        args.append("--no-site")
    process = subprocess.Popen(
        args,
        env=finsam_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    seen = []
    deadline = time.monotonic() + 1500
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            time.sleep(0.3)  # inside the step's work
            os.killpg(process.pid, signal.SIGKILL)
            break
        if time.monotonic() > deadline:
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen[-40:])
    return "".join(seen)


# A line each step logs when it starts its work (the console shows INFO and above).
STAGES = {
    "ingest": " - raw_survey_data - Reading the landing folder",
    "dbt build": " - finsam_dbt_assets - Running dbt command: `",
    "checks": " - gx_fct_indicator_results - Great Expectations suite",
    "publish": " - published_snapshot - STEP_START",
    # the site build's first step: `evidence sources`, run with node (orchestration/publish/site.py)
    "site build": " - evidence_site - evidence: node node_modules/@evidence-dev/evidence/cli.js",
}


def test_killed_runs_change_nothing_published_and_the_next_run_completes_them(
    published_home, landings, continued, tmp_path
):
    """Runs killed in turn during each stage (every kill on the state the previous one left),
    then one run that completes."""
    home = tmp_path / "home"
    shutil.copytree(published_home, home, symlinks=True)
    snapshot_before = file_hash(home / "published" / "finsam.duckdb")
    site_before = tree_hash(home / "site")

    for stage, marker in STAGES.items():
        kill_when(home, landings[1], marker, with_site=stage == "site build")
        if stage == "dbt build":  # no record of a build that did not finish: the next builds all
            assert not (home / "dbt" / ".build-project-fingerprint").exists()
        # the snapshot and the site switch together, after the site is built
        assert file_hash(home / "published" / "finsam.duckdb") == snapshot_before, stage
        assert tree_hash(home / "site") == site_before, stage

    result = finsam(home, "run", "--landing", str(landings[1]), "--no-site")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert table_hashes(home / "warehouse.duckdb", "marts") == table_hashes(
        continued.home / "warehouse.duckdb", "marts"
    )
    # no file lost or loaded twice: the same outcome for every file as the uninterrupted run
    assert file_outcomes(home) == file_outcomes(continued.home)


def test_two_runs_on_different_days_give_identical_marts_and_publications(reference, continued):
    """The same three years, once loaded and built whole on another day (the reference), once
    today in two runs, a year at a time (the continued home): the same marts, and the same
    publication apart from its run records. Only the numbers of the loads differ (the audit's
    sequence: the reference loaded every file in one run)."""
    numbering = ("load_id",)
    assert table_hashes(continued.home / "warehouse.duckdb", "marts", numbering) == table_hashes(
        reference / "warehouse.duckdb", "marts", numbering
    )
    published = table_hashes(reference / "published" / "finsam.duckdb")
    other = table_hashes(continued.home / "published" / "finsam.duckdb")
    assert {t: h for t, h in other.items() if t not in RUN_RECORDS} == {
        t: h for t, h in published.items() if t not in RUN_RECORDS
    }
    assert download_hashes(continued.home) == download_hashes(reference)


def download_hashes(home: Path) -> dict[str, str]:
    folder = home / "published" / "downloads"
    return {path.name: file_hash(path) for path in folder.iterdir() if path.stem not in RUN_RECORDS}


def hold_lock_in_child(home: Path, seconds: float) -> subprocess.Popen:
    """A process that holds the home's writer lock, as a running pipeline does."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from orchestration.lock import writer_lock
        from orchestration.settings import load_settings
        with writer_lock(load_settings(home={str(home)!r}), log=lambda m: None):
            print("holding", flush=True)
            time.sleep({seconds})
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=finsam_env(home)
    )
    assert child.stdout.readline().strip() == "holding"
    return child


def test_a_second_writer_stops_with_one_sentence_when_the_first_does_not_finish(tmp_path):
    home = tmp_path / "home"
    holder = hold_lock_in_child(home, 30)
    try:
        started = time.monotonic()
        result = finsam(home, "run", "--no-site", FINSAM_LOCK_WAIT_SECONDS="2")
        waited = time.monotonic() - started
    finally:
        holder.kill()
    assert result.returncode == 1
    assert "waiting for it to finish (at most 2 s" in result.stdout
    assert f"Another run (process {holder.pid}) is still writing {home} after 2 s" in result.stdout
    assert waited < 25
    assert not (home / "warehouse.duckdb").exists()  # nothing was touched


def test_a_second_writer_waits_for_the_first_and_then_runs(tmp_path, reference):
    home = tmp_path / "home"
    shutil.copytree(reference, home, symlinks=True)
    holder = hold_lock_in_child(home, 4)
    result = finsam(home, "reload-year", "2021", "--raw-only")
    holder.wait()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "waiting for it to finish" in result.stdout
    assert "the other run has finished; going on" in result.stdout
    assert "Measurement year 2021 reloaded from" in result.stdout


def test_a_year_reload_and_a_dagster_run_wait_for_the_writer_too(tmp_path):
    import dagster as dg

    from orchestration.defs.ingest import year_reloads
    from orchestration.defs.resources import FinsamSettings

    home = tmp_path / "home"
    holder = hold_lock_in_child(home, 30)
    try:
        result = finsam(home, "reload-year", "2021", FINSAM_LOCK_WAIT_SECONDS="1")
        assert result.returncode != 0
        assert "is still writing" in result.stdout + result.stderr
        environment_before = dict(os.environ)
        with environment_set({"FINSAM_LOCK_WAIT_SECONDS": "1"}):
            run = dg.materialize(
                [year_reloads],
                partition_key="2021",
                instance=dg.DagsterInstance.ephemeral(),
                resources={"finsam": FinsamSettings(home=str(home))},
                raise_on_error=False,
            )
        assert not run.success
        failures = [event for event in run.all_events if event.is_failure]
        assert any("is still writing" in str(event.event_specific_data) for event in failures)
        # the resource's setup failed on the lock: it took back the environment it exported
        assert dict(os.environ) == environment_before
    finally:
        holder.kill()


def test_the_writer_lock_is_released_when_its_holder_is_killed(tmp_path):
    home = tmp_path / "home"
    holder = hold_lock_in_child(home, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with writer_lock(load_settings(home=home), log=lambda message: None):
        pass  # acquired at once: no stale lock after a crash


def test_readers_of_the_snapshot_never_fail_or_see_a_mix_during_a_run(continued):
    for out in continued.reader_outputs:
        assert "ERROR " not in out, out[-2000:]
        last = out.strip().splitlines()[-1]
        assert last.startswith("RUNS") and last.endswith("ERRORS 0"), last
    # at least one reader saw the publication before the run and the one it made
    assert any(
        int(out.strip().splitlines()[-1].split()[1]) == 2 for out in continued.reader_outputs
    )


def test_a_lock_is_reentrant_within_one_process(tmp_path):
    settings = load_settings(home=tmp_path / "home")
    events = []
    with writer_lock(settings, log=events.append), writer_lock(settings, log=events.append):
        pass
    assert events == []
    done = threading.Event()

    def other_thread() -> None:
        with writer_lock(settings, log=events.append):
            done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=10)
    assert done.is_set()


@contextmanager
def small_disk(folder: Path, size: int, read_only: bool = False) -> Iterator[None]:
    """A tmpfs of `size` bytes mounted at `folder` (root only): a disk that can really fill up."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def resize_disk(folder: Path, size: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True)


def used_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


def test_a_full_disk_stops_the_run_with_one_sentence_and_leaves_nothing_half_written(
    published_home, landings, continued, tmp_path
):
    disk = tmp_path / "disk"
    with small_disk(disk, 1024**3):
        home = disk / "home"
        shutil.copytree(published_home, home, symlinks=True)
        resize_disk(disk, used_bytes(disk) + 3 * 1024 * 1024)  # room for a little, not a year
        snapshot_before = file_hash(home / "published" / "finsam.duckdb")
        site_before = tree_hash(home / "site")
        publications_before = sorted(p.name for p in (home / "publications").iterdir())
        loads_before = file_outcomes(home)

        result = finsam(home, "run", "--landing", str(landings[1]), "--no-site")

        out = result.stdout + result.stderr
        assert result.returncode == 1, out[-3000:]
        assert "The disk is full" in out and "nothing was published from this run" in out
        assert "Traceback" not in result.stdout
        assert file_hash(home / "published" / "finsam.duckdb") == snapshot_before
        assert tree_hash(home / "site") == site_before
        assert sorted(p.name for p in (home / "publications").iterdir()) == publications_before
        assert not list((home / "archive").rglob("*.partial"))
        # a copy is the file's bytes (named by their hash) or its redacted copy, whose hash the
        # audit keeps (sources/redact.py)
        redacted = {
            sha: kept
            for sha, kept in duckdb_rows(
                home / "warehouse.duckdb",
                "select sha256, archived_sha256 from audit.file_loads "
                "where archived_sha256 is not null",
            )
        }
        for copy in (p for p in (home / "archive").rglob("*") if p.is_file()):
            whole = file_hash(copy) in (copy.stem, redacted.get(copy.stem))
            # a redacted copy of this run's files, whose hash the rolled-back audit lost: whole
            # when it reads as the export it was made from
            assert whole or read_table(copy, lambda names: None).rows, (
                f"half-written archive copy {copy}"
            )
        # ingest wrote all of its files or none of them
        assert file_outcomes(home) in (loads_before, file_outcomes(continued.home))

        resize_disk(disk, 1024**3)
        result = finsam(home, "run", "--landing", str(landings[1]), "--no-site")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert table_hashes(home / "warehouse.duckdb", "marts") == table_hashes(
            continued.home / "warehouse.duckdb", "marts"
        )
        assert file_outcomes(home) == file_outcomes(continued.home)


def test_an_unwritable_home_gives_one_sentence(tmp_path, landings):
    home = tmp_path / "home"
    if os.geteuid() == 0:  # root writes anywhere a permission allows: use a read-only disk
        context = small_disk(home, 1024 * 1024, read_only=True)
    else:
        home.mkdir()
        home.chmod(0o555)
        context = contextlib.nullcontext()
    with context:
        result = finsam(home, "run", "--landing", str(landings[0]), "--no-site")
    assert result.returncode == 1
    assert "The pipeline may not write here" in result.stderr, result.stderr[-2000:]
    assert "--home or FINSAM_HOME" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def run_in_this_process(home: Path, landing: Path, capsys) -> tuple[Settings, int, str]:
    """`finsam run --no-site` in the test's own process (so that a test can patch what it
    calls): the settings, the exit code and what it printed."""
    from orchestration.runner import run_pipeline

    settings = load_settings(home=home, landing=landing)
    settings.ensure_dirs()
    code = run_pipeline(settings, with_site=False)
    return settings, code, capsys.readouterr().out


def test_a_transient_failure_is_retried_and_the_summary_says_so(
    tmp_path, landings, monkeypatch, capsys
):
    from orchestration.defs import ingest as assets

    real_ingest = assets.ingest_landing
    calls = []

    def flaky_ingest(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError(errno.EAGAIN, "Resource temporarily unavailable", "warehouse.duckdb")
        return real_ingest(*args, **kwargs)

    monkeypatch.setattr(assets, "ingest_landing", flaky_ingest)
    _, code, out = run_in_this_process(tmp_path / "home", landings[0], capsys)
    assert code == 0, out[-3000:]
    assert len(calls) == 2
    assert (
        "retried: step raw_survey_data failed (attempt 1) and was run again: BlockingIOError: "
        "[Errno 11] Resource temporarily unavailable: 'warehouse.duckdb'" in out
    )


def test_a_dbt_project_changed_during_the_run_stops_dbt_and_says_so(
    tmp_path, landings, monkeypatch, capsys
):
    """dbt reports a node the definitions loaded at the start do not have (a model or test added
    while the run was going on): the run stops dbt, says what happened in one sentence, and leaves
    the warehouse free for the next run at once."""
    from dagster_dbt.core.dbt_cli_event import DbtCliEventMessage

    real_events = DbtCliEventMessage.to_default_asset_events
    events = []

    def events_until_an_unknown_node(self, *args, **kwargs):
        events.append(1)
        if len(events) == 40:  # mid-build: dbt has more to do
            raise KeyError("test.finsam.added_during_the_run.0123456789")
        return real_events(self, *args, **kwargs)

    monkeypatch.setattr(DbtCliEventMessage, "to_default_asset_events", events_until_an_unknown_node)
    settings, code, out = run_in_this_process(tmp_path / "home", landings[0], capsys)
    assert code == 1, out[-3000:]
    assert (
        "dbt ran test.finsam.added_during_the_run.0123456789, which the definitions this run "
        "loaded do not have: the dbt project was changed while the run was going on." in out
    ), out[-3000:]
    assert "Traceback" not in out
    duckdb.connect(str(settings.warehouse_path)).close()  # no dbt left holding it


def test_a_permanent_failure_is_not_retried(tmp_path, landings, monkeypatch, capsys):
    from orchestration.defs import ingest as assets

    calls = []

    def broken_ingest(*args, **kwargs):
        calls.append(1)
        raise ValueError("a bug, the same every time")

    monkeypatch.setattr(assets, "ingest_landing", broken_ingest)
    _, code, out = run_in_this_process(tmp_path / "home", landings[0], capsys)
    assert code == 1 and len(calls) == 1
    assert "step raw_survey_data: a bug, the same every time" in out
    assert "retried" not in out
