"""An independent, deliberately plain re-implementation of the raw export contract.

Tests compute expected mart values with this module straight from the raw files, so that a bug in
the loader or the dbt models cannot also hide in the expectation. It reads the seed CSVs itself and
shares no code with orchestration/.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl

from tests.reference_tools import ToolFile, scale_value

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
STANDARD = {
    "svar_id": "svar_id",
    "svars-id": "svar_id",
    "forbund": "forbund",
    "förbund": "forbund",
    "enkat": "enkat",
    "enkät": "enkat",
    "inskickad": "inskickad",
    "kon": "kon",
    "kön": "kon",
    "insats": "insats",
    "fritext": "fritext",
}


def fold(text: object) -> str:
    return " ".join(str(text).casefold().split()).rstrip("?").strip()


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Questionnaire:
    forbund_id: str  # the association it counts for
    group: str
    svar_id: str
    year: int
    gender: str | None
    answers: dict[str, int | None]  # question_id -> value on the scale, None for "Vet ej"
    reported_forbund_id: str  # the association its file names


class Reference:
    def __init__(self) -> None:
        self.questions = {row["question_id"]: row for row in seed_rows("questions.csv")}
        self.forbund = {fold(r["forbund_id"]): r["forbund_id"] for r in seed_rows("forbund.csv")}
        self.forbund.update(
            {fold(r["forbund_name"]): r["forbund_id"] for r in seed_rows("forbund.csv")}
        )
        self.forbund.update(
            {fold(r["alias"]): r["forbund_id"] for r in seed_rows("forbund_aliases.csv")}
        )
        groups = seed_rows("respondent_groups.csv")
        self.groups = {fold(r["respondent_group"]): r["respondent_group"] for r in groups}
        self.groups.update({fold(r["label_sv"]): r["respondent_group"] for r in groups})
        self.groups.update(
            {
                fold(r["alias"]): r["respondent_group"]
                for r in seed_rows("respondent_group_aliases.csv")
            }
        )
        self.mergers = {
            r["predecessor_id"]: (r["successor_id"], int(r["merged_year"]))
            for r in seed_rows("forbund_mergers.csv")
        }
        self.question_by_header: dict[tuple[str, str], str] = {}
        for qid, row in self.questions.items():
            for key in (qid, row["question_text"]):
                self.question_by_header[(fold(key), row["respondent_group"])] = qid

    def counts_for(self, forbund_id: str, year: int) -> str:
        """The association a questionnaire of ``year`` naming ``forbund_id`` counts for: the one it
        had merged into by then, through every merger in effect."""
        while forbund_id in self.mergers and self.mergers[forbund_id][1] <= year:
            forbund_id = self.mergers[forbund_id][0]
        return forbund_id

    @staticmethod
    def table(path: Path) -> tuple[list[str], list[list[object]]]:
        if path.suffix == ".jsonl":
            objects = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
            headers = list(dict.fromkeys(key for obj in objects for key in obj))
            return headers, [[obj.get(h) for h in headers] for obj in objects]
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
            book.close()
            width = len(rows[0])
            return [str(h) for h in rows[0]], [r + [None] * (width - len(r)) for r in rows[1:]]
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
        head = text.split("\n", 1)[0]
        sep = ";" if head.count(";") > head.count(",") else ","
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        return rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]

    def questionnaires(self, landing: Path) -> list[Questionnaire]:
        """Current version of every questionnaire: files by mtime then name, later wins. A response
        is the association its file names, survey form and svar_id."""
        files = sorted(
            (p for p in landing.iterdir() if p.is_file()),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        kept: dict[tuple[str, str, str], Questionnaire] = {}
        for path in files:
            if "-" in path.stem.rsplit("_", 1)[-1]:  # the demo's name of a survey tool's export
                self._tool_export(ToolFile(path, self.questions), kept)
                continue
            headers, rows = self.table(path)
            for cells in rows:
                record = dict(zip(headers, cells, strict=False))
                fixed = {STANDARD[fold(h)]: v for h, v in record.items() if fold(h) in STANDARD}
                group = self.groups[fold(fixed["enkat"])]
                moment = fixed["inskickad"]
                if not isinstance(moment, datetime):
                    moment = datetime.fromisoformat(str(moment))
                year = moment.year + 1 if moment.month >= 11 else moment.year
                gender = {"kvinna": "kvinna", "man": "man"}.get(fold(fixed.get("kon") or ""))
                answers: dict[str, int | None] = {}
                for header, value in record.items():
                    qid = self.question_by_header.get((fold(header), group))
                    if qid is None or value is None or str(value).strip() == "":
                        continue
                    question = self.questions[qid]
                    if fold(value) == fold(question["dont_know_label"]):
                        answers[qid] = None
                        continue
                    try:
                        number = float(str(value).replace(",", "."))
                    except ValueError:
                        continue
                    low, high = int(question["scale_min"]), int(question["scale_max"])
                    if number.is_integer() and low <= number <= high:
                        answers[qid] = int(number)
                named = self.forbund[fold(fixed["forbund"])]
                svar_id = str(fixed["svar_id"]).strip()
                kept[(named, group, svar_id)] = Questionnaire(
                    self.counts_for(named, year), group, svar_id, year, gender, answers, named
                )
        return list(kept.values())

    def _tool_export(self, export: ToolFile, kept: dict) -> None:
        """A survey tool's export as its declaration says: responses by the tool's id within
        the survey (Google Forms: by time and answers), the questions by text or declared code,
        the answers through the declared values."""
        declared = export.declaration()
        named = self.forbund[fold(declared["forbund"])]
        group = self.groups[fold(declared["enkat"])]
        codes = {fold(code): qid for code, qid in declared.get("questions", {}).items()}
        values = {fold(label): target for label, target in declared.get("values", {}).items()}
        gender_columns = {fold(c) for c in declared.get("gender_column", [])} | {"kön"}
        for response_id, moment, cells in export.responses():
            year = moment.year + 1 if moment.month >= 11 else moment.year
            gender, answers = None, {}
            for text, raw in cells.items():
                if fold(text) in gender_columns:
                    gender = {"kvinna": "kvinna", "man": "man"}.get(fold(raw or ""))
                    continue
                qid = codes.get(fold(text)) or self.question_by_header.get((fold(text), group))
                if qid is None:
                    continue
                on_scale, value = scale_value(raw, self.questions[qid], values)
                if on_scale:
                    answers[qid] = value
            if response_id is None:
                filled = sorted((t, str(v)) for t, v in cells.items() if v not in (None, ""))
                svar_id = f"{declared['id']}@{moment.isoformat()}{filled}"
            else:
                svar_id = f"{declared['id']}/{response_id}"
            kept[(named, group, svar_id)] = Questionnaire(
                self.counts_for(named, year), group, svar_id, year, gender, answers, named
            )


def cell_statistics(
    questionnaires: list[Questionnaire],
    reference: Reference,
    year: int,
    group: str,
    question_id: str,
    gender: str = "alla",
    forbund_id: str | None = None,
) -> dict[str, float | int | None]:
    """n_respondents, n_answers, n_dont_know, mean_score and share_positive of one cell."""
    selected = [
        q
        for q in questionnaires
        if q.year == year
        and q.group == group
        and (forbund_id is None or q.forbund_id == forbund_id)
        and (gender == "alla" or q.gender == gender)
    ]
    values = [q.answers[question_id] for q in selected if q.answers.get(question_id) is not None]
    dont_know = sum(
        1 for q in selected if question_id in q.answers and q.answers[question_id] is None
    )
    positive_min = int(reference.questions[question_id]["positive_min"])
    return {
        "n_respondents": len(selected),
        "n_answers": len(values),
        "n_dont_know": dont_know,
        "mean_score": sum(values) / len(values) if values else None,
        "share_positive": sum(v >= positive_min for v in values) / len(values) if values else None,
    }


def close(a: float | None, b: float | None, tolerance: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=tolerance)


def by_forbund(questionnaires: list[Questionnaire]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for q in questionnaires:
        counts[q.forbund_id] += 1
    return dict(counts)
