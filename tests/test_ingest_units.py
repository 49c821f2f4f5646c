"""Unit tests of the ingest readers (encoding, separator, BOM, formats) and parsing (answers,
submission times, header matching)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.calendar import measurement_year_of
from orchestration.catalog import Catalog, load_catalog
from orchestration.ingest.contract import map_headers
from orchestration.ingest.parse import parse_answer
from orchestration.ingest.readers import (
    UnreadableFile,
    as_text,
    decode_text,
    detect_separator,
    read_csv,
    read_jsonl,
    read_table,
    read_xlsx,
)
from orchestration.ingest.records import Submission
from orchestration.ingest.times import parse_submission_time
from orchestration.settings import SEEDS_DIR
from tests.corpus import HEADERS, csv_bytes, row, with_wrong_dimension, xlsx_bytes

NOW = datetime(2025, 6, 1, 12, 0)
CATALOG = load_catalog()
DP01A = CATALOG.question_by_id["DP01A"]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- encoding ------------------------------------------------------------------------------


def test_utf8_is_utf8():
    assert decode_text("Förbund;Kön\n".encode()) == ("Förbund;Kön\n", "utf-8")


def test_bom_is_removed_and_reported():
    assert decode_text(b"\xef\xbb\xbfsvar_id;F\xc3\xb6rbund") == ("svar_id;Förbund", "utf-8-sig")


def test_windows_1252_is_recognised():
    text, label = decode_text("Förbund;Örebro – Kön €\r\n".encode("cp1252"))
    assert (text, label) == ("Förbund;Örebro – Kön €\r\n", "windows-1252")


def test_mixed_lines_each_decode_in_their_own_encoding():
    data = "Malmö\n".encode() + "Malmö\n".encode("cp1252") + "Umeå".encode()
    assert decode_text(data) == ("Malmö\nMalmö\nUmeå", "mixed utf-8/windows-1252")


def test_mixed_within_one_line():
    data = "Göteborg;".encode() + "Västerås".encode("cp1252")
    assert decode_text(data) == ("Göteborg;Västerås", "mixed utf-8/windows-1252")


def test_bom_then_windows_1252():
    data = b"\xef\xbb\xbf" + "Kön;Enkät".encode("cp1252")
    assert decode_text(data)[0] == "Kön;Enkät"


# utf-16 writes a BOM (as Excel's "Unicode text" has); -le and -be write none
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_is_read_with_or_without_a_bom(encoding):
    text = "svar_id\tförbund\tKön\r\nÅ1\tVästerås\tKvinna\r\n"
    assert decode_text(text.encode(encoding)) == (text, "utf-16")


def test_utf16_cut_short_is_refused_naming_the_byte():
    data = "svar_id,forbund\r\n".encode("utf-16")[:-1]
    with pytest.raises(UnreadableFile, match=f"UTF-16 men är trasig vid byte {len(data) - 1}"):
        decode_text(data)


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-be"])
def test_utf32_is_refused_with_a_reason(encoding):
    data = "svar_id,forbund\n".encode(encoding)
    if encoding == "utf-32-be":
        data = b"\x00\x00\xfe\xff" + data
    with pytest.raises(UnreadableFile, match="UTF-32"):
        decode_text(data)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_tsv_file_is_read_as_csv_in_either_encoding(tmp_path, encoding):
    path = tmp_path / "Samsund personal_1.tsv"
    path.write_bytes("svar_id\tförbund\r\nÅ1\tVästerås\r\n".encode(encoding))
    table = read_table(path, lambda names: None)
    assert (table.headers, table.rows) == (["svar_id", "förbund"], [(2, ["Å1", "Västerås"])])
    assert (table.file_format, table.encoding) == ("csv", encoding)
    assert "Avgränsare: tabb" in table.notes


def test_binary_data_with_nul_pairs_is_refused_not_read_as_utf16():
    with pytest.raises(UnreadableFile, match="binära data"):
        decode_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)


def test_binary_data_is_refused():
    with pytest.raises(UnreadableFile, match="binära data"):
        decode_text(b"PK\x03\x04\x14\x00\x00\x00")


# --- separator -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "separator"),
    [
        ("svar_id,forbund,enkat\n1,a,b\n", ","),
        ("svar_id;forbund;enkat\r\n1;a;b\r\n", ";"),
        ("svar_id\tforbund\tenkat\n1\ta\tb\n", "\t"),
        ('"svar;id","for;bund",enkat\n1,a,b\n', ","),  # separators inside quotes do not count
        ('svar_id,"fråga\nmed; radbrytning; och mer",enkat\n1,2,3\n', ","),
        ("svar_id\n1\n", ","),  # one column: comma by default
        ("", ","),
    ],
)
def test_detect_separator(text, separator):
    assert detect_separator(text) == separator


def test_semicolon_file_whose_question_texts_hold_more_commas():
    header = "svar_id;forbund;Tas erfarenheter, kunskaper och synpunkter, till vara, alls?;x"
    rows = "\n".join(f"{i};Blekinge;7;8" for i in range(5))
    assert detect_separator(f"{header}\n{rows}\n") == ";"


# --- CSV -----------------------------------------------------------------------------------


def test_bom_semicolon_crlf_csv(tmp_path):
    data = b"\xef\xbb\xbf" + csv_bytes([row("1"), row("2")], sep=";", line_end="\r\n")
    table = read_csv(_write(tmp_path, "a.csv", data))
    assert table.headers == HEADERS  # no BOM stuck to the first header
    assert table.encoding == "utf-8-sig"
    assert [number for number, _values in table.rows] == [2, 3]
    assert table.rows[0][1][0] == "1"


def test_row_numbers_count_records_and_blank_lines(tmp_path):
    data = csv_bytes([row("1", fritext="a\nb\nc"), [], row("3")])
    table = read_csv(_write(tmp_path, "a.csv", data))
    assert [(number, values[0]) for number, values in table.rows] == [(2, "1"), (4, "3")]
    assert table.rows[0][1][5] == "a\nb\nc"


def test_excel_separator_hint_line(tmp_path):
    data = b"sep=;\r\n" + csv_bytes([row("1")], sep=";")
    table = read_csv(_write(tmp_path, "a.csv", data))
    assert table.headers == HEADERS
    assert table.rows == [(2, row("1"))]


@pytest.mark.parametrize("data", [b"", b"  \r\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_empty_csv_is_refused(tmp_path, data):
    with pytest.raises(UnreadableFile, match="tom|rubrikrad"):
        read_csv(_write(tmp_path, "a.csv", data))


def test_unsupported_suffix(tmp_path):
    with pytest.raises(UnreadableFile, match=r"\.pdf stöds inte"):
        read_table(_write(tmp_path, "a.pdf", b"%PDF"), lambda names: None)
    with pytest.raises(UnreadableFile, match="utan filändelse"):
        read_table(_write(tmp_path, "README", b"x"), lambda names: None)


# --- XLSX and JSON Lines -------------------------------------------------------------------


def test_xlsx_sheet_named_like_a_survey_form_is_chosen(tmp_path):
    data = xlsx_bytes(
        [("Info", [["text"]]), ("Personal i insatser", [["svar_id", "P01A"], ["1", 7.0]])]
    )
    chooser = lambda names: next(  # noqa: E731
        (n for n in names if CATALOG.resolve_respondent_group(n)), None
    )
    table = read_xlsx(_write(tmp_path, "a.xlsx", data), chooser)
    assert table.headers == ["svar_id", "P01A"]
    assert table.rows == [(2, ["1", 7])]  # whole floats become ints
    assert table.notes == ["Blad: Personal i insatser"]


def test_xlsx_first_sheet_when_no_sheet_is_named_like_a_form(tmp_path):
    data = xlsx_bytes([("Blad1", [["svar_id"], ["1"]]), ("Blad2", [["annat"], ["2"]])])
    table = read_xlsx(_write(tmp_path, "a.xlsx", data), lambda names: None)
    assert table.headers == ["svar_id"]


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_xlsx_is_refused(tmp_path, keep):
    data = xlsx_bytes([("Blad1", [HEADERS, row("1"), row("2")])])
    path = _write(tmp_path, "a.xlsx", data[: int(len(data) * keep)])
    with pytest.raises(UnreadableFile, match="trasig eller ofullständig"):
        read_xlsx(path, lambda names: None)


def test_corrupt_xlsx_member_is_refused_not_raised(tmp_path):
    """A damaged sheet inside an intact zip: a zlib or XML error, never an uncaught crash."""
    data = xlsx_bytes([("Blad1", [HEADERS] + [row(str(i)) for i in range(200)])])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename)
    for offset in range(0, sheet.compress_size - 8, max(1, sheet.compress_size // 8)):
        damaged = bytearray(data)
        damaged[start + offset : start + offset + 8] = b"\x00garbage"
        path = _write(tmp_path, "a.xlsx", bytes(damaged))
        with pytest.raises(UnreadableFile, match="trasig eller ofullständig"):
            read_xlsx(path, lambda names: None)


def test_xlsx_with_a_wrong_dimension_is_read_in_full(tmp_path):
    data = with_wrong_dimension(xlsx_bytes([("Blad1", [HEADERS, row("1"), row("2")])]))
    assert b'<dimension ref="A1"' in zipfile.ZipFile(io.BytesIO(data)).read(
        "xl/worksheets/sheet1.xml"
    )
    table = read_xlsx(_write(tmp_path, "a.xlsx", data), lambda names: None)
    assert table.headers == HEADERS
    assert [(n, [as_text(v) for v in values]) for n, values in table.rows] == [
        (2, row("1")),
        (3, row("2")),
    ]


def test_xlsx_cells_read_as_a_spreadsheet_shows_them(tmp_path):
    """A date cell reads like a date-time cell at midnight; empty cells are None; a value beyond
    the last heading is kept as a column without a heading, for the parser to report."""
    data = xlsx_bytes(
        [
            (
                "Blad1",
                [
                    ["svar_id", "inskickad", "kon"],
                    ["1", date(2024, 3, 2), None],
                    ["2", datetime(2024, 3, 1, 10, 30), "Man", None, "Summa"],
                ],
            )
        ]
    )
    table = read_xlsx(_write(tmp_path, "a.xlsx", data), lambda names: None)
    assert table.headers == ["svar_id", "inskickad", "kon", "", ""]
    assert table.rows == [
        (2, ["1", datetime(2024, 3, 2), None, None, None]),
        (3, ["2", datetime(2024, 3, 1, 10, 30), "Man", None, "Summa"]),
    ]


def test_csv_renamed_to_xlsx_is_refused(tmp_path):
    with pytest.raises(UnreadableFile, match="XLSX"):
        read_xlsx(_write(tmp_path, "a.xlsx", csv_bytes([row("1")])), lambda names: None)


def test_jsonl_broken_lines_are_rows_not_the_whole_file(tmp_path):
    data = b'{"svar_id": 1, "a": 2}\r\n\n{"svar_id": 2\n"text"\n{"b": "x\xe2\x80\xa8y"}\n'
    table = read_jsonl(_write(tmp_path, "a.jsonl", data))
    assert table.headers == ["svar_id", "a", "b"]
    assert table.header_rows == [1, 1, 5]
    assert table.rows == [(1, [1, 2, None]), (5, [None, None, "x\u2028y"])]
    assert [(n, reason.split(" (")[0]) for n, _raw, reason in table.bad_rows] == [
        (3, "raden är inte giltig JSON"),
        (4, "raden är inte ett JSON-objekt"),
    ]


def test_jsonl_with_no_valid_line_is_refused(tmp_path):
    with pytest.raises(UnreadableFile, match="ingen rad"):
        read_jsonl(_write(tmp_path, "a.jsonl", b"not json\n"))


def test_as_text():
    assert as_text(None) == ""
    assert as_text("  x\u00a0") == "x"
    assert as_text(datetime(2024, 1, 2, 3, 4)) == "2024-01-02 03:04:00"
    assert as_text(date(2024, 1, 2)) == "2024-01-02"


# --- answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, (None, False)),
        ("", (None, False)),
        ("  ", (None, False)),
        ("1", (1, False)),
        ("10", (10, False)),
        (" 7 ", (7, False)),
        ("+7", (7, False)),
        ("07", (7, False)),
        ("7.0", (7, False)),
        ("7,00", (7, False)),
        (7, (7, False)),
        (7.0, (7, False)),
        ("Vet ej", (None, True)),
        ("vet ej", (None, True)),
        ("VET  EJ", (None, True)),
        ("Vet\u00a0ej", (None, True)),
    ],
)
def test_accepted_answers(raw, expected):
    value, dont_know, refusal = parse_answer(raw, DP01A)
    assert refusal is None
    assert (value, dont_know) == expected


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("0", "utanför skalan 1–10"),
        ("11", "utanför skalan"),
        ("99", "utanför skalan"),
        ("-1", "utanför skalan"),
        ("7,5", "varken ett heltal"),
        ("7.5", "varken ett heltal"),
        (7.5, "varken ett heltal"),
        ("sju", "varken ett heltal"),
        ("5-6", "varken ett heltal"),
        ("1e1", "varken ett heltal"),
        ("Ej aktuellt", "varken ett heltal"),  # not the question's "Vet ej"
        ("Vet inte", "varken ett heltal"),
        ("\uff17", "varken ett heltal"),  # a full-width 7 is no digit of the contract
        ("\u0667", "varken ett heltal"),  # Arabic-Indic 7
        (True, "varken ett heltal"),
    ],
)
def test_refused_answers(raw, phrase):
    value, dont_know, refusal = parse_answer(raw, DP01A)
    assert (value, dont_know) == (None, False)
    assert phrase in refusal


# --- submission time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01 10:00", datetime(2024, 3, 1, 10, 0)),
        ("2024-03-01T10:00:30", datetime(2024, 3, 1, 10, 0, 30)),
        ("2024-03-01T10:00:30.250", datetime(2024, 3, 1, 10, 0, 30, 250000)),
        ("2024-03-01", datetime(2024, 3, 1)),
        ("2024-03-01T09:00:00Z", datetime(2024, 3, 1, 10, 0)),  # winter: UTC+1
        ("2024-07-01T09:00:00Z", datetime(2024, 7, 1, 11, 0)),  # summer: UTC+2
        ("2024-07-01T11:00:00+02:00", datetime(2024, 7, 1, 11, 0)),
        ("2024-07-01T05:00:00-04:00", datetime(2024, 7, 1, 11, 0)),
        ("2024-07-01 09:00+00:00", datetime(2024, 7, 1, 11, 0)),
        (datetime(2024, 3, 1, 10, 0), datetime(2024, 3, 1, 10, 0)),
        (date(2024, 3, 1), datetime(2024, 3, 1)),
        (datetime(2024, 7, 1, 9, 0, tzinfo=UTC), datetime(2024, 7, 1, 11, 0)),
    ],
)
def test_submission_times(raw, expected):
    assert parse_submission_time(raw, NOW) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "phrase"),
    [
        ("", "enkäten skickades in saknas"),
        (None, "enkäten skickades in saknas"),
        ("igår", "går inte att läsa som datum"),
        ("31/10/2023", "går inte att läsa som datum"),
        ("2023-02-30 10:00", "går inte att läsa som datum"),
        ("2023-10-31 24:00", "går inte att läsa som datum"),
        ("1700000000", "går inte att läsa som datum"),
        ("2025-06-01 12:01", "i framtiden"),
        ("2025-06-01T10:01:00Z", "i framtiden"),  # 12:01 in Sweden
        ("2099-01-01", "i framtiden"),
        ("2016-10-31 23:59:59", "före det första mätåret"),
        ("2016-10-31T22:59:00Z", "före det första mätåret"),  # 23:59 in Sweden
        ("1999-01-01", "före det första mätåret"),
    ],
)
def test_refused_submission_times(raw, phrase):
    moment, reason = parse_submission_time(raw, NOW)
    assert moment is None
    assert phrase in reason


def test_now_itself_and_the_first_moment_are_accepted():
    assert parse_submission_time("2025-06-01 12:00", NOW)[0] == NOW
    assert parse_submission_time("2016-11-01 00:00", NOW)[0] == datetime(2016, 11, 1)
    # 2016-10-31 23:30 UTC is 00:30 on 1 November in Sweden: measurement year 2017.
    moment, _ = parse_submission_time("2016-10-31T23:30:00Z", NOW)
    assert moment == datetime(2016, 11, 1, 0, 30)


def test_an_aware_now_is_compared_in_swedish_time():
    aware_now = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Sweden
    assert parse_submission_time("2025-06-01 11:59", aware_now)[1] is None
    assert "framtiden" in parse_submission_time("2025-06-01 12:01", aware_now)[1]


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("2023-10-31 23:59", 2023),
        ("2023-10-31 23:59:59.999999", 2023),
        ("2023-11-01 00:00", 2024),
        ("2023-10-31T22:59:59Z", 2023),  # 23:59:59 CET
        ("2023-10-31T23:00:00Z", 2024),  # 00:00 CET on 1 November
        ("2023-11-01T00:30:00+02:00", 2023),  # 23:30 CET on 31 October
        ("2024-01-15 08:00", 2024),
        ("2024-10-31 23:59", 2024),
        ("2024-11-01 00:00", 2025),
    ],
)
def test_measurement_year_boundary(raw, year):
    moment, reason = parse_submission_time(raw, NOW)
    assert reason is None
    assert measurement_year_of(moment) == year


def test_measurement_year_of_dates():
    assert measurement_year_of(date(2023, 10, 31)) == 2023
    assert measurement_year_of(date(2023, 11, 1)) == 2024
    assert measurement_year_of(datetime(2023, 11, 1) - timedelta(microseconds=1)) == 2023


# --- headers -------------------------------------------------------------------------------


def test_headers_ignore_case_space_and_question_mark():
    headers = [
        " SVARS-ID ",
        "Förbund",
        "ENKÄT",
        "Inskickad",
        "kön",
        "dp01a",
        "  får du stöd på ett sätt som är till stor nytta för dig  ",
        "Är du med och bestämmer vilket stöd du skall få ??",
        "Okänd",
    ]
    mapping = map_headers(headers, CATALOG)
    assert mapping.standard == {"svar_id": 0, "forbund": 1, "enkat": 2, "inskickad": 3, "kon": 4}
    assert mapping.missing_required == []
    assert mapping.questions[5] == {"deltagare_pagaende": "DP01A"}
    assert 6 not in mapping.questions  # the same question as column 5
    assert mapping.repeated == [(6, headers[6])]
    assert mapping.questions[7] == {"deltagare_pagaende": "DP02A"}
    assert mapping.unmatched == [(8, "Okänd")]


def test_a_shared_question_text_after_its_code_is_not_read_twice():
    text = "Har det stöd du fått hjälpt dig att utveckla sätt att hantera din situation?"
    mapping = map_headers(["svar_id", "DP05A", text], CATALOG)
    assert mapping.questions[1] == {"deltagare_pagaende": "DP05A"}
    assert mapping.questions[2] == {"deltagare_avslutade": "DA05A"}
    assert mapping.shadowed[2] == {"deltagare_pagaende": "DP05A"}


def test_missing_required_columns():
    assert map_headers(["svar_id", "kon"], CATALOG).missing_required == [
        "forbund",
        "enkat",
        "inskickad",
    ]


# --- mergers: which association a questionnaire counts for ---------------------------------


def catalog_with_mergers(seeds: Path, *extra: str) -> Catalog:
    """The catalogue with extra rows (predecessor,successor,year) in forbund_mergers.csv."""
    shutil.copytree(SEEDS_DIR, seeds)
    with (seeds / "forbund_mergers.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.writelines(f"{line},\n" for line in extra)
    return load_catalog(seeds)


@pytest.mark.parametrize(
    ("forbund_id", "year", "counts_for"),
    [
        ("vasteras", 2024, "vastmanlands-lan"),
        ("vasteras", 2031, "vastmanlands-lan"),
        ("norra-vastmanland", 2025, "vastmanlands-lan"),
        ("ale", 2018, "alv-och-kust"),
        ("ockero", 2022, "alv-och-kust"),
    ],
)
def test_a_questionnaire_from_the_merger_year_on_counts_for_the_successor(
    forbund_id, year, counts_for
):
    assert CATALOG.counting_forbund(forbund_id, year) == counts_for
    [merger] = CATALOG.mergers_in_effect(forbund_id, year)
    assert (merger.predecessor_id, merger.successor_id) == (forbund_id, counts_for)


@pytest.mark.parametrize(
    ("forbund_id", "year"), [("vasteras", 2023), ("vastra-malardalen", 2017), ("ale", 2017)]
)
def test_a_questionnaire_before_the_merger_year_counts_for_the_association_itself(forbund_id, year):
    assert CATALOG.counting_forbund(forbund_id, year) == forbund_id
    assert CATALOG.mergers_in_effect(forbund_id, year) == []


@pytest.mark.parametrize("forbund_id", ["vastmanlands-lan", "blekinge", "atlantis", ""])
def test_an_association_that_never_merged_or_is_unknown_counts_for_itself(forbund_id):
    assert CATALOG.counting_forbund(forbund_id, 2025) == forbund_id
    assert CATALOG.mergers_in_effect(forbund_id, 2025) == []


def test_a_chain_of_mergers_is_followed_as_far_as_the_year_reaches(tmp_path):
    catalog = catalog_with_mergers(tmp_path / "seeds", "vastmanlands-lan,malardalen,2027")
    assert catalog.counting_forbund("vasteras", 2023) == "vasteras"
    assert catalog.counting_forbund("vasteras", 2026) == "vastmanlands-lan"
    assert catalog.counting_forbund("vasteras", 2027) == "malardalen"
    assert catalog.counting_forbund("vastmanlands-lan", 2027) == "malardalen"
    chain = catalog.mergers_in_effect("vasteras", 2028)
    assert [(m.predecessor_id, m.successor_id, m.merged_year) for m in chain] == [
        ("vasteras", "vastmanlands-lan", 2024),
        ("vastmanlands-lan", "malardalen", 2027),
    ]


def test_a_cycle_in_the_mergers_ends_instead_of_looping(tmp_path):
    catalog = catalog_with_mergers(tmp_path / "seeds", "vastmanlands-lan,vasteras,2025")
    assert catalog.counting_forbund("vasteras", 2026) == "vasteras"
    assert len(catalog.mergers_in_effect("vasteras", 2026)) == 2


# --- the questionnaire fingerprint ---------------------------------------------------------


def _json_dumps_row_hash(s: Submission) -> str:
    """The fingerprint as every warehouse so far computed it."""
    payload = [
        s.reported_forbund_id,
        s.respondent_group,
        s.svar_id,
        s.submitted_at.isoformat(),
        s.gender,
        s.insats,
        s.fritext,
        sorted((qid, value, dont_know) for qid, _raw, value, dont_know in s.answers),
    ]
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def _submission(svar_id="1", insats=None, fritext=None, answers=(), gender="kvinna") -> Submission:
    return Submission(
        row_number=2,
        forbund_id="blekinge",
        reported_forbund_id="blekinge",
        forbund_raw="Blekinge",
        respondent_group="deltagare_pagaende",
        svar_id=svar_id,
        submitted_at=datetime(2024, 3, 1, 10, 0, 5),
        measurement_year=2024,
        gender=gender,
        kon_raw="Kvinna",
        insats=insats,
        fritext=fritext,
        answers=list(answers),
    )


def test_row_hash_is_the_one_warehouses_already_hold():
    s = _submission(
        fritext='Bra stöd "tack"\n\\ 😀',
        answers=[("DP02A", "Vet ej", None, True), ("DP01A", "7", 7, False)],
    )
    assert s.row_hash == _json_dumps_row_hash(s)
    assert s.row_hash == "bea2eaaec0a07c4ea24d6a8a9d2af7e7944d8ad9805ebaf8adbfcf784bd43e3e"


@given(
    svar_id=st.text(min_size=1),
    insats=st.none() | st.text(),
    fritext=st.none() | st.text(),
    gender=st.none() | st.sampled_from(["kvinna", "man", "annat"]),
    answers=st.dictionaries(
        st.text(min_size=1, max_size=6),
        st.tuples(st.text(), st.none() | st.integers(-(10**20), 10**20), st.booleans()),
        max_size=12,
    ),
)
def test_row_hash_is_json_dumps_of_the_payload(svar_id, insats, fritext, gender, answers):
    s = _submission(
        svar_id,
        insats,
        fritext,
        [(qid, raw, value, dont_know) for qid, (raw, value, dont_know) in answers.items()],
        gender,
    )
    assert s.row_hash == _json_dumps_row_hash(s)
