"""One place for paths and DuckDB connection settings.

Everything the pipeline writes lives under one home folder (``FINSAM_HOME``, default ``./data``).
dbt's ``profiles.yml`` reads the same environment variables that :func:`export_environment` sets,
so Python and dbt always agree on the warehouse file and its resource limits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
# Survey tools' layouts and the declarations of which survey is whose (sources/README.md)
SOURCES_DIR = PROJECT_ROOT / "sources"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
REPORTS_DIR = PROJECT_ROOT / "reports"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# The whole process tree peaks 1-2 GB above DuckDB's limit (dbt's Python beside the Dagster
# process): with 1.5GB a scale-100 run peaked at 2.5 to 3.5 GB on the 2-core, 24 GB machine
# (README, "Performance").
DEFAULT_MEMORY_LIMIT = "1.5GB"
DEFAULT_THREADS = 2
# Who publishes the site and whom readers contact: every page states both (FINSAM_PUBLISHER,
# FINSAM_CONTACT). The defaults name the instrument's owner and its public website.
DEFAULT_PUBLISHER = "Nationella nätverket för samordningsförbund (NNS)"
DEFAULT_CONTACT = "https://www.finsam.se"

# Retention (docs/integritet.md): how many years after its measurement year has ended (31 October)
# an open-text answer, and a raw file in the archive, is kept; None keeps it for ever ("forever").
# Open texts can name people and are never published: two years covers the association's own
# follow-up of the year and of the next. Raw files are kept five years so that a catalogue
# correction can still replay recent years (`finsam reload-year`); their questionnaire rows stay.
DEFAULT_KEEP_OPEN_TEXT_YEARS = 2
DEFAULT_KEEP_RAW_FILES_YEARS = 5
FOREVER = "forever"

# How long a second writer waits for the first before it stops (orchestration/lock.py), how many
# complete publications are kept (orchestration/publish/publications.py), and which landing files
# the loader reads: none larger than this, none changed more recently (orchestration/ingest/guards).
DEFAULT_LOCK_WAIT_SECONDS = 600
DEFAULT_KEEP_PUBLICATIONS = 10
DEFAULT_MAX_FILE_MB = 200
DEFAULT_SETTLE_SECONDS = 2.0

# Where the warehouse is kept (orchestration/warehouse.py, README "Where the warehouse is kept"):
# one DuckDB file in the home folder (the default), a DuckLake (catalog in a local file or in
# PostgreSQL, Parquet data in a folder or on S3-compatible storage), or a MotherDuck database.
EMBEDDED, LAKE, MOTHERDUCK = "embedded", "lake", "motherduck"
WAREHOUSE_MODES = (EMBEDDED, LAKE, MOTHERDUCK)
DEFAULT_MOTHERDUCK_DATABASE = "md:finsam"

# Telemetry of every tool in the stack is switched off; see README "Telemetry".
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "EVIDENCE_TELEMETRY_DISABLED": "1",
}
# Progress bars of tools that draw them through tqdm would drown the run log. (GX passes tqdm
# `disable=` itself, so its bars are switched off in its context: orchestration/defs/quality.py.)
QUIET_TOOLS = {"TQDM_DISABLE": "1"}


class SettingsError(ValueError):
    """A setting (environment variable or option) has a value the pipeline cannot use."""


@dataclass(frozen=True)
class Settings:
    home: Path
    landing: Path
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int = DEFAULT_THREADS
    publisher: str = DEFAULT_PUBLISHER
    contact: str = DEFAULT_CONTACT
    keep_open_text_years: int | None = DEFAULT_KEEP_OPEN_TEXT_YEARS
    keep_raw_files_years: int | None = DEFAULT_KEEP_RAW_FILES_YEARS
    warehouse_mode: str = EMBEDDED
    # lake mode: "postgres:<libpq string>" or a catalog file; a folder or s3://bucket/prefix/
    lake_catalog: str | None = None
    lake_data_path: str | None = None
    motherduck_database: str = DEFAULT_MOTHERDUCK_DATABASE
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS
    keep_publications: int = DEFAULT_KEEP_PUBLICATIONS
    max_file_mb: float = DEFAULT_MAX_FILE_MB
    settle_seconds: float = DEFAULT_SETTLE_SECONDS

    @property
    def max_file_bytes(self) -> int:
        """The largest landing file the loader reads (or an XLSX may unpack to)."""
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def warehouse_path(self) -> Path:
        """The embedded warehouse file (only the embedded mode keeps the warehouse there)."""
        return self.home / "warehouse.duckdb"

    @property
    def lake_catalog_target(self) -> str:
        """The lake's catalog: as set, or a catalog file in the home folder (no server)."""
        return self.lake_catalog or str(self.home / "lake" / "catalog.ducklake")

    @property
    def lake_data_target(self) -> str:
        """Where the lake's Parquet files go: as set, or a folder in the home folder."""
        return self.lake_data_path or str(self.home / "lake" / "data") + "/"

    @property
    def lake_catalog_is_postgres(self) -> bool:
        return self.lake_catalog_target.startswith("postgres:")

    @property
    def shared_writers(self) -> bool:
        """Whether several processes may write the warehouse at once: a lake whose catalog is a
        server (PostgreSQL) or MotherDuck. A file (the embedded warehouse, or a lake's catalog
        file) has one writer, so the home's writer lock keeps every writer in turn."""
        if self.warehouse_mode == LAKE:
            return self.lake_catalog_is_postgres
        return self.warehouse_mode == MOTHERDUCK

    @property
    def published_dir(self) -> Path:
        return self.home / "published"

    @property
    def published_path(self) -> Path:
        return self.published_dir / "finsam.duckdb"

    @property
    def published_marts_path(self) -> Path:
        """The current publication's copy of the marts, for analysts (never published)."""
        return self.published_dir / "marts.duckdb"

    @property
    def publications_dir(self) -> Path:
        """Every kept publication (snapshot, downloads, site); HOME/published links the current."""
        return self.home / "publications"

    @property
    def downloads_dir(self) -> Path:
        """Every published table as CSV (Swedish Excel) and Parquet; the site serves a copy."""
        return self.published_dir / "downloads"

    @property
    def site_dir(self) -> Path:
        return self.home / "site"

    @property
    def archive_dir(self) -> Path:
        """Content-addressed copies of every raw file seen, so any load can be replayed."""
        return self.home / "archive"

    @property
    def temp_dir(self) -> Path:
        return self.home / "tmp"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def logs_dir(self) -> Path:
        """One log file per `finsam run` (Dagster, dbt, GX and every library's output)."""
        return self.home / "logs"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home / "dbt" / "target"

    @property
    def dbt_docs_path(self) -> Path:
        """The dbt docs site (lineage and column docs) as one self-contained HTML file."""
        return self.home / "dbt" / "docs" / "static_index.html"

    def ensure_dirs(self) -> None:
        # HOME/published and HOME/site are links to a publication, made by the publish step
        for path in (self.home, self.landing, self.archive_dir, self.temp_dir):
            path.mkdir(parents=True, exist_ok=True)

    def environment(self) -> dict[str, str]:
        """Variables that dbt's profiles.yml, Evidence and the Dagster instance read."""
        return {
            **TELEMETRY_OFF,
            **QUIET_TOOLS,
            "FINSAM_HOME": str(self.home),
            "FINSAM_LANDING": str(self.landing),
            "FINSAM_WAREHOUSE": str(self.warehouse_path),
            "FINSAM_WAREHOUSE_MODE": self.warehouse_mode,
            "FINSAM_LAKE_CATALOG": self.lake_catalog_target,
            "FINSAM_LAKE_DATA_PATH": self.lake_data_target,
            "FINSAM_MOTHERDUCK_DATABASE": self.motherduck_database,
            # dbt's profile (dbt_project/profiles.yml) has one target per mode
            "FINSAM_DBT_TARGET": "default"
            if self.warehouse_mode == EMBEDDED
            else self.warehouse_mode,
            "FINSAM_DUCKDB_MEMORY_LIMIT": self.memory_limit,
            "FINSAM_DUCKDB_THREADS": str(self.threads),
            "FINSAM_DUCKDB_TEMP_DIR": str(self.temp_dir),
            "FINSAM_PUBLISHER": self.publisher,
            "FINSAM_CONTACT": self.contact,
            "FINSAM_KEEP_OPEN_TEXT_YEARS": keep_years_text(self.keep_open_text_years),
            "FINSAM_KEEP_RAW_FILES_YEARS": keep_years_text(self.keep_raw_files_years),
            "DBT_TARGET_PATH": str(self.dbt_target_dir),
        }

    def export_environment(self) -> None:
        os.environ.update(self.environment())

    def environment_exported(self) -> AbstractContextManager[None]:
        """The settings in this process's environment while a run in it lasts, then the
        environment as it was: a run started in a process that lives on (the Dagster UI, a test)
        leaves no home, lake or limits behind for the next run there to inherit."""
        return environment_set(self.environment())


