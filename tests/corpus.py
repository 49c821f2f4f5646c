"""Builders for hand-made raw export files: rows, CSV/XLSX/JSON Lines bytes, controlled mtimes.

Tests of ingestion write deliberately broken files with these, so every expectation sits next to
the bytes it is about.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from openpyxl import Workbook

from orchestration.catalog import load_catalog
from orchestration.ingest import IngestReport, ingest_landing
from orchestration.settings import Settings, load_settings

SWEDEN = ZoneInfo("Europe/Stockholm")

# Columns of a typical export of the survey form deltagare_pagaende.
HEADERS = ["svar_id", "forbund", "enkat", "inskickad", "kon", "fritext", "DP01A", "DP02A", "DP03A"]
DEFAULTS = {
    "forbund": "Blekinge",
    "enkat": "deltagare_pagaende",
    "inskickad": "2024-03-01 10:00",
    "kon": "Kvinna",
    "fritext": "",
    "DP01A": "7",
    "DP02A": "8",
    "DP03A": "Vet ej",
}


def row(svar_id: object, headers: list[str] = HEADERS, **values: object) -> list[object]:
    """One questionnaire as cells in ``headers`` order; unnamed columns take DEFAULTS."""
    cells = {**DEFAULTS, "svar_id": svar_id, **values}
    return [cells.get(header, "") for header in headers]


def csv_bytes(
    rows: list[list[object]],
    headers: list[str] = HEADERS,
    *,
    sep: str = ",",
    encoding: str = "utf-8",
    line_end: str = "\r\n",
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, lineterminator=line_end)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    """A workbook with the given sheets in order; each sheet is a list of rows (header first)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_wrong_dimension(data: bytes) -> bytes:
    """The workbook with every sheet's <dimension> claiming just cell A1, as some survey tools
    write it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', content)
            target.writestr(info, content)
    return buffer.getvalue()


def jsonl_line(svar_id: object, headers: list[str] = HEADERS, **values: object) -> str:
    return json.dumps(dict(zip(headers, row(svar_id, headers, **values), strict=True)))


@dataclass
class Landing:
    """A landing folder whose files get increasing modification times in the order added
    (Swedish wall-clock times, as ingest records them in file_modified_at)."""

    path: Path
    clock: datetime = datetime(2025, 1, 10, 9, 0)
    step: timedelta = timedelta(minutes=10)
    names: list[str] = field(default_factory=list)

    def add(self, name: str, data: bytes, mtime: datetime | None = None) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if mtime is None:
            self.clock += self.step
            mtime = self.clock
        stamp = mtime.replace(tzinfo=SWEDEN).timestamp()
        os.utime(target, (stamp, stamp))
        self.names.append(name)
        return target


@dataclass
class Warehouse:
    """A temporary home whose warehouse tests load into and query."""

    settings: Settings

    @classmethod
    def at(cls, home: Path, landing: Path) -> Warehouse:
        return cls(load_settings(home=home, landing=landing))

    def with_settings_read_again(self) -> Warehouse:
        """The same home, with the settings read again (after a test changed the environment)."""
        return Warehouse.at(self.settings.home, self.settings.landing)

    def ingest(self, now: datetime, run_id: str | None = None) -> IngestReport:
        return ingest_landing(self.settings, load_catalog(), now=now, run_id=run_id)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def dicts(self, sql: str, params: list | None = None) -> list[dict]:
        con = duckdb.connect(str(self.settings.warehouse_path), read_only=True)
        try:
            cursor = con.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        finally:
            con.close()


INGEST_TABLES = (
    "raw.submissions",
    "raw.answers",
    "audit.file_loads",
    "audit.rejected_records",
    "audit.attributed_records",
)


def contents(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every table ingest writes, its rows sorted; archived_path, run_id and rules_fingerprint
    left out (they name the home, the run, and the catalogue a file was first read with, which a
    reload under another catalogue does not change)."""
    found = {}
    for table in INGEST_TABLES:
        exclude = (
            " exclude (archived_path, run_id, rules_fingerprint)"
            if table == "audit.file_loads"
            else ""
        )
        found[table] = sorted(warehouse.query(f"select *{exclude} from {table}"), key=repr)
    return found


def finsam(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`finsam ARGS` as a person runs it: the environment's own command (the worktree's
    .venv/bin/finsam), no FINSAM_* settings, help text wrapped at 100 columns."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FINSAM_")}
    return subprocess.run(
        [str(Path(sys.executable).parent / "finsam"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**environment, "COLUMNS": "100"},
        timeout=120,
    )
