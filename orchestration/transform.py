"""dbt through dagster-dbt: `dbt build`, so every dbt test shows up as an asset check."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.quality import record_check_results
from orchestration.settings import DBT_PROJECT_DIR, SEEDS_DIR, load_settings

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target_path=load_settings().dbt_target_dir,
)


# The dbt of this environment, whether or not its bin folder is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
dbt_resource = DbtCliResource(
    project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
)


def _newest_source_mtime() -> float:
    patterns = ("*.sql", "*.py", "*.yml")  # Python models count too
    files = [path for pattern in patterns for path in DBT_PROJECT_DIR.rglob(pattern)]
    files += list(SEEDS_DIR.iterdir())
    return max(path.stat().st_mtime for path in files if path.is_file())


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than the project's files."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        dbt_resource.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


class FinsamDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (seeds become 'catalog'); sources keep the default
    [source, table] keys, which are the ingest assets' keys, so the lineage is connected."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "catalog"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


ensure_manifest()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=FinsamDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def finsam_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    test_results = []
    try:
        for event in dbt.cli(["build"], context=context).stream():
            if isinstance(event, dg.AssetCheckResult):
                test_results.append(event)
            yield event
    finally:
        # dbt holds the warehouse while it runs: record its tests once it has let go.
        record_check_results(
            load_settings(), [dbt_check_row(context.run_id, r) for r in test_results]
        )
    docs = generate_docs(dbt)
    context.log.info(f"dbt docs for analysts (lineage and column docs): {docs}")


def generate_docs(dbt: DbtCliResource) -> Path:
    """`dbt docs generate --static`: one self-contained HTML file under HOME/dbt/docs."""
    docs = load_settings().dbt_docs_path
    dbt.cli(["docs", "generate", "--static"], target_path=docs.parent, raise_on_error=True).wait()
    return docs


def dbt_check_row(run_id: str, result: dg.AssetCheckResult) -> dict:
    metadata = result.metadata or {}
    failures = metadata.get("dagster_dbt/failed_row_count")
    count = getattr(failures, "value", failures)
    return {
        "run_id": run_id,
        "check_name": result.check_name,
        "asset_key": result.asset_key.to_user_string() if result.asset_key else "",
        "source": "dbt",
        "severity": "error" if result.severity == dg.AssetCheckSeverity.ERROR else "warn",
        "passed": bool(result.passed),
        "observed_value": None if count is None else str(count),
        "unexpected_count": count if isinstance(count, int) else None,
        "example_rows": None,
    }
