"""Ingestion of a corpus of deliberately broken exports: every file, row and answer accounted for.

The corpus is written into a temporary landing folder with controlled modification times and
loaded with ``ingest_landing`` into a real DuckDB warehouse in a temporary home. Each file has an
expectation: its status and row counts in ``audit.file_loads`` and the exact records it leaves in
``audit.rejected_records`` (kind, row, field, raw value and a phrase of the reason).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from orchestration.catalog import load_catalog
from orchestration.ingest import ingest_landing, read_ahead
from tests.corpus import (
    HEADERS,
    Landing,
    Warehouse,
    contents,
    csv_bytes,
    jsonl_line,
    row,
    with_wrong_dimension,
    xlsx_bytes,
)

NOW = datetime(2025, 6, 1, 12, 0)
ATLANTIS = "Samordningsförbundet Atlantis"
FORMULA = '=HYPERLINK("http://x","klicka")'


@dataclass
class Expect:
    status: str
    read: int
    loaded: int = 0
    rejected: int = 0
    duplicate: int = 0
    # (kind, row_number, field, raw_value, phrase in the reason), in any order
    records: list[tuple] = field(default_factory=list)
    encoding: str | None = None

    @property
    def answers_rejected(self) -> int:
        return sum(1 for r in self.records if r[0] == "answer_rejected")

    @property
    def columns_unmatched(self) -> int:
        return sum(1 for r in self.records if r[0] == "column_unmatched")


def _mixed_encoding_file() -> bytes:
    header = "svar_id,Förbund,Enkät,inskickad,Kön,fritext,DP01A,DP02A,DP03A\r\n".encode()
    utf8_line = "M1,Centrala Östergötland,Deltagare (pågående),2024-03-01 10:00,Kvinna,"
    utf8_line += "Bra stöd på Söder,7,8,9\r\n"
    cp1252_line = "M2,Centrala Östergötland,Deltagare (pågående),2024-03-02 10:00,Man,"
    cp1252_line += "Många möten – för många,5,6,Vet ej\r\n"
    return header + utf8_line.encode("utf-8") + cp1252_line.encode("cp1252")


def _truncated_xlsx() -> bytes:
    data = xlsx_bytes([("deltagare_pagaende", [HEADERS, row("X1"), row("X2")])])
    return data[: len(data) // 2]


def _workbook_with_instructions_first() -> bytes:
    headers = [
        "Svars-ID",
        "Förbund",
        "Enkät",
        "Inskickad",
        "Kön",
        "Får du stöd på ett sätt som är till stor nytta för dig?",
        "  är du med och bestämmer vilket stöd du skall få  ",
    ]
    data = [
        headers,
        ["W1", "Blekinge", "Deltagare (pågående)", datetime(2024, 2, 3, 14, 5), "Man", 9, 10],
        ["W2", "Blekinge", "Deltagare (pågående)", datetime(2024, 2, 4, 9, 0), None, 4.0, "Vet ej"],
    ]
    instructions = [["Så här fyller du i enkäten"], ["Svara på alla frågor."]]
    return xlsx_bytes([("Instruktioner", instructions), ("Deltagare (pågående)", data)])


def _broken_jsonl() -> bytes:
    lines = [
        jsonl_line("J1"),
        '{"svar_id": "J2", "forbund": "Blek',
        jsonl_line("J3", [*HEADERS, "extra"], fritext="Första stycket\u2028andra stycket"),
        "[1, 2]",
        "",
    ]
    return "\n".join(lines).encode()


def _semicolon_line_breaks() -> bytes:
    rows = [
        row("S1", fritext='Rad ett\nrad två; med semikolon och "citat"'),
        row("S2", DP01A="12", fritext="kort\r\nmed CRLF"),
        row("S3"),
    ]
    return b"\xef\xbb\xbf" + csv_bytes(rows, sep=";")


def _shifted_fields() -> bytes:
    text = ",".join(HEADERS) + "\r\n"
    text += "F1,Blekinge,deltagare_pagaende,2024-03-01 10:00,Kvinna,bra, men långsamt,7,8,9\r\n"
    text += "F2,Blekinge,deltagare_pagaende,2024-03-01 11:00,Man,,6,6,6\r\n"
    text += 'F3,Blekinge,deltagare_pagaende,2024-03-01 12:00,Man,"aldrig stängd,5,5,5\r\n'
    text += "F4,Blekinge,deltagare_pagaende,2024-03-01 13:00,Man,,4,4,4\r\n"
    return text.encode()


def build_corpus(landing: Landing) -> dict[str, Expect]:
    """Write every broken file; return what ingest must make of each."""
    expect: dict[str, Expect] = {}

    landing.add("01_blandad_kodning.csv", _mixed_encoding_file())
    expect["01_blandad_kodning.csv"] = Expect(
        "loaded", 2, loaded=2, encoding="mixed utf-8/windows-1252"
    )

    landing.add(
        "02_okant_forbund.csv",
        csv_bytes([row("U1"), row("U2", forbund=ATLANTIS), row("U3", forbund=ATLANTIS)]),
    )
    expect["02_okant_forbund.csv"] = Expect(
        "rejected",
        3,
        rejected=3,
        records=[("file_rejected", 3, "forbund", ATLANTIS, "finns inte i förbundslistan")],
    )

    landing.add("03_okand_enkat.csv", csv_bytes([row("E1", enkat="Kundnöjdhet 2024")]))
    expect["03_okand_enkat.csv"] = Expect(
        "rejected",
        1,
        rejected=1,
        records=[("file_rejected", 2, "enkat", "Kundnöjdhet 2024", "känns inte igen")],
    )

    landing.add("04_bara_rubrik.csv", csv_bytes([]))
    expect["04_bara_rubrik.csv"] = Expect(
        "rejected", 0, records=[("file_rejected", None, None, None, "inga svarsrader")]
    )

    landing.add("05_tom.csv", b"")
    expect["05_tom.csv"] = Expect(
        "rejected", 0, records=[("file_rejected", None, None, None, "filen är tom")]
    )

    landing.add(
        "06_svar.csv",
        csv_bytes(
            [
                row("A1", DP01A="11", DP02A="sju", DP03A="Vet ej"),
                row("A2", DP01A="0", DP02A="7,5", DP03A="Ej aktuellt"),
                row("A3", DP01A="5.0", DP02A=" 10 ", DP03A="vet  ej"),
                row("A4", DP01A="-1", DP02A="", DP03A="1"),
            ]
        ),
    )
    expect["06_svar.csv"] = Expect(
        "loaded",
        4,
        loaded=4,
        records=[
            ("answer_rejected", 2, "DP01A", "11", "utanför skalan 1–10"),
            ("answer_rejected", 2, "DP02A", "sju", "varken ett heltal"),
            ("answer_rejected", 3, "DP01A", "0", "utanför skalan"),
            ("answer_rejected", 3, "DP02A", "7,5", "varken ett heltal"),
            ("answer_rejected", 3, "DP03A", "Ej aktuellt", "varken ett heltal"),
            ("answer_rejected", 5, "DP01A", "-1", "utanför skalan"),
        ],
    )

    times = [
        ("T01", "2025-07-01 10:00"),  # future
        ("T02", "2016-10-31 23:59"),  # measurement year 2016
        ("T03", "2016-11-01 00:00"),  # first moment of measurement year 2017
        ("T04", "igår kväll"),
        ("T05", ""),
        ("T06", "2023-10-31T23:59:59+01:00"),  # last second of 2023
        ("T07", "2023-10-31T23:30:00Z"),  # 00:30 on 1 Nov in Sweden: 2024
        ("T08", "31/10/2023"),
        ("T09", "2024-10-31 23:59"),
        ("T10", "2024-11-01 00:00"),
        ("T11", "2025-06-01T11:30:00+02:00"),  # half an hour before NOW
        ("T12", "2025-06-01T11:30:00Z"),  # 13:30 in Sweden: after NOW
    ]
    landing.add("07_tider.csv", csv_bytes([row(sid, inskickad=when) for sid, when in times]))
    expect["07_tider.csv"] = Expect(
        "loaded",
        12,
        loaded=6,
        rejected=6,
        records=[
            ("row_rejected", 2, "inskickad", "2025-07-01 10:00", "ligger i framtiden"),
            ("row_rejected", 3, "inskickad", "2016-10-31 23:59", "före det första mätåret"),
            ("row_rejected", 5, "inskickad", "igår kväll", "går inte att läsa som datum"),
            ("row_rejected", 6, "inskickad", "", "enkäten skickades in saknas"),
            ("row_rejected", 9, "inskickad", "31/10/2023", "går inte att läsa som datum"),
            ("row_rejected", 13, "inskickad", "2025-06-01T11:30:00Z", "ligger i framtiden"),
        ],
    )

    landing.add(
        "08_dubblett_i_fil.csv",
        csv_bytes([row("D1", DP01A="3"), row("D2"), row("D1", DP01A="9")]),
    )
    expect["08_dubblett_i_fil.csv"] = Expect(
        "loaded",
        3,
        loaded=2,
        duplicate=1,
        records=[("row_duplicate", 2, "svar_id", "D1", "förekommer igen på rad 4")],
    )

    same = csv_bytes([row("C1"), row("C2", kon="Man")])
    landing.add("09_original.csv", same)
    expect["09_original.csv"] = Expect("loaded", 2, loaded=2)
    landing.add("10_samma_fil_igen.csv", same)
    expect["10_samma_fil_igen.csv"] = Expect("duplicate", 2, duplicate=2)

    # A correction sent later under a name that sorts first: the modification time decides.
    first = landing.clock
    landing.add("z_forsta_versionen.csv", csv_bytes([row("R1", DP01A="3"), row("R2")]))
    expect["z_forsta_versionen.csv"] = Expect("loaded", 2, loaded=2)
    landing.add("a_rattad_version.csv", csv_bytes([row("R1", DP01A="8"), row("R2")]))
    expect["a_rattad_version.csv"] = Expect(
        "loaded",
        2,
        loaded=1,
        duplicate=1,
        records=[("row_duplicate", 3, "svar_id", "R2", "z_forsta_versionen.csv")],
    )
    # Two versions with the same modification time: the later name wins.
    landing.add("b_samma_tid.csv", csv_bytes([row("Q1", DP01A="1")]), mtime=first)
    landing.add("c_samma_tid.csv", csv_bytes([row("Q1", DP01A="2")]), mtime=first)
    expect["b_samma_tid.csv"] = Expect("loaded", 1, loaded=1)
    expect["c_samma_tid.csv"] = Expect("loaded", 1, loaded=1)

    landing.add("11_avkortad.xlsx", _truncated_xlsx())
    expect["11_avkortad.xlsx"] = Expect(
        "rejected", 0, records=[("file_rejected", None, None, None, "trasig eller ofullständig")]
    )

    landing.add("12_formel.csv", csv_bytes([row("H1", fritext=FORMULA)]))
    expect["12_formel.csv"] = Expect("loaded", 1, loaded=1)

    landing.add("13_rapport.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    expect["13_rapport.pdf"] = Expect(
        "rejected", 0, records=[("file_rejected", None, None, None, "filtypen .pdf stöds inte")]
    )

    landing.add("14_semikolon_radbrytningar.csv", _semicolon_line_breaks())
    expect["14_semikolon_radbrytningar.csv"] = Expect(
        "loaded",
        3,
        loaded=3,
        records=[("answer_rejected", 3, "DP01A", "12", "utanför skalan")],
        encoding="utf-8-sig",
    )

    landing.add("15_flera_blad.xlsx", _workbook_with_instructions_first())
    expect["15_flera_blad.xlsx"] = Expect("loaded", 2, loaded=2)

    landing.add("16_trasig_rad.jsonl", _broken_jsonl())
    expect["16_trasig_rad.jsonl"] = Expect(
        "loaded",
        4,
        loaded=2,
        rejected=2,
        records=[
            ("row_rejected", 2, None, '{"svar_id": "J2", "forbund": "Blek', "inte giltig JSON"),
            ("row_rejected", 4, None, "[1, 2]", "inte ett JSON-objekt"),
            ("column_unmatched", 3, "extra", None, "varken en känd fråga"),  # first seen
        ],
    )

    extra_headers = [*HEADERS, "Favoritfärg", ""]
    landing.add(
        "17_extra_kolumn.csv",
        csv_bytes(
            [row("K1", extra_headers, Favoritfärg="blå"), row("K2", extra_headers)], extra_headers
        ),
    )
    expect["17_extra_kolumn.csv"] = Expect(
        "loaded",
        2,
        loaded=2,
        records=[("column_unmatched", 1, "Favoritfärg", None, "varken en känd fråga")],
    )

    dp05_text = "Har det stöd du fått hjälpt dig att utveckla sätt att hantera din situation?"
    twice = [*HEADERS, "DP05A", dp05_text]
    landing.add(
        "18_samma_fraga_tva_ganger.csv",
        csv_bytes([row("P1", twice, DP05A="6", **{dp05_text: "7"})], twice),
    )
    expect["18_samma_fraga_tva_ganger.csv"] = Expect(
        "loaded",
        1,
        loaded=1,
        records=[("answer_rejected", 2, dp05_text, "7", "finns redan i en tidigare kolumn")],
    )

    landing.add("19_tomt_svar_id.csv", csv_bytes([row(""), row("B2"), row("   ")]))
    expect["19_tomt_svar_id.csv"] = Expect(
        "loaded",
        3,
        loaded=1,
        rejected=2,
        records=[
            ("row_rejected", 2, "svar_id", "", "svar_id saknas"),
            ("row_rejected", 4, "svar_id", "", "svar_id saknas"),
        ],
    )

    landing.add(
        "20_okant_kon.csv",
        csv_bytes([row("G1", kon="Okänt"), row("G2", kon="vill ej svara"), row("G3", kon="")]),
    )
    expect["20_okant_kon.csv"] = Expect(
        "loaded",
        3,
        loaded=3,
        records=[("answer_rejected", 2, "kon", "Okänt", "inte Kvinna, Man, Annat")],
    )

    swedish = ["Svars-ID", "Förbund", "Enkät", "Inskickad", "Kön", "Fritext", "dp01a"]
    landing.add(
        "21_windows1252.csv",
        csv_bytes(
            [
                [
                    "W3",
                    "Centrala Östergötland",
                    "Deltagare – pågående",
                    "2024-05-05 08:15",
                    "Kvinna",
                    "Bästa stödet på år och dag",
                    "6",
                ]
            ],
            swedish,
            sep=";",
            encoding="cp1252",
        ),
    )
    expect["21_windows1252.csv"] = Expect("loaded", 1, loaded=1, encoding="windows-1252")

    landing.add("22_forskjutna_falt.csv", _shifted_fields())
    expect["22_forskjutna_falt.csv"] = Expect(
        "loaded",
        3,
        loaded=1,
        rejected=2,
        records=[
            ("row_rejected", 2, None, None, "fel kolumner"),
            ("row_rejected", 4, None, None, "citattecken som aldrig avslutas"),
        ],
    )

    landing.add("23_utf16.csv", csv_bytes([row("V1")], encoding="utf-16"))
    expect["23_utf16.csv"] = Expect("loaded", 1, loaded=1, encoding="utf-16")
    # Excel's "Unicode text": tab-separated UTF-16 with a BOM; here with Swedish labels
    unicode_text = csv_bytes(
        [row("V2", enkat="Deltagare (pågående)", kon="Kvinna")], sep="\t", encoding="utf-16"
    )
    landing.add("23_unicode_text.txt", unicode_text)
    expect["23_unicode_text.txt"] = Expect("loaded", 1, loaded=1, encoding="utf-16")
    landing.add("23_utf32.csv", csv_bytes([row("V3")], encoding="utf-32"))
    expect["23_utf32.csv"] = Expect(
        "rejected", 0, records=[("file_rejected", None, None, None, "UTF-32")]
    )

    without_form = [h for h in HEADERS if h != "enkat"]
    landing.add("24_saknar_enkat.csv", csv_bytes([row("Y1", without_form)], without_form))
    expect["24_saknar_enkat.csv"] = Expect(
        "rejected",
        1,
        rejected=1,
        records=[("file_rejected", 1, "enkat", None, "kolumnen enkat saknas")],
    )

    landing.add(
        "25_fel_dimension.xlsx",
        with_wrong_dimension(xlsx_bytes([("Blad1", [HEADERS, row("DIM1"), row("DIM2")])])),
    )
    expect["25_fel_dimension.xlsx"] = Expect("loaded", 2, loaded=2)

    # Not exports: hidden files and Office lock files are not even audited.
    landing.add(".dold.csv", csv_bytes([row("N1")]))
    landing.add("~$15_flera_blad.xlsx", b"lock")
    return expect


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Warehouse, Landing, dict[str, Expect], object]:
    root = tmp_path_factory.mktemp("corpus")
    landing = Landing(root / "landing")
    landing.path.mkdir()
    expect = build_corpus(landing)
    warehouse = Warehouse.at(root / "home", landing.path)
    report = warehouse.ingest(NOW, run_id="korpus")
    return warehouse, landing, expect, report


def test_worker_processes_reading_the_files_load_what_the_loader_reads_itself(
    tmp_path, monkeypatch
):
    """read_ahead.py: the corpus read by worker processes (forced, whatever its size) leaves the
    same raw and audit rows, outcomes, messages and archive as read in the loader's process."""
    homes = {}
    taken_from_workers = []
    load = read_ahead.FilesReadAhead.load

    def counted(self, index):
        found = load(self, index)
        taken_from_workers.append(found is not None)
        return found

    monkeypatch.setattr(read_ahead.FilesReadAhead, "load", counted)
    landing = Landing(tmp_path / "landing")  # one: the workbooks' bytes differ each time made
    landing.path.mkdir()
    build_corpus(landing)
    for name, min_bytes in (("here", 1 << 60), ("workers", 0)):
        monkeypatch.setattr(read_ahead, "MIN_BYTES", min_bytes)
        warehouse = Warehouse.at(tmp_path / f"home-{name}", landing.path)
        report = warehouse.ingest(NOW, run_id="korpus")
        archive = warehouse.settings.archive_dir
        homes[name] = (
            report.files,
            contents(warehouse),
            sorted((p.name, p.read_bytes()) for p in archive.rglob("*") if p.is_file()),
        )
    # every file but the refused unread ones and the repeats of content met before
    assert sum(taken_from_workers) >= 20, taken_from_workers
    assert len(taken_from_workers) == len(homes["workers"][0])
    assert homes["workers"] == homes["here"]