class environment_set(AbstractContextManager[None]):  # noqa: N801 (used as a function)
    """`values` in this process's environment while the block lasts, then each of those names as
    it was before (unset again where it was unset). Other names the block sets stay set, unlike
    with `unittest.mock.patch.dict`.

    A class, not a @contextmanager generator: a generator's `finally` also runs when an entered
    block that was never left is garbage collected, and so put back an old run's environment in
    the middle of a later run in the same process (its dbt then opened ./data's warehouse)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self._before: dict[str, str | None] = {}

    def __enter__(self) -> None:
        self._before = {name: os.environ.get(name) for name in self._values}
        os.environ.update(self._values)

    def __exit__(self, *exc_info) -> None:
        for name, value in self._before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parse_number(
    name: str,
    given: float | str | None,
    default: float,
    requirement: str,
    minimum: float = 0,
    whole=False,
):
    """A numeric setting as given, else from the environment, else its default; SettingsError
    naming it when it is unusable."""
    raw = str(given) if given is not None else os.environ.get(name, str(default))
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise SettingsError(f"{name} must be {requirement}, got {raw!r}.")
    return value


def _parse_threads(raw: str) -> int:
    try:
        threads = int(raw)
    except ValueError:
        threads = 0
    if threads < 1:
        raise SettingsError(
            f"FINSAM_DUCKDB_THREADS must be a whole number of at least 1, got {raw!r}."
        )
    return threads


_MEMORY_LIMIT = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def _parse_memory_limit(raw: str) -> str:
    if not _MEMORY_LIMIT.match(raw.strip()):
        raise SettingsError(
            f"FINSAM_DUCKDB_MEMORY_LIMIT must be a size such as 4GB or 512MB, got {raw!r}."
        )
    return raw.strip()


def _parse_text(name: str, raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise SettingsError(f"{name} must not be empty: every page of the site states it.")
    return text


def parse_keep_years(name: str, raw: str | int | None, default: int) -> int | None:
    """A retention rule: whole years after the measurement year has ended, or None for
    "forever"; SettingsError naming the setting when it is neither."""
    text = str(default if raw is None or str(raw).strip() == "" else raw).strip()
    if text.lower() == FOREVER:
        return None
    try:
        years = int(text)
    except ValueError:
        years = -1
    if years < 0:
        raise SettingsError(
            f"{name} must be a whole number of years (0 or more) or {FOREVER!r}, got {raw!r}."
        )
    return years


def keep_years_text(years: int | None) -> str:
    """A retention rule as the setting takes it."""
    return FOREVER if years is None else str(years)


def load_settings(
    home: str | Path | None = None,
    landing: str | Path | None = None,
    memory_limit: str | None = None,
    threads: int | str | None = None,
    publisher: str | None = None,
    contact: str | None = None,
    keep_open_text_years: str | int | None = None,
    keep_raw_files_years: str | int | None = None,
    warehouse_mode: str | None = None,
    lake_catalog: str | None = None,
    lake_data_path: str | None = None,
    motherduck_database: str | None = None,
    lock_wait_seconds: float | str | None = None,
    keep_publications: int | str | None = None,
    max_file_mb: float | str | None = None,
    settle_seconds: float | str | None = None,
) -> Settings:
    """Settings from explicit arguments, else the environment, else the embedded defaults."""
    home_path = Path(home or os.environ.get("FINSAM_HOME") or PROJECT_ROOT / "data").resolve()
    landing_path = Path(landing or os.environ.get("FINSAM_LANDING") or home_path / "landing")
    memory_limit = _parse_memory_limit(
        memory_limit or os.environ.get("FINSAM_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
    )
    threads = _parse_threads(
        str(threads or os.environ.get("FINSAM_DUCKDB_THREADS", str(DEFAULT_THREADS)))
    )
    open_text, raw_files = (
        parse_keep_years(name, given if given is not None else os.environ.get(name), default)
        for name, given, default in (
            ("FINSAM_KEEP_OPEN_TEXT_YEARS", keep_open_text_years, DEFAULT_KEEP_OPEN_TEXT_YEARS),
            ("FINSAM_KEEP_RAW_FILES_YEARS", keep_raw_files_years, DEFAULT_KEEP_RAW_FILES_YEARS),
        )
    )
    return Settings(
        home=home_path,
        landing=landing_path.resolve(),
        memory_limit=memory_limit,
        threads=threads,
        publisher=_parse_text(
            "FINSAM_PUBLISHER", publisher or os.environ.get("FINSAM_PUBLISHER", DEFAULT_PUBLISHER)
        ),
        contact=_parse_text(
            "FINSAM_CONTACT", contact or os.environ.get("FINSAM_CONTACT", DEFAULT_CONTACT)
        ),
        keep_open_text_years=open_text,
        keep_raw_files_years=raw_files,
        warehouse_mode=_parse_mode(warehouse_mode or os.environ.get("FINSAM_WAREHOUSE_MODE")),
        lake_catalog=_parse_optional(lake_catalog or os.environ.get("FINSAM_LAKE_CATALOG")),
        lake_data_path=_parse_optional(lake_data_path or os.environ.get("FINSAM_LAKE_DATA_PATH")),
        motherduck_database=_parse_motherduck(
            motherduck_database or os.environ.get("FINSAM_MOTHERDUCK_DATABASE")
        ),
        lock_wait_seconds=parse_number(
            "FINSAM_LOCK_WAIT_SECONDS",
            lock_wait_seconds,
            DEFAULT_LOCK_WAIT_SECONDS,
            "a number of seconds, 0 or more",
        ),
        keep_publications=parse_number(
            "FINSAM_KEEP_PUBLICATIONS",
            keep_publications,
            DEFAULT_KEEP_PUBLICATIONS,
            "a whole number of at least 1",
            1,
            whole=True,
        ),
        max_file_mb=parse_number(
            "FINSAM_MAX_FILE_MB", max_file_mb, DEFAULT_MAX_FILE_MB, "a number, 0 or more"
        ),
        settle_seconds=parse_number(
            "FINSAM_SETTLE_SECONDS", settle_seconds, DEFAULT_SETTLE_SECONDS, "a number, 0 or more"
        ),
    )


def _parse_mode(raw: str | None) -> str:
    mode = (raw or EMBEDDED).strip().lower()
    if mode not in WAREHOUSE_MODES:
        raise SettingsError(
            f"FINSAM_WAREHOUSE_MODE must be one of {', '.join(WAREHOUSE_MODES)}, got {raw!r}."
        )
    return mode


def _parse_optional(raw: str | None) -> str | None:
    return raw.strip() or None if raw else None


def _parse_motherduck(raw: str | None) -> str:
    database = (raw or DEFAULT_MOTHERDUCK_DATABASE).strip()
    if not database.startswith("md:") or len(database) == 3:
        raise SettingsError(
            f"FINSAM_MOTHERDUCK_DATABASE must name a MotherDuck database as md:NAME, got {raw!r}."
        )
    return database


def has_table(con, schema: str, table: str, catalog: str | None = None) -> bool:
    """Whether the connected database (or the attached `catalog`) has the table (a new home has
    none yet)."""
    return con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ? "
        "and table_catalog = coalesce(?, current_database())",
        [schema, table, catalog],
    ).fetchone() != (0,)


def has_column(con, schema: str, table: str, column: str) -> bool:
    """Whether the table has the column (a warehouse made by an earlier version may not)."""
    return con.execute(
        "select count(*) from information_schema.columns "
        "where table_schema = ? and table_name = ? and column_name = ?",
        [schema, table, column],
    ).fetchone() != (0,)
