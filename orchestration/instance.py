"""The Dagster instance: `finsam run` and `dagster dev` share its run history.

Embedded (and a lake with a catalog file): the instance lives under the home folder, and one run
at a time writes. A lake with a PostgreSQL catalog has several operators: their runs, events and
schedules live in that PostgreSQL server (dagster-postgres), so every operator sees the same
history, and the concurrency limits below hold across all of their runs."""

import json
import os
import random
import re
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from orchestration.settings import Settings, SettingsError

# The pool of every step that rebuilds or maintains the warehouse (dbt, publish, maintenance):
# one at a time across all runs of the instance. Loading files is not in it.
WRITER_POOL = "finsam_writer"

HEADER = """\
# Written by finsam (orchestration/instance.py); see README "Telemetry".
telemetry:
  enabled: false
"""
# DuckDB allows one writer: runs started from the UI (a backfill of several measurement years,
# the landing sensor) wait for each other instead of failing on the warehouse lock.
ONE_WRITER = """\
# DuckDB allows one writer: runs started from the UI (a backfill of several measurement years,
# the landing sensor) wait for each other instead of failing on the warehouse lock.
run_queue:
  max_concurrent_runs: 1
"""
SHARED = """\
# A lake with a PostgreSQL catalog: runs of every operator are stored in PostgreSQL; loads run
# side by side, while the steps in the pool {pool} (dbt, publish, maintenance) run one at a time.
storage:
  postgres:
    postgres_url: {url}
concurrency:
  runs:
    max_concurrent_runs: 4
  pools:
    default_limit: 1
"""


# One writer: Dagster's SQLite run history in the files of its default storage, written by the
# storages of orchestration/run_history.py (one engine per file instead of one per event).
LOCAL_STORAGE = """\
run_storage:
  module: orchestration.run_history
  class: RunHistoryRunStorage
  config:
    base_dir: {history}
event_log_storage:
  module: orchestration.run_history
  class: RunHistoryEventLogStorage
  config:
    base_dir: {events}
schedule_storage:
  module: orchestration.run_history
  class: RunHistoryScheduleStorage
  config:
    base_dir: {schedules}
"""


def dagster_yaml(settings: Settings) -> str:
    if not settings.shared_writers:
        home = settings.dagster_home.resolve()
        return (
            HEADER
            + ONE_WRITER
            + LOCAL_STORAGE.format(
                history=yaml_string(home / "history"),
                events=yaml_string(home / "history" / "runs"),
                schedules=yaml_string(home / "schedules"),
            )
        )
    url = yaml_string(dagster_postgres_url(settings))
    return HEADER + SHARED.format(pool=WRITER_POOL, url=url)


def yaml_string(value: object) -> str:
    """`value` as a YAML string that reads back as it is, whatever a home folder or a password
    holds (quotes, backslashes, a colon, a hash): a JSON string is a YAML double-quoted one."""
    return json.dumps(str(value))


def dagster_postgres_url(settings: Settings) -> str:
    """FINSAM_DAGSTER_POSTGRES_URL (as postgresql+psycopg2://...), else the lake catalog's own
    PostgreSQL database."""
    given = os.environ.get("FINSAM_DAGSTER_POSTGRES_URL", "").strip()
    if given:
        return given
    if not settings.lake_catalog_is_postgres:
        raise SettingsError(
            "FINSAM_DAGSTER_POSTGRES_URL must name the PostgreSQL database of Dagster's run "
            "history when the warehouse is shared."
        )
    keys = dict(
        re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", settings.lake_catalog_target[9:])
    )
    keys = {key: value.strip("'") for key, value in keys.items()}
    user = quote(keys.get("user", "postgres"), safe="")
    password = f":{quote(keys['password'], safe='')}" if "password" in keys else ""
    host = keys.get("host", "127.0.0.1")
    port = keys.get("port", "5432")
    database = quote(keys.get("dbname", keys.get("user", "postgres")), safe="")
    # +psycopg2: SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which is not installed
    return f"postgresql+psycopg2://{user}{password}@{host}:{port}/{database}"


def prepare_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = dagster_yaml(settings)
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
        config.chmod(0o600)  # it may hold a PostgreSQL password
    os.environ["DAGSTER_HOME"] = str(home)
    if settings.shared_writers:
        _create_shared_storage(home)
    else:
        write_run_history_without_fsync(home)
    return home


# Dagster's SQLite run history opens a connection for every event it stores (about 900 in a run
# of the job, each asset event twice: in the run's file and in the index), and each commit and
# each close (a checkpoint of the write-ahead log) waits for the disk: 1.2-1.8 ms an event on a
# quiet disk, 22 s of an 83 s run at demo scale 10 while another build wrote to the same disk.
# Without waiting for the disk, a process killed mid-run still leaves every event it stored (the
# operating system has them); only a crash of the machine itself could cost the newest events,
# or the file. The warehouse, a DuckDB file, is not touched by this.
_RUN_HISTORY_HOMES: set[str] = set()


def write_run_history_without_fsync(home: Path) -> None:
    """``PRAGMA synchronous = OFF`` on every connection to a SQLite file under the Dagster home,
    from this process (the one that runs the job)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not _RUN_HISTORY_HOMES:
        event.listen(Engine, "connect", _without_fsync_in_run_history)
    _RUN_HISTORY_HOMES.add(str(home.resolve()) + os.sep)


def _without_fsync_in_run_history(connection, _record) -> None:
    if not isinstance(connection, sqlite3.Connection):
        return
    files = [row[2] for row in connection.execute("pragma database_list").fetchall()]
    if any(name.startswith(home) for name in files if name for home in _RUN_HISTORY_HOMES):
        connection.execute("pragma synchronous = OFF")


# Operators that start their first runs at the same moment each create Dagster's tables in the
# shared database; all but one fail on the others' tables, and then find them made.
STORAGE_RACE = re.compile(r"already exists|duplicate key value", re.I)


def _create_shared_storage(home: Path, attempts: int = 8) -> None:
    import dagster as dg

    for attempt in range(1, attempts + 1):
        try:
            dg.DagsterInstance.from_config(str(home)).dispose()
            return
        except Exception as error:
            if attempt == attempts or not STORAGE_RACE.search(str(error)):
                raise
            time.sleep(0.3 * attempt * (0.5 + random.random()))
