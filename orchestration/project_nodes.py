"""The dbt nodes that depend on the project alone, and when a run leaves them as they are.

The seeds, the dimensions and published lists made from them, the t quantiles, and the tests on
those (22 models and seeds and 88 tests of a build's 262 nodes) read no source: whatever was
loaded, the same dbt project builds them the same. So `finsam run` leaves them out of its asset
selection when
- it is not `--rebuild`;
- the home's last dbt build finished and used this very project
  (orchestration.defs.transform.project_changed_since_last_build: models, macros, seeds, dbt;
  a build that does not finish leaves no record, so the next one builds everything);
- each of their tables is in the warehouse;
- no other home writes the warehouse (a lake with a PostgreSQL catalog, MotherDuck).
The tables then stay as that build made them, and the outcomes of their tests are carried into
this run's check results from the run that ran them (audit.check_results.carried_from_run_id), so
the published check outcomes still list every check. Anything else runs the whole project, as a
run the Dagster UI or a schedule starts always does. README, "What a run skips", says it for
operators.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import dagster as dg

from orchestration.settings import Settings

UNIQUE_ID = "dagster_dbt/unique_id"  # dagster-dbt's metadata key on every dbt asset and check
BUILT = ("model", "seed")


def project_only_ids(manifest: Mapping[str, Any]) -> frozenset[str]:
    """The unique ids of the models, seeds and tests no source reaches (dbt's `source:*+`
    complemented)."""
    children = manifest["child_map"]
    reached: set[str] = set()
    pending = list(manifest["sources"])
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in reached:
                reached.add(child)
                pending.append(child)
    return frozenset(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in (*BUILT, "test") and unique_id not in reached
    )


@cache
def _manifest() -> Mapping[str, Any]:
    from orchestration.dbt_project import dbt_project

    return json.loads(dbt_project.manifest_path.read_text())


@cache
def _project_only_nodes() -> list[Mapping[str, Any]]:
    """The project's own project-only nodes, as its manifest describes them."""
    manifest = _manifest()
    return [manifest["nodes"][unique_id] for unique_id in project_only_ids(manifest)]


def project_only_keys(
    dbt_assets: dg.AssetsDefinition,
) -> tuple[frozenset[dg.AssetKey], frozenset[dg.AssetCheckKey]]:
    """The Dagster assets and asset checks of the project-only dbt nodes."""
    only = {node["unique_id"] for node in _project_only_nodes()}
    assets = frozenset(
        key for key, spec in dbt_assets.specs_by_key.items() if spec.metadata.get(UNIQUE_ID) in only
    )
    checks = frozenset(
        spec.key for spec in dbt_assets.check_specs if (spec.metadata or {}).get(UNIQUE_ID) in only
    )
    return assets, checks


def project_only_tests() -> frozenset[str]:
    """The names of the project-only dbt tests, as audit.check_results names them."""
    return frozenset(
        node["name"] for node in _project_only_nodes() if node["resource_type"] == "test"
    )


def project_only_relations() -> list[tuple[str, str]]:
    """(schema, table) of every project-only model and seed in the warehouse."""
    return sorted(
        (node["schema"], node.get("alias") or node["name"])
        for node in _project_only_nodes()
        if node["resource_type"] in BUILT
    )


def all_in_warehouse(settings: Settings, relations: Iterable[tuple[str, str]]) -> bool:
    from orchestration.warehouse import connect, warehouse_exists

    wanted = set(relations)
    if not warehouse_exists(settings):
        return False
    con = connect(settings, read_only=True)
    try:
        found = set(
            con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
        )
    finally:
        con.close()
    return wanted <= found


def selection_without_project_nodes(
    settings: Settings,
    job: dg.JobDefinition,
    dbt_assets: dg.AssetsDefinition,
    rebuild: bool,
    project_changed: bool,
) -> list[dg.AssetKey] | None:
    """The job's assets less the project-only dbt nodes when the run may leave them as they are
    (see the module; `project_changed`: since the home's last successful build); None: the
    whole job."""
    job_keys = job.asset_layer.executable_asset_keys
    left, _ = project_only_keys(dbt_assets)
    # the home's record of its last build cannot vouch for a warehouse other homes build too
    if rebuild or project_changed or settings.shared_writers or not left <= job_keys:
        return None
    if not all_in_warehouse(settings, project_only_relations()):
        return None
    return sorted(job_keys - left)
