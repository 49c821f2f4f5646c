"""The demo-data generator writes the raw export contract, deterministically and realistically."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from orchestration.calendar import measurement_year_of
from orchestration.catalog import Catalog, load_catalog
from orchestration.demo_data import DemoSummary, write_demo_exports
from orchestration.demo_data.arguments import validate_arguments
from orchestration.demo_data.formats import FORMATS
from orchestration.demo_data.tool_exports import TOOL_SURVEYS
from tests.reference_tools import ToolFile, fold

TOOL_NAMES = [tool for _forbund, tool, _survey in TOOL_SURVEYS]

BASE_HEADERS = {
    "svar_id": "svar_id",
    "forbund": "forbund",
    "enkat": "enkat",
    "inskickad": "inskickad",
    "kon": "kon",
    "insats": "insats",
    "fritext": "fritext",
    "Svars-ID": "svar_id",
    "Förbund": "forbund",
    "Enkät": "enkat",
    "Inskickad": "inskickad",
    "Kön": "kon",
    "Insats": "insats",
    "Fritext": "fritext",
}
KON_VALUES = {"Kvinna", "Man", "Annat", "Vill ej svara", ""}


@dataclass(frozen=True)
class Row:
    file: str
    year: int
    forbund_id: str
    group: str
    svar_id: str
    submitted: datetime
    kon: str
    fritext: str
    answers: dict[str, object]


def read_table(path: Path) -> tuple[list[str], list[list[object]]]:
    if path.suffix == ".jsonl":
        objects = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        headers = list(objects[0])
        return headers, [[obj[h] for h in headers] for obj in objects]
    if path.suffix == ".xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        values = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
        headers = values[0]
        return headers, [row + [None] * (len(headers) - len(row)) for row in values[1:]]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    values = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return values[0], values[1:]


def tool_rows(path: Path, catalog: Catalog) -> list[Row]:
    """A survey tool's export (tests/reference_tools.py), its answers decoded to the cells the
    contract would hold: declared codes and labels to their value, anything else as it is."""
    export = ToolFile(path, {})
    declared = export.declaration()
    group = catalog.resolve_respondent_group(declared["enkat"])
    codes = {fold(c): qid for c, qid in declared.get("questions", {}).items()}
    values = {fold(k): v for k, v in declared.get("values", {}).items()}
    gender_columns = {fold(c) for c in declared.get("gender_column", [])} | {"kön"}
    rows = []
    for response_id, moment, cells in export.responses():
        answers, kon = {}, ""
        for text, raw in cells.items():
            if fold(text) in gender_columns:
                kon = "" if raw is None else str(raw)
                continue
            question_id = codes.get(fold(text)) or catalog.question_candidates(text).get(group)
            if question_id is None:
                continue
            cell = values.get(fold(raw), raw) if raw is not None else ""
            if isinstance(cell, str) and re.match(r"^\d+ - ", cell):
                cell = int(cell.split(" - ", 1)[0])
            answers[question_id] = cell
        rows.append(
            Row(
                file=path.name,
                year=int(path.name[:4]),
                forbund_id=catalog.resolve_forbund(declared["forbund"]),
                group=group,
                svar_id=f"{declared['id']}/{response_id or moment.isoformat()}",
                submitted=moment,
                kon=kon,
                fritext="",
                answers=answers,
            )
        )
    return rows


def is_tool_export(name: str) -> bool:
    """<year>_<association>_<form>_<n>-<what the tool calls it>.<ext>"""
    return "-" in name.rsplit(".", 1)[0].rsplit("_", 1)[-1]


def parse_rows(path: Path, catalog: Catalog) -> list[Row]:
    """Read one export the way the loader is meant to, failing on anything off-contract."""
    if is_tool_export(path.name):
        return tool_rows(path, catalog)
    headers, values = read_table(path)
    rows = []
    for cells in values:
        assert len(cells) == len(headers), path.name
        fixed: dict[str, object] = {}
        answers: dict[str, object] = {}
        record = dict(zip(headers, cells, strict=True))
        group = catalog.resolve_respondent_group(str(record.get("enkat", record.get("Enkät"))))
        assert group is not None, path.name
        for header, value in record.items():
            if header in BASE_HEADERS:
                fixed[BASE_HEADERS[header]] = "" if value is None else value
            else:
                question_id = catalog.question_candidates(header)[group]
                answers[question_id] = "" if value is None else value
        forbund_id = catalog.resolve_forbund(str(fixed["forbund"]))
        assert forbund_id is not None, path.name
        rows.append(
            Row(
                file=path.name,
                year=int(path.name[:4]),
                forbund_id=forbund_id,
                group=group,
                svar_id=str(fixed["svar_id"]),
                submitted=datetime.fromisoformat(str(fixed["inskickad"])),
                kon=str(fixed["kon"]),
                fritext=str(fixed.get("fritext", "")),
                answers=answers,
            )
        )
    return rows


def file_digests(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        path.name: (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
    }


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> DemoSummary:
    return write_demo_exports(tmp_path_factory.mktemp("default"), catalog=catalog)


@pytest.fixture(scope="module")
def default_rows(default_run: DemoSummary, catalog: Catalog) -> list[Row]:
    return [
        row for name in default_run.files for row in parse_rows(default_run.out_dir / name, catalog)
    ]


@pytest.fixture(scope="module")
def final_rows(default_run: DemoSummary, default_rows: list[Row]) -> dict[tuple, Row]:
    """Questionnaires as the loader keeps them: files in mtime, then name order; later wins."""
    mtimes = {name: (default_run.out_dir / name).stat().st_mtime_ns for name in default_run.files}
    by_file: dict[str, list[Row]] = defaultdict(list)
    for row in default_rows:
        by_file[row.file].append(row)
    kept: dict[tuple, Row] = {}
    for name in sorted(by_file, key=lambda name: (mtimes[name], name)):
        for row in by_file[name]:
            kept[(row.forbund_id, row.group, row.svar_id)] = row
    return kept


def test_same_seed_gives_identical_bytes_and_mtimes(tmp_path: Path, catalog: Catalog) -> None:
    first = write_demo_exports(
        tmp_path / "a", seed=7, first_year=2021, last_year=2022, scale=0.3, catalog=catalog
    )
    write_demo_exports(
        tmp_path / "b", seed=7, first_year=2021, last_year=2022, scale=0.3, catalog=catalog
    )
    assert first.files_by_format["xlsx"] > 0
    assert file_digests(tmp_path / "a") == file_digests(tmp_path / "b")


def test_another_seed_gives_other_files(tmp_path: Path, catalog: Catalog) -> None:
    write_demo_exports(
        tmp_path / "a", seed=7, first_year=2021, last_year=2021, scale=0.3, catalog=catalog
    )
    write_demo_exports(
        tmp_path / "b", seed=8, first_year=2021, last_year=2021, scale=0.3, catalog=catalog
    )
    first, second = file_digests(tmp_path / "a"), file_digests(tmp_path / "b")
    shared = set(first) & set(second)
    assert sum(first[name][0] == second[name][0] for name in shared) == 0


def test_default_run_matches_national_report_volumes(
    default_run: DemoSummary, catalog: Catalog
) -> None:
    assert sorted(default_run.questionnaires_per_year) == list(range(2017, 2026))
    assert default_run.questionnaires_per_year[2017] == 1000
    assert default_run.associations_per_year[2017] == 13
    assert default_run.questionnaires_per_year[2021] == 3759
    assert default_run.associations_per_year[2021] == 39
    assert default_run.questionnaires_per_year[2022] == 3970
    assert default_run.associations_per_year[2022] == 36
    in_report = sorted(f.forbund_id for f in catalog.forbund if f.in_2024_report)
    assert default_run.forbund_per_year[2024] == in_report
    for year in range(2021, 2026):
        assert 3700 <= default_run.questionnaires_per_year[year] <= 4000
        assert 29 <= default_run.associations_per_year[year] <= 40
    assert 3000 < len(default_run.files) < 5000


def test_survey_forms_have_realistic_shares(default_run: DemoSummary) -> None:
    groups = default_run.questionnaires_per_group[2022]
    total = sum(groups.values())
    assert 0.36 <= groups["deltagare_pagaende"] / total <= 0.48
    assert 0.20 <= groups["deltagare_avslutade"] / total <= 0.30
    assert 0.15 <= groups["personal"] / total <= 0.25
    assert 0.05 <= groups["remittent"] / total <= 0.11
    per_board = groups["styrelse"] / default_run.associations_per_year[2022]
    assert 1 <= per_board < 5
    assert "remittent" not in default_run.questionnaires_per_group[2020]


def test_files_hold_exactly_the_summarised_questionnaires(
    default_run: DemoSummary, final_rows: dict[tuple, Row], catalog: Catalog
) -> None:
    per_year = Counter(row.year for row in final_rows.values())
    assert dict(per_year) == default_run.questionnaires_per_year
    per_forbund: dict[int, set[str]] = defaultdict(set)
    for row in final_rows.values():  # the late export counts for the association it merged into
        per_forbund[row.year].add(catalog.counting_forbund(row.forbund_id, row.year))
    assert {y: sorted(ids) for y, ids in per_forbund.items()} == default_run.forbund_per_year


def test_submissions_fall_in_their_measurement_year(default_rows: list[Row]) -> None:
    for row in default_rows:
        assert measurement_year_of(row.submitted) == row.year, row.file
        assert row.submitted < datetime(2025, 11, 1)
    assert {row.submitted.month for row in default_rows if row.year == 2017} == {10}
    months_2024 = {row.submitted.month for row in default_rows if row.year == 2024}
    assert months_2024 == set(range(1, 13))


def test_only_active_associations_report_and_the_mergers_show(
    default_run: DemoSummary, catalog: Catalog
) -> None:
    for year, forbund_ids in default_run.forbund_per_year.items():
        for forbund_id in forbund_ids:
            assert catalog.forbund_by_id[forbund_id].is_active_in(year), (year, forbund_id)
    reporting = default_run.forbund_per_year
    vastmanland = ["norra-vastmanland", "vasteras", "vastra-malardalen"]
    for year in range(2017, 2024):
        assert set(vastmanland) <= set(reporting[year])
        assert "vastmanlands-lan" not in reporting[year]
    for year in (2024, 2025):
        assert "vastmanlands-lan" in reporting[year]
        assert not set(vastmanland) & set(reporting[year])
    predecessors = ["ale", "kungalv", "stenungssund", "tjorn", "ockero"]
    assert set(predecessors) <= set(reporting[2017])
    assert "alv-och-kust" in reporting[2018]
    assert all(not set(predecessors) & set(reporting[y]) for y in range(2018, 2026))


def test_one_late_export_comes_from_an_association_that_had_merged(
    default_run: DemoSummary, default_rows: list[Row], catalog: Catalog
) -> None:
    [(name, named, successor)] = default_run.late_exports
    assert (name, named, successor) == (
        "2025_vasteras_personal_1.csv",
        "vasteras",
        "vastmanlands-lan",
    )
    late = [row for row in default_rows if row.file == name]
    assert 3 <= len(late) <= 6
    assert {(row.forbund_id, row.group, row.year) for row in late} == {
        ("vasteras", "personal", 2025)
    }
    assert catalog.forbund_by_id["vasteras"].dissolved_year < 2025
    # The old survey account numbers its responses as the successor's does.
    own = {
        row.svar_id
        for row in default_rows
        if (row.forbund_id, row.group, row.year) == ("vastmanlands-lan", "personal", 2025)
    }
    assert {row.svar_id for row in late} <= own
    assert default_run.questionnaires_per_year[2025] == 3850 + len(late)
    assert f"Late export from a merged association: {name} " in "\n".join(default_run.lines())


def test_no_late_export_before_the_first_merger(tmp_path: Path, catalog: Catalog) -> None:
    summary = write_demo_exports(
        tmp_path / "out", first_year=2017, last_year=2017, scale=0.1, catalog=catalog
    )
    assert summary.late_exports == []
    assert not any("_ale_" in name and name.startswith("2018") for name in summary.files)


def test_question_columns_follow_the_2021_and_2022_changes(
    default_rows: list[Row], catalog: Catalog
) -> None:
    for row in default_rows:
        expected = {q.question_id for q in catalog.questions_for(row.group, row.year)}
        assert set(row.answers) == expected, row.file
    asked = defaultdict(set)
    for row in default_rows:
        asked[row.year] |= set(row.answers)
    assert {"DP04A", "DA04A"} <= asked[2021] and not {"DP04B", "DA04B"} & asked[2021]
    assert {"DP04B", "DA04B"} <= asked[2022] and not {"DP04A", "DA04A"} & asked[2022]
    assert "P16A" not in asked[2020] and "P16A" in asked[2021]
    assert min(row.year for row in default_rows if row.group == "remittent") == 2021


def test_every_format_occurs(default_run: DemoSummary) -> None:
    folder = default_run.out_dir
    assert {name.rsplit(".", 1)[1] for name in default_run.files} == {"csv", "xlsx", "jsonl"}
    assert set(default_run.files_by_format) == {f.name for f in FORMATS} | set(TOOL_NAMES)
    csv_bytes = [(folder / name).read_bytes() for name in default_run.files if name.endswith("csv")]
    assert any(data.startswith(b"\xef\xbb\xbf") for data in csv_bytes)
    windows = [data for data in csv_bytes if b"\xe4" in data or b"\xf6" in data]
    assert windows
    for data in windows:
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    first_lines = [data.split(b"\n", 1)[0] for data in csv_bytes]
    assert any(line.count(b";") > 5 for line in first_lines)
    assert any(line.count(b",") > 5 for line in first_lines)
    workbook = openpyxl.load_workbook(folder / next(n for n in default_run.files if "xlsx" in n))
    assert workbook.sheetnames[0] == workbook.active.title


def test_fritext_with_separators_quotes_and_line_breaks_survives_quoting(
    default_rows: list[Row], default_run: DemoSummary
) -> None:
    texts = [row.fritext for row in default_rows if row.fritext]
    assert any("\n" in t and ("," in t or ";" in t) and '"' in t for t in texts)
    assert any("å" in t or "ä" in t or "ö" in t for t in texts)
    assert default_run.dirt.fritext_with_line_breaks > 50


def test_header_spellings_vary_between_associations(default_run: DemoSummary) -> None:
    headers: set[str] = set()
    for name in default_run.files:
        headers |= set(read_table(default_run.out_dir / name)[0])
    assert {"svar_id", "forbund", "enkat", "inskickad", "kon"} <= headers
    assert {"Svars-ID", "Förbund", "Enkät", "Inskickad", "Kön"} <= headers
    assert "DP01A" in headers
    assert "Får du stöd på ett sätt som är till stor nytta för dig?" in headers
    assert any(h.endswith("till stor nytta för dig") for h in headers)
    assert any(h == h.lower() and h.startswith("känner du dig") for h in headers)


def test_labels_vary_and_resolve(default_rows: list[Row], default_run: DemoSummary) -> None:
    forms: set[str] = set()
    for name in [n for n in default_run.files if not is_tool_export(n)][:400]:
        headers, rows = read_table(default_run.out_dir / name)
        column = next(i for i, h in enumerate(headers) if h in ("enkat", "Enkät"))
        forms |= {str(row[column]) for row in rows}
    assert "deltagare_pagaende" in forms and "Deltagare (pågående)" in forms
    assert {row.kon for row in default_rows} == KON_VALUES


def test_answers_are_on_scale_or_planted_dirt(
    final_rows: dict[tuple, Row], default_run: DemoSummary
) -> None:
    kinds: Counter[str] = Counter()
    for row in final_rows.values():
        for value in row.answers.values():
            text = str(value)
            if text == "":
                kinds["blank"] += 1
            elif text == "Vet ej":
                kinds["dont_know"] += 1
            elif text.isdigit() and 1 <= int(text) <= 10:
                kinds["valid"] += 1
            elif text in ("0", "11", "99"):
                kinds["out_of_range"] += 1
            else:
                kinds["text"] += 1
    dirt = default_run.dirt
    assert kinds["dont_know"] == dirt.dont_know_answers
    assert kinds["blank"] == dirt.blank_answers
    assert kinds["out_of_range"] == dirt.out_of_range_answers
    assert kinds["text"] == dirt.text_answers > 0
    cells = default_run.answer_cells
    assert sum(kinds.values()) == cells
    assert 0.045 < dirt.dont_know_answers / cells < 0.055
    assert 0.025 < dirt.blank_answers / cells < 0.035
    assert 0.002 < dirt.out_of_range_answers / cells < 0.004
    assert sum(row.kon == "" for row in final_rows.values()) == dirt.blank_kon > 0


def test_some_files_repeat_a_row(default_run: DemoSummary, default_rows: list[Row]) -> None:
    per_file = Counter((row.file, row.svar_id) for row in default_rows)
    repeated = {name for (name, _), count in per_file.items() if count > 1}
    copies = {again for _original, again in default_run.sent_twice}  # the same bytes again
    assert len(repeated - copies) == default_run.dirt.duplicated_rows > 5


def test_one_file_a_year_is_sent_twice_later(default_run: DemoSummary) -> None:
    folder = default_run.out_dir
    assert len(default_run.sent_twice) == default_run.dirt.duplicate_files == 9
    for original, copy in default_run.sent_twice:
        assert original != copy
        assert (folder / original).read_bytes() == (folder / copy).read_bytes()
        assert (folder / copy).stat().st_mtime > (folder / original).stat().st_mtime


def test_corrected_resends_change_a_few_answers_and_win(
    default_run: DemoSummary, default_rows: list[Row], final_rows: dict[tuple, Row]
) -> None:
    folder = default_run.out_dir
    assert len(default_run.corrected_resends) == default_run.dirt.corrected_resends == 5
    changed = 0
    for original, resend in default_run.corrected_resends:
        assert (folder / resend).stat().st_mtime > (folder / original).stat().st_mtime
        before = {r.svar_id: r for r in default_rows if r.file == original}
        after = {r.svar_id: r for r in default_rows if r.file == resend}
        assert set(before) == set(after)
        for svar_id, row in after.items():
            changed += sum(row.answers[q] != before[svar_id].answers[q] for q in row.answers)
            assert final_rows[(row.forbund_id, row.group, svar_id)].file == resend
    assert changed == default_run.dirt.corrected_answers > 0


def test_modification_times_follow_the_exports(
    default_run: DemoSummary, default_rows: list[Row]
) -> None:
    last_submission: dict[str, datetime] = {}
    for row in default_rows:
        last_submission[row.file] = max(row.submitted, last_submission.get(row.file, row.submitted))
    now = datetime.now().timestamp()
    for name, moment in last_submission.items():
        mtime = (default_run.out_dir / name).stat().st_mtime
        assert mtime <= now
        assert datetime.fromtimestamp(mtime).date() >= moment.date()


def test_answers_look_like_the_reports(final_rows: dict[tuple, Row]) -> None:
    values: dict[tuple, list[int]] = defaultdict(list)
    for row in final_rows.values():
        for question_id, value in row.answers.items():
            if str(value).isdigit() and 1 <= int(value) <= 10:
                ready = question_id.endswith("07A")
                values[(row.year, row.group, row.kon, ready)].append(int(value))

    def mean(**where: object) -> float:
        keys = ("year", "group", "kon", "ready")
        picked = [
            v
            for key, vs in values.items()
            if all(
                key[keys.index(k)] in (w if isinstance(w, tuple) else (w,))
                for k, w in where.items()
            )
            for v in vs
        ]
        return statistics.mean(picked)

    participants = ("deltagare_pagaende", "deltagare_avslutade")
    years = tuple(range(2017, 2026))
    overall = mean(year=years)
    assert 7.0 <= overall <= 8.0
    assert mean(year=(2024, 2025)) > mean(year=(2017, 2018)) + 0.1
    men_ready = mean(group=participants, kon="Man", ready=True)
    women_ready = mean(group=participants, kon="Kvinna", ready=True)
    assert 0.3 < men_ready - women_ready < 1.0
    gap_elsewhere = mean(group=participants, kon="Man", ready=False) - mean(
        group=participants, kon="Kvinna", ready=False
    )
    assert abs(gap_elsewhere) < 0.25
    assert mean(group="chefsgrupp") < mean(group=participants) - 0.2
    assert mean(group="personal") < mean(group="remittent") - 0.2


def test_scale_multiplies_volumes(tmp_path: Path, catalog: Catalog) -> None:
    single = write_demo_exports(
        tmp_path / "one", first_year=2021, last_year=2022, scale=1.0, catalog=catalog
    )
    double = write_demo_exports(
        tmp_path / "two", first_year=2021, last_year=2022, scale=2.0, catalog=catalog
    )
    for year in (2021, 2022):
        assert double.questionnaires_per_year[year] == 2 * single.questionnaires_per_year[year]
        assert double.associations_per_year[year] == single.associations_per_year[year]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_year": 2016}, "first_year must be 2017 or later"),
        ({"first_year": 2022, "last_year": 2021}, "must not be before first_year"),
        ({"scale": 0}, "scale must be a number greater than 0"),
        ({"scale": -1.5}, "scale must be a number greater than 0"),
        ({"last_year": date.today().year + 1}, "has not ended yet"),
    ],
)
def test_bad_arguments_are_refused_with_a_sentence(
    tmp_path: Path, kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_demo_exports(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()


def test_an_existing_file_as_output_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(ValueError, match="is an existing file"):
        write_demo_exports(target, first_year=2021, last_year=2021, scale=0.1)
    assert os.path.isfile(target)


def test_a_measurement_year_can_be_generated_once_it_has_ended() -> None:
    validate_arguments(2017, 2026, 1.0, date(2026, 11, 25))
    validate_arguments(2017, 2026, 1.0, date(2026, 11, 1))
    with pytest.raises(ValueError, match="latest possible last_year is 2025"):
        validate_arguments(2017, 2026, 1.0, date(2026, 10, 31))


def test_six_associations_send_their_staff_survey_as_tool_exports(
    default_run: DemoSummary, default_rows: list[Row]
) -> None:
    """Every layout, cumulative (each later export of a year holds the earlier responses again),
    with an edited response in the last export of a year (not Google Forms: no response id)."""
    tools = Counter(tool for _name, tool in default_run.tool_exports)
    assert set(tools) == set(TOOL_NAMES) and min(tools.values()) >= 9
    by_file: dict[str, list[Row]] = defaultdict(list)
    for row in default_rows:
        by_file[row.file].append(row)
    for name, _tool in default_run.tool_exports:
        year, forbund, *_rest = name.split("_")
        number = int(name.rsplit("_", 1)[1].split("-", 1)[0])
        if number > 1:
            before = name.replace(f"_{number}-", f"_{number - 1}-")
            earlier = {row.svar_id for row in by_file[before]}
            assert earlier < {row.svar_id for row in by_file[name]}, name
    edited_tools = {tool for name, tool in default_run.tool_exports
                    if name in {edited for edited, _number in default_run.tool_edits}}  # fmt: skip
    assert edited_tools == set(TOOL_NAMES) - {"google-forms"}
    for name, _response in default_run.tool_edits:  # the year's first response, edited
        number = int(name.rsplit("_", 1)[1].split("-", 1)[0])
        old, new = by_file[name.replace(f"_{number}-", f"_{number - 1}-")][0], by_file[name][0]
        assert old.svar_id == new.svar_id and old.answers != new.answers, name
