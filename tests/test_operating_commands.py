"""`finsam publications`, `finsam rollback` and `finsam status` on real homes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.publish import publications
from orchestration.publish.history import kept, rollback
from orchestration.settings import load_settings
from orchestration.status import gather, render
from tests.conftest import run_finsam
from tests.corpus import Landing, Warehouse, csv_bytes, row

NOW = datetime(2025, 6, 1, 12, 0)


def _publish(settings, run_id: str, answers: int, with_site: bool = True) -> Path:
    """A complete publication whose snapshot holds `answers` rows, made current when it can be
    (one without a site waits while a site is served, as a run's does)."""
    folder = publications.new_publication(settings, run_id)
    con = duckdb.connect(str(folder / "finsam.duckdb"))
    con.execute(f"create table indicator_results as select range as n from range({answers})")
    con.close()
    if with_site:
        (folder / "site").mkdir()
        (folder / "site" / "index.html").write_text(f"<p>{run_id}</p>", encoding="utf-8")
    publications.complete(
        folder,
        {
            "run_id": run_id,
            "created_at": f"2026-12-0{len(list(settings.publications_dir.iterdir()))}T10:00:00",
            "tables": {"indicator_results": answers, "check_outcomes": answers},
            "inputs": run_id,
        },
    )
    if publications.can_be_current(settings, folder):
        publications.make_current(settings, folder)
    time.sleep(1.1)  # publication names carry the second they were made
    return folder


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publications_are_listed_with_what_changed(tmp_path):
    settings = load_settings(home=tmp_path / "home")
    first = _publish(settings, "aaaaaaaa-1", 10)
    # made without a site while the first one's site is served: it waits, the first stays current
    second = _publish(settings, "bbbbbbbb-2", 12, with_site=False)
    listed = kept(settings)
    assert [p.name for p in listed] == [first.name, second.name]
    assert [p.is_current for p in listed] == [True, False]
    assert [p.is_pending for p in listed] == [False, True]
    assert [p.serves_site for p in listed] == [True, False]
    assert listed[0].changes == "first kept publication"
    assert listed[1].changes == "rows: indicator_results +2"
    assert _digest(settings.published_path) == _digest(first / "finsam.duckdb")
    assert os.readlink(settings.site_dir) == "published/site"

    result = run_finsam("publications", "--home", str(settings.home), home=settings.home)
    assert result.returncode == 0, result.stderr
    assert f"* {first.name}  run aaaaaaaa" in result.stdout
    assert "current: readers of the snapshot and the site see it" in result.stdout
    assert (
        "ready, not current: it has no site yet (its run built none, or its site build failed); "
        "`finsam run` builds one and makes it current" in result.stdout
    )
    assert "rows: indicator_results +2" in result.stdout
    as_json = run_finsam("publications", "--json", "--home", str(settings.home), home=settings.home)
    found = json.loads(as_json.stdout)
    assert [(p["name"], p["is_current"], p["is_pending"]) for p in found] == [
        (first.name, True, False),
        (second.name, False, True),
    ]
    assert found[0]["snapshot"] == str(first / "finsam.duckdb")

    # it cannot be made current by hand either, while the site is served
    refused = run_finsam("rollback", second.name, "--home", str(settings.home), home=settings.home)
    assert refused.returncode == 1
    assert f"{second.name} has no site while the site of {first.name} is served" in refused.stderr
    assert _digest(settings.published_path) == _digest(first / "finsam.duckdb")


def test_a_rollback_serves_the_earlier_snapshot_byte_for_byte_while_readers_keep_working(
    tmp_path,
):
    settings = load_settings(home=tmp_path / "home")
    first = _publish(settings, "aaaaaaaa-1", 10)
    second = _publish(settings, "bbbbbbbb-2", 20)
    assert _digest(settings.published_path) == _digest(second / "finsam.duckdb")

    seen, errors, stop = set(), [], threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                con = duckdb.connect(str(settings.published_path), read_only=True)
                seen.add(con.execute("select count(*) from indicator_results").fetchone()[0])
                con.close()
            except Exception as error:  # noqa: BLE001 - any failure of a reader is the finding
                errors.append(error)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    time.sleep(0.3)
    result = run_finsam("rollback", "--home", str(settings.home), home=settings.home)
    deadline = time.monotonic() + 10  # a loaded machine may take a while to read again
    while 10 not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for reader in readers:
        reader.join()

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{first.name} (run aaaaaaaa) is current again, instead of {second.name}" in (
        result.stdout
    )
    assert not errors
    assert seen == {10, 20}
    assert _digest(settings.published_path) == _digest(first / "finsam.duckdb")
    assert (settings.site_dir / "index.html").read_text() == "<p>aaaaaaaa-1</p>"

    # nothing older to go back to, an unknown name, and forward again by name
    again = run_finsam("rollback", "--home", str(settings.home), home=settings.home)
    assert again.returncode == 1 and "oldest publication kept" in again.stderr
    unknown = run_finsam("rollback", "finns-inte", "--home", str(settings.home), home=settings.home)
    assert (
        unknown.returncode == 1 and "No complete publication named 'finns-inte'" in unknown.stderr
    )
    before, after = rollback(settings, second.name)
    assert (before.name, after.name) == (first.name, second.name)
    assert _digest(settings.published_path) == _digest(second / "finsam.duckdb")


