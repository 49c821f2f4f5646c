"""The dbt nodes no source reaches, and when a run leaves them as the last build made them
(orchestration/project_nodes.py). Real runs that do so: tests/test_withdraw.py."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb

from orchestration.definitions import defs
from orchestration.defs.transform import finsam_dbt_assets
from orchestration.project_nodes import (
    _manifest,
    project_only_ids,
    project_only_keys,
    project_only_relations,
    selection_without_project_nodes,
)
from orchestration.settings import EMBEDDED, MOTHERDUCK, load_settings


def test_only_what_no_source_reaches_is_project_only():
    manifest = {
        "sources": {"source.p.raw.answers": {}},
        "child_map": {
            "source.p.raw.answers": ["model.p.stg"],
            "model.p.stg": ["model.p.fct", "test.p.not_null_stg"],
            "seed.p.codes": ["model.p.dim", "test.p.unique_codes"],
            "model.p.dim": ["model.p.fct", "test.p.relationships_fct_dim", "test.p.unique_dim"],
            "model.p.fct": ["test.p.relationships_fct_dim"],
        },
        "nodes": {
            "model.p.stg": {"resource_type": "model"},
            "model.p.fct": {"resource_type": "model"},
            "model.p.dim": {"resource_type": "model"},
            "seed.p.codes": {"resource_type": "seed"},
            "test.p.not_null_stg": {"resource_type": "test"},
            "test.p.unique_codes": {"resource_type": "test"},
            "test.p.unique_dim": {"resource_type": "test"},
            # a test of a model that reads a source and of one that does not reads data
            "test.p.relationships_fct_dim": {"resource_type": "test"},
            "operation.p.on_run_start": {"resource_type": "operation"},
        },
    }
    assert project_only_ids(manifest) == {
        "seed.p.codes",
        "model.p.dim",
        "test.p.unique_codes",
        "test.p.unique_dim",
    }


def test_the_projects_seeds_and_dimensions_are_project_only_and_its_facts_are_not():
    manifest = _manifest()
    only = project_only_ids(manifest)
    seeds = {key for key, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    assert seeds and seeds <= only
    assert {"model.finsam.dim_forbund", "model.finsam.pub_forbund"} <= only
    assert not {"model.finsam.fct_submissions", "model.finsam.stg_raw__answers"} & only
    tests = {manifest["nodes"][key]["name"]: key in only for key in manifest["nodes"]}
    assert tests["unique_dim_forbund_forbund_id"]
    assert not tests["relationships_fct_submissions_forbund_id__forbund_id__ref_dim_forbund_"]
    assets, checks = project_only_keys(finsam_dbt_assets)
    assert (
        len(assets)
        == len(project_only_relations())
        == len({key for key in only if not key.startswith("test.")})
    )
    assert checks and all(check.asset_key in assets for check in checks)


def test_a_run_leaves_them_only_when_the_project_and_their_tables_are_as_built(
    pipeline_run, tmp_path
):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(pipeline_run.warehouse, home / "warehouse.duckdb")
    settings = load_settings(home=home, landing=pipeline_run.landing)
    job = defs.resolve_job_def("finsam_job")

    def selection(rebuild=False, project_changed=False):
        return selection_without_project_nodes(
            settings, job, finsam_dbt_assets, rebuild=rebuild, project_changed=project_changed
        )

    left, _ = project_only_keys(finsam_dbt_assets)
    selected = selection()
    assert selected is not None and not left & set(selected)
    assert set(selected) | left == job.asset_layer.executable_asset_keys
    assert selection(rebuild=True) is None
    assert selection(project_changed=True) is None
    # another home may build a warehouse that several write: this home's record cannot vouch
    settings = replace(settings, warehouse_mode=MOTHERDUCK)
    assert selection() is None
    settings = replace(settings, warehouse_mode=EMBEDDED)
    assert selection() is not None

    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("drop table catalog.forbund")
    con.close()
    assert selection() is None, "a table of theirs is missing: the run builds everything"
