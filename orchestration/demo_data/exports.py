"""Exports: a part of one year's questionnaires, as a table of headers and rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orchestration.catalog import Question

from .dirt import Cell
from .headers import base_header, question_headers
from .profiles import ForbundProfile
from .responses import Response


@dataclass(frozen=True)
class Export:
    year: int
    forbund_id: str
    group: str
    number: int
    responses: tuple[Response, ...]
    exported_at: datetime

    def file_name(self, extension: str) -> str:
        return f"{self.year}_{self.forbund_id}_{self.group}_{self.number}.{extension}"


def split_in_parts(responses: list[Response], parts: int) -> list[list[Response]]:
    """Consecutive runs of submissions, each export covering a part of the year."""
    parts = max(1, min(parts, len(responses)))
    size, extra = divmod(len(responses), parts)
    chunks, start = [], 0
    for index in range(parts):
        end = start + size + (1 if index < extra else 0)
        chunks.append(responses[start:end])
        start = end
    return [chunk for chunk in chunks if chunk]


def _timestamp(moment: datetime, minutes_only: bool) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if minutes_only else moment.isoformat()


def table(
    export: Export, profile: ForbundProfile, questions: list[Question]
) -> tuple[list[str], list[list[Cell]]]:
    columns = ["svar_id", "forbund", "enkat", "inskickad", "kon"]
    columns += ["insats"] * profile.has_insats + ["fritext"] * profile.has_fritext
    headers = [base_header(column, profile.header_style) for column in columns]
    headers += question_headers(questions, profile.question_header_style)
    rows = []
    for response in export.responses:
        fixed: dict[str, Cell] = {
            "svar_id": response.svar_id,
            "forbund": profile.forbund_label,
            "enkat": profile.group_labels[export.group],
            "inskickad": _timestamp(response.submitted, profile.minute_timestamps),
            "kon": response.kon,
            "insats": response.insats,
            "fritext": response.fritext,
        }
        row = [fixed[column] for column in columns]
        row += [response.answers[q.question_id] for q in questions]
        rows.append(row)
    return headers, rows
