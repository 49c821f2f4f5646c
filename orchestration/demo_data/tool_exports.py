"""Exports as survey tools write them, for the demo: one association per tool sends its staff
questionnaire as that tool's cumulative export (sources/surveys/demo.yml declares them).

Each later export of a year holds every earlier response again, and the last one has one
response edited in the tool (a new version of the same questionnaire). Answers are written the
way the tool writes its choices: LimeSurvey's answer codes, Qualtrics' numeric recodes,
SurveyMonkey's labels, Sunet Survey's value codes with a code book; anything the generator
planted that is no choice ("sju", 99) is written as it is, and the loader refuses it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestration.catalog import Question

from .responses import Response
from .timing import STOCKHOLM
from .xlsx import workbook_bytes

# (association, tool, the tool's id of its staff survey): the same as sources/surveys/demo.yml
TOOL_SURVEYS = (
    ("blekinge", "google-forms", None),
    ("gotland", "microsoft-forms", None),
    ("roslagen", "surveymonkey", "431821559"),
    ("samsund", "qualtrics", None),
    ("sundsvall", "limesurvey", "524891"),
    ("finnveden", "sunet-survey", None),
)
TOOL_GROUP = "personal"
DONT_KNOW_CODE = 12  # Qualtrics' recode and Sunet Survey's value code for "Vet ej"
EXTENSION = {"microsoft-forms": "xlsx", "sunet-survey": "xlsx"}


@dataclass(frozen=True)
class ToolExport:
    tool: str
    survey_id: str | None
    questions: list[Question]
    responses: list[tuple[int, Response]]  # (the tool's response number, the response)
    exported_at: datetime

    def suffix(self) -> str:
        """What the tool puts in the file name (after the demo's own prefix)."""
        if self.tool == "limesurvey":
            return f"results-survey{self.survey_id}"
        return {"google-forms": "formularsvar", "microsoft-forms": "forms",
                "surveymonkey": "surveymonkey", "qualtrics": "qualtrics",
                "sunet-survey": "sunet"}[self.tool]  # fmt: skip

    @property
    def extension(self) -> str:
        return EXTENSION.get(self.tool, "csv")


class ToolNumbers:
    """The tools' own response numbers, 1, 2, 3 … per survey, the same in every export."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._next: dict[str, int] = {}

    def number(self, survey: str, svar_id: str) -> int:
        if (survey, svar_id) not in self._numbers:
            self._next[survey] = self._next.get(survey, 0) + 1
            self._numbers[(survey, svar_id)] = self._next[survey]
        return self._numbers[(survey, svar_id)]


def tool_of(forbund_id: str) -> tuple[str, str | None] | None:
    return next(((t, s) for f, t, s in TOOL_SURVEYS if f == forbund_id), None)


def _gender(response: Response) -> str:
    return response.kon


def _cell(value) -> str:
    return "" if value is None else str(value)


def _label(value) -> str:
    """SurveyMonkey's choice text: the scale's ends carry their words."""
    return {1: "1 - Stämmer inte alls", 10: "10 - Stämmer helt"}.get(value, _cell(value))


def _coded(value, question: Question, prefix: str = "") -> str:
    """A choice's code (LimeSurvey 'A7', Qualtrics 7, 'Vet ej' as the code after the scale);
    anything that is no choice as it is."""
    if value == question.dont_know_label:
        return f"{prefix}{DONT_KNOW_CODE if not prefix else question.scale_max + 1}"
    if isinstance(value, int) and question.scale_min <= value <= question.scale_max:
        return f"{prefix}{value}"
    return _cell(value)


def _csv(rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def _forms_time(moment: datetime) -> str:
    """Google Forms in Swedish: '2024/03/10 9:07:13 fm CET' (CEST in summer time)."""
    aware = moment.replace(tzinfo=STOCKHOLM)
    zone = "CEST" if aware.utcoffset() == timedelta(hours=2) else "CET"
    hour = moment.hour % 12 or 12
    return f"{moment:%Y/%m/%d} {hour}:{moment:%M:%S} {'fm' if moment.hour < 12 else 'em'} {zone}"


def google_forms(export: ToolExport) -> bytes:
    qs = export.questions
    rows = [["Tidstämpel", "E-postadress", *(f"{n}. {q.question_text}" for n, q in
                                           enumerate(qs, 1)), "Kön"]]  # fmt: skip
    for number, r in export.responses:
        rows.append([_forms_time(r.submitted), f"svar{number}@exempel.se",
                     *(_cell(r.answers[q.question_id]) for q in qs), _gender(r)])  # fmt: skip
    return _csv(rows)


def microsoft_forms(export: ToolExport) -> bytes:
    qs = export.questions
    sheet = [["ID", "Starttid", "Slutförandetid", "E-post", "Namn", "Ändrades senast klockan",
              *(q.question_text for q in qs), "Kön"]]  # fmt: skip
    for number, r in export.responses:
        started = r.submitted - timedelta(minutes=4)
        answers = [r.answers[q.question_id] for q in qs]
        sheet.append([number, started, r.submitted, "anonymous", None, None, *answers,
                      _gender(r) or None])  # fmt: skip
    return workbook_bytes([("Sheet1", sheet)], export.exported_at)


def surveymonkey(export: ToolExport) -> bytes:
    qs = export.questions
    fixed = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
             "Email Address", "First Name", "Last Name", "Custom Data 1"]  # fmt: skip
    matrix = "Hur väl stämmer följande påståenden?"
    first = fixed + [matrix] + [""] * (len(qs) - 1) + ["Kön"]
    second = [""] * len(fixed) + [q.question_text for q in qs] + ["Response"]
    rows = [first, second]
    for number, r in export.responses:
        start = r.submitted - timedelta(minutes=4)
        rows.append([str(114628165000 + number), export.survey_id,
                     f"{start:%m/%d/%Y %I:%M:%S %p}", f"{r.submitted:%m/%d/%Y %I:%M:%S %p}",
                     "81.224.10.7", "", "", "", "",
                     *(_label(r.answers[q.question_id]) for q in qs), _gender(r)])  # fmt: skip
    return _csv(rows)


QUALTRICS_FIXED = (
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"), ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"), ("ResponseId", "Response ID", "_recordId"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
)  # fmt: skip


def qualtrics(export: ToolExport) -> bytes:
    qs = export.questions
    names = [n for n, _l, _i in QUALTRICS_FIXED] + [f"Q{k}" for k in range(1, len(qs) + 1)]
    labels = [label for _n, label, _i in QUALTRICS_FIXED] + [q.question_text for q in qs]
    meta = []
    for _n, _l, import_id in QUALTRICS_FIXED:
        obj = {"ImportId": import_id}
        if import_id in ("startDate", "endDate", "recordedDate"):
            obj["timeZone"] = "Europe/Stockholm"
        meta.append(json.dumps(obj))
    meta += [json.dumps({"ImportId": f"QID{k}"}) for k in range(1, len(qs) + 1)]
    names.append("Q99"), labels.append("Kön"), meta.append(json.dumps({"ImportId": "QID99"}))
    rows = [names, labels, meta]
    for number, r in export.responses:
        stamp = f"{r.submitted:%Y-%m-%d %H:%M:%S}"
        rows.append([stamp, stamp, "0", "130.238.7.12", "100", "1", stamp,
                     f"R_{number:05d}demoQX", "anonymous", "SV",
                     *(_coded(r.answers[q.question_id], q) for q in qs), _gender(r)])  # fmt: skip
    return _csv(rows)


def limesurvey(export: ToolExport) -> bytes:
    """Question codes (the author's: Q and the question's id, kept over the years) and answer
    codes, semicolon, UTF-8 with BOM; demo.yml maps both."""
    qs = export.questions
    rows = [["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
             "ipaddr", *(f"Q{q.question_id}" for q in qs), "G02Q01"]]  # fmt: skip
    for number, r in export.responses:
        stamp = f"{r.submitted:%Y-%m-%d %H:%M:%S}"
        answers = [_coded(r.answers[q.question_id], q, "A") for q in qs]
        rows.append([str(number), stamp, "2", "sv", "1441197542", stamp, stamp, "130.238.7.12",
                     *answers, _gender(r)])  # fmt: skip
    return _csv(rows, ";", bom=True)


def sunet_survey(export: ToolExport) -> bytes:
    qs = export.questions
    codes = "\r\n".join(f"{k} = {k}" for k in range(1, 11)) + f"\r\n{DONT_KNOW_CODE} = Vet ej"
    view = [["Variable Name", "Label", "Type", "Data Type", "Value Codes", "Missing Code"],
            ["ID", "ID", "", "Numeric", "", ""],
            ["Svarstillfälle", "Svarstillfälle", "", "Date", "", ""],
            ["VAR01", "E-postadress", "Text", "String", "", ""]]  # fmt: skip
    names = ["ID", "Svarstillfälle", "VAR01"]
    for k, q in enumerate(qs, start=2):
        view.append([f"VAR{k:02d}", q.question_text, "Multiple-Choice - Radio Buttons",
                     "Numeric", codes, ""])  # fmt: skip
        names.append(f"VAR{k:02d}")
    view.append([f"VAR{len(qs) + 2:02d}", "Kön", "Text", "String", "", ""])
    names.append(f"VAR{len(qs) + 2:02d}")
    data = [names]
    for number, r in export.responses:
        answers = []
        for q in qs:
            coded = _coded(r.answers[q.question_id], q)
            answers.append(int(coded) if coded.lstrip("-").isdigit() else (coded or None))
        data.append([number, r.submitted, f"svar{number}@exempel.se", *answers,
                     _gender(r) or None])  # fmt: skip
    return workbook_bytes([("Data", data), ("VariableView", view)], export.exported_at)


WRITERS = {
    "google-forms": google_forms,
    "microsoft-forms": microsoft_forms,
    "surveymonkey": surveymonkey,
    "qualtrics": qualtrics,
    "limesurvey": limesurvey,
    "sunet-survey": sunet_survey,
}


def tool_export_bytes(export: ToolExport) -> bytes:
    return WRITERS[export.tool](export)