def test_status_numbers_equal_the_audit_tables(tmp_path):
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    landing.add("ale.csv", csv_bytes([row("A1", forbund="Ale"), row("A2", forbund="Ale")]))
    landing.add(
        "blekinge.csv",
        csv_bytes([row("B1"), row("B2", inskickad="2023-03-01 10:00"), row("B3", inskickad="?")]),
    )
    landing.add("igen.csv", csv_bytes([row("B1", DP01A="2")]))  # a correction of B1
    landing.add("okand.csv", csv_bytes([row("X1", forbund="Atlantis"), row("X2")]))
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    warehouse.ingest(NOW)

    status = gather(warehouse.settings)
    by_place = {
        (r["measurement_year"], r["forbund_id"]): (
            r["files"],
            r["questionnaires"],
            r["refused_rows"],
        )
        for r in status["by_year_and_forbund"]
    }
    assert by_place == {
        ("2023", "blekinge"): (1, 1, 0),
        ("2024", "alv-och-kust"): (1, 2, 0),  # Ale had merged into Älv och Kust by 2024
        ("2024", "blekinge"): (1, 1, 0),  # B1's current version is igen.csv's
        ("-", "blekinge"): (0, 0, 1),  # B3 (no time) of blekinge.csv, whose rows span two years
        ("-", "-"): (0, 0, 2),  # okand.csv, refused whole
    }
    (current,) = warehouse.query(
        "select count(distinct (reported_forbund_id, respondent_group, svar_id)) "
        "from raw.submissions"
    )[0]
    assert sum(r["questionnaires"] for r in status["by_year_and_forbund"]) == current
    (refused,) = warehouse.query("select sum(rows_rejected) from audit.file_loads")[0]
    assert sum(r["refused_rows"] for r in status["by_year_and_forbund"]) == refused
    files = {r["status"]: r["files"] for r in status["files"]}
    assert files == dict(
        warehouse.query("select status, count(*) from audit.file_loads group by 1")
    )
    text = "\n".join(render(status))
    assert "Nothing is published yet." in text

    result = run_finsam("status", "--json", "--home", str(warehouse.settings.home), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["by_year_and_forbund"] == json.loads(
        json.dumps(status["by_year_and_forbund"], default=str)
    )


def test_status_while_a_run_writes_the_warehouse_says_so_in_one_sentence(tmp_path):
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    landing.add("ale.csv", csv_bytes([row("A1")]))
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    warehouse.ingest(NOW)
    holder = subprocess.Popen(  # another process writing, as a run does
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', "
            "flush=True); time.sleep(60)",
            str(warehouse.settings.warehouse_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run_finsam("status", "--home", str(warehouse.settings.home), home=tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "is being written by a run right now" in result.stderr
    assert "ask again when it has finished" in result.stderr
    after = run_finsam("status", "--home", str(warehouse.settings.home), home=tmp_path)
    assert after.returncode == 0 and "Files seen: 1 loaded" in after.stdout
