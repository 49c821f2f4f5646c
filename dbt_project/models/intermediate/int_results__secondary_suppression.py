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
questionnaire is hidden too, so that the bounds have room. Where no association has room, the
sizes stay pinned (a documented limit: a number of answers, never an answer), unless the
remainder's answers are all alike (all positive, none, one value, all "Vet ej"): then the sizes
would give away each hidden cell's answers, and riket's own cells of that column are hidden, the
only cells left that can make room. Otherwise the national cells are never hidden here.

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
    # positive answers, and the sums of the answers and of their squares: what the answers were,
    # used only to tell whether a remainder's answers are all alike
    positive: dict[str, int] = field(default_factory=dict)
    score: dict[str, int] = field(default_factory=dict)
    score_squares: dict[str, int] = field(default_factory=dict)
    # questionnaires of the group (published in submission_counts): no cell of the row can have
    # more answers than this; None when unknown
    questionnaires: int | None = None

    def count(self, column: str, measure: str) -> int:
        values = {
            "answers": self.answers,
            "given": self.given,
            "positive": self.positive,
            "score": self.score,
            "score_squares": self.score_squares,
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


def _smallest(candidates: list[Row], column: str) -> Row:
    return min(
        candidates,
        key=lambda row: (
            row.count(column, "answers"),
            row.count(column, "given"),
            row.count("alla", "answers"),
            row.forbund_id or "",
        ),
    )


def next_suppression(
    national: Row, members: list[Row], min_answers: int, protect_rest: bool
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
    return _unmask_values(national, members, min_answers, protect_rest)


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


def answers_all_alike(rows: list[Row], column: str) -> bool:
    """Whether the answers of these rows' cells in the column, taken together, are all alike: all
    "Vet ej", or no "Vet ej" and all positive, none positive or every answer the same value. A
    reader who can work out such a sum knows every member's answer; if the cells' sizes are
    pinned too, they know each cell's."""
    answers = sum(row.count(column, "answers") for row in rows)
    dont_know = sum(row.count(column, "given") for row in rows) - answers
    if answers == 0:
        return dont_know > 0
    if dont_know > 0:
        return False
    positive = sum(row.count(column, "positive") for row in rows)
    score = sum(row.count(column, "score") for row in rows)
    squares = sum(row.count(column, "score_squares") for row in rows)
    return positive in (0, answers) or answers * squares == score * score


def _unmask_values(
    national: Row, members: list[Row], min_answers: int, protect_rest: bool
) -> tuple[Row, tuple[str, ...]] | None:
    """A remainder whose cells' sizes are pinned and whose answers are all alike gives away every
    cell's answers. Hide a published cell with room (a questionnaire without an answer) where
    there is one; else riket's cells of that column: nothing else can make room."""
    columns = []
    if national.is_published("alla"):
        columns.append(("alla", [row for row in members if not row.is_published("alla")]))
    if national.is_split_published:
        hidden = [row for row in members if not row.is_split_published]
        genders = ("kvinna", "man", "rest") if protect_rest else ("kvinna", "man")
        columns += [(column, hidden) for column in genders]
    for column, hidden in columns:
        if not (
            _pins_a_small_cell(hidden, min_answers, column) and answers_all_alike(hidden, column)
        ):
            continue
        hides = GENDERS if column == "alla" else ("kvinna", "man")
        published = "alla" if column == "alla" else "kvinna"
        open_rows = [
            row for row in members if row.is_published(published) and _slack(row, column) > 0
        ]
        if open_rows:
            return _smallest(open_rows, column), hides
        return national, hides
    return None


def _pick(candidates: list[Row], column: str, national: Row) -> Row:
    if not candidates:
        # Cannot happen with consistent counts: a published national cell is the sum of its
        # associations and has at least m answers. Stop the build rather than publish a leak.
        raise ValueError(
            f"secondary suppression found no association to hide for column {column} of the "
            f"national cell {national.forbund_id!r}: the national and association counts differ"
        )
    return _smallest(candidates, column)


def protect_cube(rows: list[Row], min_answers: int, protect_rest: bool) -> int:
    """Hides association cells of one cube in place until no small remainder is left.

    Returns the number of associations touched."""
    national = next((row for row in rows if row.forbund_id is None), None)
    if national is None:
        return 0
    members = sorted((row for row in rows if row.forbund_id is not None), key=_forbund_key)
    steps = 0
    while (step := next_suppression(national, members, min_answers, protect_rest)) is not None:
        row, genders = step
        row.hide(genders)
        steps += 1
    return steps


def _forbund_key(row: Row) -> str:
    return row.forbund_id or ""


CUBE = ("measurement_year", "respondent_group", "question_id")


def protect_cells(records: list[dict], min_answers: int, protect_rest: bool) -> list[dict]:
    """Final suppression rule of every cell: records carry the cube keys, scope, forbund_id,
    gender, n_respondents (optional), n_answers, n_dont_know and primary_rule."""
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
        row.score_squares[gender] = int(record.get("sum_score_squares") or 0)
        if gender == "alla" and record.get("n_respondents") is not None:
            row.questionnaires = int(record["n_respondents"])
    for key in sorted(cubes, key=str):
        protect_cube(list(cubes[key].values()), min_answers, protect_rest)
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
    table = pa.Table.from_pylist(protect_cells(records, min_answers, protect_rest), schema=schema())
    order = [
        (column, "ascending", "at_start") for column in [*CUBE, "scope", "forbund_id", "gender"]
    ]
    return table.sort_by(order)
