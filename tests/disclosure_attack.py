"""An independent attacker on the published snapshot: can a group of 1 to m-1 answers be recovered?

It reads only the published tables (never the warehouse) and shares no code with orchestration/ or
the dbt models, so that a bug in the disclosure control cannot also hide in the test that checks it.
`attack(con)` runs every route and returns its `Finding`s; a correct snapshot gives none. Routes,
each a function `<route>_findings(snapshot, min_answers) -> list[Finding]`:

- geography: riket minus the published associations (results, summary, and the distribution
  option by option);
- gender: alla minus the published kvinna/man cells of one owner;
- summary_minus_questions: a published summary minus its published questions;
- alike: a remainder of those three hierarchies that holds a cell hidden for too few answers and
  whose answers are all alike (all positive, none, one value, all "Vet ej"), while the published
  total it was subtracted from is not: the hidden cell's share or mean is given away;
- distribution, history: these tables showing a cell that indicator_results hides, or another value;
- comparison: a comparison with the previous year that shows a hidden cell (measure `values`: its
  share and mean are shown, its count is not, recovered_n 0);
- derived: the tables computed from published cells (gender_differences, funnel,
  forbund_to_learn_from) showing a cell that indicator_results or indicator_summary hides, or
  another count or share than it (a women's share is also read as the men's plus the difference);
- like_for_like: riket's like-for-like pool minus the association cells published in both years;
- closure: every additive equation (associations, genders, summary = Σ questions) solved one
  unknown at a time, judging the unknown part of each equation on the way;
- linear_algebra: which cells the published cells determine (null space of the equations);
- bounds: interval propagation with non-negative counts, at most one answer per questionnaire
  (submission_counts) and the side of m the documented suppression reason gives;
- direct: a published cell that is itself too small.

A group is reported once per route and table, under `measure` answers (1..m-1 substantive
answers), else respondents, else given (substantive + "Vet ej"). The routes that check a rule
rather than a size (distribution, history, comparison) report any size. `EXACT_ROUTES` leaves out
bounds, whose findings are exact counts pinned by inequalities (mostly without share or mean).

Every cell carries one vector of additive measures (see `N` … `BASE`): counts, the sums of positive
answers, of scores and of squared scores (recovered exactly from mean, share and sd), and for the
answer distribution one slot per answer option. NaN means "not published". A cell is a `Cell`;
gender `rest` is the never-published remainder alla − kvinna − man (other or unknown gender).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
from scipy import sparse

RESULTS = "indicator_results"
SUMMARY = "indicator_summary"
DISTRIBUTION = "answer_distribution"
HISTORY = "forbund_history"

ALLA, KVINNA, MAN, REST = "alla", "kvinna", "man", "rest"
SPLIT = (KVINNA, MAN)
PARTS = (KVINNA, MAN, REST)
DONT_KNOW = "Vet ej"

# Slots of a value vector; answer options follow from BASE on.
N, GIVEN, POSITIVE, SCORE_SUM, SCORE_SQ, RESPONDENTS = range(6)
BASE = 6
COUNT_MEASURES = [N, GIVEN, POSITIVE, SCORE_SUM, SCORE_SQ]
TOLERANCE = 1e-6
RANK_TOLERANCE = 1e-9

Values = np.ndarray


class Cell(NamedTuple):
    year: int
    group: str
    forbund: str | None  # None for riket
    item: str | int  # question_id, or indicator_number for a cell of the summary
    gender: str  # alla, kvinna, man or rest

    @property
    def table(self) -> str:
        return RESULTS if isinstance(self.item, str) else SUMMARY

    # Faster than _replace, which matters with a hundred thousand cells.
    def with_gender(self, gender: str) -> Cell:
        return Cell(self.year, self.group, self.forbund, self.item, gender)

    def with_forbund(self, forbund: str | None) -> Cell:
        return Cell(self.year, self.group, forbund, self.item, self.gender)

    def with_item(self, item: str | int) -> Cell:
        return Cell(self.year, self.group, self.forbund, item, self.gender)


@dataclass(frozen=True)
class Finding:
    route: str
    table: str
    keys: dict[str, object] = field(hash=False)
    recovered_n: int
    measure: str  # answers, given (substantive + Vet ej) or respondents
    detail: str
    share_positive: float | None = None
    mean_score: float | None = None


@dataclass
class Snapshot:
    """The published tables as value vectors; a table the database lacks is empty."""

    options: tuple[str, ...]
    results: dict[Cell, Values]
    summary: dict[Cell, Values]
    distribution: dict[Cell, Values]
    history: list[tuple[Cell, str, Values]]  # reporting association's cell, shown as, values
    pooled: dict[tuple[int, str, int], tuple[str, ...]]  # (year, group, indicator) -> questions
    indicator_of: dict[tuple[int, str, str], int]  # (year, group, question) -> indicator
    reasons: dict[Cell, str] = field(default_factory=dict)  # suppression reason of a hidden cell
    # questionnaires per (year, forbund, group)
    submissions: dict[tuple[int, str, str], int] = field(default_factory=dict)
    # rows of indicator_results that compare with a previous year, and its comparability keys
    comparisons: list[Comparison] = field(default_factory=list)
    question_of_key: dict[tuple[int, str, str], str] = field(default_factory=dict)
    questions: dict[Cell, Values] | None = None  # question_knowledge, built once
    system: EquationSystem | None = None  # closure_system, built once
    # (table, cell it is built from, answers shown, share shown) of the derived tables
    derived: list[tuple[str, Cell, float, float]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return BASE + len(self.options)

    def empty(self) -> Values:
        return np.full(self.width, np.nan)


# ---------------------------------------------------------------------------------------------
# Reading the snapshot


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_name = ? and table_schema = current_schema()",
        [table],
    ).fetchall()
    return {row[0] for row in rows}


def column_or_null(columns: set[str], name: str, sql_type: str = "double") -> str:
    expression = name if name in columns else "null"
    return f"cast({expression} as {sql_type}) as {name}"


def forbund_expression(columns: set[str]) -> str:
    if "scope" in columns:
        return "case when scope = 'riket' then null else forbund_id end as forbund_id"
    return "forbund_id"


def fetch_columns(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, list]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def as_float(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=float)


def trusted_integers(values: np.ndarray) -> np.ndarray:
    """Counts and sums recovered from floats: the nearest integer, NaN when not within 1e-6."""
    with np.errstate(invalid="ignore"):
        rounded = np.round(values)
        return np.where(np.abs(values - rounded) <= TOLERANCE, rounded, np.nan)


def measures_from_statistics(
    n: np.ndarray, dont_know: np.ndarray, mean: np.ndarray, share: np.ndarray, sd: np.ndarray
) -> np.ndarray:
    """Rows × [n, given, positive, score sum, score square sum] from the published statistics."""
    with np.errstate(invalid="ignore"):
        positive = np.where(n == 0, 0.0, share * n)
        score_sum = np.where(n == 0, 0.0, mean * n)
        squares = sd * sd * (n - 1) + n * mean * mean
        score_sq = np.where(n == 0, 0.0, np.where(n == 1, mean * mean, squares))
    columns = [n, n + dont_know, positive, score_sum, score_sq]
    return trusted_integers(np.column_stack(columns)) if len(n) else np.empty((0, 5))


def load_cells(
    con: duckdb.DuckDBPyConnection, table: str, item: str, width: int
) -> tuple[dict[Cell, Values], dict[str, list]]:
    columns = table_columns(con, table)
    if not columns:
        return {}, {}
    extra = ["question_ids"] if "question_ids" in columns else []
    sql = f"""
        select measurement_year, respondent_group, {forbund_expression(columns)}, {item}, gender,
            {column_or_null(columns, "indicator_number", "integer")},
            {column_or_null(columns, "n_answers")}, {column_or_null(columns, "n_dont_know")},
            {column_or_null(columns, "mean_score")}, {column_or_null(columns, "share_positive")},
            {column_or_null(columns, "sd_score")},
            {column_or_null(columns, "n_answering_respondents")},
            {column_or_null(columns, "suppression_reason", "varchar")}
            {"".join(", " + name for name in extra)}
        from {table}
    """
    data = fetch_columns(con, sql)
    stats = [as_float(data[name]) for name in ("n_answers", "n_dont_know", "mean_score")]
    stats += [as_float(data[name]) for name in ("share_positive", "sd_score")]
    measures = measures_from_statistics(*stats)
    respondents = as_float(data["n_answering_respondents"])
    cells: dict[Cell, Values] = {}
    for i, key in enumerate(
        zip(
            data["measurement_year"],
            data["respondent_group"],
            data["forbund_id"],
            data[item],
            strict=True,
        )
    ):
        values = np.full(width, np.nan)
        values[: len(COUNT_MEASURES)] = measures[i]
        values[RESPONDENTS] = respondents[i]
        cells[Cell(*key, gender=data["gender"][i])] = values
    return cells, data


def load_distribution(con: duckdb.DuckDBPyConnection) -> tuple[tuple[str, ...], list[tuple]]:
    """The option labels in slot order, and per cell: keys, labels, counts, whether every option
    is published, and the measures."""
    columns = table_columns(con, DISTRIBUTION)
    if not columns:
        return (), []
    sql = f"""
        with options as (
            select measurement_year, respondent_group, {forbund_expression(columns)},
                question_id, gender, is_dont_know, cast(answer_value as double) as value,
                {column_or_null(columns, "is_positive", "boolean")},
                cast(n_answers as double) as n,
                case when is_dont_know then '{DONT_KNOW}' else cast(answer_value as varchar) end
                    as label
            from {DISTRIBUTION}
        )
        select measurement_year, respondent_group, forbund_id, question_id, gender,
            list(label order by is_dont_know, value), list(n order by is_dont_know, value),
            bool_and(n is not null),
            coalesce(sum(n) filter (where not is_dont_know), 0),
            coalesce(sum(n) filter (where is_dont_know), 0),
            case when bool_or(is_positive is null) filter (where not is_dont_know) then null
                else coalesce(sum(n) filter (where is_positive and not is_dont_know), 0) end,
            coalesce(sum(n * value) filter (where not is_dont_know), 0),
            coalesce(sum(n * value * value) filter (where not is_dont_know), 0)
        from options
        group by all
    """
    rows = con.execute(sql).fetchall()
    labels = {label for row in rows for label in row[5]}
    numeric = sorted((label for label in labels if label != DONT_KNOW), key=float)
    return tuple(numeric + ([DONT_KNOW] if DONT_KNOW in labels else [])), rows


def distribution_values(row: tuple, slots: dict[str, int], width: int) -> Values:
    """Options in their slots; the measures only when every option of the cell is published."""
    labels, counts, complete, n, dont_know, positive, score_sum, score_sq = row[5:]
    values = np.full(width, np.nan)
    for label, count in zip(labels, counts, strict=True):
        values[BASE + slots[label]] = np.nan if count is None else count
    if complete:
        positive = np.nan if positive is None else positive
        values[: len(COUNT_MEASURES)] = [n, n + dont_know, positive, score_sum, score_sq]
    return values


def load_history(con: duckdb.DuckDBPyConnection, width: int) -> list[tuple[Cell, str, Values]]:
    columns = table_columns(con, HISTORY)
    if not columns:
        return []
    sql = f"""
        select measurement_year, respondent_group, reported_by_forbund_id, question_id, gender,
            forbund_id as shown_as,
            {column_or_null(columns, "n_answers")}, {column_or_null(columns, "n_dont_know")},
            {column_or_null(columns, "mean_score")}, {column_or_null(columns, "share_positive")},
            {column_or_null(columns, "sd_score")}
        from {HISTORY}
    """
    data = fetch_columns(con, sql)
    stats = [as_float(data[name]) for name in ("n_answers", "n_dont_know", "mean_score")]
    measures = measures_from_statistics(
        *stats, as_float(data["share_positive"]), as_float(data["sd_score"])
    )
    rows = []
    for i, key in enumerate(
        zip(
            data["measurement_year"],
            data["respondent_group"],
            data["reported_by_forbund_id"],
            data["question_id"],
            data["gender"],
            strict=True,
        )
    ):
        values = np.full(width, np.nan)
        values[: len(COUNT_MEASURES)] = measures[i]
        rows.append((Cell(*key), data["shown_as"][i], values))
    return rows


def load_snapshot(con: duckdb.DuckDBPyConnection) -> Snapshot:
    options, option_rows = load_distribution(con)
    width = BASE + len(options)
    results, result_data = load_cells(con, RESULTS, "question_id", width)
    summary, summary_data = load_cells(con, SUMMARY, "indicator_number", width)
    slots = {label: i for i, label in enumerate(options)}
    distribution = {Cell(*row[:5]): distribution_values(row, slots, width) for row in option_rows}
    pooled = pooled_questions(summary_data)
    indicator_of = indicators_of_questions(pooled, result_data)
    history = load_history(con, width)
    reasons = reasons_of(result_data, "question_id") | reasons_of(summary_data, "indicator_number")
    snapshot = Snapshot(
        options,
        results,
        summary,
        distribution,
        history,
        pooled,
        indicator_of,
        reasons,
        load_submissions(con),
        *load_comparisons(con),
    )
    snapshot.derived = load_derived(con)
    return snapshot


# What each derived table shows of the cells it is built from: (year, group, forbund, item,
# gender, answers, share) per row, as SQL over the table.
DERIVED_CELLS = {
    "gender_differences": [
        "measurement_year, respondent_group, {forbund}, question_id, 'kvinna', women_n_answers, "
        "women_share_positive",
        "measurement_year, respondent_group, {forbund}, question_id, 'man', men_n_answers, "
        "men_share_positive",
        # the difference with the men's share published beside it gives the women's share
        "measurement_year, respondent_group, {forbund}, question_id, 'kvinna', women_n_answers, "
        "men_share_positive + share_difference",
    ],
    "funnel": [
        "measurement_year, respondent_group, forbund_id, question_id, 'alla', n_answers, "
        "share_positive",
    ],
    "forbund_to_learn_from": [
        "latest_year, respondent_group, forbund_id, indicator_number, 'alla', n_answers, "
        "share_positive",
    ],
}


def load_derived(con: duckdb.DuckDBPyConnection) -> list[tuple[str, Cell, float, float]]:
    rows = []
    for table, selections in DERIVED_CELLS.items():
        columns = table_columns(con, table)
        if not columns:
            continue
        for selection in selections:
            sql = f"select {selection.format(forbund=forbund_expression(columns))} from {table}"
            for year, group, forbund, item, gender, n, share in con.execute(sql).fetchall():
                n = math.nan if n is None else float(n)
                share = math.nan if share is None else float(share)
                rows.append((table, Cell(year, group, forbund, item, gender), n, share))
    return rows


@dataclass(frozen=True)
class Comparison:
    """A row's comparison with its previous comparable year, and for riket the like-for-like
    pool: (n, share, mean) this year and in the previous year."""

    cell: Cell
    comparability_key: str
    previous_year: int | None
    previous: tuple[float, float]  # share, mean of the previous cell as shown
    change: tuple[float, float]  # share, mean change as shown
    like_for_like: tuple[float, float, float]  # n, share, mean this year
    like_for_like_previous: tuple[float, float, float]  # n, share, mean in the previous year


COMPARISON_COLUMNS = (
    "previous_share_positive",
    "previous_mean_score",
    "share_positive_change",
    "mean_score_change",
    "like_for_like_n_answers",
    "like_for_like_share_positive",
    "like_for_like_mean_score",
    "like_for_like_previous_n_answers",
    "like_for_like_previous_share_positive",
    "like_for_like_previous_mean_score",
)


def load_comparisons(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[Comparison], dict[tuple[int, str, str], str]]:
    columns = table_columns(con, RESULTS)
    if "comparability_key" not in columns or "previous_year" not in columns:
        return [], {}
    values = ", ".join(column_or_null(columns, name) for name in COMPARISON_COLUMNS)
    shown = " or ".join(f"{name} is not null" for name in COMPARISON_COLUMNS if name in columns)
    rows = con.execute(
        f"""
        select measurement_year, respondent_group, {forbund_expression(columns)}, question_id,
            gender, comparability_key, cast(previous_year as integer), {values}
        from {RESULTS}
        where {shown or "false"}
        """
    ).fetchall()
    nan = float("nan")
    comparisons = []
    for row in rows:
        numbers = tuple(nan if value is None else float(value) for value in row[7:])
        comparisons.append(
            Comparison(
                Cell(*row[:5]),
                row[5],
                row[6],
                numbers[0:2],
                numbers[2:4],
                numbers[4:7],
                numbers[7:10],
            )
        )
    keys = con.execute(
        f"select distinct measurement_year, respondent_group, comparability_key, question_id"
        f" from {RESULTS} where comparability_key is not null"
    ).fetchall()
    return comparisons, {(year, group, key): question for year, group, key, question in keys}


def pooled_questions(summary: dict[str, list]) -> dict[tuple[int, str, int], tuple[str, ...]]:
    """(year, group, indicator) -> the question_ids its summary pools."""
    if "question_ids" not in summary:
        return {}
    keys = ("measurement_year", "respondent_group", "indicator_number", "question_ids")
    return {
        (year, group, indicator): tuple(q.strip() for q in ids.split(","))
        for year, group, indicator, ids in zip(*(summary[key] for key in keys), strict=True)
        if ids
    }


def indicators_of_questions(
    pooled: dict[tuple[int, str, int], tuple[str, ...]], results: dict[str, list]
) -> dict[tuple[int, str, str], int]:
    """(year, group, question) -> indicator, from the summary or else the results."""
    indicator_of = {
        (year, group, question): indicator
        for (year, group, indicator), questions in pooled.items()
        for question in questions
    }
    keys = ("measurement_year", "respondent_group", "question_id", "indicator_number")
    for year, group, question, indicator in zip(*(results.get(k, []) for k in keys), strict=True):
        if indicator is not None:
            indicator_of.setdefault((year, group, question), indicator)
    return indicator_of


def reasons_of(data: dict[str, list], item: str) -> dict[Cell, str]:
    keys = ("measurement_year", "respondent_group", "forbund_id", item, "gender")
    rows = zip(
        *(data.get(key, []) for key in keys), data.get("suppression_reason", []), strict=True
    )
    return {Cell(*row[:5]): row[5] for row in rows if row[5]}


def load_submissions(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str, str], int]:
    if not table_columns(con, "submission_counts"):
        return {}
    rows = con.execute(
        "select measurement_year, forbund_id, respondent_group, n_submissions"
        " from submission_counts where n_submissions is not null"
    ).fetchall()
    return {(year, forbund, group): int(n) for year, forbund, group, n in rows}


# ---------------------------------------------------------------------------------------------
# Judging and reporting a recovered group


def is_known(values: Values) -> bool:
    return not math.isnan(values[N])


def small(value: float, min_answers: int) -> bool:
    return not math.isnan(value) and 1 <= value <= min_answers - 1


def small_measure(values: Values, min_answers: int) -> tuple[str, int] | None:
    """The measure under which a derived group is too small, if any (zero is safe).

    A group is reported once: as answers when it has 1..m-1 substantive answers, else as
    respondents (summary: 1..m-1 respondents behind m or more answers), else as given answers
    (no substantive answer but 1..m-1 "Vet ej").
    """
    if small(values[N], min_answers):
        return "answers", int(values[N])
    if small(values[RESPONDENTS], min_answers):
        return "respondents", int(values[RESPONDENTS])
    if values[N] == 0 and small(values[GIVEN], min_answers):
        return "given", int(values[GIVEN])
    return None


def share_and_mean(values: Values) -> tuple[float | None, float | None]:
    n = values[N]
    if math.isnan(n) or n <= 0:
        return None, None
    share = None if math.isnan(values[POSITIVE]) else float(values[POSITIVE] / n) + 0.0
    mean = None if math.isnan(values[SCORE_SUM]) else float(values[SCORE_SUM] / n) + 0.0
    return share, mean


def describe(values: Values, options: Sequence[str]) -> str:
    parts = []
    n, given = values[N], values[GIVEN]
    if not math.isnan(n):
        parts.append(f"{int(n)} substantive answer(s)")
        if not math.isnan(given):
            parts.append(f"{int(given - n)} Vet ej")
    if not math.isnan(values[RESPONDENTS]):
        parts.append(f"{int(values[RESPONDENTS])} answering respondent(s)")
    share, mean = share_and_mean(values)
    if share is not None:
        parts.append(f"share positive {share:.4f} ({int(values[POSITIVE])}/{int(n)})")
    if mean is not None:
        parts.append(f"mean {mean:.4f}")
        if n >= 2 and not math.isnan(values[SCORE_SQ]):
            variance = max(0.0, (values[SCORE_SQ] - n * mean * mean) / (n - 1))
            parts.append(f"sd {math.sqrt(variance):.4f}")
    counts = [
        f"{label}×{int(count)}"
        for label, count in zip(options, values[BASE:], strict=True)
        if not math.isnan(count) and count != 0
    ]
    if counts:
        parts.append("options " + ", ".join(counts))
    return ", ".join(parts) if parts else "no values"


def collapsed(values: Iterable[object]) -> object:
    distinct = sorted(set(values), key=str)
    return distinct[0] if len(distinct) == 1 else tuple(distinct)


def group_keys(cells: Sequence[Cell]) -> dict[str, object]:
    first = cells[0]
    item = "question_id" if isinstance(first.item, str) else "indicator_number"
    keys: dict[str, object] = {
        "measurement_year": collapsed(c.year for c in cells),
        "respondent_group": collapsed(c.group for c in cells),
        "scope": collapsed("riket" if c.forbund is None else "forbund" for c in cells),
        "forbund_id": collapsed(c.forbund for c in cells),
        item: collapsed(c.item for c in cells),
        "gender": collapsed(c.gender for c in cells),
    }
    if sum(isinstance(value, tuple) for value in keys.values()) > 1:
        keys["cells"] = tuple(sorted((c.forbund or "", str(c.item), c.gender) for c in cells))
    return keys


def group_finding(
    route: str,
    table: str,
    cells: Sequence[Cell],
    values: Values,
    min_answers: int,
    options: Sequence[str],
    extra_keys: dict[str, object] | None = None,
) -> list[Finding]:
    verdict = small_measure(values, min_answers)
    if verdict is None or not cells:
        return []
    measure, count = verdict
    share, mean = share_and_mean(values)
    keys = group_keys(cells) | (extra_keys or {})
    detail = describe(values, options)
    return [Finding(route, table, keys, count, measure, detail, share, mean)]


def sum_of(cells: dict[Cell, Values], members: Iterable[Cell], width: int) -> Values:
    total = np.zeros(width)
    for cell in members:
        total = total + cells[cell]
    return total


# ---------------------------------------------------------------------------------------------
# Route 1: riket minus the published associations


def published_rikets(cells: dict[Cell, Values]) -> Iterator[tuple[Cell, list[Cell]]]:
    """Every published riket cell with the association cells of the same year, group, item and
    gender."""
    by_riket: dict[Cell, list[Cell]] = defaultdict(list)
    for cell in cells:
        if cell.forbund is not None:
            by_riket[cell.with_forbund(None)].append(cell)
    for riket, members in by_riket.items():
        if riket in cells and is_known(cells[riket]):
            yield riket, members


def geography_remainders(
    cells: dict[Cell, Values], width: int
) -> Iterator[tuple[list[Cell], Values]]:
    for riket, members in published_rikets(cells):
        hidden = [cell for cell in members if not is_known(cells[cell])]
        shown = [cell for cell in members if is_known(cells[cell])]
        if hidden:
            yield hidden, cells[riket] - sum_of(cells, shown, width)


def geography_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    for table, cells in (
        (RESULTS, snapshot.results),
        (SUMMARY, snapshot.summary),
        (DISTRIBUTION, snapshot.distribution),
    ):
        for hidden, remainder in geography_remainders(cells, snapshot.width):
            findings += group_finding(
                "geography", table, hidden, remainder, min_answers, snapshot.options
            )
    return findings


# ---------------------------------------------------------------------------------------------
# Route 2: alla minus the published gender cells


def gender_remainders(cells: dict[Cell, Values], width: int) -> Iterator[tuple[list[Cell], Values]]:
    for alla, values in cells.items():
        if alla.gender != ALLA or not is_known(values):
            continue
        split = [alla.with_gender(gender) for gender in SPLIT]
        shown = [cell for cell in split if cell in cells and is_known(cells[cell])]
        if shown:
            hidden = [cell for cell in split if cell not in shown] + [alla.with_gender(REST)]
            yield hidden, values - sum_of(cells, shown, width)


def gender_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    for table, cells in (
        (RESULTS, snapshot.results),
        (SUMMARY, snapshot.summary),
        (DISTRIBUTION, snapshot.distribution),
    ):
        for hidden, remainder in gender_remainders(cells, snapshot.width):
            findings += group_finding(
                "gender", table, hidden, remainder, min_answers, snapshot.options
            )
    return findings


# ---------------------------------------------------------------------------------------------
# Route 3: a published summary minus its published questions


def summary_minus_questions_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    for cell, values in snapshot.summary.items():
        questions = snapshot.pooled.get((cell.year, cell.group, cell.item), ())
        members = [cell.with_item(q) for q in questions]
        members = [member for member in members if member in snapshot.results]
        shown = [member for member in members if is_known(snapshot.results[member])]
        hidden = [member for member in members if member not in shown]
        if not is_known(values) or not shown or not hidden:
            continue
        remainder = values - sum_of(snapshot.results, shown, snapshot.width)
        remainder[RESPONDENTS] = np.nan  # respondents do not add up over questions
        findings += group_finding(
            "summary_minus_questions", RESULTS, hidden, remainder, min_answers, snapshot.options
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Route alike: remainders whose answers all agree


def is_all_alike(values: Values, with_squares: bool = True) -> bool:
    """Every answer of a group agrees: all "Vet ej", all substantive answers positive or none,
    or (with the sum of squares: n * Σx² = (Σx)²) all one value. Unknown measures say nothing.
    The summary's sd is a respondent-level statistic, so its squares are not used."""
    n, given = values[N], values[GIVEN]
    if math.isnan(n) or math.isnan(given) or given < 1:
        return False
    if n == 0:
        return True
    if not math.isnan(values[POSITIVE]) and values[POSITIVE] in (0, n):
        return True
    score, squares = values[SCORE_SUM], values[SCORE_SQ]
    if not with_squares or math.isnan(score) or math.isnan(squares):
        return False
    return abs(n * squares - score * score) <= TOLERANCE


