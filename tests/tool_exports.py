"""Exports written the way survey tools write them, from one set of responses, for the tests of the
front door (sources/). Each writer follows the tool's documentation and public samples of its
exports (sources/tools/*.yml names what each layout holds): header rows, fixed columns, time
formats, encodings and how answers are written.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl

QUESTIONS = {  # the staff questionnaire's questions used here, with their catalogue texts
    "P03A": "Får stödet som ni ger ta den tid som behövs?",
    "P06A": "Finns det en tillräcklig planering för vad som ska hända efter att detta stöd upphör?",
    "P08A": "Upplever du att de du samverkar med hos andra myndigheter lyssnar på dig?",
}
LABELS = {1: "1 - Stämmer inte alls", 10: "10 - Stämmer helt"}


@dataclass
class Response:
    number: int  # the tool's own response id
    submitted: datetime  # Swedish local time
    gender: str  # Kvinna | Man
    answers: dict[str, int | str] = field(default_factory=dict)  # question -> 1..10 or "Vet ej"
    email: str = ""


def responses(count: int = 6, start: int = 1, day: int = 10) -> list[Response]:
    out = []
    for number in range(start, start + count):
        answers = {
            "P03A": 1 + (number * 3) % 10,
            "P06A": "Vet ej" if number % 4 == 0 else 1 + (number * 7) % 10,
            "P08A": 1 + (number * 5) % 10,
        }
        if number % 5 == 0:
            del answers["P08A"]  # a question left blank
        out.append(
            Response(
                number,
                datetime(2024, 3, day, 8 + number % 9, (number * 7) % 60, (number * 13) % 60),
                "Kvinna" if number % 2 else "Man",
                answers,
                f"person{number}@example.se",
            )
        )
    return out


def _text(value: int | str) -> str:
    return str(value)


def _label(value: int | str) -> str:
    return LABELS.get(value, str(value)) if isinstance(value, int) else value


def contract_csv(rows: list[Response], path: Path, forbund: str, prefix: str = "") -> Path:
    """Today's contract: the same answers, for comparison."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["svar_id", "forbund", "enkat", "inskickad", "kon", *QUESTIONS])
        for r in rows:
            writer.writerow(
                [f"{prefix}{r.number}", forbund, "personal", r.submitted.isoformat(sep=" "),
                 r.gender, *(_text(r.answers[q]) if q in r.answers else "" for q in QUESTIONS)]
            )  # fmt: skip
    return path


def _swedish_forms_time(moment: datetime) -> str:
    """Google Forms' download in Swedish: '2024/03/10 9:07:13 fm CET' (winter time here)."""
    hour = moment.hour % 12 or 12
    half = "fm" if moment.hour < 12 else "em"
    return f"{moment:%Y/%m/%d} {hour}:{moment:%M:%S} {half} CET"


def google_forms_csv(rows: list[Response], path: Path) -> Path:
    """Forms' 'Ladda ned svar (.csv)' in Swedish: every field quoted, LF, no BOM, no final line
    break; numbered question titles; the e-mail address collected."""
    headers = ["Tidstämpel", "E-postadress"]
    headers += [f"{n}. {text}" for n, text in enumerate(QUESTIONS.values(), start=1)]
    headers.append("Kön")
    lines = []
    for r in rows:
        cells = [_swedish_forms_time(r.submitted), r.email]
        cells += [_text(r.answers[q]) if q in r.answers else "" for q in QUESTIONS]
        cells.append(r.gender)
        lines.append(cells)
    text = "\n".join(
        ",".join('"' + c.replace('"', '""') + '"' for c in cells) for cells in [headers, *lines]
    )
    path.write_text(text, encoding="utf-8")
    return path


def google_sheet_csv(rows: list[Response], path: Path) -> Path:
    """The linked spreadsheet (Swedish locale) downloaded as CSV: '2024-03-10 9.07.13'."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["Tidstämpel", *QUESTIONS.values(), "Kön"])
        for r in rows:
            writer.writerow(
                [f"{r.submitted:%Y-%m-%d} {r.submitted.hour}.{r.submitted:%M.%S}",
                 *(_text(r.answers[q]) if q in r.answers else "" for q in QUESTIONS), r.gender]
            )  # fmt: skip
    return path


def microsoft_forms_xlsx(rows: list[Response], path: Path, modified: dict | None = None) -> Path:
    """Forms' Excel download in a Swedish tenant: Sheet1, date cells, choice text answers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(
        ["ID", "Starttid", "Slutförandetid", "E-post", "Namn", "Ändrades senast klockan",
         *QUESTIONS.values(), "Kön"]
    )  # fmt: skip
    for r in rows:
        start = r.submitted.replace(minute=max(r.submitted.minute - 3, 0))
        sheet.append(
            [r.number, start, r.submitted, "anonymous", None, (modified or {}).get(r.number),
             *(_label(r.answers[q]) if q in r.answers else None for q in QUESTIONS), r.gender]
        )  # fmt: skip
    for cell in sheet["B"][1:] + sheet["C"][1:] + sheet["F"][1:]:
        cell.number_format = "m/d/yy h:mm:ss"
    book.save(path)
    return path


