"""The file formats survey tools export, and how often associations use each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileFormat:
    name: str
    kind: str  # "csv", "xlsx" or "jsonl"; also the file extension
    encoding: str = "utf-8"
    delimiter: str = ","
    line_end: str = "\n"


FORMATS: tuple[FileFormat, ...] = (
    FileFormat("csv_utf8_comma", "csv", "utf-8", ",", "\n"),
    FileFormat("csv_utf8_bom_semicolon", "csv", "utf-8-sig", ";", "\r\n"),
    FileFormat("csv_utf8_semicolon", "csv", "utf-8", ";", "\n"),
    FileFormat("csv_cp1252_semicolon", "csv", "cp1252", ";", "\r\n"),
    FileFormat("csv_cp1252_comma", "csv", "cp1252", ",", "\r\n"),
    FileFormat("xlsx", "xlsx"),
    FileFormat("jsonl", "jsonl"),
)

# Relative shares of associations per format; semicolon CSV from Swedish Excel is common.
FORMAT_WEIGHTS: dict[str, int] = {
    "csv_utf8_comma": 14,
    "csv_utf8_bom_semicolon": 16,
    "csv_utf8_semicolon": 8,
    "csv_cp1252_semicolon": 20,
    "csv_cp1252_comma": 6,
    "xlsx": 20,
    "jsonl": 16,
}

FORMAT_BY_NAME: dict[str, FileFormat] = {fmt.name: fmt for fmt in FORMATS}
