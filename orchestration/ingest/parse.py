"""Validate the rows of one export against the contract and the catalogue: the passes over its
columns (``records`` holds what they produce, ``resolution`` the catalogue's answers).

Produces the questionnaires and answers to load plus a record of everything refused; nothing is
dropped without an entry. The cells are read column by column: the standard columns' text first,
then, after each row's own fields are checked, the question columns of each survey form and year,
each distinct cell of a column judged once. Messages are in Swedish because the coordinators who
fix the exports read them.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from orchestration.calendar import measurement_year_of
from orchestration.catalog import Catalog, Question, normalise_label
from orchestration.ingest.contract import GENDER_VALUES, HeaderMap, map_headers
from orchestration.ingest.readers import Table, UnreadableFile, as_text
from orchestration.ingest.records import (
    Attribution,
    FileRejected,
    ParsedFile,
    Rejection,
    Submission,
)
from orchestration.ingest.resolution import Resolver, attribution_reason, refuse_unknown_names
from orchestration.ingest.times import parse_submission_time

# ASCII digits only: \d would also take Arabic-Indic or full-width digits.
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL_INTEGER = re.compile(r"^[+-]?[0-9]+[.,]0+$")


@lru_cache(maxsize=4096)
def _folded(label: str) -> str:
    """normalise_label, memoised: the same few labels ("Vet ej", "Kvinna") come back all day."""
    return normalise_label(label)


def parse_answer(raw: object, question) -> tuple[int | None, bool, str | None]:
    """(value, is_dont_know, refusal) for one answer cell; a blank gives (None, False, None)."""
    text = as_text(raw)
    if not text:
        return None, False, None
    if _INTEGER.match(text):
        value = int(text)
    elif _DECIMAL_INTEGER.match(text):
        value = int(re.split(r"[.,]", text)[0])
    elif question.dont_know_label and _folded(text) == _folded(question.dont_know_label):
        return None, True, None
    else:
        return (
            None,
            False,
            f"svaret {text!r} är varken ett heltal {question.scale_min}–{question.scale_max} "
            f"eller {question.dont_know_label!r}",
        )
    if question.scale_min <= value <= question.scale_max:
        return value, False, None
    return (
        None,
        False,
        f"svaret {text!r} ligger utanför skalan {question.scale_min}–{question.scale_max}",
    )


def _value(values: list[object], index: int | None) -> object:
    if index is None or index >= len(values):
        return None
    return values[index]


class _StandardColumns:
    """The text of the standard columns of every row, read column by column."""

    def __init__(self, rows: list[tuple[int, list[object]]], standard: dict[str, int]) -> None:
        self.svar_id = _column_texts(rows, standard["svar_id"])
        self.forbund = _column_texts(rows, standard["forbund"])
        self.enkat = _column_texts(rows, standard["enkat"])
        self.inskickad = _column_cells(rows, standard["inskickad"])
        self.kon = _column_texts(rows, standard.get("kon"))
        self.insats = _column_texts(rows, standard.get("insats"))
        self.fritext = _column_texts(rows, standard.get("fritext"))

    def resolve(self, resolver: Resolver) -> None:
        """What the association, survey form and gender of every row mean (None: blank or not
        known), each distinct text looked up once."""
        self.forbund_id = _looked_up(self.forbund, resolver.forbund)
        self.group = _looked_up(self.enkat, resolver.group)
        self.gender = _looked_up(self.kon, lambda text: GENDER_VALUES.get(_folded(text)))


def _looked_up(texts: list[str], look_up) -> list:
    meaning = {text: look_up(text) if text else None for text in set(texts)}
    return list(map(meaning.__getitem__, texts))


def _column_cells(rows: list[tuple[int, list[object]]], index: int | None) -> list[object]:
    if index is None:
        return [None] * len(rows)
    return [values[index] if index < len(values) else None for _number, values in rows]


def _column_texts(rows: list[tuple[int, list[object]]], index: int | None) -> list[str]:
    """as_text of one column's cells (a row too short for the column has ''); a text cell, nearly
    every one, is stripped here without a call."""
    if index is None:
        return [""] * len(rows)
    return [
        cell.strip() if cell.__class__ is str else as_text(cell)
        for cell in _column_cells(rows, index)
    ]


def _column_empty(table: Table, index: int) -> bool:
    return all(as_text(_value(values, index)) == "" for _number, values in table.rows)


def parse_table(table: Table, catalog: Catalog, now: datetime) -> ParsedFile:
    headers = table.header_map or map_headers(table.headers, catalog)
    if headers.missing_required:
        missing = headers.missing_required
        named = (
            f"kolumnen {missing[0]} saknas"
            if len(missing) == 1
            else f"kolumnerna {', '.join(missing[:-1])} och {missing[-1]} saknas"
        )
        raise FileRejected(
            f"{named} i rubrikraden "
            f"(rubrikerna är {', '.join(repr(h) for h in table.headers[:12])}"
            f"{' med flera' if len(table.headers) > 12 else ''}); hela filen avvisas",
            1 if table.file_format != "jsonl" else None,
            ", ".join(headers.missing_required),
        )
    if not table.rows_read:
        raise UnreadableFile("filen har en rubrikrad men inga svarsrader; hela filen avvisas")
    resolver = Resolver(catalog)
    numbers = [number for number, _values in table.rows]
    columns = _StandardColumns(table.rows, headers.standard)
    refuse_unknown_names(numbers, columns, headers, resolver)
    columns.resolve(resolver)

    parsed = ParsedFile(
        rows_read=table.rows_read,
        svar_id_field=headers.names[headers.standard["svar_id"]],
    )
    # Refusals with the place they are listed at: by row, and within a row in the order the
    # row's checks meet them (the row's own, its answers column by column, then a later
    # duplicate of it), whichever pass of the file found them.
    found = _Refusals(parsed)
    header_rows = table.header_rows or [1] * len(table.headers)
    for index, header in headers.unmatched:
        if not header and _column_empty(table, index):
            continue  # an empty column without a heading (spreadsheet formatting) is no column
        found.before_rows(
            Rejection(
                "column_unmatched",
                header_rows[index],
                header or f"(kolumn {index + 1} utan rubrik)",
                None,
                "kolumnen är varken en känd fråga eller en av de kolumner exporten ska ha; "
                "den läses inte in",
            )
        )
    for index, header in headers.repeated:
        found.before_rows(
            Rejection(
                "column_unmatched",
                header_rows[index],
                header,
                None,
                "kolumnen har samma fråga eller uppgift som en tidigare kolumn; bara den första "
                "av dem läses in",
            )
        )
    for number, raw, reason in table.bad_rows:
        found.row_refused(number, None, raw, f"{reason}; raden avvisas")
    for number, field_name, raw, reason in table.refused_rows:
        found.row_refused(number, field_name, raw, f"{reason}; raden avvisas")

    # Pass one, row by row: the questionnaire's own fields.
    kept: dict[tuple[str, str, str], Submission] = {}
    by_form: dict[tuple[str, int], list[tuple[Submission, list[object]]]] = {}
    for position, (number, values) in enumerate(table.rows):
        submission = _parse_row(
            number, values, (columns, position), headers, resolver, table, now, found
        )
        if submission is None:
            continue
        by_form.setdefault((submission.respondent_group, submission.measurement_year), []).append(
            (submission, values)
        )
        earlier = kept.get(submission.key)
        if earlier is not None:
            parsed.rows_duplicate += 1
            found.later_duplicate(
                number,
                Rejection(
                    "row_duplicate",
                    earlier.row_number,
                    headers.names[headers.standard["svar_id"]],
                    submission.svar_id,
                    f"svar_id {submission.svar_id!r} förekommer igen på rad {number} i samma "
                    "fil och den senare raden gäller; raden räknas som dubblett",
                ),
            )
        kept[submission.key] = submission
    # Pass two, column by column: the answers of every questionnaire read.
    for (group, year), members in by_form.items():
        plan = resolver.answer_plan(headers, group, year)
        for position, (index, header, question, not_read) in enumerate(plan):
            _read_answer_column(members, index, header, question, not_read, position, found)
    parsed.submissions = sorted(kept.values(), key=lambda s: s.row_number)
    parsed.forbund_ids = {s.reported_forbund_id for s in parsed.submissions}
    parsed.respondent_groups = {s.respondent_group for s in parsed.submissions}
    parsed.rejections = found.in_order()
    return parsed


class _Refusals:
    """A file's refusals, each with the key that lists it where a reading of the file row by row
    would have: by row number, then by when that reading met it."""

    ROW, GENDER, ANSWERS, DUPLICATE = 0, 1, 2, 1 << 30

    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self.keyed: list[tuple[tuple[int, int, int], Rejection]] = []

    def before_rows(self, rejection: Rejection) -> None:
        self.keyed.append(((rejection.row_number or 0, -1, len(self.keyed)), rejection))

    def row_refused(self, number: int, field_name: str | None, raw: str, reason: str) -> None:
        self.parsed.rows_rejected += 1
        rejection = Rejection("row_rejected", number, field_name, raw, reason)
        self.keyed.append(((number, number, self.ROW), rejection))

    def gender_refused(self, rejection: Rejection) -> None:
        number = rejection.row_number
        self.keyed.append(((number, number, self.GENDER), rejection))

    def answer_refused(self, position: int, rejection: Rejection) -> None:
        number = rejection.row_number
        self.keyed.append(((number, number, self.ANSWERS + position), rejection))

    def later_duplicate(self, number: int, rejection: Rejection) -> None:
        self.keyed.append(((rejection.row_number, number, self.DUPLICATE), rejection))

    def in_order(self) -> list[Rejection]:
        self.keyed.sort(key=lambda item: item[0])
        return [rejection for _key, rejection in self.keyed]


def _read_answer_column(
    members: list[tuple[Submission, list[object]]],
    index: int,
    header: str,
    question: Question | None,
    not_read: str | None,
    position: int,
    found: _Refusals,
) -> None:
    """One question column of the questionnaires of one survey form and year: each distinct cell
    is read once (a column holds a few answers: "7", "Vet ej"), then given to every row with it."""
    cells = [values[index] if index < len(values) else None for _submission, values in members]
    keys = [raw if raw.__class__ is str else (raw.__class__, repr(raw)) for raw in cells]
    # each distinct cell (the first of its kind) judged once: None when it is blank
    distinct = dict(zip(reversed(keys), reversed(cells), strict=True))
    judged = {key: _answer_outcome(raw, question, not_read) for key, raw in distinct.items()}
    if not any(judged.values()):
        return  # a blank answer is no answer: nothing to load, nothing to refuse
    for (submission, _values), outcome in zip(members, map(judged.__getitem__, keys), strict=True):
        if outcome is None:
            continue
        answer, text, refusal = outcome
        if refusal is None:
            submission.answers.append(answer)
        else:
            number = submission.row_number
            found.answer_refused(
                position, Rejection("answer_rejected", number, header, text, refusal)
            )


def _answer_outcome(
    raw: object, question: Question | None, not_read: str | None
) -> tuple[tuple | None, str, str | None] | None:
    """(answer to load, text, None) or (None, text, why it is refused) for one cell; None when
    it is blank."""
    text = as_text(raw)
    if not text:
        return None
    if not_read is not None:
        return None, text, not_read
    value, dont_know, refusal = parse_answer(text, question)
    if refusal:
        return None, text, f"{refusal}; bara det svaret avvisas, resten av enkäten läses in"
    return (question.question_id, text, value, dont_know), text, None


def _width_problem(values: list[object], table: Table) -> str | None:
    """Why a CSV row cannot be trusted to have its values in the right columns, if it cannot."""
    width = len(table.headers)
    if len(values) > width and any(str(v).strip() for v in values[width:]):
        return (
            f"raden har {len(values)} värden men rubrikraden har {width} kolumner, så värdena "
            "hamnar i fel kolumner (troligen ett avgränsartecken i ett värde utan citattecken); "
            "raden avvisas"
        )
    if len(values) < width and any("\n" in str(v) for v in values):
        return (
            f"raden har {len(values)} värden men rubrikraden har {width} kolumner, och ett värde "
            "innehåller en radbrytning (troligen ett citattecken som aldrig avslutas, så att "
            "följande rader har slagits ihop med den); raden avvisas"
        )
    return None


def _parse_row(
    number: int,
    values: list[object],
    at: tuple[_StandardColumns, int],
    headers: HeaderMap,
    resolver: Resolver,
    table: Table,
    now: datetime,
    found: _Refusals,
) -> Submission | None:
    """A row's own fields, checked; its answers are read afterwards, column by column."""
    std, names = headers.standard, headers.names
    columns, position = at
    if table.check_widths:
        problem = _width_problem(values, table)
        if problem:
            raw = " | ".join(as_text(v) for v in values)
            found.row_refused(number, None, raw, problem)
            return None
    svar_id = columns.svar_id[position]
    if not svar_id:
        found.row_refused(number, names[std["svar_id"]], "", "svar_id saknas; raden avvisas")
        return None
    forbund_raw = columns.forbund[position]
    forbund_id = columns.forbund_id[position]
    if forbund_id is None:
        found.row_refused(
            number, names[std["forbund"]], forbund_raw, "förbund saknas; raden avvisas"
        )
        return None
    form_raw = columns.enkat[position]
    group = columns.group[position]
    if group is None:
        found.row_refused(number, names[std["enkat"]], form_raw, "enkät saknas; raden avvisas")
        return None
    raw_time = columns.inskickad[position]
    submitted_at, reason = parse_submission_time(raw_time, now)
    if submitted_at is None:
        found.row_refused(
            number, names[std["inskickad"]], as_text(raw_time), f"{reason}; raden avvisas"
        )
        return None
    year = table.measurement_year or measurement_year_of(submitted_at)
    found.parsed.row_years[number] = year
    counting_id, mergers = resolver.counting(forbund_id, year)
    attribution = None
    if counting_id != forbund_id:
        reason = attribution_reason(resolver, forbund_raw, names[std["forbund"]], mergers, year)
        attribution = Attribution(mergers[-1].merged_year, reason)

    kon_raw = columns.kon[position]
    gender = columns.gender[position]
    if kon_raw and gender is None:
        found.gender_refused(
            Rejection(
                "answer_rejected",
                number,
                names[std["kon"]],
                kon_raw,
                f"kön {kon_raw!r} är inte Kvinna, Man, Annat eller Vill ej svara; "
                "könet lämnas tomt och resten av enkäten läses in",
            )
        )

    return Submission(
        row_number=number,
        forbund_id=counting_id,
        reported_forbund_id=forbund_id,
        forbund_raw=forbund_raw,
        respondent_group=group,
        svar_id=svar_id,
        submitted_at=submitted_at,
        measurement_year=year,
        gender=gender,
        kon_raw=kon_raw,
        insats=columns.insats[position] or None,
        fritext=columns.fritext[position] or None,
        answers=[],
        attribution=attribution,
    )
