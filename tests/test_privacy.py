"""Private by design, through real runs of the `finsam` command line on a real home: a purged
file is gone from every schema of the warehouse, the archive and the landing folder; the audit
keeps the record; the next publication no longer counts it; its bytes put back are not loaded;
a year reload does not bring it back; an older publication can be made current again and is as
it was published; and a run with a short retention empties the open texts of old years, staged
copies included, and audits it."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.calendar import measurement_year_of, swedish_now
from orchestration.ingest.withdraw import _YEARS_MET_LATER
from tests.conftest import PipelineRun, copy_first_run_home, run_finsam

pytestmark = pytest.mark.pipeline  # every test here runs `finsam run`


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot_digest(path: Path) -> str:
    """The published aggregates of a snapshot, every row of the tables analysts read."""
    digest = hashlib.sha256()
    for table in ("submission_counts", "indicator_results", "data_quality"):
        for row in query(path, f"select * from {table} order by all"):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def published_total(path: Path, year: int) -> int:
    return query(
        path, "select sum(n_submissions) from submission_counts where measurement_year = ?", [year]
    )[0][0]


@dataclass
class Purged:
    run: PipelineRun
    load_id: int
    file_name: str
    file_path: str
    sha256: str
    year: int
    questionnaires: int
    answers: int
    open_texts: int
    open_text: str  # one of its open texts, to look for in the warehouse's bytes
    file_bytes: bytes
    first_publication: str
    first_digest: str
    published_before: int
    purge_output: str


def pick_file(warehouse: Path) -> tuple:
    """A loaded file of one measurement year with open texts whose questionnaires are all current
    and met by no later file (so the published count falls by exactly its questionnaires)."""
    candidates = query(
        warehouse,
        """
        with per_file as (
            select f.load_id, f.file_name, f.file_path, f.sha256,
                   min(s.measurement_year) as year, count(distinct s.measurement_year) as years,
                   count(*) as n, count(s.fritext) as texts
            from audit.file_loads as f join raw.submissions as s using (load_id)
            where f.status = 'loaded'
            group by f.load_id, f.file_name, f.file_path, f.sha256
        ),
        current_rows as (
            select load_id, count(*) as n_current from marts.fct_submissions group by 1
        ),
        -- an open text no other file has, to look for in the warehouse's bytes
        own_texts as (
            select s.load_id, max(s.fritext) as text
            from raw.submissions as s
            where s.fritext is not null and not exists (
                select 1 from raw.submissions as o
                where o.fritext = s.fritext and o.load_id <> s.load_id
            )
            group by 1
        ),
        unique_names as (
            select file_name from audit.file_loads group by 1 having count(*) = 1
        )
        select p.load_id, p.file_name, p.file_path, p.sha256, p.year, p.n, p.texts, t.text
        from per_file as p
        join current_rows as c using (load_id)
        join own_texts as t using (load_id)
        join unique_names using (file_name)
        where p.years = 1 and c.n_current = p.n
        order by p.texts desc, p.load_id
        """,
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for candidate in candidates:
            if not con.execute(_YEARS_MET_LATER, {"load_id": candidate[0]}).fetchall():
                return candidate
    finally:
        con.close()
    raise AssertionError("no file to purge in the demo data")


@pytest.fixture(scope="module")
def purged(tmp_path_factory, pipeline_run) -> Purged:
    # a new home with the shared run's first state: what a run over its landing folder makes
    home = tmp_path_factory.mktemp("privacy") / "home"
    copy_first_run_home(pipeline_run, home)
    landing = tmp_path_factory.mktemp("privacy-landing")
    shutil.copytree(pipeline_run.landing, landing, dirs_exist_ok=True)  # the purge unlinks its copy
    run = PipelineRun(home, landing, pipeline_run.result)
    load_id, name, file_path, sha, year, questionnaires, open_texts, text = pick_file(run.warehouse)
    (answers,) = query(
        run.warehouse, "select count(*) from raw.answers where load_id = ?", [load_id]
    )[0]
    first = (home / "published").resolve().name
    published = run.snapshot
    file_bytes = (landing / file_path).read_bytes()
    assert text.encode() in run.warehouse.read_bytes()  # DuckDB keeps such texts legible

    dry = run_finsam(
        "purge", name, "--dry-run", "--home", str(home), "--landing", str(landing), home=home
    )
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "1 copy in the landing folder" in dry.stdout
    assert "Dry run: nothing was changed" in dry.stdout
    assert (
        f"would delete {name} (sha256 {sha[:12]}, load {load_id}): {questionnaires} questionnaires"
        in dry.stdout
    )
    assert query(
        run.warehouse, "select count(*) from raw.submissions where load_id = ?", [load_id]
    ) == [(questionnaires,)]

    unconfirmed = run_finsam("purge", name, "--reason", "test", "--home", str(home), home=home)
    assert unconfirmed.returncode == 1
    assert "confirm with --yes (nothing was changed)" in unconfirmed.stderr

    done = run_finsam(
        "purge",
        sha[:16],
        "--reason",
        "den registrerades begäran",
        "--by",
        "dataskyddsombud",
        "--yes",
        "--home",
        str(home),
        "--landing",
        str(landing),
        home=home,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Purged(
        run,
        load_id,
        name,
        file_path,
        sha,
        year,
        questionnaires,
        answers,
        open_texts,
        text,
        file_bytes,
        first,
        snapshot_digest(published),
        published_total(published, year),
        done.stdout,
    )


def test_the_purge_deletes_the_file_everywhere_and_keeps_the_record(purged):
    warehouse = purged.run.warehouse
    assert (
        f"{purged.questionnaires} questionnaires, {purged.answers} answers, "
        f"{purged.open_texts} open texts" in purged.purge_output
    )
    # every base table of every schema: nothing of the load, nothing from its file
    tables = query(
        warehouse,
        """
        select table_schema, table_name, list(column_name)
        from information_schema.columns join information_schema.tables
            using (table_catalog, table_schema, table_name)
        where table_type = 'BASE TABLE'
          and column_name in ('load_id', 'sha256', 'source_sha256', 'source_file', 'file_name')
        group by all
        """,
    )
    checked = set()
    for schema, table, columns in tables:
        for column in columns:
            value = {
                "load_id": purged.load_id,
                "sha256": purged.sha256,
                "source_sha256": purged.sha256,
                "source_file": purged.file_name,
                "file_name": purged.file_name,
            }[column]
            (count,) = query(
                warehouse,
                f'select count(*) from "{schema}"."{table}" where "{column}" = ?',
                [value],
            )[0]
            expected = 1 if (schema, table) == ("audit", "purges") else 0
            assert count == expected, (schema, table, column)
            checked.add(f"{schema}.{table}")
    assert {
        "raw.submissions",
        "audit.file_loads",
        "audit.rejected_records",
        "intermediate.int_submissions__deduplicated",
        "audit.purges",
    } <= checked
    # the questionnaire mart is a view of the deduplicated questionnaires checked above
    assert query(
        warehouse, "select count(*) from marts.fct_submissions where load_id = ?", [purged.load_id]
    ) == [(0,)]
    assert query(
        warehouse, "select count(*) from raw.answers where load_id = ?", [purged.load_id]
    ) == [(0,)]
    # its open texts are gone from the file's bytes, not only from its tables
    assert purged.open_text.encode() not in warehouse.read_bytes()
    # `finsam status` lists the purge
    status = run_finsam("status", "--json", "--home", str(purged.run.home), home=purged.run.home)
    assert [
        (p["file_name"], p["questionnaires"], p["open_texts"], p["allowed_again"])
        for p in json.loads(status.stdout)["purged"]
    ] == [(purged.file_name, purged.questionnaires, purged.open_texts, False)]
    # the archive and the landing folder no longer hold its bytes
    assert not list((purged.run.home / "archive").rglob(f"*{purged.sha256}*"))
    assert not (purged.run.landing / purged.file_path).exists()
    assert query(
        warehouse,
        "select load_ids, file_name, sha256, measurement_years, questionnaires, answers, "
        "open_texts, archive_files, landing_files, reason, purged_by, allowed_again_at "
        "from audit.purges",
    ) == [
        (
            str(purged.load_id),
            purged.file_name,
            purged.sha256,
            str(purged.year),
            purged.questionnaires,
            purged.answers,
            purged.open_texts,
            1,
            1,
            "den registrerades begäran",
            "dataskyddsombud",
            None,
        )
    ]


def test_the_next_publication_no_longer_counts_it(purged):
    home = purged.run.home
    result = run_finsam(
        "run",
        "--home",
        str(home),
        "--landing",
        str(purged.run.landing),
        "--no-site",
        "--rebuild",
        home=home,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert published_total(purged.run.snapshot, purged.year) == (
        purged.published_before - purged.questionnaires
    )


def test_its_bytes_put_back_are_refused_naming_the_purge(purged):
    home, landing = purged.run.home, purged.run.landing
    (landing / "tillbaka" / purged.file_name).parent.mkdir()
    (landing / "tillbaka" / purged.file_name).write_bytes(purged.file_bytes)
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(landing), "--no-site", home=home
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "raderades med finsam purge (radering 1" in result.stdout
    assert query(
        purged.run.warehouse,
        "select status, refusal_cause, rows_loaded, archived_path from audit.file_loads "
        "where sha256 = ?",
        [purged.sha256],
    ) == [("rejected", "purged", 0, None)]
    assert query(
        purged.run.warehouse,
        "select count(*) from raw.submissions where source_sha256 = ?",
        [purged.sha256],
    ) == [(0,)]
    assert not list((home / "archive").rglob(f"*{purged.sha256}*"))
    assert published_total(purged.run.snapshot, purged.year) == (
        purged.published_before - purged.questionnaires
    )


def test_a_year_reload_keeps_it_out(purged):
    home = purged.run.home
    before = query(
        purged.run.warehouse,
        "select count(*) from raw.submissions where measurement_year = ?",
        [purged.year],
    )
    result = run_finsam(
        "reload-year", str(purged.year), "--raw-only", "--home", str(home), home=home
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (
        query(
            purged.run.warehouse,
            "select count(*) from raw.submissions where measurement_year = ?",
            [purged.year],
        )
        == before
    )
    assert query(
        purged.run.warehouse,
        "select count(*) from raw.submissions where source_sha256 = ? or load_id = ?",
        [purged.sha256, purged.load_id],
    ) == [(0,)]


def test_an_older_publication_can_be_made_current_and_is_as_published(purged):
    home = purged.run.home
    older = home / "publications" / purged.first_publication / "finsam.duckdb"
    assert snapshot_digest(older) == purged.first_digest  # untouched by the purge
    result = run_finsam("rollback", purged.first_publication, "--home", str(home), home=home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (home / "published").resolve().name == purged.first_publication
    assert snapshot_digest(purged.run.snapshot) == purged.first_digest
    assert published_total(purged.run.snapshot, purged.year) == purged.published_before


def test_a_run_with_a_short_retention_empties_old_open_texts_everywhere(purged, monkeypatch):
    """Runs after the others: the open texts of every year but the last of the demo data go."""
    home, warehouse = purged.run.home, purged.run.warehouse
    years = [
        y
        for (y,) in query(
            warehouse, "select distinct measurement_year from raw.submissions order by 1"
        )
    ]
    keep_through = years[-1]
    latest_ended = measurement_year_of(swedish_now()) - 1
    keep = latest_ended - years[-2]  # years up to the last but one are past the rule
    texts = dict(
        query(warehouse, "select measurement_year, count(fritext) from raw.submissions group by 1")
    )
    assert all(texts[year] > 0 for year in years)
    old_text = query(
        warehouse,
        "select max(fritext) from raw.submissions where measurement_year = ? and fritext not in "
        "(select fritext from raw.submissions where measurement_year = ? and fritext is not null)",
        [years[0], keep_through],
    )[0][0]
    assert old_text.encode() in warehouse.read_bytes()
    monkeypatch.setenv("FINSAM_KEEP_OPEN_TEXT_YEARS", str(keep))
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(purged.run.landing), "--no-site", home=home
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    expired = sum(texts[year] for year in years[:-1])
    assert f"Retention: {expired} open texts of measurement years" in result.stdout
    for table in ("raw.submissions", "intermediate.int_submissions__deduplicated"):
        after = dict(
            query(warehouse, f"select measurement_year, count(fritext) from {table} group by 1")
        )
        assert all(after[year] == 0 for year in years[:-1]), table
        assert after[keep_through] > 0, table
    assert (
        dict(
            query(
                warehouse, "select measurement_year, count(fritext) from raw.submissions group by 1"
            )
        )[keep_through]
        == texts[keep_through]
    )
    assert query(
        warehouse,
        "select setting, keep_years, sum(items) from audit.retention "
        "where kind = 'open_text' group by all",
    ) == [("FINSAM_KEEP_OPEN_TEXT_YEARS", keep, expired)]
    assert old_text.encode() not in warehouse.read_bytes()
    # the audit names files and counts, never the texts
    assert not query(
        warehouse,
        "select * from audit.retention where file_name = ? or sha256 = ?",
        [old_text, old_text],
    )
