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
import zipfile
from datetime import datetime
from pathlib import Path

from orchestration.ingest.readers import Table
from orchestration.ingest.sources.sheet_xml import emptied_xlsx


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
    other cell, sheet and type as it was. The worksheet's XML is edited where it can be
    (sheet_xml.py); a workbook laid out otherwise is read and written again by openpyxl."""
    edited = emptied_xlsx(path.read_bytes(), sheet, columns, header_rows)
    return edited if edited is not None else rewritten_xlsx(path, sheet, columns, header_rows)


def rewritten_xlsx(path: Path, sheet: str, columns: set[int], header_rows: int) -> bytes:
    """redacted_xlsx through openpyxl, which reads the whole workbook and writes it anew."""
    import openpyxl  # only an export with personal columns pays for it
    from openpyxl.writer.excel import ExcelWriter

    book = openpyxl.load_workbook(path)
    data = book[sheet]
    for row in data.iter_rows(min_row=header_rows + 1):
        for cell in row:
            if cell.column - 1 in columns:
                cell.value = None
                cell.hyperlink = None  # a mailto: link holds the address too
                cell.comment = None
    # the same file gives the same copy (and hash) whenever it is read: no clock in it
    book.properties.modified = book.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer) as archive:
        ExcelWriter(book, archive).save()
    return buffer.getvalue()


FIXED_TIME = datetime(2000, 1, 1)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries carry one fixed time instead of the clock's."""

    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)

    def writestr(self, name, data, compress_type=None, compresslevel=None) -> None:
        if isinstance(name, str):
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            name = info
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None) -> None:
        with open(filename, "rb") as handle:  # openpyxl's worksheets come from temporary files
            self.writestr(arcname or str(filename), handle.read())


def redacted_bytes(path: Path, table: Table, columns: set[int], header_rows: int) -> bytes:
    if table.file_format == "xlsx" and table.sheet:
        return redacted_xlsx(path, table.sheet, columns, header_rows)
    return redacted_csv(table, columns, header_rows)
