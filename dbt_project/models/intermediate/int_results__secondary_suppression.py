"""Secondary (complementary) suppression of question cells.

The published national cell of a year x group x question x gender is the sum of the association
cells, and an association's (or the nation's) 'alla' cell is the sum of its kvinna, man and
"rest" (other or unknown gender; never published) cells. Primary suppression
(int_results__primary_suppression) hides small cells, but a reader can subtract the published
cells from a published total and get back the sum of the hidden ones. This model hides further
association cells, one at a time and the smallest first, until every such remainder is 0 or at
least m = var('min_answers'), in both protected measures (substantive answers, and all answers
given including "Vet ej").

Per cube (year x group x question) the hidden cells always form this pattern (primary
suppression starts it: a blocked gender split hides kvinna and man together, and a hidden 'alla'
cell has hidden genders):
  C = associations whose 'alla' cell is hidden,
  B = associations whose kvinna/man split is hidden (C is part of B).
The only sums of hidden cells that published cells determine are then sum over C of 'alla' and,
when the national split is published, the sums over B of kvinna, of man and of the rest (each row
of B hides three cells that add up to its published 'alla', so no single one is determined). The
loop makes each of those 0 or at least m. It ends: every step adds an association to C or B, and
once B (or C) holds every association its sums are the national cells, which are published only
at m or more. docs/marts.md has the proof.

Two more steps guard against reasoning with bounds rather than sums: a hidden cell has at most its
association's questionnaires (published in submission_counts) and, by its published reason, fewer
than m answers or at least m. When those bounds leave a small hidden cell one possible value
(every hidden association answered every questionnaire), an association with an unanswered
questionnaire is hidden too, so that the bounds have room. Last, the model reasons as a reader
would (reader_bounds: interval propagation over the cube's rows and columns, in answers, answers
given, positives and the sum of the answers); where that gives away the share, mean or "Vet ej"
answers of a small hidden cell, it hides the smallest published association cell whose hiding
ends that, or, where none does, riket's cells of that column. A small cell's size alone may stay
pinned: a documented limit (a number of answers, never an answer). Otherwise the national cells
are never hidden here.

Written in Python because it is a loop to a fixed point, which SQL cannot express plainly; the
rules of a single cell (threshold, gender split) stay in SQL macros, and pytest imports the
functions below directly (tests/test_secondary_suppression.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

MEASURES = ("answers", "given")
GENDERS = ("alla", "kvinna", "man")
SECONDARY = "secondary"


@dataclass
class Row:
    """One association's cells of a cube (forbund_id None: the national row)."""

    forbund_id: str | None
    answers: dict[str, int] = field(default_factory=dict)
    given: dict[str, int] = field(default_factory=dict)
    rules: dict[str, str | None] = field(default_factory=dict)
    # positive answers and the sum of the answers: what a reader could work out of a hidden cell
    # (reader_bounds), never published for one
    positive: dict[str, int] = field(default_factory=dict)
    score: dict[str, int] = field(default_factory=dict)
    # the sum of the squared answers: all answers of a remainder alike (all_alike)
    squares: dict[str, int] = field(default_factory=dict)
    # questionnaires of the group (published in submission_counts): no cell of the row can have
    # more answers than this; None when unknown
    questionnaires: int | None = None

    def count(self, column: str, measure: str) -> int:
        values = {
            "answers": self.answers,
            "given": self.given,
            "positive": self.positive,
            "score": self.score,
            "squares": self.squares,
        }[measure]
        if column == "rest":
            return values.get("alla", 0) - values.get("kvinna", 0) - values.get("man", 0)
        return values.get(column, 0)

    def is_published(self, gender: str) -> bool:
        return gender in self.rules and self.rules[gender] is None

    @property
    def is_split_published(self) -> bool:
        return self.is_published("kvinna") and self.is_published("man")

    def hide(self, genders: Iterable[str]) -> None:
        for gender in genders:
            if gender in self.rules and self.rules[gender] is None:
                self.rules[gender] = SECONDARY


