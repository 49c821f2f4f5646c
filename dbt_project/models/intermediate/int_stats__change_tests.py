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


def fisher_p_value(x1: int, n1: int, x0: int, n0: int) -> float:
    """Two-sided p-value of Fisher's exact test of x1/n1 against x0/n0: the value of
    scipy.stats.fisher_exact(table).pvalue (tests/test_change_tests.py compares them on
    3,000 tables), rounded to 12 decimals."""
    return fisher_p_values([x1], [n1], [x0], [n0])[0]


def fisher_p_values(x1, n1, x0, n0, workers: int = 1) -> list[float]:
    """fisher_p_value of every row of the given columns. A table at a time, the binary search's
    dozen calls of a hypergeometric ufunc were most of the model's time; here each call serves
    every table still searching (1.2 against 2.1 processor-seconds for the 23,821 tables of
    scale 10), with the same bits.

    `workers` threads take every workers-th table each: the ufuncs release Python's lock, and
    their cost grows with the number of answers (Boost's exact pmf), so the tables of a large
    scale were most of the run's longest model on one of two cores."""
    import numpy as np

    x1, n1, x0, n0 = (np.asarray(column, dtype=np.int64) for column in (x1, n1, x0, n0))
    a, b, c, d = x1, n1 - x1, x0, n0 - x0
    p_values = np.ones(len(a))
    varies = np.flatnonzero((a + b != 0) & (c + d != 0) & (a + c != 0) & (b + d != 0))
    workers = max(workers, 1)
    parts = [varies[start::workers] for start in range(min(workers, len(varies)))]

    def test(rows):
        return rows, _fisher_two_sided(a[rows], b[rows], c[rows], d[rows])

    if len(parts) == 1:
        rows, found = test(parts[0])
        p_values[rows] = found
    elif parts:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(parts)) as pool:
            for rows, found in pool.map(test, parts):
                p_values[rows] = found
    return [round(min(float(value), 1.0), 12) for value in p_values]


def _fisher_two_sided(a, b, c, d):
    # scipy's two-sided algorithm for 2 x 2 tables (scipy.stats.fisher_exact), step for step, each
    # branch on the tables that take it, with the hypergeometric functions called straight on the
    # boost ufuncs that scipy.stats.hypergeom wraps: the distribution object checks its arguments
    # on every call
    import numpy as np

    hypergeom = _Hypergeom(total=a + b + c + d, good=a + b, draws=a + c)
    draws, everyone = a + c, np.arange(len(a))
    mode = ((draws + 1) * (a + b + 1) / (a + b + c + d + 2)).astype(np.int64)
    pexact, pmode = hypergeom.pmf(a, everyone), hypergeom.pmf(mode, everyone)
    gamma = 1 + 1e-14
    p_values = np.ones(len(a))
    tested = np.abs(pexact - pmode) / np.maximum(pexact, pmode) > 1e-14
    for lower in (True, False):
        rows = everyone[tested & ((a < mode) if lower else (a >= mode))]
        if lower:  # the observed table is left of the mode: search the right tail
            tail = hypergeom.cdf(a[rows], rows)
            beyond = hypergeom.pmf(draws[rows], rows) > pexact[rows] * gamma
            sign, low, high = -1.0, mode[rows], draws[rows]
        else:
            tail = hypergeom.sf(a[rows] - 1, rows)
            beyond = hypergeom.pmf(np.zeros(len(rows), dtype=np.int64), rows) > pexact[rows] * gamma
            sign, low, high = 1.0, np.zeros(len(rows), dtype=np.int64), mode[rows]
        p_values[rows] = tail
        searched = rows[~beyond]
        if not len(searched):
            continue
        guess = _binary_search(
            lambda k, where, sign=sign: sign * hypergeom.pmf(k, where),
            sign * pexact[searched] * gamma,
            low[~beyond],
            high[~beyond],
            searched,
        )
        other_tail = hypergeom.sf(guess, searched) if lower else hypergeom.cdf(guess, searched)
        p_values[searched] = tail[~beyond] + other_tail
    return p_values


