"""Validate the rows of one export against the contract and the catalogue.

Produces the questionnaires and answers to load plus a record of everything refused; nothing is
dropped without an entry. Messages are in Swedish because the coordinators who fix the exports
read them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from orchestration.catalog import FIRST_MEASUREMENT_YEAR, Catalog, measurement_year_of
from orchestration.ingest.contract import GENDER_VALUES, HeaderMap, map_headers
from orchestration.ingest.readers import Table, as_text

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
EARLIEST_SUBMISSION = datetime(FIRST_MEASUREMENT_YEAR - 1, 11, 1)
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL_INTEGER = re.compile(r"^[+-]?\d+[.,]0+$")
_DONT_KNOW_EXTRA = ("ej aktuellt",)


class FileRejected(Exception):
    """The file as a whole cannot be loaded (unknown association or survey form, no columns)."""


@dataclass
class Rejection:
    kind: str  # file_rejected | column_unmatched | row_rejected | answer_rejected | row_duplicate
    row_number: int | None
    field: str | None
    raw_value: str | None
    reason: str


@dataclass
class Submission:
    row_number: int
    forbund_id: str
    forbund_raw: str
    respondent_group: str
    svar_id: str
    submitted_at: datetime
    measurement_year: int
    gender: str | None
    kon_raw: str
    insats: str | None
    fritext: str | None
    answers: list[tuple[str, str, int | None, bool]]  # question_id, raw, value, is_dont_know

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.forbund_id, self.respondent_group, self.svar_id)

    @property
    def row_hash(self) -> str:
        """Fingerprint of the questionnaire's content: equal hashes mean an identical re-send."""
        payload = [
            self.forbund_id,
            self.respondent_group,
            self.svar_id,
            self.submitted_at.isoformat(),
            self.gender,
            self.insats,
            self.fritext,
            sorted((qid, value, dont_know) for qid, _raw, value, dont_know in self.answers),
        ]
        return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


@dataclass
class ParsedFile:
    submissions: list[Submission] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    forbund_ids: set[str] = field(default_factory=set)
    respondent_groups: set[str] = field(default_factory=set)


def parse_submission_time(raw: object, now: datetime) -> tuple[datetime | None, str | None]:
    """A naive local timestamp, or None and the reason it is refused."""
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime.combine(raw, time())
    else:
        text = as_text(raw)
        if not text:
            return None, "inskickad saknas"
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None, (
                f"inskickad {text!r} är ingen tidpunkt; använd ISO 8601 eller ÅÅÅÅ-MM-DD TT:MM"
            )
    if moment.tzinfo is not None:
        moment = moment.astimezone(LOCAL_TIME).replace(tzinfo=None)
    if moment > now:
        return None, f"inskickad {moment:%Y-%m-%d %H:%M} ligger i framtiden"
    if moment < EARLIEST_SUBMISSION:
        return None, (
            f"inskickad {moment:%Y-%m-%d} ligger före första mätåret "
            f"({FIRST_MEASUREMENT_YEAR}, från 1 november {FIRST_MEASUREMENT_YEAR - 1})"
        )
    return moment, None


def parse_answer(raw: object, question) -> tuple[int | None, bool, str | None]:
    """(value, is_dont_know, refusal) for one answer cell; a blank gives (None, False, None)."""
    text = as_text(raw)
    if not text:
        return None, False, None
    folded = text.casefold()
    if folded == question.dont_know_label.casefold() or folded in _DONT_KNOW_EXTRA:
        return None, True, None
    if _INTEGER.match(text) or _DECIMAL_INTEGER.match(text):
        value = int(re.split(r"[.,]", text)[0])
        if question.scale_min <= value <= question.scale_max:
            return value, False, None
        return (
            None,
            False,
            (f"svaret {text!r} ligger utanför skalan {question.scale_min}–{question.scale_max}"),
        )
    return (
        None,
        False,
        (
            f"svaret {text!r} är inte ett heltal {question.scale_min}–{question.scale_max} "
            f"eller {question.dont_know_label!r}"
        ),
    )


def _value(values: list[object], index: int | None) -> object:
    if index is None or index >= len(values):
        return None
    return values[index]


def _resolve_file_level(table: Table, headers: HeaderMap, catalog: Catalog) -> None:
    """Refuse the whole file when an association or survey form named in it is unknown."""
    unknown_forbund: dict[str, int] = {}
    unknown_forms: dict[str, int] = {}
    for number, values in table.rows:
        name = as_text(_value(values, headers.standard["forbund"]))
        if name and catalog.resolve_forbund(name) is None:
            unknown_forbund.setdefault(name, number)
        form = as_text(_value(values, headers.standard["enkat"]))
        if form and catalog.resolve_respondent_group(form) is None:
            unknown_forms.setdefault(form, number)
    if unknown_forbund:
        name, number = next(iter(unknown_forbund.items()))
        raise FileRejected(
            f"rad {number}, fält forbund: förbundet {name!r} finns inte i katalogen "
            "(seeds/forbund.csv eller forbund_aliases.csv); hela filen avvisas"
        )
    if unknown_forms:
        form, number = next(iter(unknown_forms.items()))
        raise FileRejected(
            f"rad {number}, fält enkat: enkäten {form!r} är ingen känd respondentgrupp; "
            "hela filen avvisas"
        )