def is_small_group(count: int, min_answers: int) -> bool:
    return 1 <= count < min_answers


def _smallest_key(row: Row, column: str) -> tuple:
    return (
        row.count(column, "answers"),
        row.count(column, "given"),
        row.count("alla", "answers"),
        row.forbund_id or "",
    )


def _smallest(candidates: list[Row], column: str) -> Row:
    return min(candidates, key=lambda row: _smallest_key(row, column))


DEFAULT_SCALE = (1, 10)


def next_suppression(
    national: Row,
    members: list[Row],
    min_answers: int,
    protect_rest: bool,
    scale: tuple[int, int] = DEFAULT_SCALE,
) -> tuple[Row, tuple[str, ...]] | None:
    """The next association cells to hide in one cube, or None when every remainder is safe."""
    if national.is_published("alla"):
        hidden = [row for row in members if not row.is_published("alla")]
        for measure in MEASURES:
            if is_small_group(sum(row.count("alla", measure) for row in hidden), min_answers):
                open_rows = [
                    row
                    for row in members
                    if row.is_published("alla") and row.count("alla", measure) > 0
                ]
                return _pick(open_rows, "alla", national), GENDERS

        if _pins_a_small_cell(hidden, min_answers):
            open_rows = [row for row in members if row.is_published("alla") and _slack(row) > 0]
            if open_rows:
                return _smallest(open_rows, "alla"), GENDERS

    hidden_splits = [row for row in members if not row.is_split_published]
    open_splits = [row for row in members if row.is_split_published]
    if national.is_split_published:
        columns = ("kvinna", "man", "rest") if protect_rest else ("kvinna", "man")
        for column in columns:
            for measure in MEASURES:
                remainder = sum(row.count(column, measure) for row in hidden_splits)
                if is_small_group(remainder, min_answers):
                    open_rows = [row for row in open_splits if row.count(column, measure) > 0]
                    return _pick(open_rows, column, national), ("kvinna", "man")
    elif not any(row.count("alla", "given") > 0 for row in hidden_splits):
        # The national split is hidden, but it would be the sum of the published splits.
        open_rows = [row for row in open_splits if row.count("alla", "given") > 0]
        if open_rows:
            return _smallest(open_rows, "alla"), ("kvinna", "man")
    step = _break_alike_remainders(national, members, min_answers, protect_rest)
    if step is not None:
        return step
    return _unmask_values(national, members, min_answers, protect_rest, scale)


# --- Remainders whose answers are all alike -------------------------------------------------
#
# A remainder of m or more answers still gives away the small cells inside it when all its answers
# agree: every one positive, none positive, all the same value, or all "Vet ej" (what statistical
# offices call group attribute disclosure). So a remainder that a reader gets by subtracting
# published association cells from a published national cell, and that holds a hidden cell below
# the threshold, must not be all alike: the smallest published association cell whose hiding ends
# that is hidden too. A published cell that is itself all alike says so of every part of it, with
# no subtraction (the limit of publishing any share of 0 or 100 %); it is left as it is.

ALIKE_MEASURES = ("answers", "given", "positive", "score", "squares")


def is_all_alike(answers: int, given: int, positive: int, score: int, squares: int) -> bool:
    """True when every answer of a group agrees: all "Vet ej", or all substantive answers
    positive, or none, or all one value (n * sum of squares = (sum)^2 only then)."""
    if given <= 0:
        return False
    if answers == 0:
        return True
    return positive in (0, answers) or answers * squares == score * score


def _all_alike(rows: list[Row], column: str) -> bool:
    return is_all_alike(
        *(sum(row.count(column, measure) for row in rows) for measure in ALIKE_MEASURES)
    )


def _holds_small_cell(rows: list[Row], column: str, min_answers: int) -> bool:
    """True when a cell of the column is below the threshold by its size, or by its published
    reason (all a reader knows of it)."""
    return any(
        row.rules.get(column) == "threshold"
        or is_small_group(row.count(column, "answers"), min_answers)
        or is_small_group(row.count(column, "given"), min_answers)
        for row in rows
    )


