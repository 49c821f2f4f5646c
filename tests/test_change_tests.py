"""Significance tests of changes (dbt Python model int_stats__change_tests)."""

import math
import random

import pytest
from scipy.stats import fisher_exact, ttest_ind_from_stats

from tests.dbt_python_models import load_model

change_tests = load_model("int_stats__change_tests")


def test_five_of_five_against_two_of_five_is_not_a_significant_change():
    # the example that the normal approximation got wrong (z = 2.07): hypergeometric
    # probabilities of the two extreme tables are 10/120 each, p = 20/120
    assert change_tests.fisher_p_value(5, 5, 2, 5) == pytest.approx(1 / 6, abs=1e-12)


def test_fisher_p_value_by_hand():
    # 3 of 3 against 0 of 3: only the observed and the mirrored table are as extreme, each
    # 1 / C(6, 3) = 1/20, so p = 0.1
    assert change_tests.fisher_p_value(3, 3, 0, 3) == pytest.approx(0.1, abs=1e-12)
    # no variation at all: nothing to test
    assert change_tests.fisher_p_value(0, 10, 0, 12) == 1.0
    assert change_tests.fisher_p_value(10, 10, 12, 12) == 1.0


@pytest.mark.parametrize(
    ("x1", "n1", "x0", "n0"), [(60, 100, 40, 100), (7, 9, 1, 8), (500, 1400, 430, 1350)]
)
def test_fisher_p_value_matches_scipy_and_is_rounded_to_12_decimals(x1, n1, x0, n0):
    expected = fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue
    actual = change_tests.fisher_p_value(x1, n1, x0, n0)
    assert actual == round(expected, 12)


def test_a_large_change_in_large_groups_is_significant():
    assert change_tests.fisher_p_value(60, 100, 40, 100) < 0.05


def test_welch_p_value_by_hand():
    # means 7 and 6, sd 1 and 1.5, n 10 and 12: se² = 0.1 + 0.1875, t = 1 / 0.536 = 1.865,
    # Welch-Satterthwaite df = 0.2875² / (0.1²/9 + 0.1875²/11) = 19.1, two-sided p = 0.0775
    p_value = change_tests.welch_p_value(7.0, 1.0, 10, 6.0, 1.5, 12)
    assert p_value == pytest.approx(0.0775464, abs=1e-6)
    expected = ttest_ind_from_stats(7.0, 1.0, 10, 6.0, 1.5, 12, equal_var=False).pvalue
    assert p_value == round(expected, 12)


def test_welch_without_spread_in_either_year():
    assert change_tests.welch_p_value(7.0, 0.0, 5, 3.0, 0.0, 5) == 0.0
    assert change_tests.welch_p_value(7.0, 0.0, 5, 7.0, 0.0, 5) == 1.0
    assert change_tests.welch_p_value(7.0, 0.0, 1, 7.0, 0.0, 5) is None


def test_tested_rows_carry_both_p_values():
    row = {
        "measurement_year": 2022,
        "scope": "riket",
        "forbund_id": None,
        "respondent_group": "personal",
        "question_id": "P03A",
        "gender": "alla",
        "n_answers": 5,
        "n_positive": 5,
        "mean_score": 8.4,
        "sd_score": 0.5477225575051661,
        "prev_n_answers": 5,
        "prev_n_positive": 2,
        "prev_mean_score": 6.0,
        "prev_sd_score": 1.5811388300841898,
    }
    (result,) = change_tests.tested([row], "previous_year")
    assert result["comparison"] == "previous_year"
    assert result["share_p_value"] == pytest.approx(1 / 6, abs=1e-12)
    assert not math.isnan(result["mean_p_value"]) and 0 < result["mean_p_value"] < 0.05


