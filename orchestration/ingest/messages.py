"""The Swedish sentences of the audit trail: one per refusal, one summary per file."""

from __future__ import annotations

from orchestration.ingest.parse import Rejection


def sentence(file_name: str, rejection: Rejection) -> str:
    """One Swedish sentence naming the file, row and field (where they exist), then the reason."""
    where = f"Filen {file_name}"
    if rejection.row_number is not None:
        where += f", rad {rejection.row_number}"
    if rejection.field is not None:
        where += f", fält {rejection.field!r}"
    reason = rejection.reason.rstrip().rstrip(".")
    return f"{where}: {reason}."


# The front door's notes on a survey tool's export (sources/adapt.py) that the summary repeats
SOURCE_NOTES = ("läst som export från", "kolumner som kan identifiera en person")


def _rows(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary_message(record: dict, notes: list[str]) -> str:
    """One sentence: what of the file was loaded and what was not."""
    parts = [f"{record['rows_loaded']} av {record['rows_read']} rader inlästa"]
    if record["rows_rejected"]:
        parts.append(_rows(record["rows_rejected"], "rad avvisad", "rader avvisade"))
    if record["rows_duplicate"]:
        parts.append(_rows(record["rows_duplicate"], "dubblett", "dubbletter"))
    if record.get("rows_attributed"):
        parts.append(
            _rows(record["rows_attributed"], "rad räknas", "rader räknas")
            + " till förbundet som det namngivna förbundet gått upp i"
        )
    if record["answers_rejected"]:
        parts.append(
            _rows(record["answers_rejected"], "enskilt svar avvisat", "enskilda svar avvisade")
        )
    if record["columns_unmatched"]:
        parts.append(_rows(record["columns_unmatched"], "okänd kolumn", "okända kolumner"))
    parts.extend(note for note in notes if "blandar" in note or note.startswith(SOURCE_NOTES))
    return f"Filen {record['file_name']}: " + "; ".join(parts) + "."