def _die(*_arguments) -> None:
    """A worker that ends as it starts, as one killed or out of memory would."""
    os._exit(3)


def test_a_worker_process_that_dies_fails_the_load_with_one_sentence_and_loads_nothing(
    tmp_path, monkeypatch
):
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    build_corpus(landing)
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    monkeypatch.setattr(read_ahead, "MIN_BYTES", 0)
    monkeypatch.setattr(read_ahead, "_start_worker", _die)
    with pytest.raises(read_ahead.ReadAheadFailed, match="stopped before it had read"):
        warehouse.ingest(NOW)
    assert warehouse.query("select count(*) from raw.submissions") == [(0,)]
    assert warehouse.query("select count(*) from audit.file_loads") == [(0,)]


def test_every_export_is_audited_once_and_nothing_else(loaded):
    warehouse, landing, expect, report = loaded
    audited = [name for (name,) in warehouse.query("select file_name from audit.file_loads")]
    assert sorted(audited) == sorted(expect)
    assert sorted(outcome.file_name for outcome in report.files) == sorted(expect)


def test_file_status_and_counts(loaded):
    warehouse, _landing, expect, _report = loaded
    rows = warehouse.dicts("select * from audit.file_loads")
    for record in rows:
        want = expect[record["file_name"]]
        got = (
            record["status"],
            record["rows_read"],
            record["rows_loaded"],
            record["rows_rejected"],
            record["rows_duplicate"],
            record["answers_rejected"],
            record["columns_unmatched"],
        )
        assert got == (
            want.status,
            want.read,
            want.loaded,
            want.rejected,
            want.duplicate,
            want.answers_rejected,
            want.columns_unmatched,
        ), record["file_name"]
        assert record["rows_read"] == (
            record["rows_loaded"] + record["rows_rejected"] + record["rows_duplicate"]
        )
        assert record["run_id"] == "korpus"
        if want.encoding:
            assert record["encoding"] == want.encoding, record["file_name"]