def subtractions(
    snapshot: Snapshot, cells: dict[Cell, Values]
) -> Iterator[tuple[Values, list[Cell], Values]]:
    """(published total, hidden parts, remainder) of every hierarchy whose remainder takes a
    subtraction of at least one published part: riket minus associations, alla minus kvinna and
    man, a summary minus its questions."""
    for riket, members in published_rikets(cells):
        yield from _subtraction(cells, cells[riket], members, snapshot.width)
    for alla, values in cells.items():
        if alla.gender == ALLA and is_known(values):
            split = [alla.with_gender(gender) for gender in SPLIT]
            parts = [cell for cell in split if cell in cells]
            yield from _subtraction(cells, values, parts, snapshot.width, [alla.with_gender(REST)])
    if cells is snapshot.summary:
        for cell, values in cells.items():
            questions = snapshot.pooled.get((cell.year, cell.group, cell.item), ())
            members = [cell.with_item(question) for question in questions]
            members = [member for member in members if member in snapshot.results]
            if is_known(values):
                yield from _subtraction(snapshot.results, values, members, snapshot.width)


def _subtraction(
    cells: dict[Cell, Values],
    total: Values,
    parts: list[Cell],
    width: int,
    never_published: Sequence[Cell] = (),
) -> Iterator[tuple[Values, list[Cell], Values]]:
    shown = [cell for cell in parts if is_known(cells[cell])]
    hidden = [cell for cell in parts if cell not in shown] + list(never_published)
    if shown and hidden:
        yield total, hidden, total - sum_of(cells, shown, width)


