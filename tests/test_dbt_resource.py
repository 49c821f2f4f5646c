"""The dbt resource's start-up (orchestration/dbt_project.py): no `dbt --version` process, no dbt
adapter in the Dagster process, and dbt's parse kept from one invocation to the next."""

from __future__ import annotations

import inspect
import subprocess

from dagster_dbt import DbtCliResource
from dbt.version import __version__ as dbt_version

from orchestration.dbt_project import (
    PARSE_STATE,
    FinsamDbtCliResource,
    dbt_project,
    dbt_resource,
    keep_parse_state,
    seed_parse_state,
)


def test_the_overridden_start_up_still_exists_in_dagster_dbt():
    # An upgrade of dagster-dbt that renames them would leave our overrides unused: fail here.
    cli = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in cli
    assert "self._initialize_dbt_core_adapter(" in cli
    assert isinstance(dbt_resource, FinsamDbtCliResource)


def test_dbt_version_is_the_installed_one_without_starting_dbt(monkeypatch):
    def no_process(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "check_output", no_process)
    resource = FinsamDbtCliResource(
        project_dir=dbt_resource.project_dir, dbt_executable=dbt_resource.dbt_executable
    )
    assert str(resource._cli_version) == dbt_version
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_the_latest_parse_is_kept_where_dagster_dbt_looks_for_it(tmp_path):
    home_target = tmp_path / "dbt" / "target"
    run_target = home_target / "run-1"
    keep_parse_state(run_target, home_target)  # an invocation that parsed nothing: no state
    assert not (home_target / PARSE_STATE).exists()
    run_target.mkdir(parents=True)
    (run_target / PARSE_STATE).write_bytes(b"first")
    keep_parse_state(run_target, home_target)
    (run_target / PARSE_STATE).write_bytes(b"second")
    keep_parse_state(run_target, home_target)
    assert (home_target / PARSE_STATE).read_bytes() == b"second"
    assert sorted(path.name for path in home_target.iterdir()) == [PARSE_STATE, "run-1"]


def test_a_new_home_starts_from_the_projects_parse_and_keeps_its_own(tmp_path):
    project_state = dbt_project.project_dir / dbt_project.target_path / PARSE_STATE
    assert project_state.is_file()  # saved by `dbt parse` (prepare_manifest, tests/conftest.py)
    home_target = tmp_path / "dbt" / "target"
    seed_parse_state(home_target)
    assert (home_target / PARSE_STATE).read_bytes() == project_state.read_bytes()
    (home_target / PARSE_STATE).write_bytes(b"the home's own")
    seed_parse_state(home_target)
    assert (home_target / PARSE_STATE).read_bytes() == b"the home's own"