def test_rejected_records_of_every_file(loaded):
    warehouse, _landing, expect, _report = loaded
    records = warehouse.query(
        "select file_name, kind, row_number, field, raw_value, reason from audit.rejected_records"
    )
    by_file: dict[str, list[tuple]] = {}
    for name, *rest in records:
        by_file.setdefault(name, []).append(tuple(rest))
    for name, want in expect.items():
        got = sorted(by_file.get(name, []), key=lambda r: (r[1] or 0, r[2] or "", r[0]))
        wanted = sorted(want.records, key=lambda r: (r[1] or 0, r[2] or "", r[0]))
        assert len(got) == len(wanted), (name, got)
        for (kind, number, fld, raw, reason), (w_kind, w_number, w_field, w_raw, phrase) in zip(
            got, wanted, strict=True
        ):
            assert (kind, number, fld) == (w_kind, w_number, w_field), (name, reason)
            if w_raw is not None:
                assert raw == w_raw, (name, reason)
            assert phrase in reason, (name, reason)


def test_every_reason_is_one_sentence_naming_file_row_and_field(loaded):
    warehouse, *_ = loaded
    records = warehouse.query(
        "select file_name, row_number, field, reason from audit.rejected_records"
    )
    assert records
    for name, number, fld, reason in records:
        assert reason.startswith(f"Filen {name}"), reason
        if number is not None:
            assert f", rad {number}" in reason, reason
        if fld is not None:
            assert f"kolumn {fld!r}" in reason or "utan rubrik" in fld, reason
        assert reason.endswith("."), reason
        assert "\n" not in reason
    rejected = warehouse.query("select file_name, message from audit.file_loads")
    for name, message in rejected:
        assert message.startswith(f"Filen {name}"), message
        assert message.endswith("."), message


