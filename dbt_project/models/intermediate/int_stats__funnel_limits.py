"""Control limits of the funnel plots: one row per question cube (year x group x question, all
genders together) and number of answers n.

Each published association's share positive is compared with the national share p0 at its own
number of answers (Spiegelhalter, "Funnel plots for comparing institutional performance", Stat Med
2005), at 95 % and 99.8 %:

- the Wilson (score) limits p0 +/- z * sqrt(p0 (1 - p0) / n): a share lies outside them exactly
  when its own Wilson interval at that level leaves out p0, so the funnel and the published
  intervals never disagree. (Spiegelhalter's interpolated exact binomial limits would flag 10 of 10
  against p0 = 0.7 at 99.8 %, although 10 of 10 happens 2.8 % of the time.)
- where the associations vary more than chance allows (overdispersion), the same limits widened by
  an additive random effect: p0 +/- z * sqrt(p0 (1 - p0) / n + tau^2). The z-scores
  z_i = (p_i - p0) / s_i, s_i^2 = p0 (1 - p0) / n_i, are winsorised at their 10th and 90th
  percentiles, phi = mean(z_i^2), and the associations are overdispersed when I * phi exceeds
  the 95th percentile of chi-square with I - 1 degrees of freedom (I associations, at least
  MIN_FOR_OVERDISPERSION). Then tau^2 = (I phi - (I - 1)) / (sum w_i - sum w_i^2 / sum w_i),
  w_i = 1 / s_i^2 (his section 4.2, additive random effects).

Limits are kept within 0..1. Only published cells take part (the national cell and the
associations' alla cells), so no limit says anything about a hidden cell. The n of every
published association is among the rows, with a grid for drawing the curves between them. Written
in Python for the winsorising and the chi-square quantile; pytest checks the functions on worked
examples (tests/test_funnel_limits.py).
"""

import math
from functools import cache

LEVELS = {"95": (0.025, 0.975), "998": (0.001, 0.999)}
MIN_FOR_OVERDISPERSION = 10
GRID_POINTS = 60
CUBE = ("measurement_year", "respondent_group", "question_id")


def limit(p0: float, n: int, probability: float, tau2: float = 0.0) -> float:
    """The control limit at n answers for the normal quantile of `probability` (0.025 and 0.975
    for 95 %, 0.001 and 0.999 for 99.8 %), within 0..1."""
    spread = math.sqrt(p0 * (1 - p0) / n + tau2)
    return min(max(p0 + normal_quantile(probability) * spread, 0.0), 1.0)


@cache
def normal_quantile(probability: float) -> float:
    """scipy.stats.norm.ppf, once per probability: the model needs four, at every point of every
    funnel. norm.ppf is the ufunc ndtri (tests/test_funnel_limits.py holds them to each other);
    importing scipy.stats cost every dbt build almost a processor-second."""
    from scipy.special import ndtri

    return float(ndtri(probability))


def chi2_quantile(probability: float, degrees_of_freedom: int) -> float:
    """scipy.stats.chi2.ppf, by the ufunc it calls (the same bits, as normal_quantile)."""
    from scipy.special import gammaincinv

    return float(2 * gammaincinv(degrees_of_freedom / 2, probability))


def winsorised(values: list[float], share: float = 0.1) -> list[float]:
    """Values pulled in to their 10th and 90th percentiles (numpy's linear percentiles)."""
    import numpy as np

    low, high = np.percentile(values, [100 * share, 100 * (1 - share)])
    return [min(max(value, float(low)), float(high)) for value in values]


def overdispersion(p0: float, points: list[tuple[int, float]]) -> tuple[float | None, float, bool]:
    """(phi, tau^2, overdispersed) of the associations' (n, share) around p0; phi is None below
    MIN_FOR_OVERDISPERSION associations or when p0 is 0 or 1 (no spread to compare with)."""
    count = len(points)
    if count < MIN_FOR_OVERDISPERSION or not 0 < p0 < 1:
        return None, 0.0, False
    variances = [p0 * (1 - p0) / n for n, _ in points]
    z = [(share - p0) / math.sqrt(v) for (_, share), v in zip(points, variances, strict=True)]
    phi = sum(value * value for value in winsorised(z)) / count
    if count * phi <= chi2_quantile(0.95, count - 1):
        return phi, 0.0, False
    weights = [1 / v for v in variances]
    total = sum(weights)
    tau2 = max(0.0, (count * phi - (count - 1)) / (total - sum(w * w for w in weights) / total))
    return phi, tau2, tau2 > 0


