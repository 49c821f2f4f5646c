"""A questionnaire from an association that had merged into another counts for the successor.

Real DuckDB warehouses in temporary homes, loaded with ``ingest_landing`` from hand-made exports:
the rows, the audit trail, the identity of a response (the association the file names, so that a
predecessor's svar_id never meets its successor's own) and a year reload that attributes exactly
as a fresh load does.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.catalog import Catalog, load_catalog
from orchestration.ingest import ingest_landing, reload_year
from orchestration.settings import SEEDS_DIR, load_settings
from tests.corpus import Landing, Warehouse, contents, csv_bytes

NOW = datetime(2025, 6, 1, 12, 0)
STAFF = ["Svars-ID", "Förbund", "Enkät", "Inskickad", "Kön", "P03A", "P06A"]
WEST = "Västerås"  # merged into Västmanlands län from measurement year 2024
COUNTY = "Västmanlands län"


def staff(svar_id: str, forbund: str = WEST, **values: object) -> list[object]:
    """One personal-group questionnaire in STAFF column order; ``inskickad``, ``kon``, ``P03A``
    and ``P06A`` may be given."""
    cells = {
        "svar_id": svar_id,
        "forbund": forbund,
        "enkat": "personal",
        "inskickad": "2024-03-01 10:00",
        "kon": "Kvinna",
        "P03A": "7",
        "P06A": "8",
    }
    unknown = set(values) - set(cells)
    assert not unknown, unknown
    return list({**cells, **values}.values())


def staff_file(*rows: list[object], line_end: str = "\r\n") -> bytes:
    return csv_bytes(list(rows), STAFF, sep=";", line_end=line_end)


def catalog_without_merger(seeds: Path, predecessor_id: str) -> Catalog:
    """The catalogue as it was before ``predecessor_id``'s merger was recorded."""
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "forbund_mergers.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, mergers = reader.fieldnames, list(reader)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(m for m in mergers if m["predecessor_id"] != predecessor_id)
    return load_catalog(seeds)


@pytest.fixture
def fresh(tmp_path) -> tuple[Warehouse, Landing]:
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    return Warehouse.at(tmp_path / "home", landing.path), landing


def test_a_file_naming_a_merged_association_loads_under_its_successor(fresh):
    warehouse, landing = fresh
    landing.add(
        "2024_vasteras_personal.csv",
        staff_file(
            staff("V1", kon="Man"),
            staff("V2", forbund="Samordningsförbundet Västerås", P03A="Vet ej"),
            staff("V3", inskickad="2023-10-15 09:00"),  # measurement year 2023: still Västerås
            staff("", P03A="3"),  # no svar_id: refused, not attributed
            staff("V5", inskickad="2024-10-31 23:00", P06A="99"),  # one answer refused
        ),
    )

    report = warehouse.ingest(NOW)

    [outcome] = report.files
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded) == ("loaded", 5, 4)
    assert (outcome.rows_rejected, outcome.rows_duplicate, outcome.rows_attributed) == (1, 0, 3)
    assert report.rows_attributed == 3
    assert warehouse.query(
        "select svar_id, measurement_year, forbund_id, reported_forbund_id, forbund_raw "
        "from raw.submissions order by svar_id"
    ) == [
        ("V1", 2024, "vastmanlands-lan", "vasteras", "Västerås"),
        ("V2", 2024, "vastmanlands-lan", "vasteras", "Samordningsförbundet Västerås"),
        ("V3", 2023, "vasteras", "vasteras", "Västerås"),
        ("V5", 2024, "vastmanlands-lan", "vasteras", "Västerås"),
    ]
    assert warehouse.query(
        "select svar_id, question_id, forbund_id, reported_forbund_id from raw.answers "
        "order by svar_id, question_id"
    ) == [
        ("V1", "P03A", "vastmanlands-lan", "vasteras"),
        ("V1", "P06A", "vastmanlands-lan", "vasteras"),
        ("V2", "P03A", "vastmanlands-lan", "vasteras"),
        ("V2", "P06A", "vastmanlands-lan", "vasteras"),
        ("V3", "P03A", "vasteras", "vasteras"),
        ("V3", "P06A", "vasteras", "vasteras"),
        ("V5", "P03A", "vastmanlands-lan", "vasteras"),
    ]
    assert warehouse.query(
        "select load_id, file_name, row_number, svar_id, respondent_group, measurement_year, "
        "reported_forbund_id, forbund_id, merged_year from audit.attributed_records "
        "order by row_number"
    ) == [
        (1, "2024_vasteras_personal.csv", number, svar_id, "personal", 2024)
        + ("vasteras", "vastmanlands-lan", 2024)
        for number, svar_id in [(2, "V1"), (3, "V2"), (6, "V5")]
    ]
    reasons = [r for (r,) in warehouse.query("select reason from audit.attributed_records")]
    assert (
        "Rad 2 i 2024_vasteras_personal.csv: förbundet 'Västerås' (kolumn Förbund) gick upp i "
        "Västmanlands län 2024; enkäten från mätåret 2024 räknas till Västmanlands län."
    ) in reasons
    assert any("förbundet 'Samordningsförbundet Västerås' (kolumn Förbund)" in r for r in reasons)
    [file] = warehouse.dicts("select * from audit.file_loads")
    assert file["rows_read"] == file["rows_loaded"] + file["rows_rejected"] + file["rows_duplicate"]
    assert (file["rows_attributed"], file["forbund_ids"]) == (3, "vasteras")
    assert file["message"] == (
        "Filen 2024_vasteras_personal.csv: 4 av 5 rader läses in; 1 rad avvisas; 3 rader räknas "
        "till det förbund som det angivna förbundet har gått upp i; 1 enskilt svar avvisas."
    )
    # Not a refusal: nothing about the attribution in rejected_records.
    assert warehouse.query("select kind, row_number from audit.rejected_records order by 2") == [
        ("row_rejected", 5),
        ("answer_rejected", 6),
    ]


