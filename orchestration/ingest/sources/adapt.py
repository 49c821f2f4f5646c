"""A survey tool's export turned into the loader's contract, as the declaration says.

The loader reads a file into a :class:`Table`. A table with the contract's columns (``svar_id``,
``forbund``, ``enkat``, ``inskickad``) is left as it is: today's contract is one more source and
needs no declaration. Otherwise the file's layout is recognised (``sources/tools``), its survey
found among the declarations (``sources/surveys``), and a new table is made in the contract's
shape, with the file's own row numbers and headings, so that every message still points at the
file as the coordinator sees it:

* ``svar_id``: the tool's response id, scoped to the survey (``<survey id>/<response id>``),
  or, for a tool without one (Google Forms), an id derived from the response itself;
* ``forbund`` and ``enkat``: the declaration's;
* ``inskickad``: the tool's completion time, read in the survey's time zone;
* the question columns, matched to the catalogue, with answers mapped to the scale.

Columns that identify a person are never copied; the note says which were there.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestration.catalog import Catalog, normalise_label
from orchestration.ingest.contract import HeaderMap, map_headers
from orchestration.ingest.readers import Table, as_text
from orchestration.ingest.records import FileRejected
from orchestration.ingest.sources import codebook
from orchestration.ingest.sources.layout import Column, columns_of, data_rows, recognised, spelled
from orchestration.ingest.sources.questions import QuestionMatcher, ValueMap
from orchestration.ingest.sources.registry import Declared, Registry, ToolLayout
from orchestration.ingest.sources.suggest import declaration_block, declaration_hint
from orchestration.ingest.sources.times import parse_tool_time

GENDER_COLUMN = ["kön", "kon", "gender", "sex", "juridiskt kön"]
GENDER_LABELS = {
    "kvinna": "Kvinna", "woman": "Kvinna", "female": "Kvinna", "f": "Kvinna",
    "man": "Man", "male": "Man", "m": "Man",
    "annat": "Annat", "other": "Annat", "annan": "Annat", "ickebinär": "Annat",
    "vill ej svara": "Vill ej svara", "vill inte svara": "Vill ej svara",
    "prefer not to say": "Vill ej svara", "prefer not to answer": "Vill ej svara",
}  # fmt: skip
ROLES = ("response_id", "submitted", "started", "modified", "personal", "ignored")


class SourceRefused(FileRejected):
    """The file is a tool's export the loader cannot take yet; the message says what to add.
    ``rows`` is the number of responses it holds (its header rows not counted)."""

    def __init__(self, reason: str, rows: int, report: SourceReport | None = None) -> None:
        super().__init__(reason, 1)
        self.rows = rows
        self.report = report


@dataclass
class SourceReport:
    """What the front door made of a file, for `finsam check` and the audit."""

    tool: str  # the layout's id ("contract" for today's contract)
    tool_name: str
    survey: str | None = None  # the declaration's id
    declaration_file: str | None = None
    survey_id: str | None = None  # the tool's own id of the survey, where the export has one
    mapping: list[tuple[str, str]] = field(default_factory=list)  # (column, what it became)
    personal: list[str] = field(default_factory=list)
    personal_columns: set[int] = field(default_factory=set)  # their places in the file
    header_rows: int = 1
    ignored: list[str] = field(default_factory=list)
    value_maps: list[str] = field(default_factory=list)
    proposal: str | None = None  # the declaration to add, when none matched


CONTRACT = SourceReport("contract", "finsams exportformat")


def source_columns(report: SourceReport | None) -> dict:
    """The audit.file_loads columns that say what the front door made of a file (the report of
    its table, or of the refusal that stopped it)."""
    if report is None or report is CONTRACT:
        return {"source_tool": "contract" if report is CONTRACT else None}
    return {
        "source_tool": report.tool,
        "source_survey": report.survey,
        "personal_columns": ", ".join(report.personal) or None,
    }


def adapt(table: Table, path: Path, file_name: str, catalog: Catalog, registry: Registry) -> Table:
    """The table in the contract's shape (the same table when it already is)."""
    headings = map_headers(table.headers, catalog)
    if not headings.missing_required:
        table.source, table.header_map = CONTRACT, headings  # parse_table need not map again
        return table
    ranked = sorted(
        ((recognised(table, layout), layout) for layout in registry.tools.values()),
        key=lambda pair: -pair[0],
    )
    if not ranked or ranked[0][0] == 0:
        return table  # neither the contract nor a known tool: the loader says what is missing
    layout = ranked[0][1]
    return _Adapter(table, path, file_name, catalog, registry, layout).run()


