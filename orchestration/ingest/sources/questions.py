"""A tool export's question columns matched to the catalogue, and its answers to the scale.

Headings are matched by text, tolerating what tools and survey authors add around the question:
numbering ("1.", "Q3.", "P03A."), a scale described after it ("… behöver? (1 = Inte alls,
10 = Helt)", "… behöver? - 10 Stämmer helt"), a matrix's question in front of its row
("Hur väl stämmer följande? - Får stödet …", "… [Får stödet …]"). Or by code, where the export
uses the tool's codes and the declaration maps them. Answers are mapped through the declaration's
value map, then the labels that say their own value ("10 - Stämmer helt", "Vet ej"). Anything
else is left as it is, and the loader refuses it per column and value: never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestration.catalog import Catalog, Question, normalise_label
from orchestration.ingest.sources.layout import Column
from orchestration.ingest.sources.registry import ANSWER_TARGET_WORDS, DONT_KNOW, Survey

_NUMBERING = re.compile(r"^\s*(?:[A-Za-z]{0,4}\d+[A-Za-z0-9_]*(?:\[[^\]]*\])*|[ivx]+)\s*[.):]\s+")
_BRACKETED = re.compile(r"^(?P<before>.*?)\s*\[(?P<inside>[^\]]+)\]\s*$")
# How the instrument's "Vet ej" may be written in an English export
DONT_KNOW_SPELLINGS = {
    "vet ej",
    "vet inte",
    "don't know",
    "do not know",
    "i don't know",
    "dont know",
}
# A label that starts with its value: "10 - Stämmer helt", "1 = Inte alls", "7", "3 (neutral)"
_NUMBER = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
_LEADING_VALUE = re.compile(r"^\s*([0-9]{1,3})\s*(?:$|[-–—=:.)(]|\s+\D)")


def _without_numbering(text: str) -> str:
    return _NUMBERING.sub("", text, count=1)


def candidate_texts(column: Column) -> list[str]:
    """The texts a column's question could be written as, most literal first."""
    texts: list[str] = []

    def add(text: str) -> None:
        for variant in (text, _without_numbering(text)):
            variant = variant.strip()
            if variant and variant not in texts:
                texts.append(variant)

    part = column.named_part
    for text in filter(None, (column.text, column.field)):
        add(text)
        bracketed = _BRACKETED.match(text)
        if bracketed:  # "Matrix [row]": the row, then the question
            add(bracketed["inside"])
            add(bracketed["before"])
        if " - " in text:  # "Matrix - row" (Qualtrics, Sunet) or "Question - scale label"
            add(text.rsplit(" - ", 1)[1])
            add(text.split(" - ", 1)[0])
    if part:
        add(part)
    return texts


class QuestionMatcher:
    """Headings to question ids of one survey (one respondent group)."""

    def __init__(self, catalog: Catalog, survey: Survey, group: str) -> None:
        self.group = group
        self.catalog = catalog
        self.declared = {normalise_label(code): qid for code, qid in survey.questions.items()}
        group_questions = [q for q in catalog.questions if q.respondent_group == group]
        self.by_text = {normalise_label(q.question_text): q.question_id for q in group_questions}
        self.by_code = {normalise_label(q.question_id): q.question_id for q in group_questions}
        self._longest_first = sorted(self.by_text, key=len, reverse=True)

    def declared_for(self, column: Column) -> str | None:
        keys = list(column.names())
        if column.meta.get("ImportId"):
            keys.append(normalise_label(str(column.meta["ImportId"])))
        if column.named_part:
            keys.append(normalise_label(column.heading))
        return next((self.declared[k] for k in keys if k in self.declared), None)

    def match(self, column: Column) -> tuple[str | None, str]:
        """(question id, how it was found) or (None, '')."""
        declared = self.declared_for(column)
        if declared is not None:
            return declared, "deklarationens questions"
        for text in candidate_texts(column):
            key = normalise_label(text)
            if key in self.by_text:
                return self.by_text[key], "frågetexten"
            if key in self.by_code:
                return self.by_code[key], "frågans kod"
        for text in candidate_texts(column):
            key = normalise_label(text)
            for known in self._longest_first:  # the question with a scale description after it
                if key.startswith(known) and not key[len(known) : len(known) + 1].isalnum():
                    return self.by_text[known], "frågetexten, med tillägg efter frågan"
        return None, ""


@dataclass(frozen=True)
class ValueMap:
    """One survey's answer texts and codes to the scale."""

    declared: dict[str, int | str | None]
    blanks: frozenset[str]

    @classmethod
    def of(cls, survey: Survey, blank_values: list[str]) -> ValueMap:
        declared = {}
        for label, target in survey.values.items():
            if isinstance(target, str):
                target = ANSWER_TARGET_WORDS[normalise_label(target)]
            declared[normalise_label(str(label))] = target
        return cls(declared, frozenset(normalise_label(v) for v in blank_values))

    def answer(self, raw: object, question: Question, labels: dict[str, str] | None = None):
        """The cell as the loader's contract takes it: a whole number as text, the question's
        "Vet ej" label, None for blank; or the text unchanged when nothing maps it (the loader
        then refuses it, naming the column and the value)."""
        if raw is None:
            return None
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw).strip()
        if not text:
            return None
        key = normalise_label(text)
        if key in self.declared:
            return self._target(self.declared[key], question)
        if labels and key in labels:  # a code book's code: read its label
            return self.answer(labels[key], question)
        if key in self.blanks:
            return None
        if key in DONT_KNOW_SPELLINGS or key == normalise_label(question.dont_know_label or ""):
            return question.dont_know_label
        if _NUMBER.match(text):
            return text  # "7", "7,0", "7.5": the loader judges numbers itself
        leading = _LEADING_VALUE.match(text)
        if leading:
            return leading.group(1)
        return text

    @staticmethod
    def _target(target, question: Question):
        if target == DONT_KNOW:
            return question.dont_know_label
        return None if target is None else str(target)
