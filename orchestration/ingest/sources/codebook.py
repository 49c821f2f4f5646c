"""A code book sheet beside the data (Sunet Survey's ``VariableView``), and questions that arrive
as one column per option.

A code book names each variable (``VAR04_2``), gives its label ("Får stödet ta den tid som du
behöver? - 7") and its value codes ("1 = Ja\\r\\n2 = Nej"). A scale question built from check
boxes arrives as one column per option coded selected/not selected; :func:`choices` puts such a
group back together as one question whose answer is the label of the option selected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.catalog import normalise_label
from orchestration.ingest.readers import as_text
from orchestration.ingest.sources.layout import Column, clean_heading, spelled
from orchestration.ingest.sources.registry import ToolLayout

_CODE_LINE = re.compile(r"^\s*(?P<code>[^=]+?)\s*=\s*(?P<label>.*?)\s*$")
_OPTION_FIELD = re.compile(r"^(?P<base>.+)_(?P<option>\d+)$")


@dataclass
class Codebook:
    labels: dict[str, str] = field(default_factory=dict)  # variable -> label
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # variable -> code -> label


def _codes(text: str) -> dict[str, str]:
    codes = {}
    for line in re.split(r"[\r\n]+", text):
        found = _CODE_LINE.match(line)
        if found and found["code"]:
            codes[normalise_label(found["code"])] = found["label"]
    return codes


def read(path: Path, layout: ToolLayout) -> Codebook | None:
    """The code book sheet of an XLSX export, or None when the workbook has none."""
    from python_calamine import CalamineWorkbook

    spec = layout.codebook
    wanted = {normalise_label(name) for name in layout.codebook_sheet}
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # the data sheet was read; a code book that cannot be is no code book
        return None
    try:
        sheet = next((s for s in workbook.sheet_names if normalise_label(s) in wanted), None)
        if sheet is None:
            return None
        records = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        workbook.close()
    if not records:
        return None
    heads = [Column(i, clean_heading(as_text(h)), "") for i, h in enumerate(records[0])]

    def where(spellings: list[str]) -> int | None:
        return next((c.index for c in heads if spelled(c, spellings)), None)

    name_at, label_at, codes_at = where(spec.name), where(spec.label), where(spec.codes)
    if name_at is None:
        return None
    book = Codebook()
    for values in records[1:]:
        name = as_text(values[name_at]) if name_at < len(values) else ""
        if not name:
            continue
        if label_at is not None and label_at < len(values):
            book.labels[name] = clean_heading(as_text(values[label_at]))
        if codes_at is not None and codes_at < len(values) and as_text(values[codes_at]):
            book.values[name] = _codes(str(values[codes_at]))
    return book


def relabel(columns: list[Column], book: Codebook) -> list[Column]:
    """The code book's label as each variable's question text."""
    for column in columns:
        label = book.labels.get(column.field)
        if label and (not column.text or column.text == column.field):
            column.text = label
    return columns


@dataclass
class Choice:
    """A question spread over one column per option, coded selected / not selected."""

    column: Column  # the question, for matching: its field is the common stem
    options: list[tuple[Column, str, str]]  # (column, option label, the code meaning selected)

    @property
    def heading(self) -> str:
        return self.column.heading

    def value(self, cell) -> object:
        chosen = [
            label
            for column, label, selected in self.options
            if normalise_label(as_text(cell(column.index))) == selected
        ]
        if not chosen:
            return None
        if len(chosen) == 1:
            return chosen[0]
        return "flera alternativ valda: " + "; ".join(chosen)


def choices(columns: list[Column], book: Codebook | None, layout: ToolLayout | None = None):
    """The columns, with each group of option columns replaced by one :class:`Choice`."""
    if book is None:
        return list(columns)
    spec = layout.codebook if layout else None
    selected_words = {normalise_label(w) for w in (spec.selected if spec else ["ja", "yes"])}
    groups: dict[str, list[tuple[Column, str, str]]] = {}
    texts: dict[str, str] = {}
    for column in columns:
        found = _OPTION_FIELD.match(column.field)
        codes = book.values.get(column.field, {})
        selected = next(
            (code for code, label in codes.items() if normalise_label(label) in selected_words),
            None,
        )
        if not found or selected is None or " - " not in column.text or len(codes) != 2:
            continue
        question, option = column.text.rsplit(" - ", 1)
        groups.setdefault(found["base"], []).append((column, option.strip(), selected))
        texts[found["base"]] = question.strip()
    out, placed = [], set()
    for column in columns:
        found = _OPTION_FIELD.match(column.field)
        base = found["base"] if found else None
        if base in groups and len(groups[base]) > 1:
            if base not in placed:
                placed.add(base)
                first = groups[base][0][0]
                out.append(Choice(Column(first.index, base, texts[base]), groups[base]))
            continue
        out.append(column)
    return out
