"""The Dagster instance under the home folder: `finsam run` and `dagster dev` share run history."""

import os
from pathlib import Path

from orchestration.settings import Settings

DAGSTER_YAML = """\
# Written by finsam; see README "Telemetry".
telemetry:
  enabled: false
"""


def prepare_dagster_home(settings: Settings) -> Path:
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
