"""A tool export's columns as its layout describes them: header rows, the tool's own columns, and
which tool wrote the file at all.

Survey tools write one to three header rows: a field name (Qualtrics ``Q1``, LimeSurvey ``Q01``),
a question text, a part of a question (SurveyMonkey's row 2: an option or matrix row, with the
question text only over a question's first column), a JSON object per column (Qualtrics'
ImportId row, which carries the time zone). :func:`columns_of` gathers them per column.
"""

from __future__ import annotations

import fnmatch
import html
import json
import re
from dataclasses import dataclass, field

from orchestration.catalog import normalise_label
from orchestration.ingest.readers import Table, as_text
from orchestration.ingest.sources.registry import Spellings, ToolLayout

_TAGS = re.compile(r"<[^>]+>")
# Part-row labels that name no part of the question (SurveyMonkey's row 2)
GENERIC_PARTS = {"response", "open-ended response", "svar", "öppet svar", "other (please specify)"}
# "Q01. text", "P03A. text", "id. Response ID": LimeSurvey's code & text heading, and numbering
_CODE_AND_TEXT = re.compile(r"^(?P<code>[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])*)\.\s+(?P<text>.+)$")


def clean_heading(text: str) -> str:
    """A heading as a person reads it: HTML tags and entities (SurveyMonkey) and non-breaking
    spaces gone, inner white space single."""
    text = html.unescape(_TAGS.sub("", text)).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Column:
    index: int
    field: str  # header row 1
    text: str  # the question text (the question row; SurveyMonkey carries it across a question)
    part: str = ""  # the part row: an option or matrix row, "" when there is none
    meta: dict = field(default_factory=dict)  # the meta row's JSON object

    @property
    def heading(self) -> str:
        """How the column is named in messages: its question text, else its field name."""
        if self.named_part and self.text:
            return f"{self.text} [{self.part}]"
        return self.text or self.field or f"(kolumn {self.index + 1} utan rubrik)"

    @property
    def named_part(self) -> str:
        """The part row's label when it names a part ("Response" names none)."""
        return "" if normalise_label(self.part) in GENERIC_PARTS else self.part

    def names(self) -> list[str]:
        """The column's names to match against a tool's spellings, normalised: the field, the
        text, and a code-and-text heading's two halves."""
        found = []
        for name in (self.field, self.text):
            if not name:
                continue
            found.append(normalise_label(name))
            split = _CODE_AND_TEXT.match(name)
            if split:
                found += [normalise_label(split["code"]), normalise_label(split["text"])]
        return found


def spelled(column: Column, spellings: Spellings) -> bool:
    """Whether a column is one of the spellings (a spelling may hold * as a wildcard)."""
    names = column.names()
    for spelling in spellings:
        wanted = normalise_label(spelling)
        if "*" in wanted:
            if any(fnmatch.fnmatchcase(name, wanted) for name in names):
                return True
        elif wanted in names:
            return True
    return False


def _meta(text: str) -> dict:
    """A Qualtrics ImportId cell: JSON, or the 2016 exporter's Python-style dict."""
    if "importid" not in text.casefold():
        return {}
    for candidate in (text, text.replace("'", '"')):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        return value if isinstance(value, dict) else {}
    return {}


def header_rows(table: Table, layout: ToolLayout) -> dict[int, list[str]]:
    """Header rows 1..header_rows as text, each as wide as row 1 (a missing row is blank)."""
    width = len(table.headers)
    rows = {1: list(table.headers)}
    by_number = dict(table.rows[: layout.header_rows + 2])
    for number in range(2, layout.header_rows + 1):
        values = by_number.get(number, [])
        rows[number] = [as_text(v) for v in values[:width]] + [""] * (width - len(values))
    return rows


def columns_of(table: Table, layout: ToolLayout) -> list[Column]:
    rows = header_rows(table, layout)
    texts = [clean_heading(t) for t in rows[layout.question_row]]
    parts = [clean_heading(t) for t in rows[layout.part_row]] if layout.part_row else None
    metas = rows[layout.meta_row] if layout.meta_row else None
    columns, carried = [], ""
    for index, name in enumerate(rows[1]):
        text = texts[index]
        part = parts[index] if parts else ""
        if parts is not None:  # SurveyMonkey: a blank heading continues the question before
            if text:
                carried = text
            elif part:
                text = carried
        columns.append(
            Column(index, clean_heading(name), text, part, _meta(metas[index]) if metas else {})
        )
    return columns


def recognised(table: Table, layout: ToolLayout) -> int:
    """How many of the layout's recognition headings the file has (0 unless all of them)."""
    if table.file_format not in layout.formats:
        return 0
    columns = columns_of(table, layout)
    for spellings in layout.recognise:
        if not any(spelled(column, spellings) for column in columns):
            return 0
    return len(layout.recognise)


def data_rows(table: Table, layout: ToolLayout) -> list[tuple[int, list[object]]]:
    """The rows after the header rows."""
    return [(number, values) for number, values in table.rows if number > layout.header_rows]
