"""Turn one raw export file into a header and rows of text, whatever its format.

Each reader returns a :class:`Table`; anything that cannot be read raises :class:`UnreadableFile`
with a sentence for the coordinator who sent the file.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".jsonl", ".ndjson")
CSV_SEPARATORS = (",", ";", "\t")


class UnreadableFile(Exception):
    """The whole file is refused; the message says why in one sentence."""


@dataclass
class Table:
    headers: list[str]
    # (row number as a spreadsheet shows it: the header is row 1, data starts at row 2, values)
    rows: list[tuple[int, list[object]]]
    file_format: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or Windows-1252, line by line when a file mixes them.

    Returns the text and a label for the encoding that was found.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data, bom = data[3:], True
    else:
        bom = False
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    decoded: list[str] = []
    utf8_lines = 0
    for line in lines:
        try:
            decoded.append(line.decode("utf-8"))
            if any(byte >= 0x80 for byte in line):
                utf8_lines += 1
        except UnicodeDecodeError:
            decoded.append(line.decode("cp1252", errors="replace"))
    label = "mixed utf-8/windows-1252" if utf8_lines else "windows-1252"
    return "\n".join(decoded), label


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def detect_separator(text: str) -> str:
    """The separator used in the header line: whichever of comma, semicolon, tab is most common
    outside quotes."""
    header = _first_line(text)
    counts = {sep: 0 for sep in CSV_SEPARATORS}
    in_quotes = False
    for char in header:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    best = max(CSV_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _nonblank(values: list[object]) -> bool:
    return any(v is not None and str(v).strip() != "" for v in values)


def read_csv(path: Path) -> Table:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("Filen är tom.")
    text, encoding = decode_text(data)
    separator = detect_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        records = list(reader)
    except csv.Error as error:
        raise UnreadableFile(f"Filen kunde inte läsas som CSV ({error}).") from error
    headers = [h.strip() for h in records[0]]
    rows = [(number, list(values)) for number, values in enumerate(records[1:], start=2)]
    table = Table(headers, [r for r in rows if _nonblank(r[1])], "csv", encoding)
    if encoding.startswith("mixed"):
        table.notes.append("Filen blandar teckenkodningarna UTF-8 och Windows-1252.")
    table.notes.append(f"Avgränsare: {'tabb' if separator == chr(9) else separator}")
    return table


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_xlsx(path: Path, sheet_chooser: Callable[[list[str]], str | None]) -> Table:
    from openpyxl import load_workbook  # imported here: only XLSX files pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(
            "Filen kunde inte läsas som XLSX; den verkar trasig eller avkortad."
        ) from error
    try:
        chosen = sheet_chooser(workbook.sheetnames) or workbook.sheetnames[0]
        sheet = workbook[chosen]
        try:
            records = [list(row) for row in sheet.iter_rows(values_only=True)]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as error:
            raise UnreadableFile(
                "Filen kunde inte läsas som XLSX; den verkar trasig eller avkortad."
            ) from error
    finally:
        workbook.close()
    if not records or not _nonblank(records[0]):
        raise UnreadableFile(f"Bladet {chosen!r} är tomt.")
    headers = ["" if h is None else str(h).strip() for h in records[0]]
    rows = [
        (number, [_cell(v) for v in values])
        for number, values in enumerate(records[1:], start=2)
        if _nonblank(values)
    ]
    return Table(headers, rows, "xlsx", None, [f"Blad: {chosen}"])


def read_jsonl(path: Path) -> Table:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("Filen är tom.")
    text, encoding = decode_text(data)
    headers: list[str] = []
    objects: list[tuple[int, dict]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            raise UnreadableFile(
                f"Rad {number} är inte giltig JSON ({error.msg}); hela filen avvisas."
            ) from error
        if not isinstance(obj, dict):
            raise UnreadableFile(f"Rad {number} är inte ett JSON-objekt; hela filen avvisas.")
        for key in obj:
            if key not in headers:
                headers.append(key)
        objects.append((number, obj))
    rows = [(number, [obj.get(h) for h in headers]) for number, obj in objects]
    return Table([h.strip() for h in headers], rows, "jsonl", encoding)


def read_table(path: Path, sheet_chooser: Callable[[list[str]], str | None]) -> Table:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv(path)
    if suffix == ".xlsx":
        return read_xlsx(path, sheet_chooser)
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    raise UnreadableFile(
        f"Filformatet {suffix or '(utan filändelse)'} stöds inte; "
        "skicka CSV, XLSX eller JSON Lines."
    )


def as_text(value: object) -> str:
    """A cell as the text a person would see, '' for empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
