"""Imperfections real exports carry, planted at seeded rates and counted."""

from __future__ import annotations

from random import Random

from orchestration.catalog import Catalog, Merger, Question

from .summary import DirtCounts

Cell = int | str | None

DONT_KNOW_RATE = 0.05
BLANK_RATE = 0.03
OUT_OF_RANGE_RATE = 0.003
TEXT_RATE = 0.0002
TEXT_ANSWERS = ("sju", "7,5", "åtta", "5-6", "tio")
DUPLICATED_ROW_RATE = 0.03
# One late export a run: a few staff questionnaires (times the scale, at least one) still sent in
# the name of an association that had merged into another.
LATE_EXPORT_GROUP = "personal"
LATE_EXPORT_QUESTIONNAIRES = (3, 6)


def soiled(rng: Random, question: Question, value: int, counts: DirtCounts) -> Cell:
    """The answer as exported: usually ``value``, sometimes "Vet ej", blank or garbage."""
    roll = rng.random()
    if roll < DONT_KNOW_RATE and question.dont_know_label:
        counts.dont_know_answers += 1
        return question.dont_know_label
    roll -= DONT_KNOW_RATE
    if 0 <= roll < BLANK_RATE:
        counts.blank_answers += 1
        return None
    roll -= BLANK_RATE
    if 0 <= roll < OUT_OF_RANGE_RATE:
        counts.out_of_range_answers += 1
        return rng.choice((question.scale_min - 1, question.scale_max + 1, 99))
    roll -= OUT_OF_RANGE_RATE
    if 0 <= roll < TEXT_RATE:
        counts.text_answers += 1
        return rng.choice(TEXT_ANSWERS)
    return value


def count_comment(text: str, counts: DirtCounts) -> None:
    if not text:
        return
    counts.fritext_comments += 1
    counts.fritext_with_separators += "," in text or ";" in text
    counts.fritext_with_quotes += '"' in text
    counts.fritext_with_line_breaks += "\n" in text


def with_duplicated_row(rng: Random, rows: list[list[Cell]], counts: DirtCounts) -> None:
    """Now and then an export repeats a row (same svar_id twice in one file)."""
    if rows and rng.random() < DUPLICATED_ROW_RATE:
        index = rng.randrange(len(rows))
        rows.insert(index + 1, list(rows[index]))
        counts.duplicated_rows += 1


def corrected(
    rng: Random, answers: dict[str, Cell], questions: list[Question]
) -> tuple[dict[str, Cell], int]:
    """A copy of one questionnaire's answers with one valid answer changed to another valid one,
    so the dirt counts stay true after the correction replaces the original."""
    valid = [
        q
        for q in questions
        if isinstance(answers[q.question_id], int)
        and q.scale_min <= answers[q.question_id] <= q.scale_max
        and q.scale_max > q.scale_min
    ]
    if not valid:
        return dict(answers), 0
    question = rng.choice(valid)
    old = answers[question.question_id]
    new = rng.choice([v for v in range(question.scale_min, question.scale_max + 1) if v != old])
    return {**answers, question.question_id: new}, 1


def dissolved_sender(
    rng: Random, catalog: Catalog, year: int, reporting: list[str]
) -> Merger | None:
    """The merger behind a late export in ``year``: of the associations that had merged by then
    into one that reports that year, one of those that merged most recently (drawn by ``rng``);
    None when there is none."""
    merged = [
        merger
        for merger in catalog.merger_by_predecessor.values()
        if merger.merged_year <= year
        and catalog.counting_forbund(merger.predecessor_id, year) in reporting
    ]
    if not merged:
        return None
    latest = max(merger.merged_year for merger in merged)
    return rng.choice(
        sorted(
            (merger for merger in merged if merger.merged_year == latest),
            key=lambda merger: merger.predecessor_id,
        )
    )
