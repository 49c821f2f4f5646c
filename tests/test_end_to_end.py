"""The real job on a small generated data set, checked against numbers computed from raw files."""

from __future__ import annotations

import re
from collections import Counter

import duckdb
import pytest

from tests.reference import Reference, by_forbund, cell_statistics, close

YEAR = 2021
CELLS = [  # (respondent group, question) pairs checked in every scope and gender
    ("deltagare_pagaende", "DP01A"),
    ("deltagare_avslutade", "DA07A"),
    ("personal", "P03A"),
]


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference()


@pytest.fixture(scope="module")
def questionnaires(reference, small_landing):
    return reference.questionnaires(small_landing)


def mart_cell(run, year, group, question_id, gender, forbund_id):
    rows = run.query(
        """
        select n_respondents, n_answers, n_dont_know, mean_score, share_positive
        from marts.fct_indicator_results
        where measurement_year = ? and respondent_group = ? and question_id = ? and gender = ?
          and scope = ? and forbund_id is not distinct from ?
        """,
        [
            year,
            group,
            question_id,
            gender,
            "riket" if forbund_id is None else "forbund",
            forbund_id,
        ],
    )
    assert len(rows) == 1, (year, group, question_id, gender, forbund_id, rows)
    keys = ("n_respondents", "n_answers", "n_dont_know", "mean_score", "share_positive")
    return dict(zip(keys, rows[0], strict=True))


def test_run_reports_success_and_paths(pipeline_run):
    out = pipeline_run.result.stdout
    assert "succeeded" in out
    assert str(pipeline_run.warehouse) in out
    assert pipeline_run.snapshot.exists()


def test_the_dbt_docs_describe_the_project_and_name_this_home_only(pipeline_run):
    """Made by dbt or copied from another home with the same project and warehouse layout
    (orchestration/dbt_docs.py), the docs name this home's run folders and no other's."""
    docs = pipeline_run.home / "dbt" / "docs" / "static_index.html"
    assert f"dbt docs for analysts: {docs}" in pipeline_run.result.stdout
    page = docs.read_text(encoding="utf-8")
    assert "model.finsam.fct_indicator_results" in page
    named = set(re.findall(r"(/[^\"\s]*?)/dbt/target/run-", page))
    assert named == {str(pipeline_run.home)}


def test_questionnaire_counts_match_raw_files(pipeline_run, questionnaires):
    expected = by_forbund(questionnaires)
    actual = dict(
        pipeline_run.query(
            "select forbund_id, count(*) from marts.fct_submissions group by forbund_id"
        )
    )
    assert actual == expected
    assert sum(actual.values()) == len(questionnaires) > 500


def test_a_late_export_from_a_merged_association_counts_for_its_successor(
    pipeline_run, questionnaires
):
    late = sorted(
        (q.reported_forbund_id, q.forbund_id, q.group, q.year, q.svar_id)
        for q in questionnaires
        if q.reported_forbund_id != q.forbund_id
    )
    assert late, "the generated data set should hold a late export from a merged association"
    assert (
        pipeline_run.query(
            "select reported_forbund_id, forbund_id, respondent_group, measurement_year, svar_id "
            "from marts.fct_submissions where reported_forbund_id <> forbund_id order by all"
        )
        == late
    )
    # The generator reuses the successor's own svar_ids for them: still two questionnaires each.
    own = {
        (q.forbund_id, q.group, q.svar_id)
        for q in questionnaires
        if q.reported_forbund_id == q.forbund_id
    }
    assert any((successor, group, svar_id) in own for _, successor, group, _, svar_id in late)
    audited = pipeline_run.query(
        "select reported_forbund_id, forbund_id, respondent_group, measurement_year, svar_id "
        "from audit.attributed_records order by all"
    )
    assert audited == late
    [(named, year)] = {(named, year) for named, _, _, year, _ in late}
    assert pipeline_run.query(
        "select sum(rows_attributed) from published.data_quality "
        "where forbund_id = ? and measurement_year = ?",
        [named, year],
    ) == [(len(late),)]
    assert pipeline_run.query("select sum(rows_attributed) from published.data_quality") == [
        (len(late),)
    ]
    con = duckdb.connect(str(pipeline_run.snapshot), read_only=True)
    try:
        published = con.execute(
            "select measurement_year, reported_forbund_id, forbund_id, respondent_group, "
            "n_submissions from forbund_attributions"
        ).fetchall()
    finally:
        con.close()
    counts = Counter((year, named, successor, group) for named, successor, group, year, _ in late)
    assert sorted(published) == sorted((*key, n) for key, n in counts.items())


