"""The funnel plots' control limits (dbt Python model int_stats__funnel_limits) and Welch's
interval of a difference of means (int_stats__change_tests), on worked examples."""

import pytest

from tests.dbt_python_models import load_model

funnel = load_model("int_stats__funnel_limits")
change_tests = load_model("int_stats__change_tests")


def test_limits_are_the_wilson_score_limits_around_the_national_share():
    # p0 = 0.7, n = 10: sqrt(0.7 * 0.3 / 10) = 0.144914; z = 1.959964 (95 %), 3.090232 (99.8 %)
    assert funnel.limit(0.7, 10, 0.025) == pytest.approx(0.415974, abs=1e-6)
    assert funnel.limit(0.7, 10, 0.975) == pytest.approx(0.984026, abs=1e-6)
    assert funnel.limit(0.7, 10, 0.001) == pytest.approx(0.252182, abs=1e-6)
    assert funnel.limit(0.7, 10, 0.999) == 1.0  # 1.147818, kept within 0..1
    # 10 of 10 lies above the 95 % limit (its Wilson interval, 0.722-1, leaves 0.7 out) but not
    # above the 99.8 % one


def test_overdispersion_is_estimated_from_winsorised_z_scores():
    # ten associations of 100 answers around p0 = 0.5 (s = 0.05) with z-scores -3 .. 3; the 10th
    # and 90th percentiles are -2.1 and 2.1, so phi = (2 * 2.1^2 + 2 * 2^2 + 4 * 1^2) / 10 = 2.082
    z_scores = [-3, -2, -1, -1, 0, 0, 1, 1, 2, 3]
    points = [(100, 0.5 + 0.05 * z) for z in z_scores]
    phi, tau2, overdispersed = funnel.overdispersion(0.5, points)
    assert phi == pytest.approx(2.082)
    # I phi = 20.82 exceeds chi-square(9) at 95 % (16.919); w_i = 400, so
    # tau^2 = (20.82 - 9) / (4000 - 400) = 0.0032833
    assert overdispersed
    assert tau2 == pytest.approx(11.82 / 3600)
    # the 95 % limit at n = 100 widens from 0.598 to 0.5 + 1.959964 * sqrt(0.0025 + tau^2)
    assert funnel.limit(0.5, 100, 0.975, tau2) == pytest.approx(0.649051, abs=1e-6)


def test_no_overdispersion_below_ten_associations_or_within_chance():
    few = [(100, 0.5 + 0.05 * z) for z in (-3, -2, 0, 2, 3)]
    assert funnel.overdispersion(0.5, few) == (None, 0.0, False)
    calm = [(100, 0.5 + 0.05 * z) for z in (-1, -1, -0.5, 0, 0, 0, 0.5, 1, 1, 0.2)]
    phi, tau2, overdispersed = funnel.overdispersion(0.5, calm)
    assert phi < 1 and tau2 == 0.0 and not overdispersed
    assert funnel.overdispersion(1.0, [(100, 1.0)] * 12) == (None, 0.0, False)


def test_every_association_size_is_on_the_grid_and_large_grids_are_thinned():
    assert funnel.grid([7, 12, 30], 5) == list(range(5, 34))
    large = funnel.grid([7, 480, 2500], 5)
    assert {7, 480, 2500} <= set(large)
    assert len(large) <= funnel.GRID_POINTS + 3
    assert large[0] == 5 and large[-1] == 2750


def test_funnel_limits_need_a_national_cell_and_published_associations():
    national = [
        {
            "measurement_year": 2024,
            "respondent_group": "g",
            "question_id": "Q",
            "n_answers": 40,
            "n_positive": 28,
        },
        {
            "measurement_year": 2024,
            "respondent_group": "g",
            "question_id": "R",
            "n_answers": 40,
            "n_positive": 20,
        },
    ]
    associations = [
        {
            "measurement_year": 2024,
            "respondent_group": "g",
            "question_id": "Q",
            "n_answers": 10,
            "n_positive": 10,
        },
        {
            "measurement_year": 2024,
            "respondent_group": "g",
            "question_id": "Q",
            "n_answers": 30,
            "n_positive": 18,
        },
    ]
    rows = funnel.funnel_limits(national, associations, 5)
    assert {row["question_id"] for row in rows} == {"Q"}  # R has no published association
    at_ten = next(row for row in rows if row["n_answers"] == 10)
    assert at_ten["national_share"] == 0.7
    assert at_ten["limit_95_high"] == pytest.approx(0.984026, abs=1e-6)
    assert at_ten["is_forbund_size"] and at_ten["n_forbund"] == 2
    assert not next(row for row in rows if row["n_answers"] == 11)["is_forbund_size"]


def test_welch_interval_of_a_difference_of_means():
    # sd 2 of 10 against sd 3 of 12: se = sqrt(0.4 + 0.75) = 1.072381, Welch-Satterthwaite
    # df = 1.3225 / (0.4^2 / 9 + 0.75^2 / 11) = 19.19, t(0.975; 19.19) = 2.0915
    assert change_tests.welch_half_width(2.0, 10, 3.0, 12) == pytest.approx(2.2429, abs=1e-3)
    assert change_tests.welch_half_width(0.0, 10, 0.0, 12) == 0.0
    assert change_tests.welch_half_width(2.0, 1, 3.0, 12) is None


def test_the_quantiles_are_scipy_stats_to_the_bit():
    # the model calls the ufuncs under scipy.stats.norm.ppf and chi2.ppf, not importing scipy.stats
    from scipy.stats import chi2, norm

    for probability in (0.001, 0.025, 0.05, 0.5, 0.95, 0.975, 0.999):
        assert funnel.normal_quantile(probability) == float(norm.ppf(probability))
    for degrees in range(1, 600):
        assert funnel.chi2_quantile(0.95, degrees) == float(chi2.ppf(0.95, degrees)), degrees
