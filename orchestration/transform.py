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
    invocation = dbt.cli(["build"], context=context)
    try:
        yield from invocation.stream()
    finally:
        # dbt holds the warehouse while it runs: record its tests once it has let go. Every data
        # and unit test is taken from run_results.json, also the singular tests with several
        # parents that Dagster reports only as observations.
        record_check_results(load_settings(), dbt_test_rows(context.run_id, invocation))
    docs = generate_docs(dbt)
    context.log.info(f"dbt docs for analysts (lineage and column docs): {docs}")


def generate_docs(dbt: DbtCliResource) -> Path:
    """`dbt docs generate --static`: one self-contained HTML file under HOME/dbt/docs."""
    docs = load_settings().dbt_docs_path
    dbt.cli(["docs", "generate", "--static"], target_path=docs.parent, raise_on_error=True).wait()
    return docs


def dbt_test_rows(run_id: str, invocation) -> list[dict]:
    """One audit.check_results row per dbt data test and unit test the invocation ran."""
    try:
        run_results = invocation.get_artifact("run_results.json")
    except (FileNotFoundError, OSError):
        return []  # dbt stopped before writing its results; the run fails anyway
    manifest = invocation.manifest
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    return [
        dbt_test_row(run_id, result, nodes.get(result["unique_id"], {}), nodes)
        for result in run_results.get("results", [])
        if result["unique_id"].split(".")[0] in ("test", "unit_test")
    ]


def dbt_test_row(run_id: str, result: dict, node: dict, nodes: Mapping[str, Any]) -> dict:
    """A dbt test result as a row of audit.check_results: named and attached to the models it
    tests (as schema/model, like the GX checks), with its severity and failing rows."""
    if node.get("attached_node"):
        tested = [node["attached_node"]]
    elif node.get("model"):  # a unit test
        tested = [f"model.{node.get('package_name', 'finsam')}.{node['model']}"]
    else:  # a singular test reading several models
        parents = (node.get("depends_on") or {}).get("nodes", [])
        tested = sorted(parent for parent in parents if parent.startswith("model."))
    attached = ", ".join(
        f"{nodes.get(key, {}).get('schema', 'dbt')}/{key.split('.')[-1]}" for key in tested
    )
    failures = result.get("failures")
    return {
        "run_id": run_id,
        "check_name": node.get("name") or result["unique_id"].split(".")[-1],
        "asset_key": attached,
        "source": "dbt",
        "severity": str((node.get("config") or {}).get("severity") or "error").lower(),
        "passed": result.get("status") == "pass",
        "observed_value": result.get("status"),
        "unexpected_count": failures if isinstance(failures, int) else None,
        "example_rows": None,
    }
