"""Significance of each published change, by tests that hold at the sizes this programme has.

- Share positive: Fisher's exact test (two-sided, conditional on both margins), from the counts
  x1 of n1 this year and x0 of n0 in the previous comparable year. Unlike the normal
  approximation it is valid for 5 answers as for 5,000: 5 of 5 against 2 of 5 gives p = 0.167.
- Mean score: Welch's t-test (unequal variances, Welch-Satterthwaite degrees of freedom). When
  neither year has any spread (every answer the same) the standard error is 0: p is 0 when the
  means differ and 1 when they do not.

Two kinds of comparison are tested: 'previous_year' (every compared cell of fct_indicator_results)
and 'like_for_like' (the national change among the associations published in both years,
int_results__like_for_like). p-values are rounded to 12 decimals so that they are identical to
the bit on every machine. Written in Python because scipy has both tests and DuckDB has neither;
pytest checks the functions against hand-worked values (tests/test_change_tests.py).
"""

from functools import cache

KEYS = ["measurement_year", "scope", "forbund_id", "respondent_group", "question_id", "gender"]


@cache
def fisher_p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    """Two-sided p-value of Fisher's exact test of x1/n1 against x0/n0."""
    from scipy.stats import fisher_exact

    table = [[x1, n1 - x1], [x0, n0 - x0]]
    return round(float(fisher_exact(table, alternative="two-sided").pvalue), 12)


def welch_p_value(
    mean1: float, sd1: float, n1: int, mean0: float, sd0: float, n0: int
) -> float | None:
    """Two-sided p-value of Welch's t-test of mean1 against mean0; None below 2 answers a year."""
    from scipy.stats import ttest_ind_from_stats

    if n1 < 2 or n0 < 2:
        return None
    sd1, sd0 = sd1 or 0.0, sd0 or 0.0
    if sd1 == 0 and sd0 == 0:  # no spread in either year: the t statistic is undefined
        return 0.0 if abs(mean1 - mean0) > 1e-12 else 1.0
    result = ttest_ind_from_stats(mean1, sd1, n1, mean0, sd0, n0, equal_var=False)
    return round(float(result.pvalue), 12)


def tested(rows: list[dict], comparison: str) -> list[dict]:
    """p-values for rows holding this year's (n_answers, n_positive, mean_score, sd_score) and the
    previous year's (prev_*) values."""
    results = []
    for row in rows:
        results.append(
            {
                **{key: row[key] for key in KEYS},
                "comparison": comparison,
                "share_p_value": fisher_p_value(
                    int(row["n_positive"]),
                    int(row["n_answers"]),
                    int(row["prev_n_positive"]),
                    int(row["prev_n_answers"]),
                ),
                "mean_p_value": welch_p_value(
                    row["mean_score"],
                    row["sd_score"],
                    int(row["n_answers"]),
                    row["prev_mean_score"],
                    row["prev_sd_score"],
                    int(row["prev_n_answers"]),
                ),
            }
        )
    return results


def _records(relation) -> list[dict]:
    columns = relation.columns
    return [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]


def model(dbt, session):
    import pandas as pd

    dbt.config(materialized="table")
    values = (
        "n_answers, n_positive, mean_score, sd_score, "
        "prev_n_answers, prev_n_positive, prev_mean_score, prev_sd_score"
    )
    compared = (
        dbt.ref("int_results__compared")
        .filter("is_compared")
        .select(f"{', '.join(KEYS)}, {values}")
    )
    like_for_like = dbt.ref("int_results__like_for_like").select(
        "measurement_year, 'riket' as scope, null::varchar as forbund_id, respondent_group, "
        f"question_id, gender, {values}"
    )
    rows = tested(_records(compared), "previous_year") + tested(
        _records(like_for_like), "like_for_like"
    )
    frame = pd.DataFrame(rows, columns=[*KEYS, "comparison", "share_p_value", "mean_p_value"])
    frame["measurement_year"] = frame["measurement_year"].astype("int32")
    frame["share_p_value"] = frame["share_p_value"].astype("Float64")
    frame["mean_p_value"] = frame["mean_p_value"].astype("Float64")
    return frame.sort_values([*KEYS, "comparison"], na_position="first")