def alike_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    for table, cells in (
        (RESULTS, snapshot.results),
        (SUMMARY, snapshot.summary),
        (DISTRIBUTION, snapshot.distribution),
    ):
        with_squares = table != SUMMARY
        for total, hidden, remainder in subtractions(snapshot, cells):
            small_inside = [cell for cell in hidden if snapshot.reasons.get(cell) == RULE_ONE]
            if (
                small_inside
                and is_all_alike(remainder, with_squares)
                and not is_all_alike(total, with_squares)
            ):
                share, mean = share_and_mean(remainder)
                detail = (
                    f"{describe(remainder, snapshot.options)}: all alike, and it holds "
                    f"{len(small_inside)} cell(s) hidden for too few answers"
                )
                findings.append(
                    Finding(
                        "alike",
                        table,
                        group_keys(hidden),
                        int(remainder[N]) if remainder[N] > 0 else int(remainder[GIVEN]),
                        "answers" if remainder[N] > 0 else "given",
                        detail,
                        share,
                        mean,
                    )
                )
    return findings


# ---------------------------------------------------------------------------------------------
# Routes 4 and 5: tables that show what indicator_results hides, or something else than it


def difference(shown: Values, published: Values) -> Values | None:
    """shown − published over the count measures both have, None when they agree."""
    delta = shown[: len(COUNT_MEASURES)] - published[: len(COUNT_MEASURES)]
    comparable = ~np.isnan(delta)
    if not comparable.any() or np.all(np.abs(delta[comparable]) < 0.5):
        return None
    result = np.full(len(shown), np.nan)
    result[: len(COUNT_MEASURES)] = delta
    return result


