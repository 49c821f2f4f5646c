"""Shared fixtures: a small generated data set and one real pipeline run over it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import duckdb
import pytest

from orchestration import runner
from orchestration.catalog import Catalog, load_catalog
from orchestration.dbt_project import prepare_manifest
from orchestration.demo_data import write_demo_exports

# processor time per test at the end of a run (make test is bound by it, not by waiting)
pytest_plugins = ["tests.cpu_report"]

# The demo data's measurement years are years past the default retention rules at today's date:
# a test that is not about retention keeps everything (child processes inherit it), and
# tests/test_privacy.py sets the rules it tests.
os.environ.setdefault("FINSAM_KEEP_OPEN_TEXT_YEARS", "forever")
os.environ.setdefault("FINSAM_KEEP_RAW_FILES_YEARS", "forever")

# Tests import modules that read the dbt manifest when imported (as `finsam` prepares it first).
prepare_manifest()

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FINSAM = str(Path(sys.executable).parent / "finsam")


# Tests that start the pipeline (`finsam run`, as a child process or in this one) are marked
# `pipeline`: `make test-fast` leaves them out. A test is marked by hand, or for it when it uses
# one of these fixtures; one that starts the pipeline unmarked fails, at the start (below).
PIPELINE_FIXTURES = {"pipeline_run", "site_run", "empty_run"}
# the marks `make test-fast` leaves out; a test with any of them may start the pipeline
FAST_LEAVES_OUT = ("pipeline", "site", "slow")
PIPELINE_REFUSED = (
    "this test starts the pipeline (`finsam run`) but is not marked: give it (or its module) "
    "@pytest.mark.pipeline, so that `make test-fast` leaves it out"
)
_refusing_pipeline = False


# `make test` runs the tests in two processes (pytest-xdist, --dist loadgroup). A module's tests
# stay in one process, so that its module-scoped runs happen once; so do the modules that share
# one of these expensive session-scoped runs, or the lake's one PostgreSQL catalog and S3 bucket.
SHARED_BY_MODULES = {
    "site_run": ("test_site.py", "test_published_files.py", "test_site_bundle.py"),
    "empty_run": ("test_data_shapes.py", "test_dbt_unit_tests.py"),
    "lake": ("test_lake.py", "test_lake_services.py"),
}
PROCESS_GROUP = {name: group for group, names in SHARED_BY_MODULES.items() for name in names}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pipeline)
        module = item.path.name
        item.add_marker(pytest.mark.xdist_group(PROCESS_GROUP.get(module, module)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # before the item's fixtures, so that a module's fixture that runs the pipeline counts too
    global _refusing_pipeline
    _refusing_pipeline = not any(item.get_closest_marker(mark) for mark in FAST_LEAVES_OUT)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    global _refusing_pipeline
    _refusing_pipeline = False


def _refuse_unmarked_pipeline(event: str, args: tuple) -> None:
    if not _refusing_pipeline or event != "subprocess.Popen":
        return
    argv = args[1] if isinstance(args[1], (list, tuple)) else [args[1]]
    argv = [os.fspath(part) if isinstance(part, os.PathLike) else str(part) for part in argv]
    if len(argv) > 1 and Path(argv[0]).name == "finsam" and argv[1] == "run":
        raise AssertionError(PIPELINE_REFUSED)


def _guarded(execute):
    def execute_if_marked(*args, **kwargs):
        if _refusing_pipeline:
            raise AssertionError(PIPELINE_REFUSED)
        return execute(*args, **kwargs)

    return execute_if_marked


sys.addaudithook(_refuse_unmarked_pipeline)
runner.execute = _guarded(runner.execute)


@pytest.fixture(autouse=True)
def environment_as_it_was():
    """Each test leaves the environment as it found it: an in-process `finsam` command exports
    its settings (orchestration/cli.py), and a later test in the same process would inherit them.
    The session's and module's fixtures have set theirs before this snapshot."""
    with mock.patch.dict(os.environ):
        yield


@dataclass
class PipelineRun:
    home: Path
    landing: Path
    result: subprocess.CompletedProcess

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def snapshot(self) -> Path:
        return self.home / "published" / "finsam.duckdb"

    def query(
        self, sql: str, params: list | None = None, *, published: bool = False
    ) -> list[tuple]:
        """Rows from the warehouse, or with `published` from the published snapshot."""
        con = duckdb.connect(str(self.snapshot if published else self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def run_finsam(*args: str, home: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    """The real command line, in a child process with its own home folder."""
    env = {**os.environ, "FINSAM_HOME": str(home)}
    env.pop("FINSAM_LANDING", None)
    return subprocess.run(
        [FINSAM, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_with_a_touched_file(run: PipelineRun, home: Path, *options: str):
    """`finsam run --no-site` over the run's landing folder after one file's modification time
    moved (its content did not), so the job runs; the time is put back afterwards."""
    touched = sorted(p for p in run.landing.rglob("*") if p.is_file())[0]
    stat = touched.stat()
    os.utime(touched, (stat.st_atime, stat.st_mtime + 60))
    try:
        return run_finsam(
            "run",
            "--home",
            str(home),
            "--landing",
            str(run.landing),
            "--no-site",
            *options,
            home=home,
        )
    finally:
        os.utime(touched, (stat.st_atime, stat.st_mtime))


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    """Three measurement years at a tenth of the real volume: every format and kind of dirt."""
    landing = tmp_path_factory.mktemp("landing")
    write_demo_exports(
        landing, seed=11, first_year=2020, last_year=2022, scale=0.25, catalog=catalog
    )
    return landing


@pytest.fixture(scope="session")
def year_2024_landing(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    """One whole measurement year at full volume (about 400 files, 4,000 questionnaires): a
    programme's first year, as `finsam demo-data --first-year 2024 --last-year 2024` writes it."""
    landing = tmp_path_factory.mktemp("landing-2024")
    write_demo_exports(landing, first_year=2024, last_year=2024, catalog=catalog)
    return landing


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory, small_landing: Path) -> PipelineRun:
    home = tmp_path_factory.mktemp("home")
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(small_landing), "--no-site", home=home
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    # the home as this one run left it: later tests add a site, publications and runs to it
    shutil.copytree(home, _first_state(home), symlinks=True)
    return PipelineRun(home, small_landing, result)