def test_loaded_questionnaires_and_answers(loaded):
    warehouse, *_ = loaded
    subs = {
        svar_id: (source_row, year, submitted, gender, kon_raw, fritext, forbund)
        for svar_id, source_row, year, submitted, gender, kon_raw, fritext, forbund in (
            warehouse.query(
                "select svar_id, source_row, measurement_year, submitted_at, gender, kon_raw, "
                "fritext, forbund_raw from raw.submissions"
            )
        )
    }
    # Mixed encodings: both lines decode to the same association name.
    assert subs["M1"][6] == subs["M2"][6] == "Centrala Östergötland"
    assert subs["M2"][5] == "Många möten – för många"
    assert subs["W3"][5] == "Bästa stödet på år och dag"
    # Time zones and the measurement-year boundary.
    assert subs["T03"][1:3] == (2017, datetime(2016, 11, 1, 0, 0))
    assert subs["T06"][1:3] == (2023, datetime(2023, 10, 31, 23, 59, 59))
    assert subs["T07"][1:3] == (2024, datetime(2023, 11, 1, 0, 30))
    assert subs["T09"][1] == 2024 and subs["T10"][1] == 2025
    assert subs["T11"][2] == datetime(2025, 6, 1, 11, 30)
    # Within a file the later row of a repeated svar_id wins.
    assert subs["D1"][0] == 4
    # A formula is text: stored verbatim, never evaluated.
    assert subs["H1"][5] == FORMULA
    # Quoted line breaks and separators survive; row numbers count records, not lines.
    assert subs["S1"][5] == 'Rad ett\nrad två; med semikolon och "citat"'
    assert (subs["S2"][0], subs["S3"][0]) == (3, 4)
    assert subs["J3"][5] == "Första stycket\u2028andra stycket"
    # Gender: unknown kept as raw text, gender left empty.
    assert subs["G1"][3:5] == (None, "Okänt")
    assert subs["G2"][3] == "vill_ej_svara" and subs["G3"][3:5] == (None, None)
    assert subs["W1"][2] == datetime(2024, 2, 3, 14, 5)

    answers = {
        (svar_id, question): (raw, value, dont_know)
        for svar_id, question, raw, value, dont_know in warehouse.query(
            "select svar_id, question_id, raw_value, answer_value, is_dont_know from raw.answers"
        )
    }

    def of(svar_id):
        return {q: v for (s, q), v in answers.items() if s == svar_id}

    assert of("A1") == {"DP03A": ("Vet ej", None, True)}
    assert of("A2") == {}
    assert of("A3") == {
        "DP01A": ("5.0", 5, False),
        "DP02A": ("10", 10, False),
        "DP03A": ("vet  ej", None, True),
    }
    assert of("A4") == {"DP03A": ("1", 1, False)}  # a blank answer is not stored
    assert of("W1") == {"DP01A": ("9", 9, False), "DP02A": ("10", 10, False)}
    assert of("W2") == {"DP01A": ("4", 4, False), "DP02A": ("Vet ej", None, True)}
    assert of("P1")["DP05A"] == ("6", 6, False) and len(of("P1")) == 4
    assert of("D1")["DP01A"] == ("9", 9, False)
    assert of("W3") == {"DP01A": ("6", 6, False)}


