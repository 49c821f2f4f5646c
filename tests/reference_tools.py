"""An independent, deliberately plain reading of the survey tools' exports the demo writes
(orchestration/demo_data/tool_exports.py), for tests/reference.py.

It reads the declarations (sources/surveys/*.yml) as a person would, and each tool's layout as
its documentation describes it, for exactly what the demo writes. It shares no code with
orchestration/: a bug in the front door cannot also hide here.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import yaml

SOURCES = Path(__file__).resolve().parent.parent / "sources" / "surveys"
NUMBERING = re.compile(r"^\d+\.\s+")


def fold(text: object) -> str:
    return " ".join(str(text).casefold().split()).rstrip("?").strip()


def declarations() -> list[dict]:
    found = []
    for path in sorted(SOURCES.glob("*.yml")):
        found += yaml.safe_load(path.read_text(encoding="utf-8")).get("surveys", [])
    return found


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}
    book.close()
    return sheets


def _csv_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    head = text.split("\n", 1)[0]
    sep = ";" if head.count(";") > head.count(",") else ","
    return [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep) if r]


def _tool(first: list[object], sheets: dict | None) -> str | None:
    names = {str(h) for h in first}
    if sheets is not None and "VariableView" in sheets:
        return "sunet-survey"
    for heading, tool in (("Tidstämpel", "google-forms"), ("Slutförandetid", "microsoft-forms"),
                          ("Respondent ID", "surveymonkey"), ("ResponseId", "qualtrics"),
                          ("submitdate", "limesurvey")):  # fmt: skip
        if heading in names:
            return tool
    return None


def _google_time(text: str) -> datetime:
    """'2024/03/10 9:07:13 em CET': the demo writes Swedish local time with its zone's name."""
    day, clock, half, _zone = text.split(" ")
    moment = datetime.strptime(f"{day} {clock}", "%Y/%m/%d %H:%M:%S")
    hour = moment.hour % 12 + (12 if half == "em" else 0)
    return moment.replace(hour=hour)


class ToolFile:
    """One tool export: its declaration, and per response its id, time, gender and answers."""

    def __init__(self, path: Path, questions: dict[str, dict]) -> None:
        self.path = path
        sheets = _sheets(path) if path.suffix == ".xlsx" else None
        rows = (
            (sheets["Data"] if "Data" in sheets else next(iter(sheets.values())))
            if sheets
            else _csv_rows(path)
        )
        self.tool = _tool(rows[0], sheets)
        self.rows, self.sheets, self.questions = rows, sheets, questions

    def declaration(self) -> dict:
        survey_id = None
        if self.tool == "limesurvey":
            survey_id = re.search(r"results-survey(\d+)", self.path.name).group(1)
        if self.tool == "surveymonkey":
            survey_id = str(self.rows[2][1])
        for entry in declarations():
            match = entry["match"]
            if entry["tool"] != self.tool:
                continue
            if "survey_id" in match and str(match["survey_id"]) != survey_id:
                continue
            if "file_name" in match and not fnmatch.fnmatch(self.path.name, match["file_name"]):
                continue
            return entry
        raise AssertionError(f"{self.path.name}: no declaration")

    def responses(self) -> list[tuple[str, datetime, str, dict[str, object]]]:
        """(response id, time, gender text, {question text or declared code: raw answer})."""
        tool, rows = self.tool, self.rows
        first = [str(h) if h is not None else "" for h in rows[0]]
        if tool == "surveymonkey":
            texts, data = [str(t) for t in rows[1]], rows[2:]
            texts[-1] = "Kön"
        elif tool == "qualtrics":
            texts, data = [str(t) for t in rows[1]], rows[3:]
        elif tool == "sunet-survey":
            labels = {r[0]: r[1] for r in self.sheets["VariableView"][1:]}
            codes = {
                r[0]: dict(line.split(" = ", 1) for line in re.split(r"\r?\n", str(r[4])))
                for r in self.sheets["VariableView"][1:]
                if len(r) > 4 and r[4]
            }
            texts, data = [labels.get(h, h) for h in first], rows[1:]
        else:
            texts, data = [NUMBERING.sub("", h) for h in first], rows[1:]
        out = []
        for row in data:
            cells = dict(zip(range(len(texts)), row, strict=False))
            answers = {}
            for index, text in enumerate(texts):
                value = cells.get(index)
                if tool == "sunet-survey" and first[index] in codes and value is not None:
                    value = codes[first[index]].get(str(value), value)
                answers[text] = value
            if tool == "google-forms":
                rid, moment = None, _google_time(str(row[0]))
            elif tool == "microsoft-forms":
                rid, moment = str(row[0]), row[2]
            elif tool == "surveymonkey":
                rid, moment = str(row[0]), datetime.strptime(str(row[3]), "%m/%d/%Y %I:%M:%S %p")
            elif tool == "qualtrics":
                rid, moment = str(row[7]), datetime.strptime(str(row[1]), "%Y-%m-%d %H:%M:%S")
            elif tool == "limesurvey":
                rid, moment = str(row[0]), datetime.strptime(str(row[1]), "%Y-%m-%d %H:%M:%S")
            else:
                rid, moment = str(row[0]), row[1]
            out.append((rid, moment, answers))
        return out


def scale_value(raw: object, question: dict, declared: dict[str, object]):
    """(True, value or None for "Vet ej") for an answer on the scale, (False, None) otherwise."""
    if raw is None or str(raw).strip() == "":
        return False, None
    key = fold(raw)
    if key in declared:
        target = declared[key]
        return (True, None) if fold(target) == "vet ej" else (True, int(target))
    if key == fold(question["dont_know_label"]):
        return True, None
    text = re.sub(r"^(\d+) - .*$", r"\1", str(raw).strip())
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return False, None
    low, high = int(question["scale_min"]), int(question["scale_max"])
    if number.is_integer() and low <= number <= high:
        return True, int(number)
    return False, None
