"""Significance of each published change, by tests that hold at the sizes this programme has.

- Share positive: Fisher's exact test (two-sided, conditional on both margins), from the counts
  x1 of n1 this year and x0 of n0 in the previous comparable year. Unlike the normal
  approximation it is valid for 5 answers as for 5,000: 5 of 5 against 2 of 5 gives p = 0.167.
- Mean score: Welch's t-test (unequal variances, Welch-Satterthwaite degrees of freedom). When
  neither year has any spread (every answer the same) the standard error is 0: p is 0 when the
  means differ and 1 when they do not.

Three kinds of comparison are tested: 'previous_year' (every compared cell of
fct_indicator_results), 'like_for_like' (the national change among the associations published in
both years, int_results__like_for_like) and 'women_men' (women against men in every cell whose two
are published, int_results__gender_pairs: women stand in the place of this year, men of the
previous one, and the row's gender is 'alla', the cell they split). Each comparison also carries
the half-width of Welch's 95 % interval of the difference of the means. p-values are rounded to
12 decimals so that they are identical to the bit on every machine. Written in Python because
scipy has both tests and DuckDB has neither; pytest checks the functions against hand-worked
values (tests/test_change_tests.py).
"""

from functools import cache

KEYS = ["measurement_year", "scope", "forbund_id", "respondent_group", "question_id", "gender"]


@cache
def fisher_p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    """Two-sided p-value of Fisher's exact test of x1/n1 against x0/n0: the value of
    scipy.stats.fisher_exact(table).pvalue (tests/test_change_tests.py compares them on
    3,000 tables), rounded to 12 decimals."""
    table_rows = (x1, n1 - x1), (x0, n0 - x0)
    return round(min(_fisher_two_sided(table_rows), 1.0), 12)


def _fisher_two_sided(table_rows: tuple[tuple[int, int], tuple[int, int]]) -> float:
    # scipy's two-sided algorithm for a 2 x 2 table, step for step, with the hypergeometric
    # functions called straight on the boost ufuncs that scipy.stats.hypergeom wraps. The
    # distribution object checks its arguments on every call, which made the test cost 0.3 ms a
    # cell, and a binary search calls it a dozen times; the ufuncs return the same bits.
    (a, b), (c, d) = table_rows
    if 0 in (a + b, c + d, a + c, b + d):
        return 1.0
    hypergeom = _Hypergeom(total=a + b + c + d, good=a + b, draws=a + c)
    draws = a + c
    mode = int((draws + 1) * (a + b + 1) / (a + b + c + d + 2))
    pexact = hypergeom.pmf(a)
    pmode = hypergeom.pmf(mode)
    gamma = 1 + 1e-14
    if abs(pexact - pmode) / max(pexact, pmode) <= 1e-14:
        return 1.0
    if a < mode:
        plower = hypergeom.cdf(a)
        if hypergeom.pmf(draws) > pexact * gamma:
            return plower
        guess = _binary_search(lambda x: -hypergeom.pmf(x), -pexact * gamma, mode, draws)
        return plower + hypergeom.sf(guess)
    pupper = hypergeom.sf(a - 1)
    if hypergeom.pmf(0) > pexact * gamma:
        return pupper
    guess = _binary_search(hypergeom.pmf, pexact * gamma, 0, mode)
    return pupper + hypergeom.cdf(guess)


class _Hypergeom:
    """pmf, cdf and sf of scipy.stats.hypergeom(total, good, draws) for integer k, with the
    distribution's own handling of k outside the support."""

    def __init__(self, total: int, good: int, draws: int):
        self.total, self.good, self.draws = total, good, draws
        self.low, self.high = max(draws - (total - good), 0), min(good, draws)
        # the ufuncs taken once a table, not once a call: an import statement in pmf, called
        # a dozen times a cell, cost more than the function itself
        self._pmf, self._cdf, self._sf = _hypergeom_ufuncs()

    def pmf(self, k: int) -> float:
        if not self.low <= k <= self.high:
            return 0.0
        return _clip(self._pmf(k, self.good, self.draws, self.total))

    def cdf(self, k: int) -> float:
        if k >= self.high:
            return 1.0
        if k < self.low:
            return 0.0
        return _clip(self._cdf(k, self.good, self.draws, self.total))

    def sf(self, k: int) -> float:
        if k < self.low:
            return 1.0
        if k >= self.high:
            return 0.0
        return _clip(self._sf(k, self.good, self.draws, self.total))


@cache
def _hypergeom_ufuncs():
    from scipy.special import _ufuncs

    return _ufuncs._hypergeom_pmf, _ufuncs._hypergeom_cdf, _ufuncs._hypergeom_sf


def _clip(value) -> float:
    return float(min(max(value, 0.0), 1.0))


def _binary_search(function, target: float, low: int, high: int) -> int:
    # scipy.stats._stats_py._binary_search_for_binom_tst: the k in [low, high] with
    # function(k) <= target < function(k + 1), the function ascending on the range
    while low < high:
        middle = low + (high - low) // 2
        value = function(middle)
        if value < target:
            low = middle + 1
        elif value > target:
            high = middle - 1
        else:
            return middle
    return low if function(low) <= target else low - 1


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


def welch_half_width(sd1: float, n1: int, sd0: float, n0: int) -> float | None:
    """Half the width of Welch's 95 % interval of mean1 - mean0: t(0.975; Welch-Satterthwaite
    degrees of freedom) times the standard error; 0 when neither group has any spread, None below
    2 answers in a group."""
    from scipy.stats import t

    if n1 < 2 or n0 < 2:
        return None
    part1, part0 = (sd1 or 0.0) ** 2 / n1, (sd0 or 0.0) ** 2 / n0
    if part1 + part0 == 0:
        return 0.0
    df = (part1 + part0) ** 2 / (part1**2 / (n1 - 1) + part0**2 / (n0 - 1))
    return round(float(t.ppf(0.975, df) * (part1 + part0) ** 0.5), 12)


