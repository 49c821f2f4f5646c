"""The Swedish sentences of the audit trail: one per refusal, one summary per file.

They are read by the associations' contact persons, who send the files, not by engineers: plain
Swedish in the present tense ("avvisas", "läses in"), "kolumn" for a column whatever the file
format, counts that agree with their nouns ("1 rad", "2 rader"), and no names of the warehouse's
own files or settings. docs/kontrollera-exporten.md quotes them.
"""

from __future__ import annotations

from orchestration.ingest.contract import REQUIRED_COLUMNS
from orchestration.ingest.records import FileLoad, Rejection


def count(number: int, one: str, many: str) -> str:
    """'1 rad', '2 rader': the number with the noun (phrase) that agrees with it."""
    return f"{number} {one if number == 1 else many}"


def _place(field: str) -> str:
    """Where in the file: 'kolumn 'DP01A'', or the columns a header row lacks, or a column
    without a heading as the reader names it ('kolumn 3 utan rubrik')."""
    if field.startswith("(kolumn ") and field.endswith(" utan rubrik)"):
        return field[1:-1]
    names = field.split(", ")
    if len(names) > 1 and all(name in REQUIRED_COLUMNS for name in names):
        return "kolumnerna " + ", ".join(repr(name) for name in names)
    return f"kolumn {field!r}"


def sentence(file_name: str, rejection: Rejection) -> str:
    """One Swedish sentence naming the file, row and column (where they exist), then the reason."""
    where = f"Filen {file_name}"
    if rejection.row_number is not None:
        where += f", rad {rejection.row_number}"
    if rejection.field is not None:
        where += f", {_place(rejection.field)}"
    reason = rejection.reason.rstrip().rstrip(".")
    return f"{where}: {reason}."


# The front door's notes on a survey tool's export (sources/adapt.py) that the summary repeats
SOURCE_NOTES = ("läses som export från", "kolumner som kan identifiera en person")


def summary_message(load: FileLoad, notes: list[str]) -> str:
    """One sentence: what of the file is loaded and what is not."""
    parts = [f"{load.rows_loaded} av {count(load.rows_read, 'rad', 'rader')} läses in"]
    if load.rows_rejected:
        parts.append(count(load.rows_rejected, "rad avvisas", "rader avvisas"))
    if load.rows_duplicate:
        parts.append(
            count(load.rows_duplicate, "rad räknas som dubblett", "rader räknas som dubbletter")
        )
    if load.rows_attributed:
        parts.append(
            count(load.rows_attributed, "rad räknas", "rader räknas")
            + " till det förbund som det angivna förbundet har gått upp i"
        )
    if load.answers_rejected:
        parts.append(count(load.answers_rejected, "enskilt svar avvisas", "enskilda svar avvisas"))
    if load.columns_unmatched:
        parts.append(
            count(load.columns_unmatched, "kolumn läses inte in", "kolumner läses inte in")
        )
    parts.extend(note for note in notes if "blandar" in note or note.startswith(SOURCE_NOTES))
    return f"Filen {load.file_name}: " + "; ".join(parts) + "."