def revealed_finding(
    route: str,
    table: str,
    cell: Cell,
    shown: Values,
    published: Values | None,
    options: Sequence[str],
    extra_keys: dict[str, object] | None = None,
) -> list[Finding]:
    """A table may never show a value that indicator_results hides, nor another value.

    This is a rule rather than a size test, so any size is reported: recovered_n is the revealed
    cell's answers (given answers when it has no substantive one), or the size of the difference.
    """
    keys = group_keys([cell]) | (extra_keys or {})
    if published is None or not is_known(published):
        group, prefix = shown, "shown while suppressed: "
    else:
        group, prefix = difference(shown, published), "differs from indicator_results by "
        if group is None:
            return []
    measure, count = "answers", abs(group[N])
    if count == 0 and not math.isnan(group[GIVEN]):
        measure, count = "given", abs(group[GIVEN])
    if group is not shown and count == 0:  # the same count, other values
        measure, count = "answers", shown[N]
    if math.isnan(count) or count < 1:
        return []
    share, mean = share_and_mean(group)
    detail = prefix + describe(group, options)
    return [Finding(route, table, keys, int(count), measure, detail, share, mean)]


def partial_options(values: Values) -> Values | None:
    """The published options of a cell whose other options are hidden, as a group of answers."""
    options = values[BASE:]
    if is_known(values) or np.all(np.isnan(options)):
        return None
    group = np.full(len(values), np.nan)
    group[BASE:] = options
    return group


def distribution_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    options = snapshot.options
    substantive = np.array([label != DONT_KNOW for label in options])
    for cell, values in snapshot.distribution.items():
        published = snapshot.results.get(cell)
        partial = partial_options(values)
        if partial is not None and (published is None or not is_known(published)):
            count = np.nansum(partial[BASE:][substantive])
            if count >= 1:
                keys = group_keys([cell])
                detail = "options shown while the cell is suppressed: " + describe(partial, options)
                findings.append(
                    Finding("distribution", DISTRIBUTION, keys, int(count), "answers", detail)
                )
        elif is_known(values):
            findings += revealed_finding(
                "distribution", DISTRIBUTION, cell, values, published, options
            )
    return findings


