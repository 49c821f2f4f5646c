"""Survey tools' exports loaded as the tools write them (sources/): each layout gives the same
questionnaires and answers as the same responses in the loader's own contract."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.catalog import load_catalog
from orchestration.ingest.landing import sha256_of
from orchestration.ingest.loader import ingest_landing, load_one
from orchestration.ingest.readers import read_table
from orchestration.ingest.reload import reload_year
from orchestration.ingest.storage import Batch
from orchestration.ingest.versions import settle
from orchestration.settings import load_settings
from tests import tool_exports as tools
from tests.corpus import Warehouse, contents

NOW = datetime(2026, 12, 5, 12, 0)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("sources")
    (root / "surveys").mkdir()
    (root / "surveys" / "test.yml").write_text(tools.DECLARATIONS, encoding="utf-8")
    return load_catalog(sources_dir=root)


def parsed(path: Path, catalog):
    """The file read and settled as the first file of an empty warehouse (as finsam check)."""
    new_file = (path, path.name, sha256_of(path), None)
    load = load_one(load_settings(), catalog, new_file, {}, NOW, archive=False)
    load.load_id, load.run_id = 1, None
    settle(load, {}, Batch(), NOW)
    return load


def cells(load) -> set[tuple]:
    """What a questionnaire says, whatever its id: time, gender and answers."""
    return {
        (s.submitted_at, s.gender, tuple(sorted((q, v, d) for q, _raw, v, d in s.answers)))
        for s in load.parsed.submissions
    }


WRITERS = {
    "google_forms": ("Personalenkät Blekinge (svar).csv", tools.google_forms_csv, "Blekinge"),
    "google_sheet": (
        "Personalenkät Blekinge (svar) - Formulärsvar 1.csv",
        tools.google_sheet_csv,
        "Blekinge",
    ),
    "microsoft_forms": ("Personalenkät Gotland(1-6).xlsx", tools.microsoft_forms_xlsx, "Gotland"),
    "surveymonkey": ("Personalenkät 2024.csv", tools.surveymonkey_csv, "Roslagen"),
    "qualtrics": ("Samsund personal_5 december 2026_10.15.csv", tools.qualtrics_csv, "Samsund"),
    "qualtrics_tsv": ("Samsund personal_5 december 2026_10.16.tsv", tools.qualtrics_tsv, "Samsund"),
    "limesurvey": ("results-survey123456.csv", tools.limesurvey_csv, "Sundsvall"),
    "sunet_survey": ("export_finnveden_241205.xlsx", tools.sunet_xlsx, "Finnveden"),
    # the same tools set to English, and with their other answer settings
    "google_forms_en": ("Personalenkät Blekinge.csv", tools.google_forms_csv_en, "Blekinge"),
    "microsoft_forms_en": ("Personalenkät Gotland.xlsx", tools.microsoft_forms_xlsx_en, "Gotland"),
    "limesurvey_full_text": (
        "results-survey654321.csv",
        tools.limesurvey_full_text_csv,
        "Sundsvall",
    ),
    "qualtrics_choice_text": ("Samsund_2.csv", tools.qualtrics_choice_text_csv, "Samsund"),
}


@pytest.mark.parametrize("layout", list(WRITERS))
def test_a_tool_export_loads_the_same_cells_as_the_contract(layout, tmp_path, catalog):
    name, write, forbund = WRITERS[layout]
    answers = tools.responses()
    export = parsed(write(answers, tmp_path / name), catalog)
    contract = parsed(tools.contract_csv(answers, tmp_path / "contract.csv", forbund), catalog)
    assert export.status == "loaded", export.message
    assert cells(export) == cells(contract)
    assert {s.reported_forbund_id for s in export.parsed.submissions} == {
        catalog.resolve_forbund(forbund)
    }
    assert len(cells(export)) == len(answers)
    assert export.rows_loaded == len(answers)


# --- cumulative exports, edits, and a second chance, in a real warehouse ------------------------

DAY = 86_400


def ingest(home: Path, catalog, stamp: datetime = NOW):
    return ingest_landing(load_settings(home=home, landing=home / "landing"), catalog, now=stamp)


def place(path: Path, days_ago: int) -> Path:
    moment = NOW.timestamp() - days_ago * DAY
    os.utime(path, (moment, moment))
    return path


def current_answers(home: Path, survey: str) -> dict[str, dict[str, int | None]]:
    """svar_id -> {question: value} of each response's current version (as the loader orders
    versions: the latest file, then name, load and row)."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute(
            """
            with current as (
                select * from raw.submissions where svar_id like ? || '%'
                qualify row_number() over (
                    partition by reported_forbund_id, respondent_group, svar_id
                    order by file_modified_at desc, source_file desc, load_id desc, source_row desc
                ) = 1
            )
            select c.svar_id, a.question_id, a.answer_value
            from current as c join raw.answers as a using (load_id, source_row)
            """,
            [survey],
        ).fetchall()
    finally:
        con.close()
    out: dict[str, dict[str, int | None]] = {}
    for svar_id, question, value in rows:
        out.setdefault(svar_id, {})[question] = value
    return out


