"""Everything that leaves the warehouse, scanned: the snapshot, every download and every file of the
built site. None may hold a value of a suppressed cell, an open-text answer or a row at
questionnaire level."""

import csv
import io
import json
import re
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.site

# Columns that would put single questionnaires or their open text on the outside.
QUESTIONNAIRE_COLUMNS = {
    "svar_id",
    "submission_key",
    "fritext",
    "kon_raw",
    "source_row",
    "row_hash",
    "insats",
    "submitted_at",
    "raw_value",
    "answer_value_raw",
    "source_file",
}
# Columns that a suppressed row keeps: keys, labels, the verdict. Everything else must be null.
KEPT_WHEN_SUPPRESSED = {
    "measurement_year",
    "matar",
    "matar_slut",
    "scope",
    "forbund_id",
    "forbund_name",
    "respondent_group",
    "respondent_group_label",
    "indicator_number",
    "indicator_name",
    "indicator_short_name",
    "question_id",
    "question_text",
    "question_ids",
    "comparability_key",
    "comparability_keys",
    "gender",
    "kon",
    "n_questions",
    "answer_value",
    "answer_label",
    "is_dont_know",
    "is_positive",
    "option_order",
    "is_suppressed",
    "suppression_rule",
    "suppression_reason",
    "symbol",
    "reported_by_forbund_id",
    "reported_by_forbund_name",
    "is_predecessor_result",
    "andel_text",
    "medel_text",
    "antal_text",
    "forandring_text",
}
TEXT_SUFFIXES = {".html", ".js", ".json", ".csv", ".txt", ".svg", ".css", ".map"}
JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def published_files(site_run, pipeline_run) -> list[Path]:
    """Every file of the site and the downloads, and the snapshot; compressed copies of a file
    (.br, .gz) hold the same bytes and are covered by it."""
    files = [p for p in site_run.rglob("*") if p.is_file() and p.suffix not in {".br", ".gz"}]
    downloads = pipeline_run.home / "published" / "downloads"
    files += [p for p in downloads.rglob("*") if p.is_file()]
    return files + [pipeline_run.snapshot]


@pytest.fixture(scope="module")
def open_texts(pipeline_run) -> set[str]:
    """The open-text answers in the warehouse (at least 6 characters, so that a common word such
    as "Bra" is not taken for one)."""
    rows = pipeline_run.query(
        "select distinct trim(fritext) from raw.submissions where length(trim(fritext)) >= 6"
    )
    return {text for (text,) in rows}


def tables_in(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """The tables a data file holds, as columns and rows."""
    if path.suffix == ".parquet":
        con = duckdb.connect()
        relation = con.sql(f"select * from read_parquet('{path}')")
        return {path.name: (relation.columns, relation.fetchall())}
    if path.suffix == ".csv":
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";")
        rows = list(reader)
        return {path.name: (rows[0], [tuple(row) for row in rows[1:]])} if rows else {}
    if path.suffix == ".duckdb":
        con = duckdb.connect(str(path), read_only=True)
        names = [name for (name,) in con.execute("show tables").fetchall()]
        tables = {}
        for name in names:
            relation = con.sql(f'select * from "{name}"')
            tables[f"{path.name}:{name}"] = (relation.columns, relation.fetchall())
        con.close()
        return tables
    return {}


def is_set(value: object) -> bool:
    return value not in (None, "")


def test_there_are_files_of_every_kind_to_scan(published_files):
    suffixes = {path.suffix for path in published_files}
    assert {".html", ".js", ".parquet", ".csv", ".duckdb"} <= suffixes


def test_no_published_table_has_a_questionnaire_level_column(published_files):
    offending = []
    for path in published_files:
        for name, (columns, _) in tables_in(path).items():
            found = QUESTIONNAIRE_COLUMNS & {column.lower() for column in columns}
            if found:
                offending.append(f"{path}: {name} has {sorted(found)}")
    assert offending == []


def test_no_suppressed_row_carries_a_value_anywhere(published_files):
    offending = []
    checked = 0
    for path in published_files:
        for name, (columns, rows) in tables_in(path).items():
            if "is_suppressed" not in columns:
                continue
            flag = columns.index("is_suppressed")
            values = [i for i, column in enumerate(columns) if column not in KEPT_WHEN_SUPPRESSED]
            for row in rows:
                if row[flag] in (True, "SANT", "true", "True"):
                    checked += 1
                    leaked = [columns[i] for i in values if is_set(row[i])]
                    if leaked:
                        offending.append(f"{path}: {name}: {leaked} set in a suppressed row")
                        break
    assert checked > 0
    assert offending == []


def strings_in(path: Path) -> set[str]:
    """The text values a file holds: table cells, JSON strings, and the text of HTML and JS."""
    if path.suffix in {".parquet", ".csv", ".duckdb"}:
        return {
            str(value).strip()
            for _, rows in tables_in(path).values()
            for row in rows
            for value in row
            if isinstance(value, str)
        }
    if path.suffix in TEXT_SUFFIXES:
        text = path.read_text(encoding="utf-8", errors="replace")
        strings = set()
        for literal in JSON_STRING.findall(text):
            try:
                strings.add(json.loads(f'"{literal}"').strip())
            except json.JSONDecodeError:
                strings.add(literal.strip())
        strings.update(line.strip() for line in re.split(r"[<>\n]", text))
        return strings
    return set()


def test_no_open_text_answer_is_published(published_files, open_texts):
    assert open_texts, "the demo data should hold open-text answers to look for"
    leaked = {path: open_texts & strings_in(path) for path in published_files}
    assert {path: texts for path, texts in leaked.items() if texts} == {}