def history_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    for cell, shown_as, values in snapshot.history:
        if not is_known(values):
            continue
        findings += revealed_finding(
            "history",
            HISTORY,
            cell,
            values,
            snapshot.results.get(cell),
            snapshot.options,
            {"history_forbund_id": shown_as},
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Route derived: tables computed from published cells


def derived_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    """A derived row may only be built from published cells, and must show what they show."""
    findings = []
    for table, cell, n, share in snapshot.derived:
        source = snapshot.results if cell.table == RESULTS else snapshot.summary
        published = source.get(cell)
        shown = f"{table} shows {n:g} answers and share {share:.4f}"
        if published is None or not is_known(published):
            detail = f"{shown} of a hidden cell"
        else:
            published_share, _ = share_and_mean(published)
            same_n = math.isnan(n) or abs(n - published[N]) <= TOLERANCE
            same_share = (
                math.isnan(share)
                or published_share is None
                or abs(share - published_share) <= TOLERANCE
            )
            if same_n and same_share:
                continue
            detail = f"{shown}, the published cell {describe(published, snapshot.options)}"
        findings.append(Finding("derived", table, group_keys([cell]), 0, "values", detail, share))
    return findings


# ---------------------------------------------------------------------------------------------
# Extra routes: the comparison with the previous year, and the like-for-like national pool


def previous_cell(snapshot: Snapshot, comparison: Comparison) -> Cell | None:
    cell, year = comparison.cell, comparison.previous_year
    key = (year, cell.group, comparison.comparability_key)
    question = snapshot.question_of_key.get(key) if year is not None else None
    return None if question is None else Cell(year, cell.group, cell.forbund, question, cell.gender)


def shown_previous(comparison: Comparison, current: Values) -> tuple[float, float]:
    """The previous cell's share and mean as shown, or as this year's minus the change."""
    now = share_and_mean(current)
    shown = []
    for previous, change, value in zip(comparison.previous, comparison.change, now, strict=True):
        if math.isnan(previous) and value is not None and not math.isnan(change):
            previous = value - change
        shown.append(previous)
    return shown[0], shown[1]


def values_finding(
    route: str, cell: Cell, share: float, mean: float, detail: str, extra_keys: dict | None = None
) -> Finding:
    """The share or mean of a hidden cell is shown, its count is not (recovered_n 0)."""
    share_or_none = None if math.isnan(share) else share
    mean_or_none = None if math.isnan(mean) else mean
    keys = group_keys([cell]) | (extra_keys or {})
    return Finding(route, RESULTS, keys, 0, "values", detail, share_or_none, mean_or_none)


def comparison_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    """A comparison is only between two published cells: a hidden row may not show one, and a
    published row may not show the values of a hidden previous cell."""
    findings = []
    for comparison in snapshot.comparisons:
        cell = comparison.cell
        current = snapshot.results.get(cell)
        if current is None or not is_known(current):
            shown = [*comparison.previous, *comparison.change, *comparison.like_for_like]
            if not all(math.isnan(value) for value in shown):
                detail = f"a suppressed row shows its comparison with {comparison.previous_year}"
                findings.append(values_finding("comparison", cell, *comparison.previous, detail))
            continue
        share, mean = shown_previous(comparison, current)
        previous = previous_cell(snapshot, comparison)
        hidden = previous is None or not is_published(snapshot.results, previous)
        if hidden and not (math.isnan(share) and math.isnan(mean)):
            detail = (
                f"shown as the previous year of {cell.year}: share {share:.4f}, mean {mean:.4f}"
            )
            findings.append(values_finding("comparison", previous or cell, share, mean, detail))
    return findings


def pooled_values(n: float, share: float, mean: float, width: int) -> Values:
    values = np.full(width, np.nan)
    values[[N, POSITIVE, SCORE_SUM]] = trusted_integers(np.array([n, share * n, mean * n]))
    return values


def like_for_like_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    """The like-for-like pool is to be the sum of the association cells published in both years:
    anything more is a sum of hidden cells."""
    associations: dict[tuple, list[str]] = defaultdict(list)
    for cell in snapshot.results:
        if cell.forbund is not None:
            associations[(cell.year, cell.group, cell.item, cell.gender)].append(cell.forbund)
    findings = []
    for comparison in snapshot.comparisons:
        riket, previous = comparison.cell, previous_cell(snapshot, comparison)
        if riket.forbund is not None or previous is None or math.isnan(comparison.like_for_like[0]):
            continue
        in_both, in_pool = [], []
        for forbund in associations[(riket.year, riket.group, riket.item, riket.gender)]:
            pair = (riket.with_forbund(forbund), previous.with_forbund(forbund))
            known = [pool_member(snapshot, cell) for cell in pair]
            if pair[1] in snapshot.results:
                in_pool.append(pair)
            if all(known):
                in_both.append(pair)
        for side, pool in ((0, comparison.like_for_like), (1, comparison.like_for_like_previous)):
            shown = pooled_values(*pool, snapshot.width)
            remainder = shown - sum_of(snapshot.results, [p[side] for p in in_both], snapshot.width)
            hidden = [p[side] for p in in_pool if p not in in_both] or [(riket, previous)[side]]
            findings += group_finding(
                "like_for_like", RESULTS, hidden, remainder, min_answers, snapshot.options
            )
    return findings


def is_published(cells: dict[Cell, Values], cell: Cell) -> bool:
    return cell in cells and is_known(cells[cell])


def pool_member(snapshot: Snapshot, cell: Cell) -> bool:
    return is_published(snapshot.results, cell) and snapshot.results[cell][N] > 0


# ---------------------------------------------------------------------------------------------
# What an attacker knows of a question cell from every published table


def question_knowledge(snapshot: Snapshot) -> dict[Cell, Values]:
    """indicator_results, with the distribution's options, and filled in from the distribution and
    the history where indicator_results hides a cell they show. Callers must not modify it."""
    if snapshot.questions is None:
        snapshot.questions = merged_question_cells(snapshot)
    return snapshot.questions


def merged_question_cells(snapshot: Snapshot) -> dict[Cell, Values]:
    cells = {cell: values.copy() for cell, values in snapshot.results.items()}
    for cell, values in snapshot.distribution.items():
        known = cells.setdefault(cell, snapshot.empty())
        fill = np.isnan(known) & ~np.isnan(values)
        known[fill] = values[fill]
    for cell, _, values in snapshot.history:
        known = cells.setdefault(cell, snapshot.empty())
        fill = np.isnan(known) & ~np.isnan(values)
        if not is_known(known) and fill[N]:
            known[fill] = values[fill]
    return cells


def block_of(snapshot: Snapshot, cell: Cell) -> tuple[int, str, object]:
    if isinstance(cell.item, int):
        return cell.year, cell.group, cell.item
    indicator = snapshot.indicator_of.get((cell.year, cell.group, cell.item))
    return cell.year, cell.group, cell.item if indicator is None else indicator


# ---------------------------------------------------------------------------------------------
# Route 6: closure of all additive equations, solving one unknown at a time


@dataclass
class EquationSystem:
    cells: list[Cell]
    values: np.ndarray  # cells × width, NaN unknown
    coefficients: sparse.csr_matrix  # equations × cells, entries ±1
    applies: np.ndarray  # equations × width: the measures an equation holds for


def closure_cells(snapshot: Snapshot) -> dict[Cell, Values]:
    cells = {c: v.copy() for c, v in question_knowledge(snapshot).items()}
    cells |= {c: v.copy() for c, v in snapshot.summary.items()}
    for cell in list(cells):
        if cell.gender == ALLA:
            cells.setdefault(cell.with_gender(REST), snapshot.empty())
    return cells


def additive_equations(
    cells: dict[Cell, Values], snapshot: Snapshot
) -> list[tuple[list[Cell], list[int], bool]]:
    """(cells, coefficients, also holds for respondents) with Σ coefficient × cell = 0."""
    equations = []
    for cell in cells:
        if cell.gender == ALLA:
            members = [cell] + [cell.with_gender(g) for g in PARTS]
            members = [member for member in members if member in cells]
            equations.append((members, [1] + [-1] * (len(members) - 1), True))
    by_riket: dict[Cell, list[Cell]] = defaultdict(list)
    for cell in cells:
        if cell.forbund is not None:
            by_riket[cell.with_forbund(None)].append(cell)
    for riket, members in by_riket.items():
        if riket in cells:
            equations.append(([riket, *members], [1] + [-1] * len(members), True))
    for cell in cells:
        if isinstance(cell.item, int):
            questions = snapshot.pooled.get((cell.year, cell.group, cell.item), ())
            members = [cell.with_item(q) for q in questions]
            members = [member for member in members if member in cells]
            equations.append(([cell, *members], [1] + [-1] * len(members), False))
    return equations


def closure_system(snapshot: Snapshot) -> EquationSystem:
    """A fresh copy (the closure fills in its values) of the system built once per snapshot."""
    if snapshot.system is None:
        snapshot.system = built_closure_system(snapshot)
    system = snapshot.system
    return EquationSystem(system.cells, system.values.copy(), system.coefficients, system.applies)


def built_closure_system(snapshot: Snapshot) -> EquationSystem:
    cells = closure_cells(snapshot)
    order = list(cells)
    index = {cell: i for i, cell in enumerate(order)}
    values = np.array([cells[cell] for cell in order]).reshape(len(order), snapshot.width)
    rows, columns, data, with_respondents = [], [], [], []
    for e, (members, coefficients, respondents) in enumerate(additive_equations(cells, snapshot)):
        rows += [e] * len(members)
        columns += [index[member] for member in members]
        data += coefficients
        with_respondents.append(respondents)
    matrix = sparse.csr_matrix(
        (np.array(data, dtype=float), (rows, columns)), shape=(len(with_respondents), len(order))
    )
    counts_only = np.zeros(snapshot.width, dtype=bool)  # summary = Σ questions
    counts_only[COUNT_MEASURES] = True
    applies = np.where(np.array(with_respondents, dtype=bool)[:, None], True, counts_only)
    return EquationSystem(
        order, values, matrix, applies.reshape(len(with_respondents), snapshot.width)
    )


def fill_implied_zeros(values: np.ndarray, options: Sequence[str], rows: np.ndarray) -> None:
    """No answers means no positive answers, no scores and no respondents in those cells."""
    substantive = [BASE + i for i, label in enumerate(options) if label != DONT_KNOW]
    dont_know = [BASE + i for i, label in enumerate(options) if label == DONT_KNOW]
    nothing_given = rows[values[rows, GIVEN] == 0]
    values[np.ix_(nothing_given, [N, *dont_know])] = 0.0
    no_answers = rows[values[rows, N] == 0]
    values[np.ix_(no_answers, [POSITIVE, SCORE_SUM, SCORE_SQ, RESPONDENTS, *substantive])] = 0.0


def unknown_groups(system: EquationSystem, unknown: np.ndarray, measure: int) -> np.ndarray:
    """Per equation, the values of its part unknown in `measure` when those cells all have the
    same sign (so that together they are one group of respondents), else NaN."""
    matrix, absolute = system.coefficients, abs(system.coefficients)
    in_group = unknown[:, measure].astype(float)
    count = absolute @ in_group
    same_sign = (count > 0) & (np.abs(matrix @ in_group) == count)
    sign = np.sign(matrix @ in_group)
    outside = np.where(unknown[:, [measure]], 0.0, np.nan_to_num(system.values))
    outside_unknown = absolute @ (unknown & ~unknown[:, [measure]]).astype(float)
    group_values = -sign[:, None] * (matrix @ outside)
    group_values[outside_unknown > 0] = np.nan
    group_values[~system.applies] = np.nan
    group_values[~same_sign] = np.nan
    return group_values


def solve_single_unknowns(system: EquationSystem, unknown: np.ndarray) -> int:
    """Fills every (cell, measure) that is the only unknown of an equation; returns how many."""
    matrix, absolute = system.coefficients, abs(system.coefficients)
    unknown_float = unknown.astype(float)
    count = absolute @ unknown_float
    single = (count == 1) & system.applies
    if not single.any():
        return 0
    coefficient = matrix @ unknown_float
    position = absolute @ (unknown_float * np.arange(len(system.cells))[:, None])
    known_part = matrix @ np.nan_to_num(system.values)
    equation, measure = np.nonzero(single)
    solved = trusted_integers(-known_part[equation, measure] / coefficient[equation, measure])
    cell = np.rint(position[equation, measure]).astype(int)
    fresh = np.isnan(system.values[cell, measure]) & ~np.isnan(solved)
    system.values[cell[fresh], measure[fresh]] = solved[fresh]
    return int(np.count_nonzero(fresh))


MEASURE_NAMES = {N: "answers", GIVEN: "given", RESPONDENTS: "respondents"}


def population(cells: Iterable[Cell], pooled: dict[tuple[int, str, int], tuple[str, ...]]):
    """The answers a group of cells of one table holds as (association, question, kvinna/man/rest)
    pieces, so that one group found in two shapes (alla, or kvinna + man + rest) is reported once
    per table."""
    pieces: set[tuple] = set()
    for cell in cells:
        questions = (cell.item,)
        if isinstance(cell.item, int):
            questions = pooled.get((cell.year, cell.group, cell.item), questions)
        parts = PARTS if cell.gender == ALLA else (cell.gender,)
        pieces |= {
            (cell.table, cell.year, cell.group, cell.forbund, q, p)
            for q in questions
            for p in parts
        }
    return frozenset(pieces)


def closure_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    """Groups (the unknown part of an equation) are judged at every stage, and at the end every
    cell that was unknown at the start and has been derived; a group found in two shapes is
    reported once, with the values of the derived cell when it is one."""
    system = closure_system(snapshot)
    if not system.cells or system.coefficients.shape[0] == 0:
        return []
    found: dict[frozenset, Finding] = {}
    unknown_at_start = np.isnan(system.values)
    fill_implied_zeros(system.values, snapshot.options, np.arange(len(system.cells)))
    while True:
        before = np.isnan(system.values).sum()
        for measure in (N, GIVEN, RESPONDENTS):
            unknown = np.isnan(system.values)
            group_values = unknown_groups(system, unknown, measure)
            for cells, values in small_groups(system, unknown, measure, group_values, min_answers):
                finding = judged("closure", cells, values, measure, min_answers, snapshot)
                if finding is not None:
                    keep(found, population(cells, snapshot.pooled), finding, replace_same=False)
            zero_groups(system, unknown, measure, group_values, snapshot.options)
        solve_single_unknowns(system, np.isnan(system.values))
        fill_implied_zeros(system.values, snapshot.options, np.arange(len(system.cells)))
        if np.isnan(system.values).sum() == before:
            break
    for measure in (N, GIVEN, RESPONDENTS):
        derived = unknown_at_start[:, measure] & ~np.isnan(system.values[:, measure])
        for i in np.nonzero(derived)[0]:
            cell = system.cells[i]
            finding = judged("closure", [cell], system.values[i], measure, min_answers, snapshot)
            if finding is not None:
                keep(found, population([cell], snapshot.pooled), finding, replace_same=True)
    return list(found.values())


MEASURE_PRIORITY = {"answers": 0, "respondents": 1, "given": 2}


def keep(found: dict, key: object, finding: Finding, replace_same: bool) -> None:
    """A group is reported once: as answers before respondents before given."""
    old = found.get(key)
    if old is None:
        found[key] = finding
        return
    new_rank, old_rank = MEASURE_PRIORITY[finding.measure], MEASURE_PRIORITY[old.measure]
    if new_rank < old_rank or (replace_same and new_rank == old_rank):
        found[key] = finding


def judged(
    route: str,
    cells: list[Cell],
    values: Values,
    measure: int,
    min_answers: int,
    snapshot: Snapshot,
) -> Finding | None:
    """The finding for a group in the measure it was found in, if it is too small there."""
    values = values.copy()
    if measure == RESPONDENTS:
        values[[N, GIVEN]] = np.nan  # answers are judged in their own run
    findings = group_finding(route, cells[0].table, cells, values, min_answers, snapshot.options)
    return next((f for f in findings if f.measure == MEASURE_NAMES[measure]), None)


def group_members(
    system: EquationSystem, unknown: np.ndarray, equation: int, measure: int
) -> np.ndarray:
    start, end = system.coefficients.indptr[equation], system.coefficients.indptr[equation + 1]
    cells = system.coefficients.indices[start:end]
    return cells[unknown[cells, measure]]


def small_groups(
    system: EquationSystem,
    unknown: np.ndarray,
    measure: int,
    group_values: np.ndarray,
    min_answers: int,
) -> Iterator[tuple[list[Cell], Values]]:
    with np.errstate(invalid="ignore"):
        small_parts = (group_values[:, measure] >= 1) & (group_values[:, measure] < min_answers)
    for equation in np.nonzero(small_parts)[0]:
        members = group_members(system, unknown, equation, measure)
        yield [system.cells[i] for i in members], group_values[equation]


def zero_groups(
    system: EquationSystem,
    unknown: np.ndarray,
    measure: int,
    group_values: np.ndarray,
    options: Sequence[str],
) -> None:
    """Counts are never negative: an unknown part that sums to zero is zero in every cell."""
    for equation in np.nonzero(group_values[:, measure] == 0)[0]:
        members = group_members(system, unknown, equation, measure)
        system.values[members, measure] = 0.0
        if measure == RESPONDENTS:
            system.values[members, N] = 0.0
        if measure == N and group_values[equation, GIVEN] == 0:
            system.values[members, GIVEN] = 0.0
        fill_implied_zeros(system.values, options, members)


# ---------------------------------------------------------------------------------------------
# Route 7: linear algebra on the cube of interior cells (association × kvinna/man/rest × question)


def grain_cells(cells: Iterable[Cell]) -> set[Cell]:
    """The cells at a published grain, with the never-published rest of every owner."""
    grain = set(cells)
    grain |= {cell.with_gender(REST) for cell in grain if cell.gender == ALLA}
    return grain


@dataclass
class Cube:
    """The interior cells (association × kvinna/man/rest × item) of one block and how a cell at a
    published grain sums them. Items are questions, or the indicator for the respondents cube."""

    forbunds_of: dict[object, list[str]]  # interior item -> associations that have it
    pooled: tuple[object, ...]  # the interior items a summary cell sums (its questions)

    def members(self, cell: Cell) -> list[Cell]:
        items = self.pooled if isinstance(cell.item, int) and self.pooled else (cell.item,)
        genders = PARTS if cell.gender == ALLA else (cell.gender,)
        members = []
        for item in items:
            forbunds = self.forbunds_of.get(item, [])
            if cell.forbund is not None:
                forbunds = [cell.forbund] if cell.forbund in forbunds else []
            members += [Cell(cell.year, cell.group, f, item, g) for f in forbunds for g in genders]
        return members

    def interior(self, year: int, group: str) -> dict[str, list[Cell]]:
        by_forbund: dict[str, list[Cell]] = defaultdict(list)
        for item, forbunds in self.forbunds_of.items():
            for forbund in forbunds:
                by_forbund[forbund] += [Cell(year, group, forbund, item, g) for g in PARTS]
        return dict(by_forbund)


def cube_for(interior_level: Iterable[Cell], pooled: tuple[object, ...]) -> Cube:
    forbunds_of: dict[object, list[str]] = defaultdict(list)
    for cell in interior_level:
        if cell.forbund is not None and cell.gender == ALLA:
            forbunds_of[cell.item].append(cell.forbund)
    return Cube(dict(forbunds_of), pooled)


def incidence(rows: Sequence[list[Cell]], index: dict[Cell, int], width: int) -> np.ndarray:
    matrix = np.zeros((len(rows), width))
    for row, members in enumerate(rows):
        matrix[row, [index[member] for member in members]] = 1.0
    return matrix


def svd_row_space(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Left vectors, singular values and right vectors of the row space, and a basis (rows) of the
    null space. Entries are of order one, so a singular value below 1e-9 (relative to the largest
    when that is bigger) counts as zero."""
    if matrix.shape[0] == 0:
        return (
            np.zeros((0, 0)),
            np.zeros(0),
            np.zeros((0, matrix.shape[1])),
            np.eye(matrix.shape[1]),
        )
    left, singular, right = np.linalg.svd(matrix, full_matrices=True)
    threshold = RANK_TOLERANCE * max(1.0, singular[0]) if singular.size else 0.0
    rank = int(np.count_nonzero(singular > threshold))
    return left[:, :rank], singular[:rank], right[:rank], right[rank:]


def least_squares(
    left: np.ndarray, singular: np.ndarray, right: np.ndarray, knowns: np.ndarray
) -> np.ndarray:
    return right.T @ ((left.T @ np.nan_to_num(knowns)) / singular[:, None])


@dataclass
class LocalSolution:
    """What an association's own published cells say about its interior: a particular solution and
    an orthonormal basis (columns) of the freedom they leave."""

    particular: np.ndarray  # own interior × measures
    freedom: np.ndarray  # own interior × degrees of freedom


def local_solution(
    cells: list[Cell], equations: list[tuple[list[Cell], Values]], measures: int
) -> LocalSolution:
    own = {cell: i for i, cell in enumerate(cells)}
    matrix = incidence([members for members, _ in equations], own, len(cells))
    knowns = np.array([values for _, values in equations]).reshape(len(equations), measures)
    left, singular, right, null = svd_row_space(matrix)
    particular = least_squares(left, singular, right, knowns)
    particular[:, np.isnan(knowns).any(axis=0)] = np.nan
    return LocalSolution(particular, null.T)


@dataclass
class CubeSystem:
    """Published cells as equations on the interior. An association's own cells only involve its
    own interior, so each association is solved alone; the riket cells then only constrain the
    few degrees of freedom left."""

    index: dict[Cell, int]
    slices: list[slice]  # each association's interior
    locals: list[LocalSolution]
    riket_rows: np.ndarray  # riket cells × interior
    riket_knowns: np.ndarray  # riket cells × measures

    def particular(self) -> np.ndarray:
        return np.vstack([local.particular for local in self.locals])

    def free_part(self, rows: np.ndarray) -> np.ndarray:
        """rows (sums of interior cells) expressed on the degrees of freedom left."""
        parts = [
            rows[:, part] @ local.freedom
            for part, local in zip(self.slices, self.locals, strict=True)
        ]
        return np.hstack(parts) if parts else np.zeros((len(rows), 0))

    def determined(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which target rows are determined whatever the interior, and their values."""
        particular = self.particular()
        free = self.free_part(targets)
        remaining = self.riket_knowns - self.riket_rows @ np.nan_to_num(particular)
        left, singular, right, _ = svd_row_space(self.free_part(self.riket_rows))
        residual = free - (free @ right.T) @ right
        determined = np.linalg.norm(residual, axis=1) <= TOLERANCE
        values = targets @ np.nan_to_num(particular)
        if len(singular):
            values = values + free @ least_squares(left, singular, right, remaining)
        values = trusted_integers(values)
        unusable = np.isnan(particular).any(axis=0) | np.isnan(self.riket_knowns).any(axis=0)
        values[:, unusable] = np.nan
        return determined, values


def cube_system(
    interior: dict[str, list[Cell]],
    locals_: dict[str, LocalSolution],
    riket: list[tuple[list[Cell], Values]],
    measures: int,
) -> CubeSystem:
    order, slices = [], []
    for forbund in sorted(interior):
        slices.append(slice(len(order), len(order) + len(interior[forbund])))
        order += interior[forbund]
    index = {cell: i for i, cell in enumerate(order)}
    riket_rows = incidence([members for members, _ in riket], index, len(order))
    riket_knowns = np.array([values for _, values in riket]).reshape(len(riket), measures)
    solutions = [locals_[forbund] for forbund in sorted(interior)]
    return CubeSystem(index, slices, solutions, riket_rows, riket_knowns)


def solve_cube(
    known: dict[Cell, Values], targets: list[Cell], cube: Cube, measures: list[int]
) -> dict[Cell, Values]:
    """Targets determined by the known cells, adding "every interior cell of a derived empty cell
    is empty" (counts are never negative) until nothing more is determined."""
    if not targets or not cube.forbunds_of:
        return {}
    interior = cube.interior(targets[0].year, targets[0].group)
    local: dict[str, list[tuple[list[Cell], Values]]] = defaultdict(list)
    riket: list[tuple[list[Cell], Values]] = []
    for cell, values in known.items():
        equation = (cube.members(cell), values[measures])
        (riket if cell.forbund is None else local[cell.forbund]).append(equation)
    target_members = [cube.members(cell) for cell in targets]
    solutions = {f: local_solution(cells, local[f], len(measures)) for f, cells in interior.items()}
    empty: set[Cell] = set()
    while True:
        system = cube_system(interior, solutions, riket, len(measures))
        rows = incidence(target_members, system.index, len(system.index))
        determined, values = system.determined(rows)
        zero = determined & (values[:, 0] == 0)
        if len(measures) > 1:
            zero &= (values[:, 1] == 0) | np.isnan(values[:, 1])
        new = {m for i in np.nonzero(zero)[0] for m in target_members[i]} - empty
        if not new:
            return {targets[i]: values[i] for i in np.nonzero(determined)[0]}
        empty |= new
        for cell in new:
            local[cell.forbund].append(([cell], np.zeros(len(measures))))
        for forbund in {cell.forbund for cell in new}:
            solutions[forbund] = local_solution(interior[forbund], local[forbund], len(measures))


def linear_algebra_blocks(
    snapshot: Snapshot, questions: dict[Cell, Values]
) -> dict[tuple[int, str, object], tuple[list[Cell], list[Cell]]]:
    blocks: dict[tuple[int, str, object], tuple[list[Cell], list[Cell]]] = defaultdict(
        lambda: ([], [])
    )
    for cell in questions:
        blocks[block_of(snapshot, cell)][0].append(cell)
    for cell in snapshot.summary:
        blocks[block_of(snapshot, cell)][1].append(cell)
    return blocks


def block_findings(
    snapshot: Snapshot,
    cells: dict[Cell, Values],
    cube: Cube,
    measures: list[int],
    min_answers: int,
) -> list[Finding]:
    known = {cell: values for cell, values in cells.items() if is_known(values)}
    targets = sorted(grain_cells(cells) - set(known), key=str)
    findings = []
    for cell, solved in solve_cube(known, targets, cube, measures).items():
        values = snapshot.empty()
        values[measures] = solved
        findings += group_finding(
            "linear_algebra", cell.table, [cell], values, min_answers, snapshot.options
        )
    return findings


def linear_algebra_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    questions = question_knowledge(snapshot)
    findings = []
    blocks = linear_algebra_blocks(snapshot, questions)
    for (year, group, indicator), (question_cells, summary_cells) in blocks.items():
        pooled = snapshot.pooled.get((year, group, indicator), ()) if summary_cells else ()
        cube = cube_for(question_cells, pooled)
        cells = {cell: questions[cell] for cell in question_cells}
        cells |= {cell: snapshot.summary[cell] for cell in summary_cells}
        findings += block_findings(snapshot, cells, cube, COUNT_MEASURES, min_answers)
        if summary_cells:  # respondents add up over associations and genders only
            summary = {cell: snapshot.summary[cell] for cell in summary_cells}
            cube = cube_for(summary_cells, ())
            findings += block_findings(snapshot, summary, cube, [RESPONDENTS], min_answers)
    return findings


# ---------------------------------------------------------------------------------------------
# Extra route: bounds. Counts are never negative, a questionnaire gives at most one answer to a
# question, and the documented suppression reasons say on which side of m a hidden cell is; an
# interval pinned to one value recovers the count even when no equation has a single unknown.

RULE_ONE = "Alltför få svar inkomna för att kunna redovisas"  # n < m (a question cell)
RULE_TWO = (
    "Redovisas inte: en uppdelning på kvinnor och män skulle röja en grupp med alltför få svar"
)
BOUNDED = [N, GIVEN, POSITIVE, SCORE_SUM]
UNBOUNDED = 1e9
MAX_ROUNDS = 200


def answer_scale(options: Sequence[str]) -> tuple[float, float]:
    values = [float(label) for label in options if label != DONT_KNOW]
    return (min(values), max(values)) if values else (0.0, UNBOUNDED)


def initial_bounds(
    system: EquationSystem, snapshot: Snapshot, min_answers: int, use_reasons: bool
) -> tuple[np.ndarray, np.ndarray]:
    known = system.values[:, BOUNDED]
    low = np.where(np.isnan(known), 0.0, known)
    high = np.where(np.isnan(known), UNBOUNDED, known)
    for i, cell in enumerate(system.cells):
        if not np.isnan(known[i, 0]):
            continue
        questions = 1
        if isinstance(cell.item, int):
            questions = len(snapshot.pooled.get((cell.year, cell.group, cell.item), ())) or 1
        submitted = snapshot.submissions.get((cell.year, cell.forbund, cell.group))
        if submitted is not None and cell.forbund is not None:
            high[i, :2] = np.minimum(high[i, :2], submitted * questions)
        reason = snapshot.reasons.get(cell) if use_reasons else None
        if reason == RULE_ONE and cell.table == RESULTS:
            high[i, 0] = min(high[i, 0], min_answers - 1)
        if reason == RULE_TWO:
            low[i, 0] = max(low[i, 0], min_answers)
    return low, high


def coupled(low: np.ndarray, high: np.ndarray, scale: tuple[float, float]) -> None:
    """Tightens in place: answers ≤ given, positives ≤ answers, scores within the scale."""
    smallest, largest = scale
    high[:, 0] = np.minimum(high[:, 0], high[:, 1])
    low[:, 1] = np.maximum(low[:, 1], low[:, 0])
    high[:, 2] = np.minimum(high[:, 2], high[:, 0])
    low[:, 0] = np.maximum(low[:, 0], low[:, 2])
    low[:, 3] = np.maximum(low[:, 3], smallest * low[:, 0])
    high[:, 3] = np.minimum(high[:, 3], largest * high[:, 0])
    low[:, 0] = np.maximum(low[:, 0], np.ceil(low[:, 3] / largest - TOLERANCE))
    if smallest > 0:
        high[:, 0] = np.minimum(high[:, 0], np.floor(high[:, 3] / smallest + TOLERANCE))
    low[:] = np.ceil(low - TOLERANCE)
    high[:] = np.floor(high + TOLERANCE)


def tightened_bounds(
    matrix: sparse.csr_matrix, low: np.ndarray, high: np.ndarray, scale: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Interval propagation over Σ coefficient × cell = 0 until nothing changes."""
    triplets = matrix.tocoo()
    row, column, sign = triplets.row, triplets.col, triplets.data[:, None]
    plus = sparse.csr_matrix((matrix > 0).astype(float))
    minus = sparse.csr_matrix((matrix < 0).astype(float))
    coupled(low, high, scale)
    for _ in range(MAX_ROUNDS):
        least = plus @ low - minus @ high
        most = plus @ high - minus @ low
        term_least = np.where(sign > 0, low[column], -high[column])
        term_most = np.where(sign > 0, high[column], -low[column])
        others_least, others_most = least[row] - term_least, most[row] - term_most
        new_low, new_high = low.copy(), high.copy()
        np.maximum.at(new_low, column, np.where(sign > 0, -others_most, others_least))
        np.minimum.at(new_high, column, np.where(sign > 0, -others_least, others_most))
        coupled(new_low, new_high, scale)
        if np.array_equal(new_low, low) and np.array_equal(new_high, high):
            break
        low, high = new_low, new_high
    return low, high


def consistent_bounds(
    snapshot: Snapshot, system: EquationSystem, min_answers: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """With the reasons if they are consistent with the tables, else from the counts alone."""
    scale = answer_scale(snapshot.options)
    for use_reasons in (True, False):
        low, high = initial_bounds(system, snapshot, min_answers, use_reasons)
        low, high = tightened_bounds(system.coefficients, low, high, scale)
        if np.all(low <= high):
            return low, high
    return None


def bounds_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    system = closure_system(snapshot)
    if not system.cells or system.coefficients.shape[0] == 0:
        return []
    bounds = consistent_bounds(snapshot, system, min_answers)
    if bounds is None:
        return []
    low, high = bounds
    pinned = low == high
    findings = []
    for i in np.nonzero(np.isnan(system.values[:, N]) & pinned[:, 0])[0]:
        values = snapshot.empty()
        values[BOUNDED] = np.where(pinned[i], low[i], np.nan)
        cell = system.cells[i]
        findings += group_finding(
            "bounds", cell.table, [cell], values, min_answers, snapshot.options
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Extra route: a published cell that is itself too small (primary suppression failed)


def direct_findings(snapshot: Snapshot, min_answers: int = 5) -> list[Finding]:
    findings = []
    for table, cells in ((RESULTS, snapshot.results), (SUMMARY, snapshot.summary)):
        for cell, values in cells.items():
            if is_known(values) or not math.isnan(values[RESPONDENTS]):
                findings += group_finding(
                    "direct", table, [cell], values, min_answers, snapshot.options
                )
    return findings


# ---------------------------------------------------------------------------------------------
# The attack

Route = Callable[[Snapshot, int], list[Finding]]
ROUTES: tuple[Route, ...] = (
    direct_findings,
    geography_findings,
    gender_findings,
    summary_minus_questions_findings,
    alike_findings,
    distribution_findings,
    history_findings,
    comparison_findings,
    derived_findings,
    like_for_like_findings,
    closure_findings,
    linear_algebra_findings,
    bounds_findings,
)


def deduplicated(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per route, table and group: answers before respondents before given."""
    unique: dict[tuple[str, str, str], Finding] = {}
    for finding in sorted(findings, key=lambda f: MEASURE_PRIORITY.get(f.measure, 3)):
        unique.setdefault((finding.route, finding.table, repr(finding.keys)), finding)
    return sorted(unique.values(), key=lambda f: (f.route, f.table, repr(f.keys)))


# Every route but bounds: what exact subtraction and linear algebra recover.
EXACT_ROUTES = tuple(route for route in ROUTES if route is not bounds_findings)


def attack(
    con: duckdb.DuckDBPyConnection, min_answers: int = 5, routes: Sequence[Route] = ROUTES
) -> list[Finding]:
    snapshot = load_snapshot(con)
    return deduplicated(f for route in routes for f in route(snapshot, min_answers))


def attack_file(
    path: str | Path, min_answers: int = 5, routes: Sequence[Route] = ROUTES
) -> list[Finding]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return attack(con, min_answers, routes)
    finally:
        con.close()


def disclosures(
    findings: Iterable[Finding], con: duckdb.DuckDBPyConnection | None = None
) -> list[Finding]:
    """The findings that count as a disclosure (docs/marts.md, "Known limits"): whatever an exact
    route recovers, and any share or mean. Interval reasoning (route bounds) may pin the number of
    answers of a hidden cell, for instance when every member of a group answered, but nothing
    they answered. With the snapshot (`con`), a pinned cell's share or mean does not count either
    when riket's own published cell already says it of everyone: every answer positive (100 %),
    none (0 %), or every answer the same (standard deviation 0): the all-alike limit of any
    published group, which holds whether or not the hidden cell's count is pinned."""
    return [
        finding
        for finding in findings
        if finding.route != "bounds"
        or not (
            _said_of_everyone(con, finding, "share") and _said_of_everyone(con, finding, "mean")
        )
    ]


def _said_of_everyone(con: duckdb.DuckDBPyConnection | None, finding: Finding, what: str) -> bool:
    value = finding.share_positive if what == "share" else finding.mean_score
    if value is None:
        return True
    if con is None:
        return False
    keys = {k: v for k, v in finding.keys.items() if k not in ("scope", "forbund_id", "gender")}
    where = " and ".join(f"{key} = ?" for key in keys)
    row = con.execute(
        f"select share_positive, mean_score, sd_score from {finding.table} "
        f"where scope = 'riket' and gender = 'alla' and not is_suppressed and {where}",
        list(keys.values()),
    ).fetchone()
    if row is None:
        return False
    share, mean, sd = row
    if what == "share":
        return share in (0.0, 1.0) and math.isclose(value, share, abs_tol=TOLERANCE)
    return sd == 0 and math.isclose(value, mean, abs_tol=TOLERANCE)


def counts_by_route(findings: Iterable[Finding]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for finding in findings:
        counts[(finding.route, finding.table)] += 1
    return dict(sorted(counts.items()))
