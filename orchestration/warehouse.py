"""Where the warehouse is kept, and the one way to open it.

Three places, chosen by one setting (FINSAM_WAREHOUSE_MODE, the resource field
`warehouse_mode`; README "Where the warehouse is kept"):

- `embedded` (the default): one DuckDB file, HOME/warehouse.duckdb, one writer at a time;
- `lake`: a DuckLake, its catalog in a local file (no server, one writer) or in PostgreSQL
  (several writers), its data Parquet files in a folder or on S3-compatible storage;
- `motherduck`: a MotherDuck database (configured and documented, not tested here).

Every connection of the pipeline (ingest, dbt through its profile's plugin, GX, publish, status,
withdraw, purge) goes through :func:`connect` or :func:`attach_warehouse`, so the modes differ
only here. In every mode the warehouse is the catalog `warehouse`, so SQL that names it works in
all three.

DuckDB's extension repository is not reachable from the machines this runs on, and nothing may
be downloaded at run time: the `ducklake`, `postgres_scanner` and `httpfs` extensions come from
pinned wheels (pyproject.toml) and are loaded from their files, which DuckDB accepts only with a
valid signature of DuckDB's (`allow_unsigned_extensions` stays off). Automatic installs are off.
"""

from __future__ import annotations

import importlib
import os
import random
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import duckdb

from orchestration.settings import EMBEDDED, LAKE, MOTHERDUCK, Settings, SettingsError

WAREHOUSE = "warehouse"
# Every DuckDB file that leaves the warehouse (the published snapshot, the analysts' marts) is
# written in the storage format of DuckDB 1.4, which the site's build (Evidence's
# @duckdb/node-api 1.4) reads: tests/test_published_storage.py opens them with it.
PUBLISHED_STORAGE_VERSION = "v1.4.0"
# The extensions a lake needs, by the wheel that carries each (duckdb-extension-<name>).
DUCKLAKE, POSTGRES, HTTPFS = "ducklake", "postgres_scanner", "httpfs"

# Two writers of a lake that touched the same table at once: DuckLake commits the first and
# refuses the second ("Transaction conflict"); the second is run again on the new state. So is
# one that added the same new table or column as another a moment before (a new lake, or a
# warehouse of an earlier version, opened by several loads at once).
CONFLICT_TEXT = re.compile(r"Transaction conflict|Catalog Error: .* already exists", re.I)
CONFLICT_ATTEMPTS = 8
CATALOG_RACE = re.compile(
    r"Failed to initialize DuckLake.*(duplicate key|already exists)", re.I | re.S
)

T = TypeVar("T")


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened where the settings say it is."""


def extension_file(name: str) -> Path:
    """The signed extension file of this DuckDB version, from its wheel."""
    try:
        module = importlib.import_module(f"duckdb_extension_{name}")
    except ImportError as error:
        raise WarehouseError(
            f"DuckDB's {name} extension is not installed (the wheel duckdb-extension-{name}); "
            "`make setup` installs it from the lock file."
        ) from error
    path = (
        Path(module.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / f"{name}.duckdb_extension"
    )
    if not path.is_file():
        raise WarehouseError(
            f"The {name} extension installed is not built for DuckDB {duckdb.__version__} "
            f"({path} is missing); `make setup` installs the pinned pair."
        )
    return path


def load_extensions(con, names: Iterable[str]) -> None:
    """Load extensions from their files; DuckDB checks each file's signature."""
    loaded = {
        name
        for (name,) in con.execute(
            "select extension_name from duckdb_extensions() where loaded"
        ).fetchall()
    }
    for name in names:
        if name not in loaded:
            con.execute(f"load {_literal(extension_file(name))}")


def lake_extensions(settings: Settings) -> list[str]:
    names = [DUCKLAKE]
    if settings.lake_catalog_is_postgres:
        names.append(POSTGRES)
    if settings.lake_data_target.startswith(("s3://", "s3a://", "gs://", "r2://", "https://")):
        names.append(HTTPFS)
    return names


def duckdb_config(settings: Settings) -> dict:
    """The explicit limits of every connection, and no extension fetched from the network
    (MotherDuck's own extension is the exception: that mode needs the network anyway)."""
    return {
        "memory_limit": settings.memory_limit,
        "threads": settings.threads,
        "temp_directory": str(settings.temp_dir),
        "autoinstall_known_extensions": settings.warehouse_mode == MOTHERDUCK,
    }