class _Hypergeom:
    """pmf, cdf and sf of scipy.stats.hypergeom(total, good, draws) of many tables at once, with
    the distribution's own handling of k outside the support: each method takes k and the
    indices of the tables."""

    def __init__(self, total, good, draws):
        import numpy as np

        self.total, self.good, self.draws = total, good, draws
        self.low = np.maximum(draws - (total - good), 0)
        self.high = np.minimum(good, draws)
        self._pmf, self._cdf, self._sf = _hypergeom_ufuncs()

    def _at(self, function, k, where, below: float, above: float, inside):
        import numpy as np

        result = np.where(k < self.low[where], below, above)
        if inside.any():
            found = function(k[inside], self.good[where][inside], self.draws[where][inside],
                             self.total[where][inside])  # fmt: skip
            result[inside] = np.clip(found, 0.0, 1.0)
        return result

    def pmf(self, k, where):
        inside = (self.low[where] <= k) & (k <= self.high[where])
        return self._at(self._pmf, k, where, 0.0, 0.0, inside)

    def cdf(self, k, where):
        inside = (self.low[where] <= k) & (k < self.high[where])
        return self._at(self._cdf, k, where, 0.0, 1.0, inside)

    def sf(self, k, where):
        inside = (self.low[where] <= k) & (k < self.high[where])
        return self._at(self._sf, k, where, 1.0, 0.0, inside)


def _binary_search(function, target, low, high, where):
    # scipy.stats._stats_py._binary_search_for_binom_tst for many tables at once: for each, the k
    # in [low, high] with function(k) <= target < function(k + 1), the function ascending on the
    # range
    import numpy as np

    low, high = low.copy(), high.copy()
    found = np.zeros(len(low), dtype=bool)
    result = np.zeros(len(low), dtype=np.int64)
    while True:
        searching = np.flatnonzero(~found & (low < high))
        if not len(searching):
            break
        middle = low[searching] + (high[searching] - low[searching]) // 2
        value = function(middle, where[searching])
        below, above = value < target[searching], value > target[searching]
        low[searching[below]] = middle[below] + 1
        high[searching[above]] = middle[above] - 1
        hit = searching[~below & ~above]
        found[hit], result[hit] = True, middle[~below & ~above]
    rest = np.flatnonzero(~found)
    at_low = function(low[rest], where[rest]) <= target[rest]
    result[rest] = np.where(at_low, low[rest], low[rest] - 1)
    return result


@cache
def _hypergeom_ufuncs():
    from scipy.special import _ufuncs

    return _ufuncs._hypergeom_pmf, _ufuncs._hypergeom_cdf, _ufuncs._hypergeom_sf


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
    df = welch_degrees_of_freedom(part1, n1, part0, n0)
    return round(float(t.ppf(0.975, df) * (part1 + part0) ** 0.5), 12)


def welch_degrees_of_freedom(part1, n1, part0, n0):
    """Welch-Satterthwaite degrees of freedom from each group's s^2 / n and n (numbers or numpy
    columns): scipy's formula, operation for operation, so the p-values and the intervals keep
    its bits."""
    return (part1 + part0) ** 2 / (part1**2 / (n1 - 1) + part0**2 / (n0 - 1))


