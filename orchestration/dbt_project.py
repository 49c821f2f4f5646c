"""The dbt project as Dagster sees it, and its manifest.

Kept apart from orchestration.defs.transform, whose @dbt_assets read the manifest when imported:
this module can be imported (and the manifest prepared) before that."""

import os
import shutil
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import using_dagster_dev
from packaging import version

from orchestration.settings import DBT_PROJECT_DIR, SEEDS_DIR

# The dbt of this environment, whether or not its bin folder is on PATH (`make dev` does not put
# .venv/bin there, and dagster-dbt's own preparer looks for `dbt` on PATH).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


# The manifest describes the project, not a home folder: it lives in dbt_project/target (a build
# cache, ignored by git), while each run's artefacts go under HOME/dbt/target.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class FinsamDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs this project never uses.

    Before each dbt command, DbtCliResource (dagster-dbt 0.29) starts `dbt --version` once to learn
    dbt's version (about 2 s), and loads the profile, project and macros into the Dagster process
    to hand dbt's adapter to the invocation (1 to 3 s), which needs it only for
    `fetch_row_counts()` and `fetch_column_metadata()`. The version is that of the dbt-core
    installed beside us (the lock file pins both), and no adapter is what dagster-dbt itself
    gives when it cannot make one. tests/test_dbt_resource.py pins both overrides, so that an
    upgrade that renames them fails there, not silently."""

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 (the signature overridden)
        return None


dbt_resource = FinsamDbtCliResource(
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


PARSE_STATE = "partial_parse.msgpack"


def keep_parse_state(invocation_target: Path, home_target: Path) -> None:
    """Keep what dbt parsed in one invocation for the next one of the same home.

    Each run's dbt writes into a folder of its own (HOME/dbt/target/run-<id>), which starts empty,
    so every invocation parsed the whole project again (about 3.5 s). dagster-dbt copies a
    partial_parse.msgpack from DBT_TARGET_PATH (HOME/dbt/target) into each new folder; keeping
    the latest one there lets dbt parse only what changed since (nothing, most days). dbt itself
    checks that the saved state fits the project, its variables and its profile, and parses again
    whatever does not."""
    state = invocation_target / PARSE_STATE
    if not state.is_file():
        return
    home_target.mkdir(parents=True, exist_ok=True)
    partial = home_target / f".{PARSE_STATE}.{os.getpid()}.tmp"
    shutil.copyfile(state, partial)
    partial.replace(home_target / PARSE_STATE)  # a starting invocation never reads half a file


def seed_parse_state(home_target: Path) -> None:
    """A home without a parse state of its own (a new home) starts from the one `dbt parse`
    saved in dbt_project/target (prepare_manifest). The profile names nothing of a home's own
    (dbt_project/profiles.yml), so dbt finds that it fits and parses only what differs, where it
    parsed the whole project (3.5 processor-seconds) before."""
    project_target = dbt_project.project_dir / dbt_project.target_path
    if (home_target / PARSE_STATE).is_file() or not (project_target / PARSE_STATE).is_file():
        return
    keep_parse_state(project_target, home_target)


# Under `dagster dev` only: parse the project when it changed, so that a reload of the code
# location sees edited models. Not dbt_project.prepare_if_dev(): its preparer builds a
# DbtCliResource of its own that looks for `dbt` on PATH.
if using_dagster_dev():
    prepare_manifest()