@pytest.mark.parametrize(("group", "question_id"), CELLS)
@pytest.mark.parametrize("gender", ["alla", "kvinna", "man"])
def test_national_cells_match_raw_files(
    pipeline_run, questionnaires, reference, group, question_id, gender
):
    expected = cell_statistics(questionnaires, reference, YEAR, group, question_id, gender)
    actual = mart_cell(pipeline_run, YEAR, group, question_id, gender, None)
    assert expected["n_answers"] > 20
    for key, value in expected.items():
        assert close(actual[key], value), (key, actual[key], value)


@pytest.mark.parametrize(("group", "question_id"), CELLS)
@pytest.mark.parametrize("gender", ["alla", "kvinna", "man"])
def test_association_cells_match_raw_files(
    pipeline_run, questionnaires, reference, group, question_id, gender
):
    counts = by_forbund([q for q in questionnaires if q.year == YEAR and q.group == group])
    forbund_id = max(sorted(counts), key=lambda f: counts[f])  # the largest association
    expected = cell_statistics(
        questionnaires, reference, YEAR, group, question_id, gender, forbund_id
    )
    actual = mart_cell(pipeline_run, YEAR, group, question_id, gender, forbund_id)
    assert expected["n_respondents"] > 0
    for key, value in expected.items():
        assert close(actual[key], value), (key, actual[key], value)


def test_women_and_men_never_exceed_the_total(pipeline_run):
    violations = pipeline_run.query(
        """
        select measurement_year, scope, forbund_id, question_id
        from marts.fct_indicator_results
        group by all
        having sum(n_answers) filter (where gender <> 'alla')
             > max(n_answers) filter (where gender = 'alla')
        """
    )
    assert violations == []


def test_published_layer_hides_suppressed_values(pipeline_run):
    import duckdb

    con = duckdb.connect(str(pipeline_run.snapshot), read_only=True)
    try:
        suppressed, leaking = con.execute(
            """
            select count(*) filter (where is_suppressed),
                   count(*) filter (where is_suppressed and (n_answers is not null
                       or mean_score is not null or share_positive is not null))
            from indicator_results
            """
        ).fetchone()
        tables = {name for (name,) in con.execute("show tables").fetchall()}
    finally:
        con.close()
    assert suppressed > 0
    assert leaking == 0
    assert {"indicator_results", "forbund", "indicators", "questions"} <= tables


def test_every_file_is_accounted_for(pipeline_run, small_landing):
    files = sorted(p.name for p in small_landing.iterdir())
    audited = pipeline_run.query(
        "select file_name, rows_read, rows_loaded + rows_rejected + rows_duplicate "
        "from audit.file_loads order by file_name"
    )
    assert [name for name, *_ in audited] == files
    assert all(read == accounted for _name, read, accounted in audited)


def mart_contents(run) -> dict[str, list[tuple]]:
    """Every mart table, rows sorted, doubles rounded to 10 decimals: parallel aggregation may
    add in another order and change the last bit, which is not a change of the data."""
    tables = [
        name
        for (name,) in run.query(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    ]
    contents = {}
    for table in sorted(tables):
        columns = run.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [table],
        )
        select = ", ".join(
            f"round({name}, 10)" if kind == "DOUBLE" else name for name, kind in columns
        )
        contents[table] = run.query(f"select {select} from marts.{table} order by all")
    return contents


def test_second_run_loads_nothing_and_changes_no_mart(pipeline_run):
    from tests.conftest import run_finsam

    before = mart_contents(pipeline_run)
    result = run_finsam(
        "run",
        "--home",
        str(pipeline_run.home),
        "--landing",
        str(pipeline_run.landing),
        "--no-site",
        home=pipeline_run.home,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "No new files" in result.stdout
    after = mart_contents(pipeline_run)
    assert len(before) >= 7
    assert before["fct_indicator_results"]
    for table in before:
        changed = sorted(set(before[table]) ^ set(after[table]), key=str)[:2]
        assert not changed, (table, [str(row) for row in changed])
