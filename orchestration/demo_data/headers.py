"""Column headers as the survey tools print them."""

from __future__ import annotations

from orchestration.catalog import Question, normalise_label

BASE_COLUMNS = ("svar_id", "forbund", "enkat", "inskickad", "kon", "insats", "fritext")
SWEDISH_HEADERS = {
    "svar_id": "Svars-ID",
    "forbund": "Förbund",
    "enkat": "Enkät",
    "inskickad": "Inskickad",
    "kon": "Kön",
    "insats": "Insats",
    "fritext": "Fritext",
}


def base_header(column: str, style: str) -> str:
    return SWEDISH_HEADERS[column] if style == "swedish" else column


def question_header(question: Question, style: str) -> str:
    text = question.question_text
    if style == "text":
        return text
    if style == "text_no_mark":
        return text.rstrip("?").rstrip()
    if style == "text_lower":
        return text.lower()
    return question.question_id


def question_headers(questions: list[Question], style: str) -> list[str]:
    """Headers for a file's question columns; codes if texts would collide after folding."""
    headers = [question_header(question, style) for question in questions]
    if len({normalise_label(header) for header in headers}) < len(headers):
        return [question.question_id for question in questions]
    return headers