CUMULATIVE = {  # layouts with a response id: an edit keeps it
    "microsoft_forms": ("gotland-personal-ms", "Personalenkät Gotland({}).xlsx"),
    "qualtrics": ("samsund-personal-qualtrics", "Samsund personal_{}.csv"),
    "limesurvey": ("sundsvall-personal-lime", "results-survey123456 ({}).csv"),
    "surveymonkey": ("roslagen-personal-monkey", "Personalenkät {}.csv"),
    "sunet_survey": ("finnveden-personal-sunet", "finnveden_{}.xlsx"),
}


@pytest.mark.parametrize("layout", list(CUMULATIVE))
def test_cumulative_exports_add_nothing_twice_and_an_edit_replaces_the_answer(
    layout, tmp_path, catalog, monkeypatch
):
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "0")
    survey, pattern = CUMULATIVE[layout]
    write = WRITERS[layout][1]
    landing = tmp_path / "landing"
    landing.mkdir()
    everyone = tools.responses(8)
    edited = [tools.Response(**{**vars(r)}) for r in everyone]
    edited[1].answers = {**edited[1].answers, "P03A": 10 if edited[1].answers["P03A"] != 10 else 1}
    exports = [everyone[:4], everyone[:6], edited]
    outcomes = []
    for number, rows in enumerate(exports, start=1):
        path = write(rows, landing / pattern.format(number))
        place(path, 10 - number)
        report = ingest(tmp_path, catalog)
        (outcome,) = report.files
        outcomes.append((outcome.rows_loaded, outcome.rows_duplicate, outcome.status))
    assert outcomes == [(4, 0, "loaded"), (2, 4, "loaded"), (3, 5, "loaded")]
    current = current_answers(tmp_path, survey)
    assert len(current) == 8
    second = next(key for key in current if key.endswith(("/2", "0002abcDEF", "165002")))
    assert current[second]["P03A"] == edited[1].answers["P03A"]


def test_google_forms_without_ids_counts_a_response_once_in_every_later_export(
    tmp_path, catalog, monkeypatch
):
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "0")
    landing = tmp_path / "landing"
    landing.mkdir()
    everyone = tools.responses(8)
    outcomes = []
    for number, rows in enumerate([everyone[:3], everyone[:5], everyone], start=1):
        path = tools.google_forms_csv(rows, landing / f"Personalenkät Blekinge ({number}).csv")
        place(path, 10 - number)
        (outcome,) = ingest(tmp_path, catalog).files
        outcomes.append((outcome.rows_loaded, outcome.rows_duplicate))
    assert outcomes == [(3, 0), (2, 3), (3, 5)]
    assert len(current_answers(tmp_path, "h-")) == 8


