"""Quality checks decide what gets published: an error blocks publishing and leaves the previous
snapshot byte-for-byte; a warning is recorded and publishing goes on."""

import hashlib
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.quality import load_suites, validate_suite
from orchestration.settings import Settings
from tests.conftest import PipelineRun, run_finsam
from tests.test_incremental_build import FULL_REFRESH_LINE, latest_run_log


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def copied_run(pipeline_run, tmp_path) -> PipelineRun:
    """A private copy of the session's finished run, to plant problems in."""
    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, ignore=shutil.ignore_patterns("site", ".site*"))
    return PipelineRun(home, pipeline_run.landing, pipeline_run.result)


def execute(run: PipelineRun, sql: str) -> None:
    con = duckdb.connect(str(run.warehouse))
    try:
        con.execute(sql)
    finally:
        con.close()


def rerun(run: PipelineRun):
    """Run again over the planted problems: nothing new came through the landing folder."""
    return run_finsam(
        "run",
        "--home",
        str(run.home),
        "--landing",
        str(run.landing),
        "--no-site",
        "--rebuild",
        home=run.home,
    )


def test_every_check_runs_before_publishing_and_has_a_severity():
    # Blocking makes every check finish before the snapshot is written, so that the site shows all
    # of the run's checks; only a failure of severity error stops publishing (Dagster's rule, and
    # test_a_warning_is_recorded_and_publishing_goes_on).
    suites = load_suites()
    assert len(suites) >= 5
    for suite in suites:
        for spec in suite.check_specs():
            severity = next(
                e["meta"]["severity"]
                for e in suite.expectations
                if e["meta"]["check_name"] == spec.name
            )
            assert spec.blocking, spec.name
            assert severity in {"error", "warn"}, spec.name


def test_planted_raw_errors_fail_the_run_name_the_checks_and_keep_the_snapshot(copied_run):
    before = sha256(copied_run.snapshot)
    execute(
        copied_run,
        """
        update raw.answers set answer_value = 42
        where rowid = (select min(rowid) from raw.answers where answer_value is not null);
        update raw.submissions set gender = 'okänt'
        where rowid = (select min(rowid) from raw.submissions);
        update raw.submissions set measurement_year = measurement_year + 1
        where rowid = (select max(rowid) from raw.submissions);
        update raw.answers set question_id = 'XX99'
        where rowid = (select max(rowid) from raw.answers);
        update raw.answers set respondent_group = 'styrelse', question_id = 'DP01A'
        where rowid = (select min(rowid) from raw.answers where question_id = 'P03A');
    """,
    )
    result = rerun(copied_run)
    assert result.returncode == 1
    for check in (
        "answers_within_scale",
        "gender_in_allowed_set",
        "submitted_within_measurement_year",
        "answers_to_known_questions",
        "question_belongs_to_survey_form",
    ):
        assert f"check {check} on raw/" in result.stdout, check
    assert "42" in result.stdout and "okänt" in result.stdout  # example rows are shown
    headline = summary_headline(result.stdout)
    assert headline.startswith("finsam: run ") and " FAILED: The blocking check " in headline
    assert " on raw/" in headline and "for example {" in headline
    assert "previously published snapshot and site were left as they were" in result.stdout
    # the stage lines say where it stopped, and the failure sentences where the full log is
    assert "✗ GX checks" in result.stdout and "– publish    not run" in result.stdout
    assert f"log of this run (Dagster, dbt, GX): {copied_run.home / 'logs'}" in result.stdout
    assert sha256(copied_run.snapshot) == before
    failed = copied_run.query(
        "select check_name from audit.check_results where not passed and severity = 'error'"
    )
    assert {"answers_within_scale", "gender_in_allowed_set"} <= {name for (name,) in failed}
    # every outcome is kept with its Swedish name (orchestration/check_names.py)
    named = copied_run.query(
        "select distinct check_kind, check_name_sv, check_group from audit.check_results "
        "where check_name = 'answers_within_scale' and not passed"
    )
    assert named == [("gx/answers_within_scale", "Svaren ligger inom svarsskalan", "inlasning")]


