"""A table of headers and rows as the bytes of a CSV, XLSX or JSON Lines export."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from .formats import FileFormat
from .xlsx import xlsx_bytes

Cell = int | str | None


def csv_bytes(headers: list[str], rows: list[list[Cell]], fmt: FileFormat) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=fmt.delimiter, lineterminator=fmt.line_end)
    writer.writerow(headers)
    writer.writerows([["" if cell is None else cell for cell in row] for row in rows])
    return buffer.getvalue().encode(fmt.encoding)


def jsonl_bytes(headers: list[str], rows: list[list[Cell]]) -> bytes:
    lines = [json.dumps(dict(zip(headers, row, strict=True)), ensure_ascii=False) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def export_bytes(
    headers: list[str],
    rows: list[list[Cell]],
    fmt: FileFormat,
    sheet_title: str,
    exported_at: datetime,
) -> bytes:
    if fmt.kind == "xlsx":
        return xlsx_bytes(headers, rows, sheet_title, exported_at)
    if fmt.kind == "jsonl":
        return jsonl_bytes(headers, rows)
    return csv_bytes(headers, rows, fmt)