def test_a_file_refused_for_a_missing_declaration_loads_unchanged_once_it_is_added(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "0")
    sources = tmp_path / "sources"
    (sources / "surveys").mkdir(parents=True)
    (sources / "surveys" / "old.yml").write_text(tools.DECLARATIONS, encoding="utf-8")
    landing = tmp_path / "landing"
    landing.mkdir()
    undeclared = place(
        tools.limesurvey_csv(tools.responses(), landing / "results-survey555.csv"), 3
    )
    empty = landing / "tom.csv"
    empty.write_text("", encoding="utf-8")
    place(empty, 3)

    first = ingest(tmp_path, load_catalog(sources_dir=sources))
    assert sorted((o.file_name, o.status) for o in first.files) == [
        ("results-survey555.csv", "rejected"), ("tom.csv", "rejected")
    ]  # fmt: skip
    # nothing changed: nothing is read again
    assert ingest(tmp_path, load_catalog(sources_dir=sources)).files == []

    (sources / "surveys" / "new.yml").write_text(
        """\
version: 1
surveys:
  - id: blekinge-personal-lime
    tool: limesurvey
    forbund: Blekinge
    enkat: personal
    match: {survey_id: "555"}
    questions: {G01Q01: P03A, "G01Q02[SQ001]": P06A, "G01Q02[SQ002]": P08A}
    gender_column: [G02Q03]
    values: {A1: 1, A2: 2, A3: 3, A4: 4, A5: 5, A6: 6, A7: 7, A8: 8, A9: 9, A10: 10, A11: Vet ej}
    gender_values: {A1: Kvinna, A2: Man}
""",
        encoding="utf-8",
    )
    second = ingest(tmp_path, load_catalog(sources_dir=sources))
    assert [(o.file_name, o.status, o.rows_loaded) for o in second.files] == [
        ("results-survey555.csv", "loaded", 6)
    ]  # the empty file is refused for its own bytes: not read again
    assert undeclared.read_bytes()[:3] == b"\xef\xbb\xbf"  # the file itself was not touched
    assert len(current_answers(tmp_path, "blekinge-personal-lime/")) == 6

    empty.write_text("svar_id,forbund,enkat,inskickad\n", encoding="utf-8")
    place(empty, 2)
    (third,) = ingest(tmp_path, load_catalog(sources_dir=sources)).files
    assert (third.file_name, third.status) == ("tom.csv", "rejected")  # new bytes: read again


# --- what the front door tells -------------------------------------------------------------------


def test_unmapped_headings_and_values_are_reported_with_file_row_column_and_value(
    tmp_path, catalog
):
    rows = tools.responses(3)
    rows[1].answers["P06A"] = "Ganska bra"  # a label the declaration does not map
    path = tools.qualtrics_csv(rows, tmp_path / "Samsund personal_1.csv", preview=False)
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] += ",Q9"
    text[1] += ",Hur mår du idag?"
    text[2] += ',"{""ImportId"":""QID9""}"'
    text[3:] = [line + ",Bra" for line in text[3:]]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    load = parsed(path, catalog)
    found = [(r.kind, r.row_number, r.field, r.raw_value) for r in load.rejections]
    assert ("column_unmatched", 1, "Hur mår du idag?", None) in found
    assert (
        "answer_rejected",
        5,
        f"Hur väl stämmer följande? - {tools.QUESTIONS['P06A']}",
        "Ganska bra",
    ) in found
    assert load.columns_unmatched == 1 and load.answers_rejected == 1
    assert load.rows_loaded == 3


def test_columns_that_identify_a_person_are_never_stored(tmp_path, catalog, monkeypatch):
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "0")
    landing = tmp_path / "landing"
    landing.mkdir()
    place(tools.google_forms_csv(tools.responses(), landing / "Personalenkät Blekinge.csv"), 2)
    place(tools.qualtrics_csv(tools.responses(), landing / "Samsund personal_1.csv"), 2)
    # UTF-16: its redacted copy is written as UTF-8, and still read as the same export
    place(tools.qualtrics_tsv(tools.responses(start=20), landing / "Samsund personal_2.tsv"), 2)
    place(tools.sunet_xlsx(tools.responses(), landing / "finnveden_1.xlsx"), 2)
    ingest(tmp_path, catalog)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        personal = dict(
            con.execute("select source_tool, personal_columns from audit.file_loads").fetchall()
        )
        loaded = con.execute(
            "select file_name, encoding from audit.file_loads where status = 'loaded'"
        ).fetchall()
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        dumps = [
            str(con.execute(f'select * from "{schema}"."{table}"').fetchall())
            for schema, table in tables
        ]
    finally:
        con.close()
    assert len(loaded) == 4 and ("Samsund personal_2.tsv", "utf-16") in loaded
    assert personal["google-forms"] == "E-postadress"
    assert "IP Address" in personal["qualtrics"] and "Recipient Email" in personal["qualtrics"]
    assert personal["sunet-survey"] == "E-postadress"
    for dump in dumps:
        assert "@example.se" not in dump and "130.238.7.12" not in dump
    # nor in the archive, whose copies still read as the same exports
    archived = sorted((tmp_path / "archive").rglob("*.*"))
    assert len(archived) == 4
    for copy in archived:
        table = read_table(copy, lambda names: "Data" if "Data" in names else None)
        cells_text = str(table.headers) + str(table.rows)
        assert "@example.se" not in cells_text and "130.238.7.12" not in cells_text
    before = contents(Warehouse.at(tmp_path, landing))
    report = reload_year(load_settings(home=tmp_path, landing=landing), catalog, 2024, now=NOW)
    assert report.files_read == 4
    assert contents(Warehouse.at(tmp_path, landing)) == before


