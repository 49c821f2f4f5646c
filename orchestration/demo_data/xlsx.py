"""XLSX bytes that are identical for identical content (fixed properties and zip times)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

FORBIDDEN_IN_SHEET_TITLES = str.maketrans({char: " " for char in "[]:*?/\\"})


class _FixedTimeZip(zipfile.ZipFile):
    """A zip writer that stamps every entry with one given time instead of the clock."""

    def __init__(self, file: io.BytesIO, moment: datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED)
        self.stamp = (
            max(moment.year, 1980),
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second - moment.second % 2,
        )

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: bytes | str,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: str,
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        with open(filename, "rb") as handle:
            self.writestr(arcname or str(filename), handle.read())


def sheet_title(label: str) -> str:
    return label.translate(FORBIDDEN_IN_SHEET_TITLES).strip()[:31] or "Blad1"


def xlsx_bytes(
    headers: list[str], rows: list[list[int | str | None]], title: str, moment: datetime
) -> bytes:
    return workbook_bytes([(title, [headers, *rows])], moment)


def workbook_bytes(sheets: list[tuple[str, list[list]]], moment: datetime) -> bytes:
    """A workbook of the given sheets (title, rows with the header row first); an empty text
    cell is an empty cell."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(sheet_title(title))
        for row in rows:
            sheet.append([None if cell == "" else cell for cell in row])
    workbook.properties.created = moment
    workbook.properties.modified = moment
    workbook.properties.creator = "Enkätverktyg"
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, moment) as archive:
        ExcelWriter(workbook, archive).save()
    return buffer.getvalue()