def _alike_partner(hidden: list[Row], shown: list[Row], column: str) -> Row | None:
    """The smallest published row whose cell, hidden too, makes the remainder not all alike; else
    the smallest with an answer (the next step adds another)."""
    answering = sorted(
        (row for row in shown if row.count(column, "given") > 0),
        key=lambda row: _smallest_key(row, column),
    )
    for row in answering:
        if not _all_alike([*hidden, row], column):
            return row
    return answering[0] if answering else None


def _break_alike_remainders(
    national: Row, members: list[Row], min_answers: int, protect_rest: bool
) -> tuple[Row, tuple[str, ...]] | None:
    """The next association cells to hide so that no remainder holding a small cell is all
    alike: riket's alla minus the published associations, and, where riket's split is published,
    each of its gender columns minus the published splits."""
    checks = []
    if national.is_published("alla"):
        hidden = [row for row in members if not row.is_published("alla")]
        shown = [row for row in members if row.is_published("alla")]
        checks.append(("alla", hidden, shown, GENDERS))
    if national.is_split_published:
        hidden = [row for row in members if not row.is_split_published]
        shown = [row for row in members if row.is_split_published]
        for column in ("kvinna", "man", "rest") if protect_rest else ("kvinna", "man"):
            checks.append((column, hidden, shown, ("kvinna", "man")))
    for column, hidden, shown, genders in checks:
        if not hidden or not shown or _all_alike([national], column):
            continue  # no subtraction, or riket's own cell already says it of everyone
        if _holds_small_cell(hidden, column, min_answers) and _all_alike(hidden, column):
            partner = _alike_partner(hidden, shown, column)
            if partner is not None:
                return partner, genders
    return None


def _bounds(row: Row, column: str, measure: str, min_answers: int) -> tuple[int, float]:
    """What a reader knows of a hidden cell without its value: at most the row's
    questionnaires; fewer than m answers when its published reason is the threshold, at least m
    answers (and so answers given) when it is hidden for another reason. The never-published
    remainder of other or unknown gender has no reason."""
    most = row.questionnaires if row.questionnaires is not None else float("inf")
    rule = None if column == "rest" else row.rules.get(column)
    if column != "rest" and rule != "threshold":
        return min_answers, most
    if rule == "threshold" and measure == "answers":
        return 0, min(most, min_answers - 1)
    return 0, most


def _slack(row: Row, column: str = "alla") -> int:
    """Questionnaires of the row that gave no answer in the column: room below its upper bound."""
    if row.questionnaires is None:
        return 1
    return row.questionnaires - max(row.count(column, "answers"), row.count(column, "given"))


def _pins_a_small_cell(hidden: list[Row], min_answers: int, column: str = "alla") -> bool:
    """True when the remainder and the bounds of the hidden cells of the column leave one of them
    with 1 to m - 1 answers a single possible value (say every hidden cell is at its upper
    bound)."""
    if not hidden:
        return False
    for measure in MEASURES:
        bounds = [_bounds(row, column, measure, min_answers) for row in hidden]
        lowest = sum(low for low, _ in bounds)
        highest = sum(high for _, high in bounds)
        remainder = sum(row.count(column, measure) for row in hidden)
        for row, (low, high) in zip(hidden, bounds, strict=True):
            if not is_small_group(row.count(column, measure), min_answers):
                continue
            least = max(low, remainder - (highest - high))
            most = min(high, remainder - (lowest - low))
            if least == most:
                return True
    return False


