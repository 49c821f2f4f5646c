"""The Dagster instance under the home folder: `finsam run` and `dagster dev` share run history."""

import os
from pathlib import Path

from orchestration.settings import Settings

DAGSTER_YAML = """\
# Written by finsam; see README "Telemetry".
telemetry:
  enabled: false
# DuckDB allows one writer: runs started from the UI (a backfill of several measurement years,
# the landing sensor) wait for each other instead of failing on the warehouse lock.
run_queue:
  max_concurrent_runs: 1
"""


def prepare_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