def _first_state(home: Path) -> Path:
    return home.with_name(f"{home.name}-as-first-run")


def copy_first_run_home(run: PipelineRun, home: Path) -> None:
    """Make `home` what `finsam run --no-site` over the shared run's landing folder makes in an
    empty home: the shared run's home as its run left it, copied (a run saved)."""
    shutil.copytree(_first_state(run.home), home, symlinks=True)


@pytest.fixture(scope="session")
def site_run(pipeline_run) -> Path:
    """The real job with the site, over the shared run's home: the built site folder."""
    result = run_finsam(
        "run",
        "--home",
        str(pipeline_run.home),
        "--landing",
        str(pipeline_run.landing),
        home=pipeline_run.home,
        timeout=2400,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return pipeline_run.home / "site"


def site_option() -> tuple[str, ...]:
    """Build the site where Evidence is installed (`make setup`); `make test-fast` may run
    without it."""
    installed = (PROJECT_ROOT / "reports" / "node_modules" / ".finsam-installed").exists()
    return () if installed else ("--no-site",)


@pytest.fixture(scope="session")
def empty_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """A first installation: the real job over an empty landing folder, with its site where
    Evidence is installed. Its warehouse is the typed, empty build the dbt unit tests run on."""
    home = tmp_path_factory.mktemp("empty-home")
    landing = home / "landing"
    landing.mkdir()
    result = run_finsam(
        "run",
        "--home",
        str(home),
        "--landing",
        str(landing),
        *site_option(),
        home=home,
        timeout=2400,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return PipelineRun(home, landing, result)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian's package (`make setup-browser`), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from tests.site_pages import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run `make setup-browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- The lake mode's services: PostgreSQL (catalogs) and moto's S3 (data), on 127.0.0.1 ---------


@pytest.fixture(scope="session")
def lake_test_services(tmp_path_factory: pytest.TempPathFactory):
    """The FINSAM_TEST_* variables of the running services: those `.ci/run` exported, or else
    services this session starts (scripts/test_services.py) and stops at its end."""
    from tests.lake_services import services_from_environ, start_services, stop_services

    values = services_from_environ()
    if values is not None:
        yield values
        return
    folder = tmp_path_factory.mktemp("lake-services")
    try:
        values = start_services(folder)  # a start that fails stops what it had started
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        yield values
    finally:
        stop_services(folder)


@pytest.fixture(scope="session")
def postgres_url(lake_test_services):
    """The test PostgreSQL server's `finsam` database: `.url`, `.libpq`, `.dagster_url` (that of
    its `finsam_dagster` database). Skips where PostgreSQL's server binaries are missing."""
    from tests.lake_services import PG_MISSING, postgres_from

    server = postgres_from(lake_test_services)
    if server is None:
        pytest.skip(lake_test_services.get("FINSAM_TEST_POSTGRES_MISSING", PG_MISSING))
    return server


@pytest.fixture(scope="session")
def s3_store(lake_test_services):
    """The moto S3 store: `.endpoint` (host:port), `.bucket`, `.key_id`, `.secret`."""
    from tests.lake_services import s3_from

    store = s3_from(lake_test_services)
    if store is None:
        pytest.fail("FINSAM_TEST_POSTGRES_URL is set but FINSAM_TEST_S3_ENDPOINT is not")
    return store


@pytest.fixture
def lake_catalog_db(postgres_url) -> str:
    """A fresh, uniquely named database for one test's DuckLake catalog: its libpq string
    (host=... port=... user=... dbname=...). Dropped after the test."""
    from tests.lake_services import fresh_database

    with fresh_database(postgres_url, "lake") as database:
        yield database.libpq