def test_an_ordinary_file_attributes_nothing(fresh):
    warehouse, landing = fresh
    landing.add("lan.csv", staff_file(staff("L1", forbund=COUNTY), staff("L2", forbund="Ale")))
    landing.add("ale_2017.csv", staff_file(staff("A1", forbund="Ale", inskickad="2017-05-01")))

    report = warehouse.ingest(NOW)

    assert [(o.file_name, o.rows_loaded, o.rows_attributed) for o in report.files] == [
        ("lan.csv", 2, 1),  # Ale had merged into Älv och Kust in 2018
        ("ale_2017.csv", 1, 0),
    ]
    assert warehouse.query(
        "select svar_id, forbund_id, reported_forbund_id from raw.submissions order by 1"
    ) == [
        ("A1", "ale", "ale"),
        ("L1", "vastmanlands-lan", "vastmanlands-lan"),
        ("L2", "alv-och-kust", "ale"),
    ]
    [message] = warehouse.query("select message from audit.file_loads where load_id = 2")[0]
    assert message == "Filen ale_2017.csv: 1 av 1 rad läses in."


def test_a_merged_associations_svar_id_never_meets_its_successors_own(fresh):
    warehouse, landing = fresh
    # The same svar_id and content from the successor and, in the same file, from a predecessor.
    landing.add("lan.csv", staff_file(staff("7", forbund=COUNTY), staff("7", forbund=WEST)))
    # The predecessor's own export of it: a duplicate of its own version only.
    landing.add("vasteras.csv", staff_file(staff("7"), staff("8")))
    # A correction of the successor's response: a new version of the successor's response only.
    landing.add("lan_rattad.csv", staff_file(staff("7", forbund="Västmanland", P03A="2")))

    report = warehouse.ingest(NOW)

    outcomes = {
        o.file_name: (o.rows_read, o.rows_loaded, o.rows_rejected, o.rows_duplicate)
        for o in report.files
    }
    assert outcomes == {
        "lan.csv": (2, 2, 0, 0),
        "vasteras.csv": (2, 1, 0, 1),
        "lan_rattad.csv": (1, 1, 0, 0),
    }
    assert all(read == loaded + rejected + dup for read, loaded, rejected, dup in outcomes.values())
    assert warehouse.query(
        "select source_file, source_row, svar_id, reported_forbund_id, forbund_id "
        "from raw.submissions order by load_id, source_row"
    ) == [
        ("lan.csv", 2, "7", "vastmanlands-lan", "vastmanlands-lan"),
        ("lan.csv", 3, "7", "vasteras", "vastmanlands-lan"),
        ("vasteras.csv", 3, "8", "vasteras", "vastmanlands-lan"),
        ("lan_rattad.csv", 2, "7", "vastmanlands-lan", "vastmanlands-lan"),
    ]
    [(reason,)] = warehouse.query(
        "select reason from audit.rejected_records where kind = 'row_duplicate'"
    )
    assert reason == (
        "Filen vasteras.csv, rad 2, kolumn 'Svars-ID': svar_id '7' finns redan med samma innehåll "
        "i filen lan.csv; raden räknas som dubblett."
    )
    assert warehouse.query(
        "select file_name, row_number, svar_id from audit.attributed_records order by load_id"
    ) == [("lan.csv", 3, "7"), ("vasteras.csv", 3, "8")]


def two_years_of_vasteras(landing: Landing) -> None:
    landing.add(
        "vasteras.csv",
        staff_file(
            staff("V1"),
            staff("V2", inskickad="2023-05-01 10:00"),
            staff("V1", P03A="1"),  # the same file again names V1: the later row wins
        ),
    )
    landing.add("lan.csv", staff_file(staff("V1", forbund=COUNTY), staff("L2", forbund=COUNTY)))
    landing.add("vasteras_igen.csv", staff_file(staff("V1", P03A="1"), staff("V9")))