def surveymonkey_csv(rows: list[Response], path: Path) -> Path:
    """'Alla svarsdata', expanded, actual answer text: two header rows, the questions as one
    matrix (its text over the first column only, the rows in row 2), US times."""
    matrix = "Hur väl stämmer följande påståenden?"
    first = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
             "Email Address", "First Name", "Last Name", "Custom Data 1",
             matrix, "", "", "Kön"]  # fmt: skip
    second = [""] * 9 + list(QUESTIONS.values()) + ["Response"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(first)
        writer.writerow(second)
        for r in rows:
            start = r.submitted.replace(minute=max(r.submitted.minute - 3, 0))
            writer.writerow(
                [114628165000 + r.number, 431821559, f"{start:%m/%d/%Y %I:%M:%S %p}",
                 f"{r.submitted:%m/%d/%Y %I:%M:%S %p}", "81.224.10.7", "", "", "", "",
                 *(_label(r.answers[q]) if q in r.answers else "" for q in QUESTIONS), r.gender]
            )  # fmt: skip
    return path


QUALTRICS_FIXED = [
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"), ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
]  # fmt: skip


def qualtrics_csv(rows: list[Response], path: Path, preview: bool = True) -> Path:
    """'Exportera data > CSV', numeric values: three header rows; the times in UTC as the
    ImportId row says; 11 is the recode of "Vet ej" (the declaration maps it); a preview
    response that must be refused."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(_qualtrics_records(rows, preview))
    return path


def qualtrics_tsv(rows: list[Response], path: Path) -> Path:
    """'Exportera data > TSV', which Qualtrics advises for text beyond English letters: the
    CSV's records, tab-separated, here in UTF-16 with a BOM (the encoding in which Excel opens a
    tab-separated file with å, ä and ö intact)."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(
        _qualtrics_records(rows, preview=True)
    )
    path.write_bytes(buffer.getvalue().encode("utf-16"))
    return path


def _qualtrics_records(rows: list[Response], preview: bool) -> list[list[object]]:
    names = [name for name, _label, _id in QUALTRICS_FIXED] + ["Q1", "Q2_1", "Q2_2", "Q3"]
    labels = [label for _name, label, _id in QUALTRICS_FIXED]
    labels += [f"1. {QUESTIONS['P03A']}"]
    labels += [f"Hur väl stämmer följande? - {QUESTIONS[q]}" for q in ("P06A", "P08A")]
    labels += ["Kön"]
    meta = []
    for _name, _label, import_id in QUALTRICS_FIXED:
        obj = {"ImportId": import_id}
        if import_id in ("startDate", "endDate", "recordedDate"):
            obj["timeZone"] = "UTC"
        meta.append(json.dumps(obj))
    meta += [json.dumps({"ImportId": i}) for i in ("QID1", "QID2_1", "QID2_2", "QID3")]
    records: list[list[object]] = [names, labels, meta]
    extra = [Response(999, rows[0].submitted, "Man", {"P03A": 5})] if preview else []
    for r in rows + extra:
        utc = r.submitted.replace(hour=r.submitted.hour - 1)  # March: Swedish time is UTC+1
        status = "1" if r.number == 999 else "0"
        values = [11 if r.answers.get(q) == "Vet ej" else r.answers.get(q, "") for q in QUESTIONS]
        records.append(
            [f"{utc:%Y-%m-%d %H:%M:%S}", f"{utc:%Y-%m-%d %H:%M:%S}", status, "130.238.7.12",
             100, 218, 1, f"{utc:%Y-%m-%d %H:%M:%S}", f"R_{r.number:04d}abcDEF", "", "", "", "",
             59.8586, 17.6389, "anonymous", "SV", *values, 1 if r.gender == "Kvinna" else 2]
        )  # fmt: skip
    return records


