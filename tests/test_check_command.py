"""`finsam check FILE...`: the loader's verdicts, in its own sentences, without a warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from orchestration.catalog import load_catalog
from orchestration.ingest.check import check_files
from tests.corpus import (
    HEADERS,
    Landing,
    Warehouse,
    csv_bytes,
    finsam,
    jsonl_line,
    row,
    xlsx_bytes,
)

NOW = datetime(2025, 6, 1, 12, 0)


def _awkward_files(landing: Landing) -> list[Path]:
    """Files with every kind of verdict: whole, refused answers, rows and columns, a whole file
    refused, the same content twice, a re-sent row, JSON Lines and XLSX."""
    return [
        landing.add("hel.csv", csv_bytes([row("H1"), row("H2", kon="Man")])),
        landing.add(
            "anmarkningar.csv",
            csv_bytes(
                [
                    row("A1", DP01A="11"),  # outside the scale
                    row("A2", inskickad="igår"),  # no time: row refused
                    row("", DP02A="3"),  # no svar_id
                    row("A3", kon="Okänt"),
                    row("A1", DP01A="9"),  # the same svar_id again: the later row wins
                ],
                headers=[*HEADERS, "Okänd kolumn"],
            ),
        ),
        landing.add("okant_forbund.csv", csv_bytes([row("F1", forbund="Atlantis")])),
        landing.add("hel_igen.csv", csv_bytes([row("H1"), row("H2", kon="Man")])),  # same bytes
        landing.add("skickad_igen.csv", csv_bytes([row("H1"), row("N1")], line_end="\n")),
        landing.add(
            "rader.jsonl", (jsonl_line("J1") + "\n{inte json\n" + jsonl_line("J2") + "\n").encode()
        ),
        landing.add(
            "blad.xlsx",
            xlsx_bytes([("deltagare_pagaende", [HEADERS, row("X1"), row("X2", DP03A="tolv")])]),
        ),
    ]


def test_a_checked_file_gets_the_verdicts_and_sentences_of_loading_it(tmp_path):
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    files = _awkward_files(landing)

    checked = check_files(files, load_catalog(), now=NOW)
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    loaded = warehouse.ingest(NOW)

    assert [c.path.name for c in checked] == [o.file_name for o in loaded.files]
    for result, outcome in zip(checked, loaded.files, strict=True):
        assert (result.status, result.rows_read, result.rows_loaded, result.summary) == (
            outcome.status,
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.message,
        )
        recorded = warehouse.query(
            "select reason from audit.rejected_records where file_name = ? "
            'order by "row_number" nulls first, reason',
            [outcome.file_name],
        )
        assert sorted(result.refusals) == sorted(reason for (reason,) in recorded)
    verdicts = {c.path.name: (c.status, c.anything_refused) for c in checked}
    assert verdicts == {
        "hel.csv": ("loaded", False),
        "anmarkningar.csv": ("loaded", True),
        "okant_forbund.csv": ("rejected", True),
        "hel_igen.csv": ("duplicate", True),
        "skickad_igen.csv": ("loaded", True),  # H1 repeats hel.csv's row
        "rader.jsonl": ("loaded", True),
        "blad.xlsx": ("loaded", True),
    }
    assert not (tmp_path / "landing" / ".." / "archive").exists()


def test_the_command_needs_no_home_writes_nothing_and_says_it_by_exit_status(tmp_path):
    landing = Landing(tmp_path / "export")
    landing.path.mkdir()
    good = landing.add("bra.csv", csv_bytes([row("B1"), row("B2")]))
    bad = landing.add("fel.csv", csv_bytes([row("F1", DP01A="11")]))
    before = sorted(p.name for p in tmp_path.rglob("*"))

    whole = finsam("check", str(good), cwd=tmp_path)
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert "bra.csv: läses in" in whole.stdout
    assert "Filen bra.csv: 2 av 2 rader läses in." in whole.stdout
    assert "1 av 1 fil läses in utan anmärkning" in whole.stdout

    refused = finsam("check", str(good), str(bad), cwd=tmp_path)
    assert refused.returncode == 1
    assert (
        "  - Filen fel.csv, rad 2, kolumn 'DP01A': svaret '11' ligger utanför skalan 1–10; bara "
        "det svaret avvisas, resten av enkäten läses in." in refused.stdout
    )
    assert "1 av 2 filer läses in utan anmärkning" in refused.stdout

    missing = finsam("check", str(tmp_path / "finns_inte.csv"), cwd=tmp_path)
    assert missing.returncode == 2 and "finns_inte.csv" in missing.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # no home, no archive
