"""The sentences the associations' contact persons read, word for word.

They send the files and read what `finsam check` prints and what audit.file_loads.message and
audit.rejected_records.reason say: plain Swedish in the present tense, counts that agree with
their nouns, "kolumn" for a column, dates as ÅÅÅÅ-MM-DD, and no names of the warehouse's own
files or settings. docs/kontrollera-exporten.md quotes these sentences; a change here is a change
there too.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from orchestration.catalog import load_catalog
from orchestration.ingest.check import CheckedFile, check_files
from tests.corpus import HEADERS, csv_bytes, finsam, row

NOW = datetime(2025, 6, 1, 12, 0)
# Words a contact person should never meet: internal files, settings, English jargon.
INTERNAL = ("seeds/", "FINSAM_", "fält", "standardkolumn", "ISO 8601", "hoppades", "lästes")


def _checked(tmp_path: Path, files: dict[str, bytes]) -> dict[str, CheckedFile]:
    paths = []
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(path)
    checked = check_files(paths, load_catalog(), now=NOW)
    for result in checked:
        for text in [result.summary, *result.refusals]:
            assert not any(word in text for word in INTERNAL), text
    return {result.path.name: result for result in checked}


def _refused_whole(result: CheckedFile) -> str:
    assert result.status == "rejected" and result.refusals == [result.summary]
    return result.summary


def test_a_missing_required_column_refuses_the_file_naming_it(tmp_path):
    no_form = [h for h in HEADERS if h != "enkat"]
    no_id_nor_form = [h for h in no_form if h != "svar_id"]
    found = _checked(
        tmp_path,
        {
            "utan_enkat.csv": csv_bytes([row("A1", no_form)], no_form),
            "utan_tva.csv": csv_bytes([row("A1", no_id_nor_form)], no_id_nor_form),
        },
    )
    assert _refused_whole(found["utan_enkat.csv"]) == (
        "Filen utan_enkat.csv, rad 1, kolumn 'enkat': kolumnen enkat saknas i rubrikraden "
        "(rubrikerna är 'svar_id', 'forbund', 'inskickad', 'kon', 'fritext', 'DP01A', 'DP02A', "
        "'DP03A'); hela filen avvisas."
    )
    assert _refused_whole(found["utan_tva.csv"]) == (
        "Filen utan_tva.csv, rad 1, kolumnerna 'svar_id', 'enkat': kolumnerna svar_id och enkat "
        "saknas i rubrikraden (rubrikerna är 'forbund', 'inskickad', 'kon', 'fritext', 'DP01A', "
        "'DP02A', 'DP03A'); hela filen avvisas."
    )


def test_an_unknown_association_or_survey_form_refuses_the_file_and_says_what_to_do(tmp_path):
    found = _checked(
        tmp_path,
        {
            "okant.csv": csv_bytes([row("A1"), row("A2", forbund="Atlantis")]),
            "enkat.csv": csv_bytes([row("B1", enkat="Kundnöjdhet")]),
        },
    )
    assert _refused_whole(found["okant.csv"]) == (
        "Filen okant.csv, rad 3, kolumn 'forbund': förbundet 'Atlantis' finns inte i "
        "förbundslistan; hela filen avvisas; kontrollera stavningen, eller be den som sköter "
        "datalagret att lägga till namnet."
    )
    assert _refused_whole(found["enkat.csv"]) == (
        "Filen enkat.csv, rad 2, kolumn 'enkat': enkäten 'Kundnöjdhet' känns inte igen; hela "
        "filen avvisas; skriv en av deltagare_pagaende, deltagare_avslutade, personal, styrelse, "
        "chefsgrupp eller remittent, eller enkätens svenska namn."
    )


def test_answers_rows_and_columns_are_refused_one_by_one_and_counted_in_agreeing_words(tmp_path):
    found = _checked(
        tmp_path,
        {
            "svar.csv": csv_bytes(
                [
                    row("A1", DP01A="11", DP02A="sju"),
                    row("A2", inskickad="2016-10-31 23:59"),
                    row("A3", inskickad="2025-07-01 10:00"),
                    row("A4", inskickad="31/10/2024"),
                    row("A5", inskickad=""),
                    row("A6"),
                    row("A6"),
                ],
                [*HEADERS, "Favoritfärg"],
            )
        },
    )["svar.csv"]
    assert found.status == "loaded"
    assert found.summary == (
        "Filen svar.csv: 2 av 7 rader läses in; 4 rader avvisas; 1 rad räknas som dubblett; "
        "2 enskilda svar avvisas; 1 kolumn läses inte in."
    )
    assert found.refusals == [
        "Filen svar.csv, rad 1, kolumn 'Favoritfärg': kolumnen är varken en känd fråga eller en "
        "av de kolumner exporten ska ha; den läses inte in.",
        "Filen svar.csv, rad 2, kolumn 'DP01A': svaret '11' ligger utanför skalan 1–10; bara det "
        "svaret avvisas, resten av enkäten läses in.",
        "Filen svar.csv, rad 2, kolumn 'DP02A': svaret 'sju' är varken ett heltal 1–10 eller "
        "'Vet ej'; bara det svaret avvisas, resten av enkäten läses in.",
        "Filen svar.csv, rad 3, kolumn 'inskickad': datumet 2016-10-31 ligger före det första "
        "mätåret, 2017, som börjar den 1 november 2016; raden avvisas.",
        "Filen svar.csv, rad 4, kolumn 'inskickad': tiden 2025-07-01 10:00 ligger i framtiden; "
        "raden avvisas.",
        "Filen svar.csv, rad 5, kolumn 'inskickad': tiden '31/10/2024' går inte att läsa som "
        "datum och tid; skriv den som ÅÅÅÅ-MM-DD TT:MM, till exempel 2024-03-05 14:22; raden "
        "avvisas.",
        "Filen svar.csv, rad 6, kolumn 'inskickad': tiden då enkäten skickades in saknas; raden "
        "avvisas.",
        "Filen svar.csv, rad 7, kolumn 'svar_id': svar_id 'A6' förekommer igen på rad 8 i samma "
        "fil och den senare raden gäller; raden räknas som dubblett.",
    ]


def test_counts_are_singular_for_one(tmp_path):
    found = _checked(
        tmp_path,
        {
            "en.csv": csv_bytes([row("E1")]),
            "tva.csv": csv_bytes([row("T1", DP01A="0"), row("T2", inskickad="igår")]),
        },
    )
    assert found["en.csv"].summary == "Filen en.csv: 1 av 1 rad läses in."
    assert found["en.csv"].refusals == []
    assert found["tva.csv"].summary == (
        "Filen tva.csv: 1 av 2 rader läses in; 1 rad avvisas; 1 enskilt svar avvisas."
    )


def test_a_row_with_too_many_values_is_refused_in_plain_words(tmp_path):
    header = ",".join(HEADERS)
    data = f"{header}\r\nW1,Blekinge,deltagare_pagaende,2024-03-01 10:00,Kvinna,,7,8,9,10\r\n"
    found = _checked(tmp_path, {"bred.csv": data.encode()})["bred.csv"]
    assert found.summary == "Filen bred.csv: 0 av 1 rad läses in; 1 rad avvisas."
    assert found.refusals == [
        "Filen bred.csv, rad 2: raden har 10 värden men rubrikraden har 9 kolumner, så värdena "
        "hamnar i fel kolumner (troligen ett avgränsartecken i ett värde utan citattecken); "
        "raden avvisas."
    ]


def test_the_same_file_twice_is_skipped_in_the_present_tense(tmp_path):
    data = csv_bytes([row("D1")])
    found = _checked(tmp_path, {"forsta.csv": data, "andra.csv": data})
    assert found["andra.csv"].status == "duplicate"
    assert found["andra.csv"].summary == (
        "Filen andra.csv har samma innehåll som forsta.csv, som redan har lästs in, och hoppas "
        "därför över."
    )


def test_a_file_over_the_size_limit_names_no_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("FINSAM_MAX_FILE_MB", "0.01")  # 10 kB
    base = csv_bytes([row("S1", fritext="")])
    data = csv_bytes([row("S1", fritext="x" * (20 * 1024 - len(base)))])
    assert len(data) == 20 * 1024
    assert _refused_whole(_checked(tmp_path, {"stor.csv": data})["stor.csv"]) == (
        "Filen stor.csv: filen är 20 kB, större än gränsen 10 kB; hela filen avvisas utan att "
        "läsas; dela upp exporten i mindre filer, eller be den som sköter datalagret att höja "
        "gränsen."
    )


def test_unreadable_encodings_and_file_types_say_how_to_save_the_file(tmp_path):
    text = "svar_id,forbund,enkat,inskickad\r\nU1,Blekinge,personal,2024-03-01\r\n"
    found = _checked(
        tmp_path,
        {
            "unicode.csv": text.encode("utf-32"),
            "gammal.xls": b"\xd0\xcf\x11\xe0 not a workbook",
            "tom.csv": b"",
        },
    )
    assert _refused_whole(found["unicode.csv"]) == (
        "Filen unicode.csv: filen är sparad med teckenkodningen UTF-32, som inte kan läsas; hela "
        "filen avvisas; spara den som CSV UTF-8 (eller Windows-1252) och skicka den igen."
    )
    assert _refused_whole(found["gammal.xls"]) == (
        "Filen gammal.xls: filtypen .xls stöds inte; hela filen avvisas; skicka exporten som "
        "CSV, XLSX eller JSON Lines."
    )
    assert _refused_whole(found["tom.csv"]) == "Filen tom.csv: filen är tom; hela filen avvisas."


def test_a_refused_file_is_the_same_sentence_in_the_audit(tmp_path):
    """What the contact person reads in `finsam check` is what the warehouse records."""
    from tests.corpus import Landing, Warehouse

    landing = Landing(tmp_path / "landing")
    landing.path.mkdir()
    landing.add("okant.csv", csv_bytes([row("A1", forbund="Atlantis")]))
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    warehouse.ingest(NOW)
    expected = (
        "Filen okant.csv, rad 2, kolumn 'forbund': förbundet 'Atlantis' finns inte i "
        "förbundslistan; hela filen avvisas; kontrollera stavningen, eller be den som sköter "
        "datalagret att lägga till namnet."
    )
    assert warehouse.query("select message from audit.file_loads") == [(expected,)]
    assert warehouse.query("select reason from audit.rejected_records") == [(expected,)]


# --- the command, as a contact person runs it ----------------------------------------------


USAGE = (
    "Användning: finsam check [FLAGGOR] FIL...\nSkriv 'finsam check --help' för att få hjälp.\n\n"
)


@pytest.mark.parametrize("option", ["--help", "-h"])
def test_check_help_is_swedish(tmp_path, option):
    shown = finsam("check", option, cwd=tmp_path)
    assert shown.returncode == 0 and shown.stderr == ""
    lines = shown.stdout.splitlines()
    assert lines[0] == "Användning: finsam check [FLAGGOR] FIL..."
    assert lines[2] == "  Kontrollera exportfiler innan du skickar dem."
    assert lines[-2:] == ["Flaggor:", "  -h, --help  Visa den här hjälpen och avsluta."]
    assert not any(word in shown.stdout for word in ("Usage", "Options", "Show this message"))


def test_check_errors_are_swedish_sentences_with_exit_status_2(tmp_path):
    missing = finsam("check", "finns_inte.csv", cwd=tmp_path)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == (
        USAGE + "Fel: Filen finns_inte.csv finns inte. Kontrollera namnet och mappen.\n"
    )

    none = finsam("check", cwd=tmp_path)
    assert none.returncode == 2
    assert none.stderr == (
        USAGE + "Fel: Ange minst en fil att kontrollera, till exempel: finsam check export.csv\n"
    )

    (tmp_path / "exporter").mkdir()
    folder = finsam("check", "exporter", cwd=tmp_path)
    assert folder.returncode == 2
    assert folder.stderr == (
        USAGE + "Fel: exporter är en mapp, inte en fil. Ange filerna i den, en och en.\n"
    )

    unknown = finsam("check", "--xyz", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr == USAGE + "Fel: Flaggan --xyz finns inte.\n"


def test_check_prints_the_verdict_and_a_final_count_in_agreeing_words(tmp_path):
    (tmp_path / "fel.csv").write_bytes(csv_bytes([row("F1", DP01A="11")]))
    result = finsam("check", "fel.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "fel.csv: läses in, med anmärkningar\n"
        "  Filen fel.csv: 1 av 1 rad läses in; 1 enskilt svar avvisas.\n"
        "  - Filen fel.csv, rad 2, kolumn 'DP01A': svaret '11' ligger utanför skalan 1–10; bara "
        "det svaret avvisas, resten av enkäten läses in.\n"
        "\n"
        "0 av 1 fil läses in utan anmärkning. Ingenting har sparats; anmärkningarna ovan är de "
        "som inläsningen skulle göra.\n"
    )