def limesurvey_csv(rows: list[Response], path: Path, incomplete: bool = True) -> Path:
    """'Exportera svar', question codes and answer codes, semicolon: UTF-8 with BOM, every value
    quoted, CRLF and a last empty line; the answers A1…A10 and A11 for "Vet ej"; one response
    never sent in (empty submitdate)."""
    codes = {"P03A": "G01Q01", "P06A": "G01Q02[SQ001]", "P08A": "G01Q02[SQ002]"}
    headers = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp",
               "ipaddr", *codes.values(), "G02Q03"]  # fmt: skip
    lines = [headers]
    for r in rows:
        stamp = f"{r.submitted:%Y-%m-%d %H:%M:%S}"
        answers = [
            ""
            if q not in r.answers
            else ("A11" if r.answers[q] == "Vet ej" else f"A{r.answers[q]}")
            for q in QUESTIONS
        ]
        lines.append([str(r.number), stamp, "2", "sv", "1441197542", stamp, stamp, "130.238.7.12",
                      *answers, "A1" if r.gender == "Kvinna" else "A2"])  # fmt: skip
    if incomplete:
        lines.append([str(len(rows) + 1), "", "1", "sv", "8975531", "2024-03-12 10:01:55",
                      "2024-03-12 10:02:30", "", "A3", "", "", ""])  # fmt: skip
    body = "\r\n".join(";".join('"' + c.replace('"', '""') + '"' for c in line) for line in lines)
    path.write_bytes(b"\xef\xbb\xbf" + (body + "\r\n\r\n").encode("utf-8"))
    return path


def sunet_xlsx(rows: list[Response], path: Path) -> Path:
    """Sunet Survey's Excel export: a Data sheet (ID, Svarstillfälle, VAR…) and the VariableView
    code book. P03A is a scale built from check boxes (one column per option, 1 = Ja, 2 = Nej);
    P06A and P08A are single columns with value codes; gender is two check boxes."""
    options = [str(n) for n in range(1, 11)] + ["Vet ej"]
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    view = book.create_sheet("VariableView")
    view.append(["Variable Name", "Label", "Type", "Data Type", "Value Codes", "Missing Code"])
    view.append(["ID", "ID", "", "Numeric", "", ""])
    view.append(["Svarstillfälle", "Svarstillfälle", "", "Date", "", ""])
    view.append(["VAR01", "E-postadress", "Text", "String", "", ""])
    yes_no = "1 = Ja\r\n2 = Nej"
    for k, option in enumerate(options, start=1):
        view.append([f"VAR02_{k}", f"{QUESTIONS['P03A']} - {option}",
                     "Multiple-Choice - Check Boxes", "Numeric", yes_no, ""])  # fmt: skip
    scale = "\r\n".join(f"{k} = {option}" for k, option in enumerate(options, start=1))
    view.append(
        ["VAR03", QUESTIONS["P06A"], "Multiple-Choice - Radio Buttons", "Numeric", scale, ""]
    )
    view.append(
        ["VAR04", QUESTIONS["P08A"], "Multiple-Choice - Radio Buttons", "Numeric", scale, ""]
    )
    for k, option in enumerate(["Kvinna", "Man"], start=1):
        view.append([f"VAR05_{k}", f"Kön - {option}", "Multiple-Choice - Check Boxes", "Numeric",
                     yes_no, ""])  # fmt: skip
    names = ["ID", "Svarstillfälle", "VAR01", *(f"VAR02_{k}" for k in range(1, 12)), "VAR03",
             "VAR04", "VAR05_1", "VAR05_2"]  # fmt: skip
    data.append(names)

    def code(value) -> int | None:
        return None if value is None else (11 if value == "Vet ej" else value)

    for r in rows:
        p03 = code(r.answers.get("P03A"))
        boxes = [None] * 11 if p03 is None else [1 if k == p03 else 2 for k in range(1, 12)]
        data.append([r.number, r.submitted, r.email, *boxes, code(r.answers.get("P06A")),
                     code(r.answers.get("P08A")), 1 if r.gender == "Kvinna" else 2,
                     1 if r.gender == "Man" else 2])  # fmt: skip
    book.save(path)
    return path