def connect(
    settings: Settings,
    path: Path | None = None,
    read_only: bool = False,
    snapshot: int | None = None,
):
    """A DuckDB connection to the warehouse (or, with `path`, to that DuckDB file), with the
    project's explicit memory limit, threads and temp folder; `snapshot` reads a lake as it was
    then."""
    settings.temp_dir.mkdir(parents=True, exist_ok=True)
    if snapshot is not None and settings.warehouse_mode != LAKE:
        raise SettingsError("Reading the warehouse as of a snapshot needs the lake mode.")
    if path is not None or settings.warehouse_mode == EMBEDDED:
        config = duckdb_config(settings)
        if path is not None:
            config["storage_compatibility_version"] = PUBLISHED_STORAGE_VERSION
        target = path or settings.warehouse_path
        target.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(target), read_only=read_only, config=config)
    else:
        con = duckdb.connect(":memory:", config=duckdb_config(settings))
        try:
            attach_warehouse(con, settings, read_only=read_only, snapshot=snapshot)
            con.execute(f"use {WAREHOUSE}")
        except BaseException:
            con.close()
            raise
    # no progress bars in the pipeline's output (long copies would print them)
    con.execute("set enable_progress_bar = false")
    return con


def attach_warehouse(
    con,
    settings: Settings,
    alias: str = WAREHOUSE,
    read_only: bool = False,
    snapshot: int | None = None,
    embedded_file: Path | None = None,
) -> None:
    """Attach the warehouse to an open connection as `alias`, wherever it is kept. `snapshot`
    (lake only) attaches it as it was at that DuckLake snapshot (time travel); `embedded_file`
    is another file than the home's for the embedded mode."""
    if snapshot is not None and settings.warehouse_mode != LAKE:
        raise SettingsError("Reading the warehouse as of a snapshot needs the lake mode.")
    options = ["read_only"] if read_only else []
    if settings.warehouse_mode == EMBEDDED:
        target = _literal(embedded_file or settings.warehouse_path)
    elif settings.warehouse_mode == LAKE:
        prepare_lake(con, settings)
        target = _literal(f"ducklake:{settings.lake_catalog_target}")
        options.append(f"data_path {_literal(settings.lake_data_target)}")
        # Every insert goes to Parquet: rows "inlined" into the catalog (DuckLake's default for
        # small inserts) were misread after a column was added or a table replaced, with a
        # PostgreSQL catalog (DuckDB 1.5.5); small files are merged by `finsam maintain`.
        options.append("data_inlining_row_limit 0")
        if snapshot is not None:
            options.append(f"snapshot_version {int(snapshot)}")
    else:
        target = _literal(settings.motherduck_database)
    given = f" ({', '.join(options)})" if options else ""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            con.execute(f"attach {target} as {alias}{given}")
            return
        except duckdb.Error as error:
            # Writers that open a new lake at the same moment each create its catalog tables;
            # all but one fail, and then find the tables made.
            if not CATALOG_RACE.search(str(error)) or attempt == CONFLICT_ATTEMPTS:
                raise WarehouseError(_attach_failure(settings, error)) from error
            time.sleep(0.2 * attempt * (0.5 + random.random()))


def prepare_lake(con, settings: Settings) -> None:
    """Load the lake's extensions; make its local folders; give DuckDB the object store's key."""
    extensions = lake_extensions(settings)
    load_extensions(con, extensions)
    if not settings.lake_catalog_is_postgres:
        Path(settings.lake_catalog_target).parent.mkdir(parents=True, exist_ok=True)
    data = settings.lake_data_target
    if "://" not in data:
        Path(data).mkdir(parents=True, exist_ok=True)
    elif HTTPFS in extensions:
        con.execute(s3_secret_sql())