class _Adapter:
    def __init__(self, table, path, file_name, catalog, registry, layout: ToolLayout) -> None:
        self.table, self.path, self.file_name = table, path, file_name
        self.catalog, self.registry, self.layout = catalog, registry, layout
        self.columns = columns_of(table, layout)
        self.labels = codebook.read(path, layout) if layout.codebook_sheet else None
        if self.labels is not None:
            self.columns = codebook.relabel(self.columns, self.labels)
        self.roles: dict[str, list[Column]] = {role: [] for role in ROLES}
        self.rest: list[Column] = []
        for column in self.columns:
            role = next(
                (r for r in ROLES if spelled(column, getattr(layout.columns, r))),
                None,
            )
            (self.roles[role] if role else self.rest).append(column)
        self.report = SourceReport(layout.tool, layout.name, header_rows=layout.header_rows)
        self.report.personal = [c.heading for c in self.roles["personal"]]
        self.report.personal_columns = {c.index for c in self.roles["personal"]}
        self.responses = len(data_rows(table, layout))

    # --- which survey ------------------------------------------------------------------------

    def survey_id(self) -> str | None:
        rule = self.layout.survey_id
        if rule is None:
            return None
        if rule.file_name:
            found = re.search(rule.file_name, self.file_name, re.IGNORECASE)
            if found:
                return found.group(1)
        if rule.column:
            for column in self.columns:
                if spelled(column, rule.column):
                    for _number, values in data_rows(self.table, self.layout):
                        text = as_text(values[column.index] if column.index < len(values) else None)
                        if text:
                            return text
        return None

    def declared(self, survey_id: str | None) -> Declared:
        headings = {name for column in self.columns for name in column.names()}
        found = [
            d
            for d in self.registry.surveys_of(self.layout.tool)
            if d.matches(self.file_name, survey_id, headings)
        ]
        if len(found) > 1:
            names = ", ".join(f"{d.survey.id} ({d.file})" for d in found)
            raise SourceRefused(
                f"filen är en export från {self.layout.name} och passar flera deklarationer "
                f"({names}); hela filen avvisas; den som sköter datalagret behöver ändra "
                "deklarationernas match så att bara en passar",
                self.responses,
            )
        if not found:
            self.report.survey_id = survey_id
            self.report.proposal = declaration_block(
                self.layout, self.file_name, survey_id, self.rest
            )
            raise SourceRefused(
                f"filen är en export från {self.layout.name}"
                + (f" (enkät {survey_id})" if survey_id else "")
                + ", men ingen deklaration säger vilket förbund och vilken enkät den hör till; "
                "hela filen avvisas; fyll i förbund och enkät i den här deklarationen och skicka "
                "den till den som sköter datalagret: "
                + declaration_hint(self.layout, self.file_name, survey_id, self.rest),
                self.responses,
                self.report,
            )
        return found[0]

    # --- the new table -----------------------------------------------------------------------

    def run(self) -> Table:
        layout = self.layout
        if not self.roles["submitted"]:
            raise SourceRefused(
                f"filen ser ut som en export från {layout.name} men saknar kolumnen för när "
                f"enkäten skickades in ({' / '.join(layout.columns.submitted[:3])}); "
                "hela filen avvisas",
                self.responses,
            )
        survey_id = self.survey_id()
        declared = self.declared(survey_id)
        survey, group = declared.survey, declared.respondent_group
        report = self.report
        report.survey, report.declaration_file, report.survey_id = (
            survey.id,
            declared.file,
            survey_id,
        )
        report.ignored = [c.heading for c in self.roles["ignored"] + self.roles["started"]]
        report.ignored += [c.heading for c in self.roles["modified"]]

        matcher = QuestionMatcher(self.catalog, survey, group)
        values = ValueMap.of(survey, layout.blank_values)
        gender_spellings = survey.gender_column or GENDER_COLUMN
        gender_labels = dict(GENDER_LABELS)
        gender_labels.update(
            {normalise_label(k): v.strip().capitalize() for k, v in survey.gender_values.items()}
        )
        submitted = self.roles["submitted"][0]
        response = self.roles["response_id"][0] if self.roles["response_id"] else None
        zone = self._zone(submitted, survey.time_zone)
        formats = list(survey.time_formats) + list(layout.time_formats)

        questions: list[tuple[Column | codebook.Choice, str]] = []
        gender: Column | codebook.Choice | None = None
        unmatched: list[Column] = []
        claimed: set[str] = set()
        repeated: list[Column] = []
        for item in codebook.choices(self.rest, self.labels, self.layout):
            column = item.column if isinstance(item, codebook.Choice) else item
            if gender is None and spelled(column, gender_spellings):
                gender = item
                report.mapping.append((column.heading, "kön"))
                continue
            question_id, how = matcher.match(column)
            if question_id is None:
                unmatched.append(column)
                continue
            if question_id in claimed:
                repeated.append(column)
                continue
            claimed.add(question_id)
            questions.append((item, question_id))
            report.mapping.append((column.heading, f"{question_id} (efter {how})"))
        for label, target in survey.values.items():
            report.value_maps.append(f"{label!r} → {target!r}")

        names = [
            response.heading if response else "svars-id (härlett ur svaret)",
            f"förbund (deklarationen {survey.id})",
            f"enkät (deklarationen {survey.id})",
            submitted.heading,
        ]
        header_map = HeaderMap(
            names=names, standard={"svar_id": 0, "forbund": 1, "enkat": 2, "inskickad": 3}
        )
        if gender is not None:
            header_map.standard["kon"] = len(names)
            names.append(gender.heading)
        question_at = []
        for item, question_id in questions:
            header_map.questions[len(names)] = {group: question_id}
            question_at.append((item, self.catalog.question_by_id[question_id]))
            names.append(item.heading)
        unmatched_at = []
        for column in unmatched:
            header_map.unmatched.append((len(names), column.heading))
            unmatched_at.append(column)
            names.append(column.heading)
        for column in repeated:
            header_map.repeated.append((len(names), column.heading))
            unmatched_at.append(column)
            names.append(column.heading)

        rows, refused = [], []
        filters = [
            (f, [c for c in self.columns if spelled(c, f.column)]) for f in layout.row_filters
        ]
        for number, cells in data_rows(self.table, layout):
            cell = _cells(cells)
            skip = _filtered(filters, cell)
            if skip is not None:
                refused.append((number, *skip))
                continue
            moment, why = parse_tool_time(cell(submitted.index), formats, zone)
            if moment is None:
                raw = as_text(cell(submitted.index))
                refused.append(
                    (
                        number,
                        submitted.heading,
                        raw,
                        why or f"{submitted.heading} är tom, så enkäten har aldrig skickats in",
                    )
                )
                continue
            answers = [_read(item, cell) for item, _question in question_at]
            mapped = [
                values.answer(raw, question, self._labels_of(item))
                for raw, (item, question) in zip(answers, question_at, strict=True)
            ]
            if response is not None:
                own = as_text(cell(response.index))
                svar_id = f"{survey.id}/{own}" if own else ""
            else:
                svar_id = _derived_id(survey.id, moment, question_at, answers)
            row = [svar_id, declared.forbund_id, group, moment]
            if gender is not None:
                raw_gender = as_text(_read(gender, cell))
                row.append(gender_labels.get(normalise_label(raw_gender), raw_gender))
            row += mapped
            row += [cell(column.index) for column in unmatched_at]
            rows.append((number, row))

        adapted = Table(names, rows, self.table.file_format, self.table.encoding)
        adapted.notes = list(self.table.notes) + self._notes()
        adapted.bad_rows = list(self.table.bad_rows)
        adapted.refused_rows = refused
        adapted.header_map = header_map
        adapted.header_rows = [1] * len(names)
        adapted.measurement_year = (
            survey.measurement_year if isinstance(survey.measurement_year, int) else None
        )
        adapted.source = report
        return adapted

    def _labels_of(self, item) -> dict[str, str] | None:
        if self.labels is None or isinstance(item, codebook.Choice):
            return None
        return self.labels.values.get(item.field)

    def _zone(self, submitted: Column, declared: str) -> ZoneInfo:
        """The survey's zone; a zone the export itself names (Qualtrics) wins."""
        key = self.layout.time_zone_meta_key
        named = submitted.meta.get(key) if key else None
        if named:
            try:
                return ZoneInfo("UTC" if named == "Z" else named)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return ZoneInfo(declared)

    def _notes(self) -> list[str]:
        report = self.report
        notes = [f"läses som export från {report.tool_name} enligt deklarationen {report.survey}"]
        if report.personal:
            notes.append(
                "kolumner som kan identifiera en person läses inte in och sparas inte: "
                + ", ".join(report.personal)
            )
        return notes


def _read(item: Column | codebook.Choice, cell) -> object:
    """A question's raw answer in a row: its cell, or the option a group of check boxes chose."""
    return item.value(cell) if isinstance(item, codebook.Choice) else cell(item.index)


def _cells(values: list[object]):
    def cell(index: int) -> object:
        return values[index] if index < len(values) else None

    return cell


def _filtered(filters, cell) -> tuple[str, str, str] | None:
    """(field, value, reason) when a row filter refuses the row."""
    for row_filter, columns in filters:
        wanted = {normalise_label(v) for v in row_filter.values}
        for column in columns:
            text = as_text(cell(column.index))
            if normalise_label(text) in wanted:
                return column.heading, text, row_filter.reason
    return None


def _derived_id(survey: str, moment: datetime, question_at, answers: list[object]) -> str:
    """A response's identity from its content, for a tool without response ids: the survey, the
    time it was sent in and its non-blank answers by question. The same response in a later
    cumulative export gets the same id; a new column added to the form later does not change it."""
    parts = [survey, moment.isoformat()]
    parts += sorted(
        f"{question.question_id}={as_text(raw)}"
        for raw, (_item, question) in zip(answers, question_at, strict=True)
        if as_text(raw)
    )
    return "h-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]
