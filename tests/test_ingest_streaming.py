"""Ingest reads the landing folder in chunks written into one transaction: the result does not
depend on the chunk size, a failure in a late chunk loads nothing, and memory does not grow with
the number of files."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from datetime import datetime

import psutil
import pytest

from orchestration.ingest import loader
from tests.corpus import Landing, Warehouse, contents, csv_bytes, jsonl_line, row

NOW = datetime(2025, 6, 1, 12, 0)


def _versions_landing(landing: Landing) -> None:
    """Files whose outcome depends on the files before them in the same call: a re-send, a
    correction, an older file arriving after the correction, and a merged association."""
    landing.add("forsta.csv", csv_bytes([row("A1"), row("A2", DP01A="3"), row("A3")]))
    landing.add("igen.csv", csv_bytes([row("A1"), row("A2", DP01A="4")]))  # duplicate, correction
    landing.add(
        "gammal.csv",
        csv_bytes([row("A2", DP01A="1")]),
        mtime=datetime(2024, 12, 1, 8, 0),  # older than both: history, not current
    )
    landing.add("rader.jsonl", (jsonl_line("J1") + "\n" + jsonl_line("A3") + "\n").encode())
    landing.add("trasig.csv", csv_bytes([row("B1", DP02A="11"), row("B2", inskickad="igår")]))


def test_the_chunk_size_does_not_change_what_is_loaded(tmp_path, monkeypatch):
    homes = {}
    for chunk_rows in (1, 2, 1_000_000):
        landing = Landing(tmp_path / f"landing-{chunk_rows}")
        landing.path.mkdir()
        _versions_landing(landing)
        warehouse = Warehouse.at(tmp_path / f"home-{chunk_rows}", landing.path)
        monkeypatch.setattr(loader, "CHUNK_ROWS", chunk_rows)
        report = warehouse.ingest(NOW)
        homes[chunk_rows] = (
            [(o.file_name, o.status, o.rows_loaded, o.rows_duplicate) for o in report.files],
            contents(warehouse),
        )
    outcomes, tables = homes[1_000_000]
    assert outcomes == [
        ("gammal.csv", "loaded", 1, 0),
        ("forsta.csv", "loaded", 3, 0),
        ("igen.csv", "loaded", 1, 1),
        ("rader.jsonl", "loaded", 1, 1),
        ("trasig.csv", "loaded", 1, 0),
    ]
    current = {
        svar_id: value
        for svar_id, value in Warehouse.at(tmp_path / "home-1", tmp_path).query(
            "select s.svar_id, a.raw_value from raw.answers as a join raw.submissions as s "
            "using (load_id, source_row) where a.question_id like 'DP01%' "
            "qualify row_number() over (partition by s.svar_id "
            "order by s.file_modified_at desc, s.source_file desc) = 1"
        )
    }
    assert current["A2"] == "4"  # the correction, not the older file that came in later
    for chunk_rows in (1, 2):
        assert homes[chunk_rows] == homes[1_000_000], f"chunks of {chunk_rows} differ"
    assert len(tables["audit.rejected_records"]) >= 4  # duplicates, bad answer, bad time


def test_a_failure_in_a_late_chunk_loads_nothing(tmp_path, monkeypatch):
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    _versions_landing(landing)
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    monkeypatch.setattr(loader, "CHUNK_ROWS", 1)
    real = loader.write
    written = []

    def failing_write(con, batch):
        written.append(len(batch.file_loads))
        if len(written) == 3:
            raise OSError("disken försvann")
        real(con, batch)

    monkeypatch.setattr(loader, "write", failing_write)
    with pytest.raises(OSError):
        warehouse.ingest(NOW)
    assert written == [1, 1, 1]  # two chunks were written into the transaction before
    assert warehouse.query("select count(*) from audit.file_loads") == [(0,)]
    assert warehouse.query("select count(*) from raw.submissions") == [(0,)]
    monkeypatch.setattr(loader, "write", real)
    assert len(warehouse.ingest(NOW).files) == 5  # the next call loads them all


def _peak_memory_of_ingest(tmp_path, name: str, files: int) -> int:
    landing = Landing(tmp_path / f"landing-{name}")
    landing.path.mkdir()
    for number in range(files):
        rows = [row(f"{name}-{number}-{i}") for i in range(200)]
        landing.add(f"del-{number:03}.csv", csv_bytes(rows))
    warehouse = Warehouse.at(tmp_path / f"home-{name}", landing.path)
    tracemalloc.start()
    report = warehouse.ingest(NOW)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.rows_loaded == files * 200
    return peak


def test_memory_does_not_grow_with_the_landing_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "CHUNK_ROWS", 1_000)
    small = _peak_memory_of_ingest(tmp_path, "small", 10)  # 2,000 questionnaires
    large = _peak_memory_of_ingest(tmp_path, "large", 80)  # 16,000 questionnaires
    # Python's own allocations; DuckDB's buffers are bounded by its memory limit.
    assert large < small * 1.5, (small, large)


WORKERS_THEN_WAIT = """
import sys, time
from datetime import datetime
from pathlib import Path
from orchestration.catalog import load_catalog
from orchestration.ingest import loader, read_ahead
from orchestration.settings import load_settings

settings = load_settings(home=Path(sys.argv[1]), landing=Path(sys.argv[2]))
settings.ensure_dirs()
paths = sorted(settings.landing.iterdir())
new_files = [(path, path.name, loader.sha256_of(path), None) for path in paths]
with read_ahead.FilesReadAhead(
    settings, load_catalog(), new_files, set(), datetime(2025, 6, 1), loader.read_one, 2
) as ahead:
    assert ahead.load(0) is not None
    print("read", flush=True)
    time.sleep(120)
"""


def test_the_workers_reading_files_end_when_the_loader_is_killed(tmp_path):
    """read_ahead.py: a worker of Python's process pool waits for its next file for ever when the
    process that started it is killed (and the fork server with it); these end within seconds."""
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    _versions_landing(landing)
    loader_process = subprocess.Popen(
        [sys.executable, "-c", WORKERS_THEN_WAIT, str(tmp_path / "home"), str(landing.path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert loader_process.stdout.readline().strip() == "read"
        helpers = psutil.Process(loader_process.pid).children(recursive=True)
        assert len(helpers) >= 3  # the fork server and two workers (and Python's resource tracker)
    finally:
        loader_process.kill()
        loader_process.wait()
    _gone, alive = psutil.wait_procs(helpers, timeout=10)
    for left in alive:
        left.kill()
    assert not alive, [" ".join(process.cmdline())[:120] for process in alive]
