"""The archived copy of an export that has columns identifying a person: those columns emptied.

The archive keeps every file read, so that a measurement year can be read again
(``finsam reload-year``). A survey tool's export may carry e-mail addresses, names and IP
addresses; they are never stored, in the archive either. The copy keeps everything else as the
loader read it: the headings (so the layout is still recognised), every row at its row number
(so that messages and reloads point at the same rows), the other sheets of a workbook (a code
book), and the cells' types. Its SHA-256 is recorded beside the original's
(``audit.file_loads.archived_sha256``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from orchestration.ingest.readers import Table


def redacted_csv(table: Table, columns: set[int], header_rows: int) -> bytes:
    """The table as UTF-8 CSV, every row at its number (a gap is an empty line, which the reader
    skips but counts), the cells of `columns` emptied below the header rows."""
    first_data = 2
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.headers)
    expected = first_data
    for number, values in table.rows:
        while expected < number:
            writer.writerow([])
            expected += 1
        hidden = columns if number > header_rows else set()
        writer.writerow(["" if i in hidden else _text(v) for i, v in enumerate(values)])
        expected = number + 1
    return buffer.getvalue().encode("utf-8")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def redacted_xlsx(path: Path, sheet: str, columns: set[int], header_rows: int) -> bytes:
    """The workbook with the cells of `columns` of `sheet` emptied below its header rows; every
    other cell, sheet and type as it was."""
    import openpyxl  # only an export with personal columns pays for it

    book = openpyxl.load_workbook(path)
    data = book[sheet]
    for row in data.iter_rows(min_row=header_rows + 1):
        for cell in row:
            if cell.column - 1 in columns:
                cell.value = None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def redacted_bytes(path: Path, table: Table, columns: set[int], header_rows: int) -> bytes:
    if table.file_format == "xlsx" and table.sheet:
        return redacted_xlsx(path, table.sheet, columns, header_rows)
    return redacted_csv(table, columns, header_rows)
