"""The code location loads in process, validates, and importing it changes nothing."""

import json
import os
import subprocess
import sys
import textwrap

import dagster as dg

from orchestration.dbt_project import dbt_project, prepare_manifest


def test_definitions_load_and_validate_without_side_effects(tmp_path):
    prepare_manifest()
    manifest = dbt_project.manifest_path
    manifest_written = manifest.stat().st_mtime_ns
    environment = dict(os.environ)

    from orchestration import definitions

    dg.Definitions.validate_loadable(definitions.defs)
    assert dict(os.environ) == environment
    assert manifest.stat().st_mtime_ns == manifest_written
    jobs = {job.name: job for job in definitions.defs.resolve_all_job_defs()}
    assert {"finsam_job", "finsam_job_without_site", "reload_year_job"} <= set(jobs)
    for name in ("finsam_job", "finsam_job_without_site", "reload_year_job"):
        assert jobs[name].op_retry_policy.max_retries == 2


def test_a_fresh_import_writes_nothing_and_exports_nothing(tmp_path):
    """In a new interpreter (this one has imported the code location already)."""
    prepare_manifest()
    manifest = dbt_project.manifest_path
    manifest_written = manifest.stat().st_mtime_ns
    home = tmp_path / "home"
    code = textwrap.dedent(
        """
        import json, os
        before = dict(os.environ)
        import orchestration.definitions
        after = dict(os.environ)
        print(json.dumps(sorted(k for k in after if before.get(k) != after[k])))
        """
    )
    env = {**os.environ, "FINSAM_HOME": str(home)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
    assert not home.exists()
    assert manifest.stat().st_mtime_ns == manifest_written


def test_every_asset_check_and_sensor_gets_its_settings_as_a_resource():
    prepare_manifest()
    from orchestration import definitions

    defs = definitions.defs
    for asset in defs.resolve_all_asset_specs():
        assert asset  # resolvable
    graph = defs.resolve_asset_graph()
    needing = set()
    for node in graph.asset_nodes:
        needing |= set(node.assets_def.required_resource_keys)
    assert "finsam" in needing
    for sensor in defs.sensors or []:
        assert "finsam" in sensor.required_resource_keys
    for checks in defs.asset_checks or []:
        assert "finsam" in checks.required_resource_keys