def test_reloading_a_year_attributes_exactly_as_a_fresh_load(tmp_path):
    before_merger = catalog_without_merger(tmp_path / "seeds", "vasteras")
    landing = Landing(tmp_path / "landing")
    two_years_of_vasteras(landing)
    fresh = Warehouse.at(tmp_path / "fresh", landing.path)
    ingest_landing(fresh.settings, load_catalog(), now=NOW)
    expected = contents(fresh)
    assert len(expected["audit.attributed_records"]) == 2

    # Loaded while the catalogue did not yet know the merger: nothing attributed.
    older = Warehouse.at(tmp_path / "older", landing.path)
    ingest_landing(older.settings, before_merger, now=NOW)
    unattributed = contents(older)
    assert unattributed["audit.attributed_records"] == []
    assert older.query("select distinct forbund_id from raw.submissions order by 1") == [
        ("vasteras",),
        ("vastmanlands-lan",),
    ]

    report = reload_year(older.settings, load_catalog(), 2024, now=NOW)

    assert contents(older) == expected
    assert (report.submissions_before, report.submissions_after) == (4, 4)
    assert report.files_changed == 2
    assert older.query(
        "select file_name, rows_loaded, rows_duplicate, rows_attributed from audit.file_loads "
        "order by load_id"
    ) == [("vasteras.csv", 2, 1, 1), ("lan.csv", 2, 0, 0), ("vasteras_igen.csv", 1, 1, 1)]

    # Reloading again changes nothing; the catalogue as it was takes the year back.
    reload_year(older.settings, load_catalog(), 2024, now=NOW)
    reload_year(older.settings, load_catalog(), 2023, now=NOW)
    assert contents(older) == expected
    reload_year(older.settings, before_merger, 2024, now=NOW)
    assert contents(older) == unattributed


def test_a_warehouse_from_before_the_attribution_is_migrated(fresh):
    warehouse, landing = fresh
    landing.add("gammal.csv", staff_file(staff("G1", forbund=COUNTY)))
    warehouse.ingest(NOW)
    con = duckdb.connect(str(warehouse.settings.warehouse_path))
    con.execute(  # the tables as an earlier version made them
        """
        alter table raw.submissions drop column reported_forbund_id;
        alter table raw.answers drop column reported_forbund_id;
        alter table audit.file_loads drop column rows_attributed;
        drop table audit.attributed_records;
        """
    )
    con.close()
    landing.add("ny.csv", staff_file(staff("N1"), staff("G1", forbund=COUNTY)))

    [outcome] = warehouse.ingest(NOW).files

    assert (outcome.rows_loaded, outcome.rows_duplicate, outcome.rows_attributed) == (1, 1, 1)
    assert warehouse.query(
        "select svar_id, forbund_id, reported_forbund_id from raw.submissions order by 1"
    ) == [("G1", "vastmanlands-lan", "vastmanlands-lan"), ("N1", "vastmanlands-lan", "vasteras")]
    assert warehouse.query(
        "select distinct svar_id, reported_forbund_id from raw.answers order by 1"
    ) == [("G1", "vastmanlands-lan"), ("N1", "vasteras")]
    assert warehouse.query("select file_name, rows_attributed from audit.file_loads") == [
        ("gammal.csv", 0),
        ("ny.csv", 1),
    ]
    assert warehouse.query("select svar_id from audit.attributed_records") == [("N1",)]
    nullable = warehouse.query(
        "select table_name, column_name, is_nullable from information_schema.columns "
        "where column_name in ('reported_forbund_id', 'rows_attributed') "
        "and table_name <> 'attributed_records' order by 1"
    )
    assert nullable == [
        ("answers", "reported_forbund_id", "NO"),
        ("file_loads", "rows_attributed", "NO"),
        ("submissions", "reported_forbund_id", "NO"),
    ]


def test_the_migration_leaves_a_current_warehouse_alone(fresh):
    warehouse, landing = fresh
    landing.add("a.csv", staff_file(staff("A1")))
    warehouse.ingest(NOW)
    before = contents(warehouse)
    settings = load_settings(home=warehouse.settings.home, landing=landing.path)
    assert ingest_landing(settings, load_catalog(), now=NOW).files == []
    assert contents(warehouse) == before


def test_a_migration_interrupted_before_not_null_is_finished_on_the_next_load(fresh):
    warehouse, landing = fresh
    landing.add("gammal.csv", staff_file(staff("G1")))
    warehouse.ingest(NOW)
    con = duckdb.connect(str(warehouse.settings.warehouse_path))
    con.execute(  # added and partly filled, but not yet made not null
        """
        alter table raw.submissions alter column reported_forbund_id drop not null;
        update raw.submissions set reported_forbund_id = null;
        """
    )
    con.close()
    landing.add("ny.csv", staff_file(staff("N1", forbund=COUNTY)))

    warehouse.ingest(NOW)

    assert warehouse.query(
        "select svar_id, forbund_id, reported_forbund_id from raw.submissions order by 1"
    ) == [
        ("G1", "vastmanlands-lan", "vastmanlands-lan"),  # filled from forbund_id, as any old row
        ("N1", "vastmanlands-lan", "vastmanlands-lan"),
    ]
    assert warehouse.query(
        "select is_nullable from information_schema.columns "
        "where table_name = 'submissions' and column_name = 'reported_forbund_id'"
    ) == [("NO",)]