def test_resent_correction_keeps_history_and_later_file_wins(loaded):
    warehouse, *_ = loaded
    versions = warehouse.query(
        """
        select s.source_file, a.answer_value
        from raw.submissions as s
        join raw.answers as a using (load_id, source_row)
        where s.svar_id = ? and a.question_id = 'DP01A'
        order by s.file_modified_at, s.source_file, s.load_id
        """,
        ["R1"],
    )
    assert versions == [("z_forsta_versionen.csv", 3), ("a_rattad_version.csv", 8)]
    # The load order agrees with the modification times (what the dbt models rank by).
    by_load = warehouse.query(
        "select source_file from raw.submissions where svar_id = 'R1' order by load_id desc"
    )
    assert by_load[0] == ("a_rattad_version.csv",)
    # The unchanged questionnaire was counted once.
    assert warehouse.query("select count(*) from raw.submissions where svar_id = 'R2'") == [(1,)]
    # Same modification time: the later name wins.
    latest = warehouse.query(
        "select source_file from raw.submissions where svar_id = 'Q1' "
        "order by file_modified_at desc, source_file desc, load_id desc limit 1"
    )
    assert latest == [("c_samma_tid.csv",)]


def test_archive_holds_each_content_once(loaded):
    warehouse, landing, _expect, _report = loaded
    archive = warehouse.settings.archive_dir
    archived = sorted(p for p in archive.rglob("*") if p.is_file())
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in archived]
    assert sorted(p.name.split(".")[0] for p in archived) == sorted(digests)
    audited = warehouse.query(
        "select distinct sha256 from audit.file_loads where status <> 'duplicate'"
    )
    assert sorted(digests) == sorted(sha for (sha,) in audited)
    assert len(set(digests)) == len(digests)
    paths = warehouse.query("select archived_path from audit.file_loads where status = 'duplicate'")
    assert paths == [(None,)]
    for (path,) in warehouse.query(
        "select archived_path from audit.file_loads where status <> 'duplicate'"
    ):
        assert Path(path).is_file()


