"""Hostile and accidental input in the landing folder: links out of it, odd names, SQL and formulas
in cells, a zip bomb, a 2 GB file and a file still being written. For each: nothing outside the
landing folder is read, nothing is executed, memory stays bounded, and the file gets one clear
sentence in audit.file_loads (or, while it is being written, is left for the next run)."""

from __future__ import annotations

import threading
import time
import tracemalloc
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from orchestration.ingest import loader
from tests.corpus import HEADERS, Landing, Warehouse, csv_bytes, row

NOW = datetime(2025, 6, 1, 12, 0)
SECRET = "HEMLIGT-UTANFOR-MOTTAGNINGEN"


@pytest.fixture
def fresh(tmp_path) -> tuple[Warehouse, Landing]:
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    return Warehouse.at(tmp_path / "home", landing.path), landing


def outcomes(warehouse: Warehouse) -> dict[str, tuple]:
    return {
        name: (status, rows_read, archived, message)
        for name, status, rows_read, archived, message in warehouse.query(
            "select file_name, status, rows_read, archived_path, message from audit.file_loads"
        )
    }


def everything_stored(warehouse: Warehouse) -> str:
    """Every value of the raw and audit tables and every archived byte, as one text."""
    parts = []
    for table in ("raw.submissions", "raw.answers", "audit.file_loads", "audit.rejected_records"):
        parts.append(repr(warehouse.query(f"select * from {table}")))
    for path in warehouse.settings.archive_dir.rglob("*"):
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def outside_export(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hemlig.csv"
    path.write_bytes(csv_bytes([row("S1", fritext=SECRET)]))
    return path


def test_a_link_to_a_file_outside_the_landing_folder_is_refused_unread(fresh, tmp_path):
    warehouse, landing = fresh
    (landing.path / "lank.csv").symlink_to(outside_export(tmp_path / "utanfor"))
    landing.add("vanlig.csv", csv_bytes([row("V1")]))

    report = warehouse.ingest(NOW)

    assert sorted((o.file_name, o.status) for o in report.files) == [
        ("lank.csv", "rejected"),
        ("vanlig.csv", "loaded"),
    ]
    status, rows_read, archived, message = outcomes(warehouse)["lank.csv"]
    assert (status, rows_read, archived) == ("rejected", 0, None)
    assert message.startswith("Filen lank.csv") and "utanför inkorgen" in message
    assert str(tmp_path / "utanfor" / "hemlig.csv") in message
    assert SECRET not in everything_stored(warehouse)
    # refused once, not again on every run
    assert warehouse.ingest(NOW).files == []


def test_a_link_to_a_folder_outside_and_a_broken_link_are_refused(fresh, tmp_path):
    warehouse, landing = fresh
    outside_export(tmp_path / "utanfor")
    (landing.path / "mapp").symlink_to(tmp_path / "utanfor", target_is_directory=True)
    (landing.path / "trasig.csv").symlink_to(landing.path / "finns-inte.csv")

    report = warehouse.ingest(NOW)

    found = outcomes(warehouse)
    assert sorted(found) == ["mapp", "trasig.csv"]
    assert found["mapp"][0] == "rejected" and "utanför inkorgen" in found["mapp"][3]
    assert found["trasig.csv"][0] == "rejected" and "inte är en fil" in found["trasig.csv"][3]
    assert report.rows_loaded == 0
    assert SECRET not in everything_stored(warehouse)


def test_a_link_within_the_landing_folder_is_read_like_its_target(fresh):
    warehouse, landing = fresh
    landing.add("original.csv", csv_bytes([row("I1")]))
    (landing.path / "kopia.csv").symlink_to(landing.path / "original.csv")

    report = warehouse.ingest(NOW)

    assert sorted((o.file_name, o.status) for o in report.files) == [
        ("kopia.csv", "duplicate"),
        ("original.csv", "loaded"),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "svar ..\\..\\utanfor.csv",
        "'; drop table raw.submissions; --.csv",
        '"$(touch pwned)".csv',
        '=HYPERLINK("http:x").csv',
    ],
)
def test_odd_file_names_are_just_names(fresh, tmp_path, name):
    warehouse, landing = fresh
    landing.add(name, csv_bytes([row("N1")]))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "home" not in p.parts)

    report = warehouse.ingest(NOW)

    assert [(o.file_name, o.status, o.rows_loaded) for o in report.files] == [(name, "loaded", 1)]
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if "home" not in p.parts)
    assert after == before  # nothing written beside the home folder
    (archived,) = [p for p in warehouse.settings.archive_dir.rglob("*") if p.is_file()]
    assert archived.is_relative_to(warehouse.settings.home)
    assert not (Path.cwd() / "pwned").exists()
    assert warehouse.query("select source_file from raw.submissions") == [(name,)]


