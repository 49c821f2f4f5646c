"""The raw suites validate only the loads they have not seen, and still report the failures of
earlier rows: their verdicts and counts equal those of validating every row."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import duckdb
import pytest

from orchestration.catalog import load_catalog
from orchestration.defs.quality import load_suite, run_suite_checks, suite_sql
from orchestration.ingest.reload import reload_year
from orchestration.settings import EXPECTATIONS_DIR
from tests.corpus import Landing, Warehouse, csv_bytes, row

NOW = datetime(2025, 6, 1, 12, 0)


def plant_out_of_range_answer(warehouse: Warehouse, load_id: int) -> None:
    """An answer the loader would have refused, as if written by an older loader."""
    con = duckdb.connect(str(warehouse.settings.warehouse_path))
    try:
        con.execute(
            """
            insert into raw.answers
            select load_id, source_row, forbund_id, respondent_group, svar_id, measurement_year,
                   question_id, '99', 99, false, reported_forbund_id
            from raw.answers where load_id = ? and answer_value is not null limit 1
            """,
            [load_id],
        )
    finally:
        con.close()


def verdicts(run) -> dict[str, tuple]:
    return {o["check_name"]: (o["success"], o["unexpected_count"]) for o in run.outcomes}


def validate_everything(warehouse: Warehouse, suite) -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse.settings.warehouse_path))
    try:
        con.execute("delete from audit.check_coverage")
    finally:
        con.close()
    return verdicts(run_suite_checks(warehouse.settings, suite, "full"))


@pytest.fixture
def warehouse(tmp_path):
    landing = Landing(tmp_path / "landing")
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    landing.add("a.csv", csv_bytes([row(1), row(2), row(3)]))
    warehouse.ingest(NOW)
    warehouse.landing = landing
    return warehouse


def test_new_loads_only_and_earlier_failures_kept(warehouse, tmp_path):
    suite = load_suite(EXPECTATIONS_DIR / "raw_answers.json")
    plant_out_of_range_answer(warehouse, load_id=1)
    answers_a = warehouse.query("select count(*) from raw.answers")[0][0]

    first = run_suite_checks(warehouse.settings, suite, "run-1")

    assert (first.rows_checked, first.rows_covered, first.scope) == (
        answers_a,
        answers_a,
        "every load up to 1",
    )
    assert verdicts(first)["answers_within_scale"] == (False, 1)

    warehouse.landing.add("b.csv", csv_bytes([row(4), row(5)]))
    warehouse.ingest(NOW)
    answers_b = warehouse.query("select count(*) from raw.answers where load_id = 2")[0][0]

    second = run_suite_checks(warehouse.settings, suite, "run-2")

    assert (second.rows_checked, second.rows_covered, second.scope) == (
        answers_b,
        answers_a + answers_b,
        "loads 2 to 2",
    )
    failing = {o["check_name"]: o for o in second.outcomes}["answers_within_scale"]
    assert (failing["success"], failing["unexpected_count"]) == (False, 1)
    assert json.loads(failing["example_rows"])[0]["answer_value"] == 99  # the earlier example
    assert warehouse.query(
        "select run_id, passed, unexpected_count from audit.check_results "
        "where check_name = 'answers_within_scale' order by run_id"
    ) == [("run-1", False, 1), ("run-2", False, 1)]

    nothing_new = run_suite_checks(warehouse.settings, suite, "run-3")

    assert (nothing_new.rows_checked, nothing_new.scope) == (0, "no new load after 2")
    assert verdicts(nothing_new) == verdicts(second) == validate_everything(warehouse, suite)


def test_changed_rows_or_a_changed_suite_validate_every_row_again(warehouse, tmp_path):
    suite = load_suite(EXPECTATIONS_DIR / "raw_answers.json")
    answers = warehouse.query("select count(*) from raw.answers")[0][0]
    assert run_suite_checks(warehouse.settings, suite, "run-1").rows_checked == answers
    # a reload with the same catalogue writes the same rows: nothing to validate again
    reload_year(warehouse.settings, load_catalog(), 2024, now=NOW)
    assert run_suite_checks(warehouse.settings, suite, "run-2").rows_checked == 0

    plant_out_of_range_answer(warehouse, load_id=1)  # a row of a load already seen
    after_change = run_suite_checks(warehouse.settings, suite, "run-3")
    assert (after_change.rows_checked, after_change.scope) == (answers + 1, "every load up to 1")
    assert verdicts(after_change)["answers_within_scale"] == (False, 1)

    con = duckdb.connect(str(warehouse.settings.warehouse_path))
    con.execute("update raw.answers set answer_value = 5, raw_value = '5' where answer_value = 99")
    con.close()
    mended = run_suite_checks(warehouse.settings, suite, "run-4")
    assert (mended.rows_checked, verdicts(mended)["answers_within_scale"]) == (
        answers + 1,
        (True, 0),
    )

    changed = tmp_path / "raw_answers.json"
    shutil.copy(suite.path, changed)
    shutil.copy(suite_sql(suite.path), suite_sql(changed))
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run_suite_checks(warehouse.settings, load_suite(changed), "run-5").rows_checked == (
        answers + 1
    )
    # so does a changed query
    query = suite_sql(changed)
    query.write_text(query.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert run_suite_checks(warehouse.settings, load_suite(changed), "run-6").rows_checked == (
        answers + 1
    )


def test_only_row_by_row_suites_may_be_incremental(tmp_path):
    document = json.loads((EXPECTATIONS_DIR / "fct_submissions.json").read_text(encoding="utf-8"))
    document["meta"]["incremental_column"] = "load_id"
    path = tmp_path / "fct_submissions.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    shutil.copy(suite_sql(EXPECTATIONS_DIR / "fct_submissions.json"), suite_sql(path))
    with pytest.raises(ValueError, match="meta.incremental_column needs expectations that judge"):
        load_suite(path)
