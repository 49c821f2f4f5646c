"""The published snapshot attacked as an outsider would (tests/disclosure_attack.py), on a hand-made
landing folder in which every route leaks without secondary suppression and on demo data from three
seeds. The attacker reads only the snapshot; the warehouse is used here only to build the
comparison snapshot without secondary suppression."""

from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.demo_data import write_demo_exports
from tests.conftest import PipelineRun, run_finsam
from tests.disclosure_attack import EXACT_ROUTES, Finding, attack, attack_file, disclosures
from tests.disclosure_fixture import write_fixture

pytestmark = pytest.mark.pipeline  # every test here runs `finsam run`


def run_pipeline(home: Path, landing: Path) -> PipelineRun:
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(landing), "--no-site", home=home
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return PipelineRun(home, landing, result)


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    landing = write_fixture(tmp_path_factory.mktemp("disclosure_landing"))
    return run_pipeline(tmp_path_factory.mktemp("disclosure_home"), landing)


@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory, pipeline_run, catalog) -> list[PipelineRun]:
    """The shared seed-11 run (2020-2022) and two more seeds over other years."""
    runs = [pipeline_run]
    for seed, first_year, last_year in ((3, 2017, 2019), (5, 2023, 2025)):
        landing = tmp_path_factory.mktemp(f"landing_seed_{seed}")
        write_demo_exports(
            landing,
            seed=seed,
            first_year=first_year,
            last_year=last_year,
            scale=0.25,
            catalog=catalog,
        )
        runs.append(run_pipeline(tmp_path_factory.mktemp(f"home_seed_{seed}"), landing))
    return runs


def assert_nothing_recovered(findings: list[Finding]) -> None:
    """No exact route recovers anything; interval reasoning (route bounds) may at most pin the
    number of answers of a hidden cell (docs/marts.md, known limits), never a share or a mean."""
    disclosed = disclosures(findings)
    assert disclosed == [], "\n".join(
        f"{f.route} {f.table} {f.keys}: {f.detail}" for f in disclosed
    )


def test_the_hand_made_fixture_gives_an_outsider_nothing(fixture_run):
    assert_nothing_recovered(attack_file(fixture_run.snapshot))


@pytest.mark.parametrize("run_index", [0, 1, 2])
def test_demo_data_of_three_seeds_gives_an_outsider_nothing(seed_runs, run_index):
    assert_nothing_recovered(attack_file(seed_runs[run_index].snapshot))


def without_secondary_suppression(warehouse: Path, target: Path) -> Path:
    """A snapshot as it would be published with the primary rules only: cells hidden by
    secondary suppression carry their true values."""
    con = duckdb.connect(str(target))
    con.execute(f"attach '{warehouse}' as warehouse (read_only)")
    primary = "suppression_rule in ('threshold', 'gender_complement')"
    for table, mart, columns in (
        (
            "indicator_results",
            "fct_indicator_results",
            "question_id, indicator_number, n_answers, n_dont_know, mean_score, share_positive, "
            "sd_score",
        ),
        (
            "indicator_summary",
            "fct_indicator_summary",
            "indicator_number, question_ids, n_answers, n_dont_know, mean_score, share_positive, "
            "sd_score, n_answering_respondents",
        ),
        (
            "answer_distribution",
            "fct_answer_distribution",
            "question_id, indicator_number, answer_value, is_dont_know, is_positive, n_answers",
        ),
    ):
        keys = ["measurement_year", "scope", "forbund_id", "respondent_group", "gender"]
        values = [c.strip() for c in columns.split(",")]
        kept = {
            "question_id",
            "indicator_number",
            "question_ids",
            "answer_value",
            "is_dont_know",
            "is_positive",
        }
        select = ", ".join(
            keys
            + [
                v if v in kept else f"case when {primary} then null else {v} end as {v}"
                for v in values
            ]
            + [f"coalesce({primary}, false) as is_suppressed"]
        )
        con.execute(f"create table {table} as select {select} from warehouse.marts.{mart}")
    con.execute(
        "create table submission_counts as select * from warehouse.published.submission_counts"
    )
    con.close()
    return target


def test_without_secondary_suppression_every_route_leaks(fixture_run, tmp_path):
    unprotected = without_secondary_suppression(fixture_run.warehouse, tmp_path / "primary.duckdb")
    con = duckdb.connect(str(unprotected), read_only=True)
    findings = attack(con, routes=EXACT_ROUTES)
    con.close()
    routes = Counter(f.route for f in findings)
    for route in ("geography", "summary_minus_questions", "closure", "linear_algebra"):
        assert routes[route] > 0, routes
    # every planted group comes back (a remainder may also name associations with no answers)
    assert recovers(findings, "indicator_results", "blekinge", 2, "answers", question="P03A")
    assert recovers(findings, "answer_distribution", "blekinge", 2, "answers", question="P03A")
    assert recovers(findings, "indicator_results", "roslagen", 3, "answers", question="P06A")
    assert recovers(findings, "indicator_results", "samsund", 2, "answers", question="P09A")
    assert recovers(
        findings, "indicator_results", "degerfors-karlskoga", 3, "given", question="P10A"
    )
    assert recovers(findings, "indicator_summary", "gavleborgs-lan", 3, "answers")
    assert any(
        f.route == "summary_minus_questions" and involves(f, "gavleborgs-lan") for f in findings
    )


def involves(finding: Finding, forbund_id: str) -> bool:
    named = finding.keys.get("forbund_id")
    return named == forbund_id or (isinstance(named, tuple) and forbund_id in named)


def recovers(findings, table, forbund_id, n, measure, question=None) -> bool:
    return any(
        f.table == table
        and involves(f, forbund_id)
        and f.recovered_n == n
        and f.measure == measure
        and (question is None or question in str(f.keys.get("question_id")))
        for f in findings
    )


def test_secondary_suppression_hides_nothing_where_no_remainder_needs_it(fixture_run):
    by_year = dict(
        fixture_run.query(
            "select measurement_year, count(*) filter (where suppression_rule = 'secondary') "
            "from marts.fct_indicator_results group by all"
        )
    )
    assert by_year[2021] == 0  # two small associations that together reach the threshold
    assert by_year[2022] > 0


def test_national_cells_stay_published_where_they_pass_the_threshold(fixture_run):
    hidden_national = fixture_run.query(
        "select count(*) from marts.fct_indicator_results "
        "where scope = 'riket' and gender = 'alla' and n_answers >= 5 and is_suppressed"
    )
    assert hidden_national == [(0,)]
