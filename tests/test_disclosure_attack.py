"""The disclosure attacker (tests/disclosure_attack.py) on tiny hand-made snapshots.

Each snapshot is published from a handful of made-up respondents (`Person`), so every number in a
table is consistent with every other; a test then hides chosen cells and checks that a route
recovers exactly the planted group, or nothing when the hidden group is safe.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.disclosure_attack import (
    EXACT_ROUTES,
    RULE_ONE,
    RULE_TWO,
    Finding,
    Snapshot,
    alike_findings,
    attack,
    attack_file,
    bounds_findings,
    closure_findings,
    comparison_findings,
    derived_findings,
    direct_findings,
    distribution_findings,
    gender_findings,
    geography_findings,
    history_findings,
    like_for_like_findings,
    linear_algebra_findings,
    load_snapshot,
    summary_minus_questions_findings,
)

LEAKY_SNAPSHOT = Path("/tmp/leaky/finsam.duckdb")
YEAR, GROUP, INDICATOR = 2023, "personal", 1
POSITIVE_FROM = 7
COLUMN_TYPES = {
    "measurement_year": "integer",
    "indicator_number": "integer",
    "n_answers": "integer",
    "n_dont_know": "integer",
    "n_answering_respondents": "integer",
    "answer_value": "integer",
    "n_submissions": "integer",
    "mean_score": "double",
    "share_positive": "double",
    "sd_score": "double",
    "is_suppressed": "boolean",
    "is_dont_know": "boolean",
    "is_positive": "boolean",
    "previous_year": "integer",
    "like_for_like_n_answers": "integer",
    "like_for_like_previous_n_answers": "integer",
    "women_n_answers": "integer",
    "men_n_answers": "integer",
    "women_share_positive": "double",
    "men_share_positive": "double",
    "share_difference": "double",
}


@dataclass(frozen=True)
class Person:
    forbund: str
    gender: str  # kvinna, man or annat
    answers: dict[str, int | None] = field(hash=False)  # question -> value, None for "Vet ej"


def crowd(forbund: str, gender: str, **answers: list[int | None]) -> list[Person]:
    """People of one association and gender; person i gives the i-th answer to each question."""
    size = max(len(values) for values in answers.values())
    return [
        Person(forbund, gender, {q: v[i] for q, v in answers.items() if i < len(v)})
        for i in range(size)
    ]


def statistics_of(values: list[int | None]) -> dict[str, object]:
    substantive = [value for value in values if value is not None]
    n = len(substantive)
    return {
        "n_answers": n,
        "n_dont_know": len(values) - n,
        "mean_score": statistics.fmean(substantive) if n else None,
        "share_positive": sum(v >= POSITIVE_FROM for v in substantive) / n if n else None,
        "sd_score": statistics.stdev(substantive) if n >= 2 else None,
    }


@dataclass
class World:
    """Made-up respondents and the cells to hide: (forbund or None for riket, question_id or
    indicator_number, gender). The distribution hides the same cells unless told otherwise."""

    people: list[Person]
    questions: tuple[str, ...] = ("Q1",)
    year: int = YEAR
    hidden: set[tuple[str | None, object, str]] = field(default_factory=set)
    distribution_hidden: set[tuple[str | None, object, str]] | None = None

    @property
    def forbunds(self) -> list[str]:
        return sorted({person.forbund for person in self.people})

    def members(self, forbund: str | None, gender: str) -> list[Person]:
        return [
            p for p in self.people if forbund in (None, p.forbund) and gender in ("alla", p.gender)
        ]

    def row(
        self, key: tuple[str | None, object, str], values: dict, hidden: set, **item: object
    ) -> dict[str, object]:
        forbund, _, gender = key
        suppressed = key in hidden
        reason = None
        if suppressed:
            reason = RULE_ONE if values["n_answers"] < 5 else RULE_TWO
        return {
            "measurement_year": self.year,
            "scope": "riket" if forbund is None else "forbund",
            "forbund_id": forbund,
            "respondent_group": GROUP,
            **item,
            "gender": gender,
            **({name: None for name in values} if suppressed else values),
            "is_suppressed": suppressed,
            "suppression_reason": reason,
        }

    def keys(self, items: tuple[object, ...]) -> list[tuple[str | None, object, str]]:
        return [
            (forbund, item, gender)
            for forbund in [None, *self.forbunds]
            for item in items
            for gender in ("alla", "kvinna", "man")
        ]

    def answers(self, forbund: str | None, gender: str, question: str) -> list[int | None]:
        people = self.members(forbund, gender)
        return [p.answers[question] for p in people if question in p.answers]

    def results(self) -> list[dict[str, object]]:
        rows = []
        for key in self.keys(self.questions):
            forbund, question, gender = key
            stats = statistics_of(self.answers(forbund, gender, question))
            item = {"indicator_number": INDICATOR, "question_id": question}
            rows.append(self.row(key, stats, self.hidden, **item))
        return rows

    def summary(self) -> list[dict[str, object]]:
        rows = []
        for key in self.keys((INDICATOR,)):
            forbund, _, gender = key
            pooled = [a for q in self.questions for a in self.answers(forbund, gender, q)]
            people = self.members(forbund, gender)
            answering = [p for p in people if any(v is not None for v in p.answers.values())]
            values = statistics_of(pooled) | {"n_answering_respondents": len(answering)}
            ids = ",".join(self.questions)
            rows.append(
                self.row(key, values, self.hidden, indicator_number=INDICATOR)
                | {"question_ids": ids}
            )
        return rows

    def distribution(self) -> list[dict[str, object]]:
        hidden = self.hidden if self.distribution_hidden is None else self.distribution_hidden
        rows = []
        for key in self.keys(self.questions):
            forbund, question, gender = key
            answers = self.answers(forbund, gender, question)
            for value in [*range(1, 11), None]:
                count = {"n_answers": sum(a == value for a in answers)}
                row = self.row(key, count, hidden, question_id=question)
                row |= {
                    "answer_value": value,
                    "is_dont_know": value is None,
                    "is_positive": value is not None and value >= POSITIVE_FROM,
                }
                rows.append(row)
        return rows

    def submissions(self) -> list[dict[str, object]]:
        return [
            {
                "measurement_year": self.year,
                "forbund_id": forbund,
                "respondent_group": GROUP,
                "n_submissions": len(self.members(forbund, "alla")),
            }
            for forbund in self.forbunds
        ]

    def history(self, shown: set[tuple[str, str, str]] | None = None) -> list[dict[str, object]]:
        """The results as a successor "ny" shows them; `shown` cells keep their values even
        when the results hide them."""
        rows = []
        hidden = self.hidden - (shown or set())
        for key in self.keys(self.questions):
            forbund, question, gender = key
            if forbund is None:
                continue
            row = self.row(key, statistics_of(self.answers(forbund, gender, question)), hidden)
            row |= {"question_id": question, "reported_by_forbund_id": forbund}
            rows.append(row | {"forbund_id": "ny"})
        return rows


def column_type(column: str) -> str:
    if column.startswith(("previous_", "like_for_like_")) or column.endswith("_change"):
        return COLUMN_TYPES.get(column, "double")
    return COLUMN_TYPES.get(column, "varchar")


def database(path: Path, **tables: list[dict[str, object]]) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    for name, rows in tables.items():
        columns = list(rows[0])
        definition = ", ".join(f"{column} {column_type(column)}" for column in columns)
        con.execute(f"create table {name} ({definition})")
        placeholders = ", ".join("?" for _ in columns)
        con.executemany(
            f"insert into {name} values ({placeholders})",
            [[row[column] for column in columns] for row in rows],
        )
    return con


def loaded(tmp_path: Path, **tables: list[dict[str, object]]) -> Snapshot:
    con = database(tmp_path / "snapshot.duckdb", **tables)
    try:
        return load_snapshot(con)
    finally:
        con.close()


def published(
    tmp_path: Path, world: World, *tables: str, **extra: list[dict[str, object]]
) -> Snapshot:
    builders = {
        "indicator_results": world.results,
        "indicator_summary": world.summary,
        "answer_distribution": world.distribution,
        "submission_counts": world.submissions,
    }
    return loaded(tmp_path, **{table: builders[table]() for table in tables}, **extra)


def only(findings: list[Finding], **keys: object) -> Finding:
    assert len(findings) == 1, findings
    finding = findings[0]
    for name, value in keys.items():
        assert finding.keys[name] == value, (name, finding)
    return finding


def same_group(finding: Finding, n: int, share: float | None, mean: float | None) -> None:
    assert finding.recovered_n == n
    assert finding.measure == "answers"
    assert finding.share_positive == pytest.approx(share)
    assert finding.mean_score == pytest.approx(mean)


def two_associations(small: list[int | None], other: list[int | None] | None = None) -> World:
    """A with twelve answers and a published split; B (and C when `other` is given) with few."""
    people = crowd("A", "kvinna", Q1=[8, 8, 3, 5, 9, 7]) + crowd("A", "man", Q1=[2, 3, 8, 9, 10, 4])
    people += crowd("B", "kvinna", Q1=small)
    hidden = {("B", "Q1", g) for g in ("alla", "kvinna", "man")}
    if other is not None:
        people += crowd("C", "kvinna", Q1=other)
        hidden |= {("C", "Q1", g) for g in ("alla", "kvinna", "man")}
    return World(people, hidden=hidden | {("B", 1, g) for g in ("alla", "kvinna", "man")})


# Route 1: geography -----------------------------------------------------------------------------


def gender_difference_row(world: World, forbund: str | None) -> dict[str, object]:
    women = statistics_of(world.answers(forbund, "kvinna", "Q1"))
    men = statistics_of(world.answers(forbund, "man", "Q1"))
    return {
        "measurement_year": YEAR,
        "scope": "riket" if forbund is None else "forbund",
        "forbund_id": forbund,
        "respondent_group": GROUP,
        "question_id": "Q1",
        "women_n_answers": women["n_answers"],
        "women_share_positive": women["share_positive"],
        "men_n_answers": men["n_answers"],
        "men_share_positive": men["share_positive"],
        "share_difference": (women["share_positive"] or 0) - (men["share_positive"] or 0),
    }


def test_derived_rows_of_published_cells_are_safe_and_of_hidden_cells_are_found(
    tmp_path: Path,
) -> None:
    world = two_associations([9, 4], [1, 2, 3, 4, 5, 6])  # B and C hidden, A and riket shown
    published_rows = [gender_difference_row(world, forbund) for forbund in (None, "A")]
    snapshot = published(tmp_path, world, "indicator_results", gender_differences=published_rows)
    assert derived_findings(snapshot) == []
    leaky = published(
        tmp_path / "2",
        world,
        "indicator_results",
        gender_differences=[*published_rows, gender_difference_row(world, "B")],
    )
    found = derived_findings(leaky)
    assert {(f.table, f.keys["forbund_id"], f.keys["gender"]) for f in found} == {
        ("gender_differences", "B", "kvinna"),
        ("gender_differences", "B", "man"),
    }
    # the hidden women's share (one of B's two answers positive) is shown
    assert 0.5 in [f.share_positive for f in found if f.keys["gender"] == "kvinna"]


def test_a_derived_share_that_differs_from_the_published_one_is_found(tmp_path: Path) -> None:
    world = two_associations([9, 4], [1, 2, 3, 4, 5, 6])
    row = gender_difference_row(world, "A")
    row["share_difference"] += 0.1  # the men's share plus the difference is not the women's
    snapshot = published(tmp_path, world, "indicator_results", gender_differences=[row])
    assert [f.keys["gender"] for f in derived_findings(snapshot)] == ["kvinna"]


def test_alike_finds_a_large_remainder_of_small_cells_that_all_answered_positive(
    tmp_path: Path,
) -> None:
    # the example in small: B (2 answers) and C (3) hidden, 5 answers left, all positive
    world = two_associations([9, 8], [7, 10, 9])
    tables = ("indicator_results", "answer_distribution")
    snapshot = published(tmp_path, world, *tables)
    assert geography_findings(snapshot) == []  # 5 answers: large enough by size
    findings = alike_findings(snapshot)
    assert {(f.table, f.keys["gender"]) for f in findings} == {
        (table, gender) for table in tables for gender in ("alla", "kvinna")
    }
    for finding in findings:
        assert finding.keys["forbund_id"] == ("B", "C")
        assert finding.recovered_n == 5 and finding.share_positive == 1.0


def test_alike_finds_one_value_and_all_dont_know(tmp_path: Path) -> None:
    one_value = published(tmp_path, two_associations([4, 4], [4, 4, 4]), "indicator_results")
    assert {f.keys["gender"] for f in alike_findings(one_value)} == {"alla", "kvinna"}
    shy = published(
        tmp_path / "2", two_associations([None, None], [None, None, None]), "indicator_results"
    )
    assert {(f.measure, f.recovered_n) for f in alike_findings(shy)} == {("given", 5)}


def test_alike_finds_nothing_in_mixed_answers_or_where_riket_itself_is_alike(
    tmp_path: Path,
) -> None:
    mixed = two_associations([9, 8], [7, 3, 9])
    assert alike_findings(published(tmp_path, mixed, "indicator_results")) == []
    everyone_positive = two_associations([9, 8], [7, 10, 9])
    everyone_positive.people = [
        Person(p.forbund, p.gender, {"Q1": 8}) if p.forbund == "A" else p
        for p in everyone_positive.people
    ]
    snapshot = published(tmp_path / "2", everyone_positive, "indicator_results")
    assert alike_findings(snapshot) == []  # riket's 100 % says it of everyone: no subtraction


def test_geography_recovers_the_one_suppressed_association(tmp_path: Path) -> None:
    world = two_associations([9, 4])
    world.hidden |= {("C", 1, g) for g in ("alla", "kvinna", "man")}
    tables = ("indicator_results", "indicator_summary", "answer_distribution")
    findings = geography_findings(published(tmp_path, world, *tables))

    assert {(f.table, f.keys["forbund_id"], f.keys["gender"]) for f in findings} == {
        (table, "B", gender) for table in tables for gender in ("alla", "kvinna")
    }
    for finding in findings:
        same_group(finding, 2, 0.5, 6.5)
    distribution = [f for f in findings if f.table == "answer_distribution"]
    assert all("options 4×1, 9×1" in f.detail for f in distribution)


def test_geography_finds_nothing_when_the_remainder_is_large_or_empty(tmp_path: Path) -> None:
    assert (
        geography_findings(
            published(tmp_path, two_associations([9, 4], [1, 2, 3, 4, 5, 6]), "indicator_results")
        )
        == []
    )

    nobody_answered = two_associations([None, None])
    nobody_answered.people = [p for p in nobody_answered.people if p.forbund == "A"]
    nobody_answered.people += crowd("B", "kvinna", Q2=[5, 6])  # no answer to Q1 at all
    assert geography_findings(published(tmp_path / "2", nobody_answered, "indicator_results")) == []


def test_geography_respects_min_answers(tmp_path: Path) -> None:
    snapshot = published(tmp_path, two_associations([9, 4, 7]), "indicator_results")
    assert geography_findings(snapshot, min_answers=3) == []
    assert {f.recovered_n for f in geography_findings(snapshot, min_answers=5)} == {3}


def test_extra_columns_and_missing_tables_are_tolerated(tmp_path: Path) -> None:
    assert attack(duckdb.connect()) == []
    rows = [row | {"n_future_measure": 1} for row in two_associations([9, 4]).results()]
    con = database(tmp_path / "snapshot.duckdb", indicator_results=rows)
    try:
        findings = attack(con)
    finally:
        con.close()
    assert {(f.route, f.keys["gender"]) for f in findings if f.route == "geography"} == {
        ("geography", "alla"),
        ("geography", "kvinna"),
    }


# Route 2: gender --------------------------------------------------------------------------------


def split_world(rest: list[int | None]) -> World:
    """A with a published split into women and men; the rest (other gender) are `rest`."""
    people = crowd("A", "kvinna", Q1=[8, 8, 3, 5, 9, 7]) + crowd("A", "man", Q1=[2, 3, 8, 9, 10])
    people += crowd("A", "annat", Q1=rest) if rest else []
    hidden = {(None, "Q1", "kvinna"), (None, "Q1", "man")}  # riket = A: judged at A only
    return World(people, hidden=hidden)


def test_gender_recovers_the_other_gender_remainder(tmp_path: Path) -> None:
    finding = only(
        gender_findings(published(tmp_path, split_world([10]), "indicator_results")),
        forbund_id="A",
        gender="rest",
    )
    same_group(finding, 1, 1.0, 10.0)


def test_gender_counts_vet_ej_answers_as_a_group(tmp_path: Path) -> None:
    finding = only(gender_findings(published(tmp_path, split_world([None]), "indicator_results")))
    assert (finding.keys["gender"], finding.measure, finding.recovered_n) == ("rest", "given", 1)


def test_gender_finds_nothing_without_a_small_remainder(tmp_path: Path) -> None:
    assert gender_findings(published(tmp_path, split_world([]), "indicator_results")) == []
    five = split_world([1, 2, 3, 8, 9])
    assert gender_findings(published(tmp_path / "5", five, "indicator_results")) == []


# Route 3: summary minus its questions -----------------------------------------------------------


def two_questions(second: list[int | None]) -> World:
    """A answers Q1 ten times and Q2 `second`; the A summary and Q1 are published, Q2 is not."""
    people = crowd("A", "kvinna", Q1=[8, 8, 3, 5, 9], Q2=second) + crowd("A", "man", Q1=[1] * 5)
    splits = {(f, i, g) for f in (None, "A") for i in ("Q1", "Q2", 1) for g in ("kvinna", "man")}
    hidden = splits | {("A", "Q2", "alla"), (None, "Q2", "alla"), (None, 1, "alla")}
    return World(people, ("Q1", "Q2"), hidden=hidden)


def test_summary_minus_questions_recovers_the_suppressed_question(tmp_path: Path) -> None:
    snapshot = published(tmp_path, two_questions([7, 2]), "indicator_results", "indicator_summary")
    finding = only(
        summary_minus_questions_findings(snapshot), forbund_id="A", question_id="Q2", gender="alla"
    )
    assert finding.table == "indicator_results"
    same_group(finding, 2, 0.5, 4.5)


def test_summary_minus_questions_finds_nothing_for_a_large_question(tmp_path: Path) -> None:
    world = two_questions([7, 2, 3, 4, 5, 6])
    snapshot = published(tmp_path, world, "indicator_results", "indicator_summary")
    assert summary_minus_questions_findings(snapshot) == []


# Route 4: distribution --------------------------------------------------------------------------


def test_distribution_shown_for_a_suppressed_cell_is_found(tmp_path: Path) -> None:
    world = World(crowd("A", "kvinna", Q1=[8, 3, None]) + crowd("B", "man", Q1=[1] * 9))
    world.hidden = {("A", "Q1", g) for g in ("alla", "kvinna", "man")}
    world.distribution_hidden = {("A", "Q1", "kvinna"), ("A", "Q1", "man")}
    snapshot = published(tmp_path, world, "indicator_results", "answer_distribution")
    finding = only(distribution_findings(snapshot), forbund_id="A", gender="alla")
    assert finding.table == "answer_distribution"
    same_group(finding, 2, 0.5, 5.5)
    assert "options 3×1, 8×1, Vet ej×1" in finding.detail


def test_distribution_that_hides_what_the_results_hide_is_safe(tmp_path: Path) -> None:
    world = World(crowd("A", "kvinna", Q1=[8, 3, None]) + crowd("B", "man", Q1=[1] * 9))
    world.hidden = {("A", "Q1", g) for g in ("alla", "kvinna", "man")}
    snapshot = published(tmp_path, world, "indicator_results", "answer_distribution")
    assert distribution_findings(snapshot) == []


# Route 5: history -------------------------------------------------------------------------------


def history_world() -> World:
    world = World(crowd("A", "kvinna", Q1=[9, 4]) + crowd("B", "man", Q1=[1, 2, 3, 4, 5, 6]))
    world.hidden = {("A", "Q1", g) for g in ("alla", "kvinna", "man")} | {("B", "Q1", "kvinna")}
    return world


def test_history_showing_a_suppressed_cell_is_found(tmp_path: Path) -> None:
    world = history_world()
    rows = world.history(shown={("A", "Q1", "alla")})
    snapshot = published(tmp_path, world, "indicator_results", forbund_history=rows)
    finding = only(history_findings(snapshot), forbund_id="A", gender="alla")
    assert finding.keys["history_forbund_id"] == "ny"
    same_group(finding, 2, 0.5, 6.5)


def test_history_differing_from_the_results_is_found(tmp_path: Path) -> None:
    world = history_world()
    rows = world.history()
    changed = next(r for r in rows if (r["reported_by_forbund_id"], r["gender"]) == ("B", "alla"))
    changed |= {"n_answers": 7, "mean_score": 31 / 7, "share_positive": 1 / 7, "sd_score": None}
    rows = [
        changed if r["reported_by_forbund_id"] == "B" and r["gender"] == "alla" else r for r in rows
    ]
    snapshot = published(tmp_path, world, "indicator_results", forbund_history=rows)
    finding = only(history_findings(snapshot), forbund_id="B", gender="alla")
    same_group(finding, 1, 1.0, 10.0)  # the difference: one more answer, a 10


def test_history_that_hides_what_the_results_hide_is_safe(tmp_path: Path) -> None:
    world = history_world()
    snapshot = published(tmp_path, world, "indicator_results", forbund_history=world.history())
    assert history_findings(snapshot) == []


# Extra routes: comparison with the previous year, like for like ---------------------------------

COMPARISON_VALUES = [
    "previous_year",
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
]


def compared(before: World, now: World) -> list[dict[str, object]]:
    """Both years' results with the comparison columns as a correct pipeline fills them: a
    published row compares with its published previous cell, and riket pools like for like the
    associations published in both years."""
    rows = before.results() + now.results()
    for row in rows:
        row |= {"comparability_key": str(row["question_id"]).lower()}
        row |= {column: None for column in COMPARISON_VALUES}
    index = {(r["measurement_year"], r["forbund_id"], r["gender"]): r for r in rows}
    for row in rows:
        last = index.get((before.year, row["forbund_id"], row["gender"]))
        if row["measurement_year"] != now.year or last is None:
            continue
        if row["is_suppressed"] or last["is_suppressed"]:
            continue
        row |= {
            "previous_year": before.year,
            "previous_share_positive": last["share_positive"],
            "previous_mean_score": last["mean_score"],
            "share_positive_change": row["share_positive"] - last["share_positive"],
            "mean_score_change": row["mean_score"] - last["mean_score"],
        }
        if row["forbund_id"] is None:
            both = [
                f
                for f in now.forbunds
                if not index[(now.year, f, row["gender"])]["is_suppressed"]
                and not index[(before.year, f, row["gender"])]["is_suppressed"]
            ]
            row |= like_for_like(before, now, both, row["gender"])
    return rows


def like_for_like(before: World, now: World, forbunds: list[str], gender: str) -> dict[str, object]:
    pooled = {}
    for world, prefix in ((now, "like_for_like_"), (before, "like_for_like_previous_")):
        answers = [a for f in forbunds for a in world.answers(f, gender, "Q1")]
        stats = statistics_of(answers)
        pooled |= {prefix + name: stats[name] for name in ("n_answers", "share_positive")}
        pooled[prefix + "mean_score"] = stats["mean_score"]
    return pooled


def years_apart(a_before: list[int | None], b_before: list[int | None]) -> tuple[World, World]:
    """A and B in 2022 (answers as given) and in 2023 (ten answers each)."""
    before = World(crowd("A", "kvinna", Q1=a_before) + crowd("B", "man", Q1=b_before), year=2022)
    before.hidden = {(f, "Q1", g) for f in "AB" for g in ("kvinna", "man")}
    before.hidden |= {
        (f, "Q1", "alla") for f, a in (("A", a_before), ("B", b_before)) if len(a) < 5
    }
    before.hidden |= {(None, "Q1", "kvinna"), (None, "Q1", "man")}
    now = World(crowd("A", "kvinna", Q1=[8] * 10) + crowd("B", "man", Q1=[4] * 10), year=2023)
    now.hidden = {(f, "Q1", g) for f in (None, "A", "B") for g in ("kvinna", "man")}
    return before, now


def test_comparison_with_a_suppressed_previous_cell_is_found(tmp_path: Path) -> None:
    before, now = years_apart([9, 4, 7], [1, 2, 3, 4, 5, 6])
    rows = compared(before, now)
    a_now = next(
        r
        for r in rows
        if (r["measurement_year"], r["forbund_id"], r["gender"]) == (2023, "A", "alla")
    )
    a_now |= {
        "previous_year": 2022,
        "previous_share_positive": 2 / 3,
        "previous_mean_score": 20 / 3,
    }
    snapshot = loaded(tmp_path, indicator_results=rows)
    finding = only(comparison_findings(snapshot), forbund_id="A", measurement_year=2022)
    assert (finding.measure, finding.recovered_n) == ("values", 0)
    assert (finding.share_positive, finding.mean_score) == pytest.approx((2 / 3, 20 / 3))


def test_comparison_between_published_cells_is_safe(tmp_path: Path) -> None:
    rows = compared(*years_apart([9, 4, 7], [1, 2, 3, 4, 5, 6]))
    assert comparison_findings(loaded(tmp_path, indicator_results=rows)) == []


def test_like_for_like_pooling_a_suppressed_cell_is_found(tmp_path: Path) -> None:
    before, now = years_apart([9, 4, 7, 8, 8, 2], [1, 3])
    rows = compared(before, now)
    riket = next(
        r
        for r in rows
        if (r["measurement_year"], r["forbund_id"], r["gender"]) == (2023, None, "alla")
    )
    riket |= like_for_like(before, now, ["A", "B"], "alla")  # B was suppressed in 2022
    snapshot = loaded(tmp_path, indicator_results=rows)
    finding = only(like_for_like_findings(snapshot), forbund_id="B", measurement_year=2022)
    same_group(finding, 2, 0.0, 2.0)


def test_like_for_like_of_published_cells_is_safe(tmp_path: Path) -> None:
    rows = compared(*years_apart([9, 4, 7, 8, 8, 2], [1, 3]))
    assert any(row["like_for_like_n_answers"] for row in rows)
    assert like_for_like_findings(loaded(tmp_path, indicator_results=rows)) == []


# Route 6: closure -------------------------------------------------------------------------------


def rest_world(b_rest: list[int | None]) -> World:
    """A publishes its split (rest 5), riket too (rest 7 with B's); B's split is suppressed, so
    B's rest is riket's rest minus A's: no single subtraction of published cells shows it."""
    people = crowd("A", "kvinna", Q1=[8] * 6) + crowd("A", "man", Q1=[3] * 6)
    people += crowd("A", "annat", Q1=[5, 6, 7, 8, 9])
    people += crowd("B", "kvinna", Q1=[2] * 6) + crowd("B", "man", Q1=[9] * 6)
    people += crowd("B", "annat", Q1=b_rest) if b_rest else []
    return World(people, hidden={("B", item, g) for item in ("Q1", 1) for g in ("kvinna", "man")})


def test_closure_chains_equations_to_a_small_group(tmp_path: Path) -> None:
    snapshot = published(tmp_path, rest_world([10, 1]), "indicator_results")
    assert geography_findings(snapshot) == []
    assert gender_findings(snapshot) == []
    finding = only(closure_findings(snapshot), forbund_id="B", gender="rest")
    same_group(finding, 2, 0.5, 5.5)


def test_closure_reports_a_small_unknown_part_of_several_cells(tmp_path: Path) -> None:
    world = two_associations([9], [4, 7])
    world.hidden |= {("C", 1, g) for g in ("alla", "kvinna", "man")}
    world.hidden |= {(None, "Q1", "kvinna"), (None, "Q1", "man")}  # leave only the alla route
    finding = only(closure_findings(published(tmp_path, world, "indicator_results")))
    assert (finding.keys["forbund_id"], finding.keys["gender"]) == (("B", "C"), "alla")
    same_group(finding, 3, 2 / 3, 20 / 3)


def test_closure_finds_nothing_when_every_derived_group_is_safe(tmp_path: Path) -> None:
    assert closure_findings(published(tmp_path, rest_world([]), "indicator_results")) == []
    six = rest_world([1, 2, 3, 4, 5, 6])
    assert closure_findings(published(tmp_path / "6", six, "indicator_results")) == []


# Route 7: linear algebra ------------------------------------------------------------------------


def test_linear_algebra_determines_the_planted_cells(tmp_path: Path) -> None:
    snapshot = published(tmp_path, rest_world([10, 1]), "indicator_results")
    finding = only(linear_algebra_findings(snapshot), forbund_id="B", gender="rest")
    same_group(finding, 2, 0.5, 5.5)

    snapshot = published(tmp_path / "2", two_associations([9, 4]), "indicator_results")
    findings = linear_algebra_findings(snapshot)
    assert {(f.keys["forbund_id"], f.keys["gender"]) for f in findings} == {
        ("B", "alla"),
        ("B", "kvinna"),
    }
    for finding in findings:
        same_group(finding, 2, 0.5, 6.5)


def test_linear_algebra_uses_the_summary_across_questions(tmp_path: Path) -> None:
    tables = ("indicator_results", "indicator_summary")
    findings = linear_algebra_findings(published(tmp_path, two_questions([7, 2]), *tables))
    assert {(f.keys["forbund_id"], f.keys["question_id"]) for f in findings} == {
        ("A", "Q2"),
        (None, "Q2"),  # riket is A alone here
    }
    for finding in findings:
        same_group(finding, 2, 0.5, 4.5)


def test_linear_algebra_finds_nothing_when_cells_are_not_determined(tmp_path: Path) -> None:
    world = two_associations([9, 4], [1, 2, 3, 4, 5, 6])
    assert linear_algebra_findings(published(tmp_path, world, "indicator_results")) == []
    assert (
        linear_algebra_findings(published(tmp_path / "2", rest_world([]), "indicator_results"))
        == []
    )


# Extra route: bounds ----------------------------------------------------------------------------


def test_bounds_pin_suppressed_cells_at_their_limits(tmp_path: Path) -> None:
    """Riket minus A leaves 8 answers in B and C; each has fewer than 5 (the reason says so),
    so each has exactly 4, and as all 8 are positive, each has a share positive of 1."""
    world = two_associations([8, 9, 7, 10], [7, 7, 8, 9])
    snapshot = published(tmp_path, world, "indicator_results")
    assert geography_findings(snapshot) == []
    findings = bounds_findings(snapshot)
    assert {(f.keys["forbund_id"], f.keys["gender"]) for f in findings} == {
        (forbund, gender) for forbund in ("B", "C") for gender in ("alla", "kvinna")
    }
    for finding in findings:
        assert (finding.recovered_n, finding.measure) == (4, "answers")
        assert finding.share_positive == 1.0


def test_bounds_from_questionnaires_submitted(tmp_path: Path) -> None:
    """C's 6 answers are hidden (at least 5, says the reason) and it returned 6 questionnaires;
    with B's at most 4, riket minus A = 10 pins both."""
    world = two_associations([8, 9, 7, 1], [7, 7, 8, 9, 2, 3])
    tables = ("indicator_results", "submission_counts")
    findings = bounds_findings(published(tmp_path, world, *tables))
    assert {(f.keys["forbund_id"], f.recovered_n) for f in findings} == {("B", 4)}


def test_bounds_find_nothing_when_intervals_stay_open(tmp_path: Path) -> None:
    world = two_associations([8, 9, 7, 10], [7, 7, 8])
    assert bounds_findings(published(tmp_path, world, "indicator_results")) == []


# Extra route: direct ----------------------------------------------------------------------------


def test_direct_reports_a_published_small_cell(tmp_path: Path) -> None:
    world = two_associations([9, 4])
    world.hidden -= {("B", "Q1", "alla")}
    finding = only(direct_findings(published(tmp_path, world, "indicator_results")))
    same_group(finding, 2, 0.5, 6.5)
    assert (
        direct_findings(published(tmp_path / "2", two_associations([9, 4]), "indicator_results"))
        == []
    )


# The whole attack -------------------------------------------------------------------------------


def test_attack_file_runs_every_route_on_a_snapshot_file(tmp_path: Path) -> None:
    world = rest_world([10, 1])
    path = tmp_path / "snapshot.duckdb"
    tables = {"indicator_results": world.results(), "indicator_summary": world.summary()}
    database(path, **tables, answer_distribution=world.distribution()).close()
    findings = attack_file(path)
    assert {f.route for f in findings} == {"closure", "linear_algebra", "bounds"}
    assert all(f.recovered_n == 2 for f in findings)
    assert {f.route for f in attack_file(path, routes=EXACT_ROUTES)} == {
        "closure",
        "linear_algebra",
    }


@pytest.mark.skipif(not LEAKY_SNAPSHOT.exists(), reason="no leaky snapshot at /tmp/leaky")
def test_leaky_snapshot_gives_back_the_single_answer_of_kungalv_2017() -> None:
    findings = attack_file(LEAKY_SNAPSHOT)
    kungalv = [
        f
        for f in findings
        if f.route == "geography"
        and f.table == "indicator_results"
        and f.keys.get("forbund_id") == "kungalv"
        and f.keys.get("measurement_year") == 2017
        and f.keys.get("question_id") == "DA01A"
        and f.keys.get("gender") == "alla"
    ]
    assert len(kungalv) == 1
    assert (kungalv[0].recovered_n, kungalv[0].mean_score) == (1, 7.0)
    assert sum(f.route == "geography" and f.table == "indicator_results" for f in findings) >= 18
    assert sum(f.route == "geography" and f.table == "indicator_summary" for f in findings) >= 11