DECLARATIONS = """\
version: 1
surveys:
  - id: blekinge-personal-google
    tool: google-forms
    forbund: Blekinge
    enkat: personal
    match:
      file_name: "Personalenkät Blekinge*"
  - id: gotland-personal-ms
    tool: microsoft-forms
    forbund: Gotland
    enkat: personal
    match:
      file_name: "Personalenkät Gotland*.xlsx"
  - id: roslagen-personal-monkey
    tool: surveymonkey
    forbund: Roslagen
    enkat: personal
    match:
      survey_id: "431821559"
  - id: samsund-personal-qualtrics
    tool: qualtrics
    forbund: Samsund
    enkat: personal
    match:
      file_name: "Samsund*"
    values:
      "11": Vet ej
    gender_values:
      "1": Kvinna
      "2": Man
  - id: sundsvall-personal-lime
    tool: limesurvey
    forbund: Sundsvall
    enkat: personal
    match:
      survey_id: "123456"
    questions:
      G01Q01: P03A
      G01Q02[SQ001]: P06A
      G01Q02[SQ002]: P08A
    gender_column: [G02Q03]
    values: {A1: 1, A2: 2, A3: 3, A4: 4, A5: 5, A6: 6, A7: 7, A8: 8, A9: 9, A10: 10, A11: Vet ej}
    gender_values: {A1: Kvinna, A2: Man}
  - id: sundsvall-personal-lime-text
    tool: limesurvey
    forbund: Sundsvall
    enkat: personal
    match:
      survey_id: "654321"
  - id: finnveden-personal-sunet
    tool: sunet-survey
    forbund: Finnveden
    enkat: personal
    match:
      file_name: "*finnveden*.xlsx"
"""


# --- the same exports from tools set to English ----------------------------------------------


def google_forms_csv_en(rows: list[Response], path: Path) -> Path:
    """Forms' download in English: 'Timestamp', 'Email address', '2024/03/10 9:07:13 AM GMT+1',
    minimal quoting and CRLF (the writer since 2025)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["Timestamp", "Email address", *QUESTIONS.values(), "Gender"])
        for r in rows:
            hour = r.submitted.hour % 12 or 12
            half = "AM" if r.submitted.hour < 12 else "PM"
            stamp = f"{r.submitted:%Y/%m/%d} {hour}:{r.submitted:%M:%S} {half} GMT+1"
            gender = {"Kvinna": "Female", "Man": "Male"}[r.gender]
            writer.writerow(
                [stamp, r.email, *(_text(r.answers.get(q, "")) for q in QUESTIONS), gender]
            )
    return path


def microsoft_forms_xlsx_en(rows: list[Response], path: Path) -> Path:
    """Forms' Excel download from an English tenant: ID, Start time, Completion time, Email,
    Name, Last modified time."""
    microsoft_forms_xlsx(rows, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Sheet1"]
    english = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
    for column, heading in enumerate(english, start=1):
        sheet.cell(row=1, column=column, value=heading)
    book.save(path)
    return path


def limesurvey_full_text_csv(rows: list[Response], path: Path) -> Path:
    """The LimeSurvey defaults: full question texts and full answers, comma, in English (the
    fixed columns' headings), UTF-8 with BOM, every value quoted."""
    headers = ["Response ID", "Date submitted", "Last page", "Start language", "Seed",
               "Date started", "Date last action", "IP address",
               QUESTIONS["P03A"], *(f"Hur väl stämmer följande? [{QUESTIONS[q]}]"
                                    for q in ("P06A", "P08A")), "Kön"]  # fmt: skip
    lines = [headers]
    for r in rows:
        stamp = f"{r.submitted:%Y-%m-%d %H:%M:%S}"
        answers = [_label(r.answers[q]) if q in r.answers else "" for q in QUESTIONS]
        lines.append([str(r.number), stamp, "2", "sv", "1441197542", stamp, stamp, "",
                      *answers, r.gender])  # fmt: skip
    body = "\r\n".join(",".join('"' + c.replace('"', '""') + '"' for c in line) for line in lines)
    path.write_bytes(b"\xef\xbb\xbf" + (body + "\r\n\r\n").encode("utf-8"))
    return path


def qualtrics_choice_text_csv(rows: list[Response], path: Path) -> Path:
    """Qualtrics with 'Use choice text': Status 'IP Address', Finished 'True', the answers as
    the choices' texts ("10 - Stämmer helt", "Vet ej", "Kvinna"), times in Swedish time."""
    qualtrics_csv(rows, path, preview=False)
    lines = list(csv.reader(path.open(encoding="utf-8", newline="")))
    by_number = {f"R_{r.number:04d}abcDEF": r for r in rows}
    for line in lines[3:]:
        r = by_number[line[8]]
        line[2], line[6] = "IP Address", "True"
        line[17:21] = [_label(r.answers[q]) if q in r.answers else "" for q in QUESTIONS] + [
            r.gender
        ]
    lines[2] = [cell.replace('"UTC"', '"Europe/Stockholm"') for cell in lines[2]]
    for line in lines[3:]:
        for at in (0, 1, 7):
            moment = datetime.strptime(line[at], "%Y-%m-%d %H:%M:%S")
            line[at] = f"{moment.replace(hour=moment.hour + 1):%Y-%m-%d %H:%M:%S}"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(lines)
    return path