# --- What a reader can reason with bounds: interval propagation over one cube --------------------
#
# Unknowns: every hidden cell and every row's never-published rest, in four measures (answers,
# answers given, positive answers, sum of the answers). Known: the published cells. Equations: each
# row's alla = kvinna + man + rest, and riket's cell of each column = the sum of the associations'.
# Bounds: counts are never negative, no association cell exceeds the association's questionnaires
# (submission_counts), a cell hidden by the threshold has fewer than m answers and one hidden for
# another reason at least m, answers given are at least the answers, positives at most the
# answers, the sum of answers lies between the scale's ends times the answers. Propagated to a
# fixed point, a hidden cell of 1 to m - 1 answers whose size and positives or sum come out exact
# gives away its share or mean: a value leak. (An exact size alone is a documented limit.)

COLUMNS = ("alla", "kvinna", "man", "rest")
BOUNDED = ("answers", "given", "positive", "score")
ANSWERS, GIVEN, POSITIVE, SCORE = range(4)
UNBOUNDED = 10**9
MAX_ROUNDS = 200


def reader_bounds(rows: list[Row], min_answers: int, scale: tuple[int, int]):
    """Lowest and highest values a reader can prove for every cell of the cube (rows[0] is
    riket): two arrays rows x COLUMNS x BOUNDED."""
    import numpy as np

    low = np.zeros((len(rows), len(COLUMNS), len(BOUNDED)), dtype=np.int64)
    high = np.full_like(low, UNBOUNDED)
    for r, row in enumerate(rows):
        for c, column in enumerate(COLUMNS):
            if column != "rest" and row.is_published(column):
                for m, measure in enumerate(BOUNDED):
                    low[r, c, m] = high[r, c, m] = row.count(column, measure)
                continue
            if row.forbund_id is not None and row.questionnaires is not None:
                high[r, c, ANSWERS] = high[r, c, GIVEN] = row.questionnaires
            rule = None if column == "rest" else row.rules.get(column)
            if rule == "threshold":
                high[r, c, ANSWERS] = min(high[r, c, ANSWERS], min_answers - 1)
            elif rule is not None:
                low[r, c, ANSWERS] = min_answers
    for _ in range(MAX_ROUNDS):
        before_low, before_high = low.copy(), high.copy()
        _couple(low, high, scale)
        _propagate_rows(low, high)
        _propagate_columns(low, high)
        np.clip(low, 0, UNBOUNDED, out=low)
        np.clip(high, 0, UNBOUNDED, out=high)
        if (low == before_low).all() and (high == before_high).all():
            break
    return low, high