def parse_table(table: Table, catalog: Catalog, now: datetime) -> ParsedFile:
    headers = map_headers(table.headers, catalog)
    if headers.missing_required:
        missing = ", ".join(headers.missing_required)
        raise FileRejected(f"rad 1: kolumnerna {missing} saknas; hela filen avvisas")
    if not table.rows:
        raise FileRejected("filen har en rubrikrad men inga svarsrader")
    _resolve_file_level(table, headers, catalog)

    parsed = ParsedFile(rows_read=len(table.rows))
    for index, header in headers.unmatched:
        parsed.rejections.append(
            Rejection(
                "column_unmatched",
                1,
                header or f"(kolumn {index + 1} utan rubrik)",
                None,
                "kolumnen matchar ingen känd fråga eller standardkolumn och lästes inte in",
            )
        )
    for _index, header in headers.repeated:
        parsed.rejections.append(
            Rejection(
                "column_unmatched",
                1,
                header,
                None,
                "kolumnen förekommer två gånger; bara den första lästes in",
            )
        )

    kept: dict[tuple[str, str, str], Submission] = {}
    for number, values in table.rows:
        submission = _parse_row(number, values, headers, catalog, now, parsed)
        if submission is None:
            continue
        earlier = kept.get(submission.key)
        if earlier is not None:
            parsed.rows_duplicate += 1
            parsed.rejections.append(
                Rejection(
                    "row_duplicate",
                    earlier.row_number,
                    "svar_id",
                    submission.svar_id,
                    f"svar_id {submission.svar_id!r} förekommer igen på rad {number}; "
                    "den senare raden gäller",
                )
            )
        kept[submission.key] = submission
    parsed.submissions = list(kept.values())
    parsed.forbund_ids = {s.forbund_id for s in parsed.submissions}
    parsed.respondent_groups = {s.respondent_group for s in parsed.submissions}
    return parsed


def _reject_row(parsed: ParsedFile, number: int, field_name: str, raw: str, reason: str) -> None:
    parsed.rows_rejected += 1
    parsed.rejections.append(Rejection("row_rejected", number, field_name, raw, reason))


def _parse_row(
    number: int,
    values: list[object],
    headers: HeaderMap,
    catalog: Catalog,
    now: datetime,
    parsed: ParsedFile,
) -> Submission | None:
    std = headers.standard
    svar_id = as_text(_value(values, std["svar_id"]))
    if not svar_id:
        _reject_row(parsed, number, "svar_id", "", "svar_id saknas; raden avvisas")
        return None
    forbund_raw = as_text(_value(values, std["forbund"]))
    forbund_id = catalog.resolve_forbund(forbund_raw) if forbund_raw else None
    if forbund_id is None:
        _reject_row(parsed, number, "forbund", forbund_raw, "förbund saknas; raden avvisas")
        return None
    form_raw = as_text(_value(values, std["enkat"]))
    group = catalog.resolve_respondent_group(form_raw) if form_raw else None
    if group is None:
        _reject_row(parsed, number, "enkat", form_raw, "enkät saknas; raden avvisas")
        return None
    raw_time = _value(values, std["inskickad"])
    submitted_at, reason = parse_submission_time(raw_time, now)
    if submitted_at is None:
        _reject_row(parsed, number, "inskickad", as_text(raw_time), f"{reason}; raden avvisas")
        return None
    year = measurement_year_of(submitted_at)

    kon_raw = as_text(_value(values, std.get("kon")))
    gender = GENDER_VALUES.get(kon_raw.casefold()) if kon_raw else None
    if kon_raw and gender is None:
        parsed.rejections.append(
            Rejection(
                "answer_rejected",
                number,
                "kon",
                kon_raw,
                f"kön {kon_raw!r} är inte Kvinna, Man, Annat eller Vill ej svara; "
                "könet lämnas tomt och resten av enkäten läses in",
            )
        )

    answers: list[tuple[str, str, int | None, bool]] = []
    for index, candidates in headers.questions.items():
        raw = _value(values, index)
        text = as_text(raw)
        question_id = candidates.get(group)
        header = headers.names[index]
        if question_id is None:
            if text:
                parsed.rejections.append(
                    Rejection(
                        "answer_rejected",
                        number,
                        header,
                        text,
                        f"frågan hör inte till enkäten {group}; svaret lästes inte in",
                    )
                )
            continue
        question = catalog.question_by_id[question_id]
        if not question.is_asked_in(year):
            if text:
                parsed.rejections.append(
                    Rejection(
                        "answer_rejected",
                        number,
                        header,
                        text,
                        f"frågan {question_id} ställdes inte mätåret {year}; svaret lästes inte in",
                    )
                )
            continue
        value, dont_know, refusal = parse_answer(raw, question)
        if refusal:
            parsed.rejections.append(
                Rejection(
                    "answer_rejected",
                    number,
                    header,
                    text,
                    f"{refusal}; svaret lästes inte in, resten av enkäten behålls",
                )
            )
            continue
        answers.append((question_id, text, value, dont_know))

    return Submission(
        row_number=number,
        forbund_id=forbund_id,
        forbund_raw=forbund_raw,
        respondent_group=group,
        svar_id=svar_id,
        submitted_at=submitted_at,
        measurement_year=year,
        gender=gender,
        kon_raw=kon_raw,
        insats=as_text(_value(values, std.get("insats"))) or None,
        fritext=as_text(_value(values, std.get("fritext"))) or None,
        answers=answers,
    )