def grid(sizes: list[int], smallest: int) -> list[int]:
    """Every association's n, and enough sizes between smallest and 10 % past the largest to
    draw smooth curves: every integer up to 200, else GRID_POINTS spaced evenly on a log scale."""
    largest = max(sizes)
    top = max(smallest + 1, math.ceil(largest * 1.1))
    if top <= 200:
        between = range(smallest, top + 1)
    else:
        step = math.log(top / smallest) / (GRID_POINTS - 1)
        between = {round(smallest * math.exp(step * i)) for i in range(GRID_POINTS)}
    return sorted(set(between) | set(sizes))


def cube_limits(p0: float, points: list[tuple[int, float]], smallest: int) -> list[dict]:
    phi, tau2, overdispersed = overdispersion(p0, points)
    rows = []
    for n in grid([n for n, _ in points], smallest):
        row = {
            "n_answers": n,
            "n_forbund": len(points),
            "overdispersion_phi": None if phi is None else round(phi, 12),
            "overdispersion_tau2": round(tau2, 12),
            "is_overdispersed": overdispersed,
            "is_forbund_size": any(size == n for size, _ in points),
        }
        for level, (low, high) in LEVELS.items():
            for side, probability in (("low", low), ("high", high)):
                row[f"limit_{level}_{side}"] = round(limit(p0, n, probability, tau2), 12)
        rows.append(row)
    return rows


def funnel_limits(national: list[dict], associations: list[dict], smallest: int) -> list[dict]:
    """Limits for every cube with a published national cell and published associations."""
    points: dict[tuple, list[tuple[int, float]]] = {}
    for row in associations:
        key = tuple(row[name] for name in CUBE)
        share = row["n_positive"] / row["n_answers"]
        points.setdefault(key, []).append((int(row["n_answers"]), share))
    results = []
    for row in national:
        key = tuple(row[name] for name in CUBE)
        if key not in points:
            continue
        p0 = row["n_positive"] / row["n_answers"]
        for limits in cube_limits(p0, sorted(points[key]), smallest):
            results.append(
                {**dict(zip(CUBE, key, strict=True)), "national_share": round(p0, 12), **limits}
            )
    return results


def schema():
    """The model's columns and types, the same on zero rows as on a million."""
    import pyarrow as pa

    return pa.schema(
        [
            ("measurement_year", pa.int32()),
            ("respondent_group", pa.string()),
            ("question_id", pa.string()),
            ("national_share", pa.float64()),
            ("n_answers", pa.int32()),
            ("n_forbund", pa.int32()),
            ("overdispersion_phi", pa.float64()),
            ("overdispersion_tau2", pa.float64()),
            ("is_overdispersed", pa.bool_()),
            ("is_forbund_size", pa.bool_()),
            ("limit_95_low", pa.float64()),
            ("limit_95_high", pa.float64()),
            ("limit_998_low", pa.float64()),
            ("limit_998_high", pa.float64()),
        ]
    )


def _records(relation) -> list[dict]:
    columns = relation.columns
    return [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]


def model(dbt, session):
    import pyarrow as pa

    dbt.config(materialized="table")
    smallest = int(dbt.config.get("min_answers"))
    published = dbt.ref("int_results__disclosure").filter(
        "gender = 'alla' and not is_suppressed and n_answers > 0"
    )
    columns = "measurement_year, respondent_group, question_id, n_answers, n_positive"
    national = _records(published.filter("scope = 'riket'").select(columns))
    associations = _records(published.filter("scope = 'forbund'").select(columns))
    table = pa.Table.from_pylist(funnel_limits(national, associations, smallest), schema=schema())
    order = [(column, "ascending") for column in [*CUBE, "n_answers"]]
    return table.sort_by(order)