def _couple(low, high, scale: tuple[int, int]) -> None:
    import numpy as np

    smallest, largest = scale
    np.maximum(low[..., GIVEN], low[..., ANSWERS], out=low[..., GIVEN])
    np.minimum(high[..., ANSWERS], high[..., GIVEN], out=high[..., ANSWERS])
    np.minimum(high[..., POSITIVE], high[..., ANSWERS], out=high[..., POSITIVE])
    np.maximum(low[..., ANSWERS], low[..., POSITIVE], out=low[..., ANSWERS])
    np.maximum(low[..., SCORE], smallest * low[..., ANSWERS], out=low[..., SCORE])
    np.minimum(high[..., SCORE], largest * high[..., ANSWERS], out=high[..., SCORE])
    np.maximum(low[..., ANSWERS], -(-low[..., SCORE] // largest), out=low[..., ANSWERS])
    if smallest > 0:
        np.minimum(high[..., ANSWERS], high[..., SCORE] // smallest, out=high[..., ANSWERS])


def _propagate_rows(low, high) -> None:
    """alla = kvinna + man + rest in every row."""
    import numpy as np

    parts_low, parts_high = low[:, 1:].sum(axis=1), high[:, 1:].sum(axis=1)
    np.maximum(low[:, 0], parts_low, out=low[:, 0])
    np.minimum(high[:, 0], parts_high, out=high[:, 0])
    for part in range(1, len(COLUMNS)):
        others_low = parts_low - low[:, part]
        others_high = parts_high - high[:, part]
        np.maximum(low[:, part], low[:, 0] - others_high, out=low[:, part])
        np.minimum(high[:, part], high[:, 0] - others_low, out=high[:, part])


def _propagate_columns(low, high) -> None:
    """riket = the sum of the associations in every column."""
    import numpy as np

    members_low, members_high = low[1:].sum(axis=0), high[1:].sum(axis=0)
    np.maximum(low[0], members_low, out=low[0])
    np.minimum(high[0], members_high, out=high[0])
    np.maximum(low[1:], low[0] - (members_high - high[1:]), out=low[1:])
    np.minimum(high[1:], high[0] - (members_low - low[1:]), out=high[1:])


def value_leaks(
    rows: list[Row], min_answers: int, protect_rest: bool, scale: tuple[int, int]
) -> list[tuple[Row, str]]:
    """The hidden cells of 1 to m - 1 answers (or answers given) whose share, mean or "Vet ej"
    answers a reader can work out with bounds, as (row, column)."""
    low, high = reader_bounds(rows, min_answers, scale)
    exact = low == high
    leaks = []
    for r, row in enumerate(rows):
        for c, column in enumerate(COLUMNS):
            if (column != "rest" and row.is_published(column)) or (
                column == "rest" and not protect_rest
            ):
                continue
            answers, given = row.count(column, "answers"), row.count(column, "given")
            if not (is_small_group(answers, min_answers) or is_small_group(given, min_answers)):
                continue
            if not exact[r, c, ANSWERS]:
                continue
            if (answers > 0 and (exact[r, c, POSITIVE] or exact[r, c, SCORE])) or (
                answers == 0 and exact[r, c, GIVEN]
            ):
                leaks.append((row, column))
    return leaks


def _unmask_values(
    national: Row,
    members: list[Row],
    min_answers: int,
    protect_rest: bool,
    scale: tuple[int, int],
) -> tuple[Row, tuple[str, ...]] | None:
    """The next cells to hide so that a value leak goes away: the smallest published association
    cell whose hiding alone ends it (a split for a gender column, then a whole row), else riket's
    cells of the column, else the rest of the cube."""
    rows = [national, *members]
    leaks = value_leaks(rows, min_answers, protect_rest, scale)
    if not leaks:
        return None
    target = leaks[0]
    for candidate, genders in _candidates(members, target[1]):
        saved = dict(candidate.rules)
        candidate.hide(genders)
        ended = target not in value_leaks(rows, min_answers, protect_rest, scale)
        candidate.rules = saved
        if ended:
            return candidate, genders
    if target[1] != "alla" and national.is_split_published:
        return national, ("kvinna", "man")
    if national.is_published("alla") or national.is_split_published:
        return national, GENDERS
    remaining = [row for row in members if any(row.is_published(g) for g in GENDERS)]
    return (remaining[0], GENDERS) if remaining else None


def _candidates(members: list[Row], column: str) -> list[tuple[Row, tuple[str, ...]]]:
    def order(rows: list[Row], by: str) -> list[Row]:
        return sorted(rows, key=lambda row: _smallest_key(row, by))

    rows = order([row for row in members if row.is_published("alla")], "alla")
    if column == "alla":
        return [(row, GENDERS) for row in rows]
    splits = order([row for row in members if row.is_split_published], column)
    return [(row, ("kvinna", "man")) for row in splits] + [(row, GENDERS) for row in rows]


def _pick(candidates: list[Row], column: str, national: Row) -> Row:
    if not candidates:
        # Cannot happen with consistent counts: a published national cell is the sum of its
        # associations and has at least m answers. Stop the build rather than publish a leak.
        raise ValueError(
            f"secondary suppression found no association to hide for column {column} of the "
            f"national cell {national.forbund_id!r}: the national and association counts differ"
        )
    return _smallest(candidates, column)


def protect_cube(
    rows: list[Row],
    min_answers: int,
    protect_rest: bool,
    scale: tuple[int, int] = DEFAULT_SCALE,
) -> int:
    """Hides cells of one cube in place until no small remainder is left and no small hidden
    cell's answers can be worked out. `scale` is the question's lowest and highest answer.

    Returns the number of steps taken."""
    national = next((row for row in rows if row.forbund_id is None), None)
    if national is None:
        return 0
    members = sorted((row for row in rows if row.forbund_id is not None), key=_forbund_key)
    steps = 0
    while (
        step := next_suppression(national, members, min_answers, protect_rest, scale)
    ) is not None:
        row, genders = step
        row.hide(genders)
        steps += 1
    return steps


def _forbund_key(row: Row) -> str:
    return row.forbund_id or ""


CUBE = ("measurement_year", "respondent_group", "question_id")


def protect_cells(
    records: list[dict],
    min_answers: int,
    protect_rest: bool,
    scales: dict[str, tuple[int, int]] | None = None,
) -> list[dict]:
    """Final suppression rule of every cell: records carry the cube keys, scope, forbund_id,
    gender, n_respondents, n_positive, sum_score and sum_score_squares (optional), n_answers,
    n_dont_know and primary_rule; `scales` the answer scale of each question."""
    cubes: dict[tuple, dict[str | None, Row]] = {}
    for record in records:
        cube = cubes.setdefault(tuple(record[key] for key in CUBE), {})
        forbund_id = record["forbund_id"] if record["scope"] == "forbund" else None
        row = cube.setdefault(forbund_id, Row(forbund_id))
        gender = record["gender"]
        row.answers[gender] = int(record["n_answers"])
        row.given[gender] = int(record["n_answers"]) + int(record["n_dont_know"])
        row.rules[gender] = record["primary_rule"]
        row.positive[gender] = int(record.get("n_positive") or 0)
        row.score[gender] = int(record.get("sum_score") or 0)
        row.squares[gender] = int(record.get("sum_score_squares") or 0)
        if gender == "alla" and record.get("n_respondents") is not None:
            row.questionnaires = int(record["n_respondents"])
    for key in sorted(cubes, key=str):
        scale = (scales or {}).get(key[CUBE.index("question_id")], DEFAULT_SCALE)
        protect_cube(list(cubes[key].values()), min_answers, protect_rest, scale)
    return [
        {
            **{name: record[name] for name in (*CUBE, "scope", "forbund_id", "gender")},
            "suppression_rule": cubes[tuple(record[key] for key in CUBE)][
                record["forbund_id"] if record["scope"] == "forbund" else None
            ].rules[record["gender"]],
        }
        for record in records
    ]


def _as_bool(value: object) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes"}


def schema():
    """The model's columns and types, the same on zero rows as on a million."""
    import pyarrow as pa

    return pa.schema(
        [
            ("measurement_year", pa.int32()),
            ("respondent_group", pa.string()),
            ("question_id", pa.string()),
            ("scope", pa.string()),
            ("forbund_id", pa.string()),
            ("gender", pa.string()),
            ("suppression_rule", pa.string()),
        ]
    )


def model(dbt, session):
    import pyarrow as pa

    dbt.config(materialized="table")
    min_answers = int(dbt.config.get("min_answers"))
    protect_rest = _as_bool(dbt.config.get("protect_gender_remainder"))
    cells = dbt.ref("int_results__primary_suppression").select(
        "measurement_year, scope, forbund_id, respondent_group, question_id, gender, "
        "n_respondents, n_answers, n_dont_know, n_positive, sum_score, sum_score_squares, "
        "primary_rule"
    )
    columns = cells.columns
    records = [dict(zip(columns, values, strict=True)) for values in cells.fetchall()]
    scales = {
        question_id: (int(low), int(high))
        for question_id, low, high in dbt.ref("questions")
        .select("question_id, scale_min, scale_max")
        .fetchall()
    }
    verdicts = protect_cells(records, min_answers, protect_rest, scales)
    table = pa.Table.from_pylist(verdicts, schema=schema())
    order = [
        (column, "ascending", "at_start") for column in [*CUBE, "scope", "forbund_id", "gender"]
    ]
    return table.sort_by(order)