def test_finsam_sources_lists_and_validates_the_declarations(tmp_path):
    from click.testing import CliRunner

    from orchestration.cli import main

    (tmp_path / "surveys").mkdir()
    (tmp_path / "surveys" / "ok.yml").write_text(tools.DECLARATIONS, encoding="utf-8")
    good = CliRunner().invoke(main, ["sources", "--dir", str(tmp_path)])
    assert good.exit_code == 0, good.output
    assert "sundsvall-personal-lime: limesurvey, sundsvall, personal" in good.output
    (tmp_path / "surveys" / "bad.yml").write_text(
        "version: 1\nsurveys:\n  - id: x\n    tool: limesurvey\n    forbund: Atlantis\n"
        "    enkat: personal\n    match: {survey_id: '9'}\n    questions: {Q1: DP01A}\n",
        encoding="utf-8",
    )
    bad = CliRunner().invoke(main, ["sources", "--dir", str(tmp_path)])
    assert bad.exit_code == 1
    assert "surveys/bad.yml, enkät 1 (x), fält forbund: förbundet 'Atlantis' finns inte" in (
        bad.output
    )
    assert "fält questions.Q1: frågan DP01A hör till enkäten deltagare_pagaende" in bad.output


def test_finsam_check_names_the_tool_and_gives_the_declaration_to_add(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from orchestration.cli import main

    (tmp_path / "sources" / "surveys").mkdir(parents=True)
    monkeypatch.setenv("FINSAM_SOURCES", str(tmp_path / "sources"))
    export = tools.limesurvey_csv(tools.responses(), tmp_path / "results-survey4242.csv")
    result = CliRunner().invoke(main, ["check", str(export)])
    assert result.exit_code == 1
    assert (
        "filen är en export från LimeSurvey (enkät 4242), men ingen deklaration säger vilket "
        "förbund och vilken enkät den hör till; hela filen avvisas" in result.output
    )
    assert "    survey_id: '4242'" in result.output
    proposal = result.output.split("finsam sources visar om den är rätt):\n", 1)[1]
    block = "\n".join(line[6:] for line in proposal.splitlines() if line.startswith("      "))
    filled = block.replace("<förbundets namn>", "Blekinge").replace(
        "<respondentgrupp, till exempel deltagare_pagaende>", "personal"
    )
    codes = {"G01Q01": "P03A", "G01Q02[SQ001]": "P06A", "G01Q02[SQ002]": "P08A"}
    for code, question in codes.items():
        filled = filled.replace(f"{code}: <fråge-id>", f"{code}: {question}")
    filled = filled.replace("G02Q03: <fråge-id>\n", "").rstrip().removesuffix("G02Q03: <fråge-id>")
    (tmp_path / "sources" / "surveys" / "new.yml").write_text(
        filled + "\n    values: {A1: 1, A2: 2, A3: 3, A4: 4, A5: 5, A6: 6, A7: 7, A8: 8, A9: 9,"
        " A10: 10, A11: Vet ej}\n",
        encoding="utf-8",
    )
    again = CliRunner().invoke(main, ["check", str(export)])
    assert "läses in, med anmärkningar" in again.output, again.output
    assert "kolumn 'G01Q01' → P03A (efter deklarationens questions)" in again.output
    assert "Filen results-survey4242.csv: 6 av 7 rader läses in; 1 rad avvisas" in again.output