def test_second_call_loads_nothing_and_adds_no_audit_rows(loaded):
    warehouse, *_ = loaded
    tables = ["audit.file_loads", "audit.rejected_records", "raw.submissions", "raw.answers"]
    before = {t: warehouse.query(f"select count(*) from {t}") for t in tables}
    report = warehouse.ingest(NOW)
    assert report.files == []
    assert {t: warehouse.query(f"select count(*) from {t}") for t in tables} == before


@pytest.fixture
def fresh(tmp_path) -> tuple[Warehouse, Landing]:
    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    return Warehouse.at(tmp_path / "home", landing.path), landing


def test_a_file_added_later_is_loaded_on_the_next_call(fresh):
    warehouse, landing = fresh
    landing.add("forsta.csv", csv_bytes([row("L1")]))
    first = warehouse.ingest(NOW)
    assert [(o.file_name, o.status, o.rows_loaded) for o in first.files] == [
        ("forsta.csv", "loaded", 1)
    ]
    landing.add("andra.csv", csv_bytes([row("L2"), row("L1")]))
    second = warehouse.ingest(NOW)
    assert [(o.file_name, o.status, o.rows_loaded, o.rows_duplicate) for o in second.files] == [
        ("andra.csv", "loaded", 1, 1)
    ]
    assert warehouse.query("select file_name, load_id from audit.file_loads order by 2") == [
        ("forsta.csv", 1),
        ("andra.csv", 2),
    ]
    assert warehouse.ingest(NOW).files == []