def s3_secret_sql() -> str:
    """A DuckDB secret for the lake's object store from FINSAM_S3_* (never from run config, where
    the Dagster UI would show it)."""
    endpoint = os.environ.get("FINSAM_S3_ENDPOINT", "").strip()
    parts = {
        "type": "s3",
        "key_id": os.environ.get("FINSAM_S3_KEY_ID", ""),
        "secret": os.environ.get("FINSAM_S3_SECRET", ""),
        "region": os.environ.get("FINSAM_S3_REGION", "eu-north-1"),
    }
    if endpoint:
        parts |= {
            "endpoint": endpoint,
            "url_style": os.environ.get("FINSAM_S3_URL_STYLE", "path"),
            "use_ssl": os.environ.get("FINSAM_S3_USE_SSL", "true").lower() in ("1", "true", "yes"),
        }
    given = ", ".join(
        f"{key} {value}" if isinstance(value, bool) or key == "type" else f"{key} {_literal(value)}"
        for key, value in parts.items()
    )
    return f"create or replace secret finsam_lake_store ({given})"


def warehouse_exists(settings: Settings) -> bool:
    """Whether a warehouse has been made where the settings say (a new home has none)."""
    if settings.warehouse_mode == EMBEDDED:
        return settings.warehouse_path.exists()
    if settings.warehouse_mode == LAKE and not settings.lake_catalog_is_postgres:
        return Path(settings.lake_catalog_target).exists()
    try:
        con = connect(settings, read_only=True)
    except (duckdb.Error, WarehouseError):
        return False
    try:
        return con.execute(
            "select count(*) from information_schema.tables where table_catalog = ? "
            "and table_schema = 'audit' and table_name = 'file_loads'",
            [WAREHOUSE],
        ).fetchone() != (0,)
    finally:
        con.close()


def where(settings: Settings) -> str:
    """The warehouse's place, for messages (a PostgreSQL password is not shown)."""
    if settings.warehouse_mode == EMBEDDED:
        return str(settings.warehouse_path)
    if settings.warehouse_mode == LAKE:
        catalog = re.sub(r"password=\S+", "password=…", settings.lake_catalog_target)
        return f"the lake (catalog {catalog}, data {settings.lake_data_target})"
    return f"MotherDuck database {settings.motherduck_database}"


def lake_snapshot(con, alias: str = WAREHOUSE) -> int | None:
    """The DuckLake snapshot the connection reads (None for a warehouse that is no lake)."""
    if not is_lake(con, alias):
        return None
    return con.execute(f"select id from ducklake_current_snapshot({_literal(alias)})").fetchone()[0]


def current_snapshot(settings: Settings) -> int | None:
    """The lake's newest snapshot (None in the other modes)."""
    if settings.warehouse_mode != LAKE:
        return None
    con = connect(settings, read_only=True)
    try:
        return lake_snapshot(con)
    finally:
        con.close()


def is_lake(con, alias: str = WAREHOUSE) -> bool:
    return con.execute(
        "select count(*) from duckdb_databases() where database_name = ? and type = 'ducklake'",
        [alias],
    ).fetchone() != (0,)


def is_conflict(error: BaseException) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if CONFLICT_TEXT.search(str(error)):
            return True
        error = error.__cause__ or error.__context__
    return False


class ConflictsPersist(RuntimeError):
    """Other writers kept changing the same tables; the work was not done."""


def retrying_conflicts(
    work: Callable[[], T],
    what: str,
    attempts: int = CONFLICT_ATTEMPTS,
    log: Callable[[str], None] = print,
) -> T:
    """Run `work` (one whole transaction) again when another writer of the lake committed a
    change to the same tables first; each try starts from the state that writer left. After
    `attempts` tries, one sentence says so."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except Exception as error:
            if not is_conflict(error):
                raise
            if attempt == attempts:
                raise ConflictsPersist(
                    f"{what} was refused {attempts} times because other writers changed the same "
                    "tables of the lake at the same moment; nothing of it was written, and "
                    "running it again when they are done loads it."
                ) from error
            pause = min(5.0, 0.2 * 2**attempt) * (0.5 + random.random())
            log(
                f"finsam: {what} met another writer of the lake (try {attempt} of {attempts}); "
                f"trying again in {pause:.1f} s"
            )
            time.sleep(pause)
    raise AssertionError("unreachable")


def _attach_failure(settings: Settings, error: duckdb.Error) -> str:
    return f"The warehouse could not be opened at {where(settings)}: {str(error).splitlines()[0]}"


def _literal(value) -> str:
    """A SQL string literal (ATTACH and LOAD take no parameters; a path may hold a quote)."""
    return "'" + str(value).replace("'", "''") + "'"
