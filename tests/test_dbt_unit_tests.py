"""dbt unit tests run here, on a typed, empty build, not in production (docs/dbt-unit-tests.md).

They pin the logic of the models with hand-made inputs: each runs the model's SQL over its
fixtures, which dbt casts to the column types of the model's inputs in the warehouse. On the
empty build every input exists with its contracted types and no rows, so a test passes or fails
on the logic alone. A broken rule must make them fail: the mutation tests below copy the dbt
project, break one rule a unit test pins, and expect that test to fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import DBT_PROJECT_DIR, SEEDS_DIR

DBT = str(Path(sys.executable).parent / "dbt")


def unit_tests_of(project_dir: Path) -> set[str]:
    manifest = json.loads((project_dir / "target" / "manifest.json").read_text())
    return {node["name"] for node in manifest["unit_tests"].values()}


def run_unit_tests(project_dir: Path, warehouse: Path, work: Path) -> dict[str, str]:
    """`dbt test --select test_type:unit` on a copy of `warehouse`; the status of each unit test."""
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    env = {
        **os.environ,
        "FINSAM_WAREHOUSE": str(copy),
        "FINSAM_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    target = work / "target"
    subprocess.run(
        [
            DBT,
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(target),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {result["unique_id"].split(".")[-1]: result["status"] for result in results}


def test_every_unit_test_passes_on_the_typed_empty_build(empty_run, tmp_path):
    statuses = run_unit_tests(DBT_PROJECT_DIR, empty_run.warehouse, tmp_path)
    assert set(statuses) == unit_tests_of(DBT_PROJECT_DIR)
    assert len(statuses) >= 20
    assert {name for name, status in statuses.items() if status != "pass"} == set()


def test_a_production_build_leaves_the_unit_tests_out(empty_run):
    """They ran above; the run itself recorded only data tests and GX checks."""
    rows = empty_run.query(
        "select count(*) filter (where check_name in (select unnest(?))), count(*) "
        "from audit.check_results",
        [sorted(unit_tests_of(DBT_PROJECT_DIR))],
    )
    recorded_unit_tests, recorded = rows[0]
    assert recorded > 100
    assert recorded_unit_tests == 0


def mutated_project(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    """A copy of the dbt project (and its seeds, which it reads from ../seeds) with one edit."""
    project = tmp_path / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs")
    )
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    path = project / relative
    text = path.read_text()
    assert text.count(old) == 1, f"{relative} no longer holds {old!r}: update the mutation"
    path.write_text(text.replace(old, new))
    return project


MUTATIONS = {
    # a cell with exactly min_answers answers is published: make it hidden
    "threshold": (
        "macros/disclosure.sql",
        "({{ n_answers }} < {{ var('min_answers') }})",
        "({{ n_answers }} <= {{ var('min_answers') }})",
        {"suppression_threshold"},
    ),
    # Wilson's interval: drop the term z²/4n² under the square root
    "wilson": (
        "macros/statistics.sql",
        " + {{ z }} ^ 2 / (4 * ({{ n }}) ^ 2), 0)",
        ", 0)",
        {"wilson_and_t_intervals"},
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_broken_rule_fails_the_unit_test_that_pins_it(empty_run, tmp_path, mutation):
    relative, old, new, pinned_by = MUTATIONS[mutation]
    project = mutated_project(tmp_path, relative, old, new)
    statuses = run_unit_tests(project, empty_run.warehouse, tmp_path / "work")
    # "fail": the test ran and its rows differ ("error" would be a project the edit broke)
    failed = {name for name, status in statuses.items() if status == "fail"}
    assert pinned_by <= failed
    assert "error" not in statuses.values()