def test_touching_a_file_does_not_load_it_again_but_changing_it_does(fresh):
    warehouse, landing = fresh
    landing.add("svar.csv", csv_bytes([row("L1", DP01A="2")]))
    warehouse.ingest(NOW)
    landing.add("svar.csv", csv_bytes([row("L1", DP01A="2")]))  # same bytes, new mtime
    assert warehouse.ingest(NOW).files == []
    landing.add("svar.csv", csv_bytes([row("L1", DP01A="4")]))  # corrected in place
    report = warehouse.ingest(NOW)
    assert [(o.status, o.rows_loaded) for o in report.files] == [("loaded", 1)]
    assert warehouse.query("select count(*) from raw.submissions") == [(2,)]


def test_an_older_file_arriving_late_does_not_override_the_correction(fresh):
    warehouse, landing = fresh
    early, late = datetime(2025, 2, 1, 8, 0), datetime(2025, 3, 1, 8, 0)
    landing.add("rattad.csv", csv_bytes([row("O1", DP01A="8")]), mtime=late)
    warehouse.ingest(NOW)
    landing.add("original.csv", csv_bytes([row("O1", DP01A="3")]), mtime=early)
    report = warehouse.ingest(NOW)
    assert [(o.status, o.rows_loaded) for o in report.files] == [("loaded", 1)]  # history
    versions = warehouse.query(
        "select source_file from raw.submissions where svar_id = 'O1' "
        "order by file_modified_at desc, source_file desc, load_id desc"
    )
    assert versions == [("rattad.csv",), ("original.csv",)]
    # The loader itself still treats the correction as current: sending it again is a duplicate.
    landing.add("rattad_igen.csv", csv_bytes([row("O1", DP01A="8")], line_end="\n"))
    again = warehouse.ingest(NOW)
    assert [(o.status, o.rows_duplicate) for o in again.files] == [("loaded", 1)]