def summary_headline(stdout: str) -> str:
    """The first line after the stage lines: what the reader sees first."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    stages = [i for i, line in enumerate(lines) if line[:1] in "✓✗–"]
    return lines[max(stages) + 1]


def test_a_failing_dbt_test_is_said_in_one_sentence_with_a_failing_row(copied_run):
    """A blocking dbt test, not a dbt stack trace, heads the summary: the test, the table it
    guards and one of its failing rows (read again from the warehouse once dbt has finished)."""
    before = sha256(copied_run.snapshot)
    execute(
        copied_run,
        "update audit.file_loads set status = 'okänd' where load_id = (select min(load_id) "
        "from audit.file_loads)",
    )
    result = rerun(copied_run)
    assert result.returncode == 1
    headline = summary_headline(result.stdout)
    assert " FAILED: The blocking check accepted_values_stg_audit__file_loads_status" in headline
    assert "on staging/stg_audit__file_loads failed (1 failing row)" in headline
    assert "okänd" in headline and "nothing was published" in headline
    assert "dbt CLI process" not in headline and "Traceback" not in result.stdout
    assert sha256(copied_run.snapshot) == before
    recorded = copied_run.query(
        "select example_rows from audit.check_results "
        "where check_name like 'accepted_values_stg_audit__file_loads_status%'"
    )
    assert recorded and "okänd" in recorded[-1][0]
    named = copied_run.query(
        "select check_kind, check_name_sv from audit.check_results "
        "where check_name like 'accepted_values_stg_audit__file_loads_status%' and not passed"
    )
    assert named[-1] == ("accepted_values", "Inlästa filer: filens utfall har bara tillåtna värden")


def test_a_warning_is_recorded_and_publishing_goes_on(copied_run):
    before = sha256(copied_run.snapshot)
    year = copied_run.query("select max(measurement_year) from raw.answers")[0][0]
    execute(
        copied_run,
        f"""
        update raw.answers set answer_value = 1
        where question_id = 'DP01A' and measurement_year = {year} and answer_value is not null
    """,
    )
    result = rerun(copied_run)
    assert result.returncode == 0, result.stdout[-3000:]
    # an edit behind the loader's back changes no year's fingerprint: it reaches the marts
    # because --rebuild rebuilds the models built by year whole
    assert FULL_REFRESH_LINE in latest_run_log(copied_run.home)
    assert "warning: check national_mean_shift_within_tolerance" in result.stdout
    assert sha256(copied_run.snapshot) != before
    recorded = copied_run.query(
        "select example_rows from audit.check_results "
        "where check_name = 'national_mean_shift_within_tolerance' and not passed"
    )
    assert recorded and "DP01A" in recorded[-1][0]
    # published in words: the Datakvalitet page says "Varning", not passed = false
    published = copied_run.query(
        "select check_name_sv, outcome_sv, check_group_sv from check_outcomes "
        "where check_name = 'national_mean_shift_within_tolerance'",
        published=True,
    )
    assert published == [
        (
            "Rikets medelvärde har inte ändrats kraftigt sedan året innan",
            "Varning",
            "Jämförelser och statistiska test",
        )
    ]


def planted_warehouse(tmp_path, frame) -> Settings:
    """A warehouse of its own holding `frame` as the table `planted`."""
    settings = Settings(home=tmp_path, landing=tmp_path / "landing")
    tmp_path.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        con.register("frame", frame)
        con.execute("create table planted as select * from frame")
    finally:
        con.close()
    return settings


@pytest.mark.parametrize(
    ("check_name", "plant"),
    [
        ("share_positive_between_0_and_1", lambda f: f.assign(share_positive=1.5)),
        ("mean_score_on_scale", lambda f: f.assign(mean_on_scale=False)),
        ("gender_cells_within_total", lambda f: f.assign(genders_within_total=False)),
    ],
)
def test_mart_checks_catch_what_dbt_would_never_produce(pipeline_run, tmp_path, check_name, plant):
    """The mart suites guard the models themselves, so their errors are planted in the rows
    their query gives (copied to a warehouse of their own)."""
    suite = next(s for s in load_suites() if s.name == "fct_indicator_results")
    con = duckdb.connect(str(pipeline_run.warehouse), read_only=True)
    try:
        frame = con.execute(suite.query).df().head(50)
    finally:
        con.close()
    planted = replace(suite, query="select * from planted")
    outcomes, _ = validate_suite(planted_warehouse(tmp_path / "as_built", frame), planted)
    assert all(o["success"] for o in outcomes)
    found = {
        o["check_name"]: o
        for o in validate_suite(planted_warehouse(tmp_path / "planted", plant(frame)), planted)[0]
    }
    assert not found[check_name]["success"]
    assert found[check_name]["unexpected_count"] == len(frame)
    assert json.loads(found[check_name]["example_rows"])[0]["question_id"]


def compiled_test(run: PipelineRun, test_prefix: str) -> str:
    """The SQL of a dbt data test (its unique id without the hash) as the run compiled it."""
    # that run's own folder: other tests may run again in the shared home
    run_id = re.search(r"finsam: run (\S+) succeeded", run.result.stdout).group(1)
    manifest = json.loads(
        (run.home / "dbt" / "target" / f"run-{run_id}" / "manifest.json").read_text()
    )
    (node,) = (n for key, n in manifest["nodes"].items() if key.startswith(f"{test_prefix}."))
    return Path(node["compiled_path"]).read_text()


def test_a_national_count_that_is_not_the_sum_of_its_associations_fails_its_dbt_test(
    pipeline_run, tmp_path
):
    """national_equals_sum_of_associations (a dbt generic test, once a GX check) as the run
    compiled it, on a copy of the run's warehouse: no failing line as built, the planted line
    when one national count is off by one."""
    sql = compiled_test(pipeline_run, "test.finsam.national_equals_sum_of_associations")
    warehouse = tmp_path / pipeline_run.warehouse.name  # the same catalog name
    shutil.copyfile(pipeline_run.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        assert con.execute(sql).fetchall() == []
        planted = con.execute(
            """
            update marts.fct_indicator_results set n_answers = n_answers + 1
            where rowid = (select min(rowid) from marts.fct_indicator_results
                           where scope = 'riket' and n_answers > 0)
            returning measurement_year, respondent_group, question_id, gender, n_answers
            """
        ).fetchall()
        failing = con.execute(sql).fetchall()
    finally:
        con.close()
    ((year, group, question, gender, national),) = planted
    assert failing == [(year, group, question, gender, national - 1, national)]


def test_one_answer_per_questionnaire_and_question_fails_on_a_planted_second(
    pipeline_run, tmp_path
):
    """unique_combination_of_columns (tests/generic/unique_combination.sql), which groups by a
    hash of the columns first, as compiled for int_answers__scored: nothing as built; the planted
    second answer, and only it, with two rows; and a combination with an empty column too."""
    sql = compiled_test(
        pipeline_run,
        "test.finsam.unique_combination_of_columns_int_answers__scored_submission_key__question_id",
    )
    warehouse = tmp_path / pipeline_run.warehouse.name  # the same catalog name
    shutil.copyfile(pipeline_run.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        assert con.execute(sql).fetchall() == []
        (planted,) = con.execute(
            """
            insert into intermediate.int_answers__scored
            select * from intermediate.int_answers__scored
            where rowid = (select min(rowid) from intermediate.int_answers__scored)
            returning submission_key, question_id
            """
        ).fetchall()
        assert con.execute(sql).fetchall() == [(*planted, 2)]
        con.execute(
            """
            insert into intermediate.int_answers__scored
            select * replace (null as question_id) from intermediate.int_answers__scored
            where rowid in (select max(rowid) from intermediate.int_answers__scored)
            """
        )
        assert con.execute(sql).fetchall() == [(*planted, 2)]  # one such row: no repeat
        con.execute(
            """
            insert into intermediate.int_answers__scored
            select * from intermediate.int_answers__scored where question_id is null
            """
        )
        failing = sorted(con.execute(sql).fetchall(), key=str)
    finally:
        con.close()
    assert len(failing) == 2 and (*planted, 2) in failing
    assert [row for row in failing if row[1] is None][0][2] == 2


def test_duplicate_response_check_catches_a_duplicate(pipeline_run, tmp_path):
    suite = next(s for s in load_suites() if s.name == "fct_submissions")
    con = duckdb.connect(str(pipeline_run.warehouse), read_only=True)
    try:
        frame = con.execute(suite.query).df()
    finally:
        con.close()
    planted = replace(suite, query="select * from planted")
    outcomes, _ = validate_suite(planted_warehouse(tmp_path / "as_built", frame), planted)
    assert all(o["success"] for o in outcomes)
    doubled = frame.iloc[[0, 0, 1]].reset_index(drop=True)
    (outcome,), _ = validate_suite(planted_warehouse(tmp_path / "doubled", doubled), planted)
    assert not outcome["success"] and outcome["unexpected_count"] == 2
    assert json.loads(outcome["example_rows"]) == json.loads(
        doubled.iloc[[0, 1]].to_json(orient="records", date_format="iso", force_ascii=False)
    )