def welch_p_values(mean1, sd1, n1, mean0, sd0, n0) -> list[float | None]:
    """welch_p_value of every row of the given columns, computed column-wise: the same bits as
    calling it row by row (tests/test_change_tests.py holds them to each other), in a fraction of
    the time. scipy.stats.ttest_ind_from_stats(equal_var=False) step for step on the Student t
    ufunc it calls: importing scipy.stats cost every dbt build almost a processor-second."""
    import numpy as np
    from scipy.special import stdtr

    mean1, mean0 = np.asarray(mean1, dtype=float), np.asarray(mean0, dtype=float)
    sd1, sd0 = _spreads(sd1), _spreads(sd0)
    n1, n0 = np.asarray(n1, dtype=np.int64), np.asarray(n0, dtype=np.int64)
    tested = (n1 >= 2) & (n0 >= 2)
    spread = tested & ((sd1 != 0) | (sd0 != 0))
    p_values: list[float | None] = [None] * len(n1)
    if spread.any():
        vn1, vn0 = sd1[spread] ** 2 / n1[spread], sd0[spread] ** 2 / n0[spread]
        with np.errstate(divide="ignore", invalid="ignore"):
            df = welch_degrees_of_freedom(vn1, n1[spread], vn0, n0[spread])
            statistic = np.divide(mean1[spread] - mean0[spread], np.sqrt(vn1 + vn0))
        df = np.where(np.isnan(df), 1.0, df)
        found = 2 * stdtr(df, -np.abs(statistic))
        for index, value in zip(np.flatnonzero(spread), found, strict=True):
            p_values[index] = round(float(value), 12)
    for index in np.flatnonzero(tested & ~spread):  # no spread: the t statistic is undefined
        p_values[index] = 0.0 if abs(mean1[index] - mean0[index]) > 1e-12 else 1.0
    return p_values


def welch_half_widths(sd1, n1, sd0, n0) -> list[float | None]:
    """welch_half_width of every row, column-wise (the same bits, as welch_p_values); t's
    quantile is the ufunc that scipy.stats.t.ppf calls."""
    import numpy as np
    from scipy.special import stdtrit

    n1, n0 = np.asarray(n1, dtype=np.int64), np.asarray(n0, dtype=np.int64)
    part1, part0 = _spreads(sd1) ** 2 / n1, _spreads(sd0) ** 2 / n0
    tested = (n1 >= 2) & (n0 >= 2)
    spread = tested & (part1 + part0 != 0)
    widths: list[float | None] = [None] * len(n1)
    if spread.any():
        p1, p0, m1, m0 = part1[spread], part0[spread], n1[spread], n0[spread]
        df = welch_degrees_of_freedom(p1, m1, p0, m0)
        found = stdtrit(df, 0.975) * (p1 + p0) ** 0.5
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


def tested(rows: list[dict], comparison: str, workers: int = 1) -> list[dict]:
    """p-values for rows holding this year's (n_answers, n_positive, mean_score, sd_score) and the
    previous year's (prev_*) values; Fisher's tests on `workers` threads."""
    if not rows:
        return []

    def column(name: str) -> list:
        return [row[name] for row in rows]

    n1 = [int(value) for value in column("n_answers")]
    n0 = [int(value) for value in column("prev_n_answers")]
    mean1, mean0 = column("mean_score"), column("prev_mean_score")
    sd1, sd0 = column("sd_score"), column("prev_sd_score")
    x1 = [int(value) for value in column("n_positive")]
    x0 = [int(value) for value in column("prev_n_positive")]
    shares = fisher_p_values(x1, n1, x0, n0, workers)
    means = welch_p_values(mean1, sd1, n1, mean0, sd0, n0)
    widths = welch_half_widths(sd1, n1, sd0, n0)
    return [
        {
            **{key: row[key] for key in KEYS},
            "comparison": comparison,
            "share_p_value": shares[index],
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
    # the cores the operator gives the pipeline (FINSAM_DUCKDB_THREADS; _intermediate.yml). dbt
    # passes a Python model only the configs its parser sees read as dbt.config.get("name") in a
    # call's arguments: not inside `or`, where it silently gave None (hence no default here)
    workers = int(dbt.config.get("threads_for_tests"))
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
        tested(_records(compared), "previous_year", workers)
        + tested(_records(like_for_like), "like_for_like", workers)
        + tested(_records(women_men), "women_men", workers)
    )
    table = pa.Table.from_pylist(rows, schema=schema())
    order = [(column, "ascending", "at_start") for column in [*KEYS, "comparison"]]
    return table.sort_by(order)