def test_default_now_is_swedish_time_whatever_the_machine_zone(fresh, monkeypatch):
    """On a UTC machine a questionnaire sent 30 minutes ago in Sweden is not in the future."""
    import time
    from zoneinfo import ZoneInfo

    warehouse, landing = fresh
    sweden_now = datetime.now(ZoneInfo("Europe/Stockholm")).replace(tzinfo=None)
    recent = (sweden_now - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    soon = (sweden_now + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    landing.add("nyss.csv", csv_bytes([row("NY1", inskickad=recent), row("NY2", inskickad=soon)]))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        report = ingest_landing(warehouse.settings, load_catalog())
    finally:
        monkeypatch.undo()
        time.tzset()
    assert [(o.rows_loaded, o.rows_rejected) for o in report.files] == [(1, 1)]
    assert warehouse.query("select svar_id from raw.submissions") == [("NY1",)]


def test_a_file_that_vanishes_mid_listing_is_left_for_the_next_call(fresh, monkeypatch):
    from orchestration.ingest import loader

    warehouse, landing = fresh
    landing.add("kvar.csv", csv_bytes([row("V1")]))
    landing.add("flyttas.csv", csv_bytes([row("V2")]))
    real = loader.sha256_of

    def vanishing(path):
        if path.name == "flyttas.csv":
            raise FileNotFoundError(path)
        return real(path)

    monkeypatch.setattr(loader, "sha256_of", vanishing)
    assert [o.file_name for o in warehouse.ingest(NOW).files] == ["kvar.csv"]
    monkeypatch.undo()
    assert [o.file_name for o in warehouse.ingest(NOW).files] == ["flyttas.csv"]


def test_one_file_failing_unexpectedly_does_not_stop_the_others(fresh, monkeypatch):
    from orchestration.ingest import loader

    warehouse, landing = fresh
    landing.add("bra.csv", csv_bytes([row("OK1")]))
    landing.add("ovantad.csv", csv_bytes([row("BAD1")]))
    real = loader.parse_table

    def flaky(table, catalog, now):
        if any(values[0] == "BAD1" for _number, values in table.rows):
            raise RuntimeError("oväntat")
        return real(table, catalog, now)

    monkeypatch.setattr(loader, "parse_table", flaky)
    report = warehouse.ingest(NOW)
    assert {o.file_name: (o.status, o.rows_read, o.rows_rejected) for o in report.files} == {
        "bra.csv": ("loaded", 1, 0),
        "ovantad.csv": ("rejected", 1, 1),
    }
    (reason,) = warehouse.query(
        "select reason from audit.rejected_records where file_name = 'ovantad.csv'"
    )[0]
    assert "RuntimeError" in reason and reason.startswith("Filen ovantad.csv")


def test_a_duplicate_of_a_rejected_file_says_so(fresh):
    warehouse, landing = fresh
    landing.add("fel.csv", csv_bytes([row("Z1", forbund=ATLANTIS)]))
    landing.add("fel_igen.csv", csv_bytes([row("Z1", forbund=ATLANTIS)]))
    report = warehouse.ingest(NOW)
    outcomes = {o.file_name: (o.status, o.rows_read, o.rows_duplicate) for o in report.files}
    assert outcomes == {"fel.csv": ("rejected", 1, 0), "fel_igen.csv": ("duplicate", 1, 1)}
    message = next(o.message for o in report.files if o.file_name == "fel_igen.csv")
    assert "som redan har avvisats, och hoppas därför över" in message


def test_a_warehouse_from_before_file_modified_at_is_migrated(fresh):
    import duckdb

    warehouse, landing = fresh
    landing.add("gammal.csv", csv_bytes([row("N1")]))
    warehouse.ingest(NOW)
    con = duckdb.connect(str(warehouse.settings.warehouse_path))
    con.execute("alter table raw.submissions drop column file_modified_at")  # as it was made
    con.close()
    landing.add("ny.csv", csv_bytes([row("N2")]))
    assert warehouse.ingest(NOW).files[0].rows_loaded == 1
    assert warehouse.query(
        "select s.svar_id, s.file_modified_at = f.file_modified_at from raw.submissions as s "
        "join audit.file_loads as f using (load_id) order by 1"
    ) == [("N1", True), ("N2", True)]