def test_fisher_p_value_is_scipys_on_many_tables():
    # the model calls the hypergeometric ufuncs under scipy.stats.hypergeom directly; this pins it
    # to scipy.stats.fisher_exact on small, large, empty, full and balanced tables
    generator = random.Random(20261202)
    tables = {(0, 0, 0, 0), (0, 5, 0, 0), (5, 5, 0, 0), (3, 3, 0, 3), (0, 1, 1, 1)}
    while len(tables) < 3000:
        n1, n0 = (
            generator.choice([generator.randint(0, 12), generator.randint(0, 3000)]) for _ in "10"
        )
        x1 = generator.choice([0, n1, generator.randint(0, n1)])
        x0 = generator.choice(
            [0, n0, generator.randint(0, n0), min(n0, round(x1 * n0 / max(n1, 1)))]
        )
        tables.add((x1, n1, x0, n0))
    tables = sorted(tables)
    differing = [
        (x1, n1, x0, n0)
        for x1, n1, x0, n0 in tables
        if change_tests.fisher_p_value(x1, n1, x0, n0)
        != round(float(fisher_exact([[x1, n1 - x1], [x0, n0 - x0]]).pvalue), 12)
    ]
    assert differing == []
    # the model computes them a column at a time: the same bits as row by row
    by_row = [change_tests.fisher_p_value(*table) for table in tables]
    x1, n1, x0, n0 = (list(column) for column in zip(*tables, strict=True))
    assert change_tests.fisher_p_values(x1, n1, x0, n0) == by_row
    assert change_tests.fisher_p_values([], [], [], []) == []
    # on threads (the model uses the pipeline's cores), each taking every n-th table: the same bits
    # in the same places, also with more threads than tables
    for workers in (2, 3):
        assert change_tests.fisher_p_values(x1, n1, x0, n0, workers) == by_row
    assert change_tests.fisher_p_values(x1[:2], n1[:2], x0[:2], n0[:2], 5) == by_row[:2]
    assert change_tests.fisher_p_values([], [], [], [], 2) == []


def test_welch_column_wise_gives_the_bits_of_row_by_row():
    # the model computes Welch's p-values and intervals a column at a time; these are the values
    # the row-by-row functions give, to the bit, also without spread, below 2 answers, with a
    # single answer's missing standard deviation and with equal means
    generator = random.Random(20261206)
    rows = [(7.0, 0.0, 5, 3.0, 0.0, 5), (7.0, 0.0, 5, 7.0, 0.0, 5), (7.0, None, 1, 7.0, 0.0, 5)]
    rows += [(5.0, 1.0, 2, 5.0, 1.0, 2), (4.0, 0.0, 30, 6.0, 1.2, 3), (9.9, 0.3, 8, None, None, 0)]
    while len(rows) < 5000:
        n1, n0 = (
            generator.choice([generator.randint(0, 12), generator.randint(2, 3000)]) for _ in "10"
        )
        sd1, sd0 = (generator.choice([0.0, None, generator.uniform(0, 4.5)]) for _ in "10")
        mean1 = generator.uniform(1, 10)
        mean0 = generator.choice([mean1, generator.uniform(1, 10)])
        rows.append((mean1, sd1, n1, mean0, sd0, n0))
    mean1, sd1, n1, mean0, sd0, n0 = (list(column) for column in zip(*rows, strict=True))
    by_row = [change_tests.welch_p_value(*row) for row in rows]
    assert change_tests.welch_p_values(mean1, sd1, n1, mean0, sd0, n0) == by_row
    widths = [change_tests.welch_half_width(row[1], row[2], row[4], row[5]) for row in rows]
    assert change_tests.welch_half_widths(sd1, n1, sd0, n0) == widths
    assert sum(value is None for value in by_row) > 100
    assert sum(value in (0.0, 1.0) for value in by_row) > 100
    assert change_tests.tested([], "previous_year") == []


TESTED_ROW = (
    "dict(measurement_year=2024, scope='riket', forbund_id=None, respondent_group='personal',"
    " question_id='P01', gender='alla', n_answers=9, n_positive=5, mean_score=4.1, sd_score=1.2,"
    " prev_n_answers=8, prev_n_positive=2, prev_mean_score=3.0, prev_sd_score=1.1)"
)


@pytest.mark.parametrize(
    ("model", "work"),
    [
        ("int_stats__change_tests", f"rows = m.tested([{TESTED_ROW}], 'previous_year')"),
        ("int_stats__funnel_limits", "rows = m.cube_limits(0.5, [(20, 0.4)] * 12, 5)"),
    ],
)
def test_the_models_do_not_import_scipy_stats(model, work):
    # importing scipy.stats cost every dbt build almost a processor-second; the models call the
    # special functions under it (the tests above hold the bits to scipy.stats)
    import subprocess
    import sys

    from tests.dbt_python_models import MODELS_DIR

    (path,) = MODELS_DIR.rglob(f"{model}.py")
    script = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(path)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        f"{work}\n"
        "assert rows, rows\n"
        "print('scipy.stats' in sys.modules, 'scipy.special' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
