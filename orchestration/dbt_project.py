"""The dbt project as Dagster sees it, and its manifest.

Kept apart from orchestration.transform, whose @dbt_assets read the manifest when imported: this
module can be imported (and the manifest prepared) before that."""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.settings import DBT_PROJECT_DIR, SEEDS_DIR

# The dbt of this environment, whether or not its bin folder is on PATH (`make dev` does not put
# .venv/bin there, and dagster-dbt's own preparer looks for `dbt` on PATH).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


# The manifest describes the project, not a home folder: it lives in dbt_project/target (a build
# cache, ignored by git), while each run's artefacts go under HOME/dbt/target.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_resource = DbtCliResource(
    project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
)


def _newest_source_mtime() -> float:
    patterns = ("*.sql", "*.py", "*.yml")  # Python models count too
    files = [path for pattern in patterns for path in DBT_PROJECT_DIR.rglob(pattern)]
    files = [path for path in files if "target" not in path.relative_to(DBT_PROJECT_DIR).parts]
    files += list(SEEDS_DIR.iterdir())
    return max(path.stat().st_mtime for path in files if path.is_file())


def prepare_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than the project's files.

    Called before the definitions are loaded (by `finsam`, `make dev` and the tests), and by
    `dagster dev` when it loads the code location; never on import otherwise: the definitions
    read the manifest but must not write anything."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        dbt_resource.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest


# Under `dagster dev` only: parse the project when it changed, so that a reload of the code
# location sees edited models. Not dbt_project.prepare_if_dev(): its preparer builds a
# DbtCliResource of its own that looks for `dbt` on PATH.
if using_dagster_dev():
    prepare_manifest()