def welch_p_values(mean1, sd1, n1, mean0, sd0, n0) -> list[float | None]:
    """welch_p_value of every row of the given columns, computed column-wise: the same bits as
    calling it row by row (tests/test_change_tests.py holds them to each other), in a fraction of
    the time, since scipy's per-call overhead is most of the cost of one small test."""
    import numpy as np
    from scipy.stats import ttest_ind_from_stats

    mean1, mean0 = np.asarray(mean1, dtype=float), np.asarray(mean0, dtype=float)
    sd1, sd0 = _spreads(sd1), _spreads(sd0)
    n1, n0 = np.asarray(n1, dtype=np.int64), np.asarray(n0, dtype=np.int64)
    tested = (n1 >= 2) & (n0 >= 2)
    spread = tested & ((sd1 != 0) | (sd0 != 0))
    p_values: list[float | None] = [None] * len(n1)
    if spread.any():
        found = ttest_ind_from_stats(
            mean1[spread], sd1[spread], n1[spread], mean0[spread], sd0[spread], n0[spread],
            equal_var=False,
        ).pvalue  # fmt: skip
        for index, value in zip(np.flatnonzero(spread), found, strict=True):
            p_values[index] = round(float(value), 12)
    for index in np.flatnonzero(tested & ~spread):  # no spread: the t statistic is undefined
        p_values[index] = 0.0 if abs(mean1[index] - mean0[index]) > 1e-12 else 1.0
    return p_values


def welch_half_widths(sd1, n1, sd0, n0) -> list[float | None]:
    """welch_half_width of every row, column-wise (the same bits, as welch_p_values)."""
    import numpy as np
    from scipy.stats import t

    n1, n0 = np.asarray(n1, dtype=np.int64), np.asarray(n0, dtype=np.int64)
    part1, part0 = _spreads(sd1) ** 2 / n1, _spreads(sd0) ** 2 / n0
    tested = (n1 >= 2) & (n0 >= 2)
    spread = tested & (part1 + part0 != 0)
    widths: list[float | None] = [None] * len(n1)
    if spread.any():
        p1, p0, m1, m0 = part1[spread], part0[spread], n1[spread], n0[spread]
        df = (p1 + p0) ** 2 / (p1**2 / (m1 - 1) + p0**2 / (m0 - 1))
        found = t.ppf(0.975, df) * (p1 + p0) ** 0.5
        for index, value in zip(np.flatnonzero(spread), found, strict=True):
            widths[index] = round(float(value), 12)
    for index in np.flatnonzero(tested & ~spread):
        widths[index] = 0.0
    return widths


def _spreads(values):
    """Standard deviations as floats, a missing one (a single answer) as 0, as the scalar
    functions take them."""
    import numpy as np

    return np.array([value or 0.0 for value in values], dtype=float)


def tested(rows: list[dict], comparison: str) -> list[dict]:
    """p-values for rows holding this year's (n_answers, n_positive, mean_score, sd_score) and the
    previous year's (prev_*) values."""
    if not rows:
        return []

    def column(name: str) -> list:
        return [row[name] for row in rows]

    n1 = [int(value) for value in column("n_answers")]
    n0 = [int(value) for value in column("prev_n_answers")]
    mean1, mean0 = column("mean_score"), column("prev_mean_score")
    sd1, sd0 = column("sd_score"), column("prev_sd_score")
    means = welch_p_values(mean1, sd1, n1, mean0, sd0, n0)
    widths = welch_half_widths(sd1, n1, sd0, n0)
    return [
        {
            **{key: row[key] for key in KEYS},
            "comparison": comparison,
            "share_p_value": fisher_p_value(
                int(row["n_positive"]), n1[index], int(row["prev_n_positive"]), n0[index]
            ),
            "mean_p_value": means[index],
            "mean_difference_half_width": widths[index],
        }
        for index, row in enumerate(rows)
    ]


def _records(relation) -> list[dict]:
    columns = relation.columns
    return [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]


def schema():
    """The model's columns and types, the same on zero rows as on a million."""
    import pyarrow as pa

    return pa.schema(
        [
            ("measurement_year", pa.int32()),
            ("scope", pa.string()),
            ("forbund_id", pa.string()),
            ("respondent_group", pa.string()),
            ("question_id", pa.string()),
            ("gender", pa.string()),
            ("comparison", pa.string()),
            ("share_p_value", pa.float64()),
            ("mean_p_value", pa.float64()),
            ("mean_difference_half_width", pa.float64()),
        ]
    )


def model(dbt, session):
    import pyarrow as pa

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
    women_men = dbt.ref("int_results__gender_pairs").select(
        "measurement_year, scope, forbund_id, respondent_group, question_id, 'alla' as gender, "
        "women_n_answers as n_answers, women_n_positive as n_positive, "
        "women_mean_score as mean_score, women_sd_score as sd_score, "
        "men_n_answers as prev_n_answers, men_n_positive as prev_n_positive, "
        "men_mean_score as prev_mean_score, men_sd_score as prev_sd_score"
    )
    rows = (
        tested(_records(compared), "previous_year")
        + tested(_records(like_for_like), "like_for_like")
        + tested(_records(women_men), "women_men")
    )
    table = pa.Table.from_pylist(rows, schema=schema())
    order = [(column, "ascending", "at_start") for column in [*KEYS, "comparison"]]
    return table.sort_by(order)