def test_sql_quotes_and_formulas_in_cells_are_stored_as_text_never_run(fresh):
    warehouse, landing = fresh
    evil_name = "Blekinge'); drop table raw.answers; --"
    texts = {
        "Q1": "'; delete from raw.submissions; select '",
        "Q2": "\"; copy raw.answers to '/tmp/x.csv'; --",
        "Q3": "=cmd|' /C calc'!A0",
        "Q4": "+1+1",
        "Q5": "-2+3",
        "Q6": "@SUM(A1:A9)",
    }
    landing.add(
        "svar.csv", csv_bytes([row(svar_id, fritext=text) for svar_id, text in texts.items()])
    )
    landing.add("okand.csv", csv_bytes([row("Q7"), row("Q8", forbund=evil_name)]))

    report = warehouse.ingest(NOW)

    assert [(o.file_name, o.status, o.rows_loaded, o.rows_rejected) for o in report.files] == [
        ("svar.csv", "loaded", 6, 0),
        ("okand.csv", "rejected", 0, 2),  # an unknown association refuses its whole file
    ]
    assert dict(warehouse.query("select svar_id, fritext from raw.submissions")) == texts
    assert warehouse.query("select count(*) from raw.answers") == [(6 * 3,)]
    ((field, value, reason),) = warehouse.query(
        "select field, raw_value, reason from audit.rejected_records"
    )
    assert (field, value) == ("forbund", evil_name)
    assert reason.startswith("Filen okand.csv, rad 3, kolumn 'forbund'") and evil_name in reason


def write_zip_bomb(path: Path, unpacked_mb: int) -> None:
    """An XLSX-named archive whose one sheet unpacks to `unpacked_mb` MB of zeros."""
    chunk = b"0" * (1 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(unpacked_mb):
            member.write(chunk)


def test_a_zip_bomb_named_xlsx_is_refused_from_its_directory_alone(fresh):
    warehouse, landing = fresh
    bomb = landing.path / "bomb.xlsx"
    write_zip_bomb(bomb, unpacked_mb=300)
    landing.add("vanlig.csv", csv_bytes([row("V1")]))
    assert bomb.stat().st_size < 2 * 1024 * 1024

    tracemalloc.start()
    report = warehouse.ingest(NOW)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    found = outcomes(warehouse)
    assert found["bomb.xlsx"][:2] == ("rejected", 0)
    assert "packas upp till 300 MB" in found["bomb.xlsx"][3]
    assert found["vanlig.csv"][0] == "loaded"
    assert report.rows_loaded == 1
    assert peak < 50 * 1024 * 1024, f"{peak / 1e6:.0f} MB"


def test_a_2_gb_file_is_refused_without_being_read(fresh, monkeypatch):
    warehouse, landing = fresh
    huge = landing.path / "stor.csv"
    with huge.open("wb") as handle:  # sparse: 2 GB on paper, nothing on disk
        handle.write(",".join(HEADERS).encode() + b"\n")
        handle.truncate(2 * 1024**3)
    landing.add("vanlig.csv", csv_bytes([row("V1")]))
    opened = []
    real_sha = loader.sha256_of
    monkeypatch.setattr(
        loader, "sha256_of", lambda path: opened.append(path.name) or real_sha(path)
    )

    tracemalloc.start()
    started = time.perf_counter()
    report = warehouse.ingest(NOW)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    found = outcomes(warehouse)
    assert found["stor.csv"][:3] == ("rejected", 0, None)
    assert "2 048 MB, större än gränsen 200 MB; hela filen avvisas" in found["stor.csv"][3]
    assert opened == ["vanlig.csv"]
    assert report.rows_loaded == 1
    assert peak < 50 * 1024 * 1024 and elapsed < 30


def test_the_size_limit_is_a_setting(fresh, monkeypatch):
    warehouse, landing = fresh
    landing.add("svar.csv", csv_bytes([row(f"R{i}") for i in range(2000)]))
    monkeypatch.setenv("FINSAM_MAX_FILE_MB", "0.01")
    warehouse = warehouse.with_settings_read_again()
    assert [o.status for o in warehouse.ingest(NOW).files] == ["rejected"]
    monkeypatch.setenv("FINSAM_MAX_FILE_MB", "mycket")
    with pytest.raises(Exception, match="FINSAM_MAX_FILE_MB must be a number"):
        warehouse.with_settings_read_again()


def test_a_file_still_being_written_is_left_for_the_next_run(fresh, monkeypatch):
    warehouse, landing = fresh
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "1")
    warehouse = warehouse.with_settings_read_again()
    landing.add("klar.csv", csv_bytes([row("K1")]))
    growing = landing.path / "pagar.csv"
    growing.write_bytes(csv_bytes([row("P0")]))
    stop = threading.Event()

    def upload():
        number = 1
        while not stop.is_set():
            with growing.open("ab") as handle:
                handle.write(",".join(map(str, row(f"P{number}"))).encode() + b"\r\n")
            number += 1
            time.sleep(0.1)

    writer = threading.Thread(target=upload)
    writer.start()
    try:
        time.sleep(0.3)
        report = warehouse.ingest(NOW)
    finally:
        stop.set()
        writer.join()

    assert [(o.file_name, o.status) for o in report.files] == [("klar.csv", "loaded")]
    assert report.waiting == ["pagar.csv"]
    assert "pagar.csv" not in outcomes(warehouse)  # not audited: nothing about it is decided yet

    written = len(growing.read_bytes().splitlines()) - 1
    later = warehouse.ingest(NOW)  # waits the settling time once, then takes the whole file
    assert [(o.file_name, o.status, o.rows_loaded) for o in later.files] == [
        ("pagar.csv", "loaded", written)
    ]
    assert later.waiting == []


def test_a_file_written_just_before_the_run_is_waited_for_not_skipped(fresh, monkeypatch):
    warehouse, landing = fresh
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "1")
    warehouse = warehouse.with_settings_read_again()
    (landing.path / "nyss.csv").write_bytes(csv_bytes([row("J1")]))

    started = time.perf_counter()
    report = warehouse.ingest(NOW)

    assert [(o.file_name, o.status) for o in report.files] == [("nyss.csv", "loaded")]
    assert report.waiting == []
    assert time.perf_counter() - started > 0.5
