"""The Dagster instance: `finsam run` and `dagster dev` share its run history.

Embedded (and a lake with a catalog file): the instance lives under the home folder, and one run
at a time writes. A lake with a PostgreSQL catalog has several operators: their runs, events and
schedules live in that PostgreSQL server (dagster-postgres), so every operator sees the same
history, and the concurrency limits below hold across all of their runs."""

import os
import random
import re
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
    postgres_url: "{url}"
concurrency:
  runs:
    max_concurrent_runs: 4
  pools:
    default_limit: 1
"""


def dagster_yaml(settings: Settings) -> str:
    if not settings.shared_writers:
        return HEADER + ONE_WRITER
    return HEADER + SHARED.format(pool=WRITER_POOL, url=dagster_postgres_url(settings))


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
    return home


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
