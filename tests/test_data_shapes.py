"""The real job (`finsam run`) on the shapes real first deployments have, not the demo's nine years.

Each shape is its own home and landing folder. Every run must succeed, its marts must agree with
the independent reading of the raw files, nothing published may give away a group of fewer than
five, and what is published must be what a reader of that shape expects. The runs are started
together when the module begins, two at a time (the machine has two cores; a run uses about one),
and each test waits for its own. The empty landing folder's run (tests/conftest.py, shared with
the dbt unit tests), the one-year run and the all-suppressed run build their sites, never at the
same time: two Evidence builds would share the reports folder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import nullcontext
from pathlib import Path
from threading import Lock

import duckdb
import pytest

from tests.conftest import PipelineRun, run_finsam, site_option
from tests.shapes import DemoFile, copy_into, demo_files, expected_cells, problems_of, write_csv
from tests.site_pages import Visit, served

SUCCESSOR = "vastmanlands-lan"
MERGED_INTO_SUCCESSOR = ("norra-vastmanland", "vasteras", "vastra-malardalen")
NO_COMPARISON = "Jämförelse saknas"
NO_RESULTS_YET = "Det finns inga resultat ännu"
NO_PUBLISHED_VALUES = "Inga publicerade värden"
WITH_SITE = ("one_measurement_year", "every_association_cell_suppressed")


def results_where(run: PipelineRun, condition: str) -> int:
    """How many published result cells meet the condition."""
    return published(run, f"select count(*) from indicator_results where {condition}")[0][0]


def published(run: PipelineRun, sql: str) -> list[tuple]:
    con = duckdb.connect(str(run.snapshot), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# --- hand-made landing folders -------------------------------------------------------------------

PERSONAL = ["svar_id", "forbund", "enkat", "inskickad", "kon", "P03A", "P06A"]
NAMES = ["Blekinge", "Finnveden", "Gotland", "Roslagen", "Samsund", "Sundsvall"]


def staff(name: str, year: int, count: int, p06a: Callable[[int], str]) -> list[dict]:
    return [
        {
            "svar_id": f"{name.lower()}-{number}",
            "forbund": name,
            "enkat": "personal",
            "inskickad": f"{year}-03-{10 + number:02d} 10:00",
            "kon": "Kvinna" if number % 2 else "Man",
            "P03A": str(3 + (number * 3) % 8),
            "P06A": p06a(number),
        }
        for number in range(1, count + 1)
    ]


def every_association_small(landing: Path) -> Path:
    """Measurement year 2024: six associations with 3 or 4 staff questionnaires each, so every
    association cell is below the threshold while the national cells (21 answers) are not."""
    for index, name in enumerate(NAMES):
        rows = staff(name, 2024, 3 + index % 2, lambda n: str(4 + n % 6))
        write_csv(landing / f"2024_{name.lower()}_personal.csv", PERSONAL, rows)
    return landing


def one_question_only_dont_know(landing: Path) -> Path:
    """Three associations, 8 staff questionnaires each; every answer to P06A is "Vet ej"."""
    for name in NAMES[:3]:
        rows = staff(name, 2024, 8, lambda n: "Vet ej")
        write_csv(landing / f"2024_{name.lower()}_personal.csv", PERSONAL, rows)
    return landing


# --- the shapes ----------------------------------------------------------------------------------


def pick(files: list[DemoFile], keep: Callable[[DemoFile], bool]) -> list[DemoFile]:
    chosen = [file for file in files if keep(file)]
    assert chosen, "the demo data no longer holds files of this shape"
    return chosen


def shapes(small: list[DemoFile], year_2024: list[DemoFile]) -> dict[str, Callable[[Path], Path]]:
    """Each shape writes its landing folder."""
    first_participants_file = pick(year_2024, lambda f: f.group == "deltagare_pagaende")[0]
    # the one that sent most files: enough answers for results, and changes, of its own
    association = Counter(file.forbund for file in small).most_common(1)[0][0]
    return {
        "one_file": lambda landing: copy_into([first_participants_file], landing),
        "one_association": lambda landing: copy_into(
            pick(small, lambda f: f.forbund == association), landing
        ),
        "one_respondent_group": lambda landing: copy_into(
            pick(small, lambda f: f.group == "personal"), landing
        ),
        "board_and_managers_only": lambda landing: copy_into(
            pick(small, lambda f: f.group in ("styrelse", "chefsgrupp")), landing
        ),
        "after_a_merger_only": lambda landing: copy_into(
            pick(year_2024, lambda f: f.forbund in (SUCCESSOR, *MERGED_INTO_SUCCESSOR)), landing
        ),
        "every_association_cell_suppressed": every_association_small,
        "a_question_answered_only_dont_know": one_question_only_dont_know,
    }


@pytest.fixture(scope="module")
def shape_runs(tmp_path_factory, empty_run, small_landing, year_2024_landing):
    """Starts every shape's run; name -> Future[PipelineRun]. The shapes in WITH_SITE build their
    sites (where Evidence is installed) one after the other, and the empty run (with its site) is
    done before these start: never two Evidence builds at once."""
    evidence = Lock()

    def run(name: str, write: Callable[[Path], Path]) -> PipelineRun:
        home = tmp_path_factory.mktemp(f"shape-{name}")
        landing = write(home / "landing")
        landing.mkdir(parents=True, exist_ok=True)
        options = site_option() if name in WITH_SITE else ("--no-site",)
        with evidence if name in WITH_SITE else nullcontext():
            result = run_finsam(
                "run", "--home", str(home), "--landing", str(landing), *options, home=home
            )
        return PipelineRun(home, landing, result)

    written = {
        "one_measurement_year": lambda landing: copy_into(demo_files(year_2024_landing), landing),
        **shapes(demo_files(small_landing), demo_files(year_2024_landing)),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures: dict[str, Future] = {
            name: pool.submit(run, name, write) for name, write in written.items()
        }
        yield futures
        wait(list(futures.values()))


def finished(shape_runs, name: str) -> PipelineRun:
    run = shape_runs[name].result()
    problems = problems_of(run)
    assert not problems, f"{name}: {len(problems)} problems, first: " + "\n".join(problems[:10])
    return run


# --- what each shape publishes -------------------------------------------------------------------


def test_one_file(shape_runs):
    run = finished(shape_runs, "one_file")
    (file,) = run.landing.iterdir()
    shape = DemoFile.parse(file)
    assert published(run, "select distinct measurement_year from participation") == [(2024,)]
    groups = published(run, "select distinct respondent_group from indicator_results")
    assert groups == [(shape.group,)]
    # one association: its published cells are the nation's
    pairs = published(
        run,
        """
        select f.share_positive, r.share_positive from indicator_results f
        join indicator_results r using (measurement_year, respondent_group, question_id, gender)
        where f.scope = 'forbund' and r.scope = 'riket' and not f.is_suppressed
        """,
    )
    assert pairs and all(mine == nation for mine, nation in pairs)


def test_one_association(shape_runs, small_landing):
    run = finished(shape_runs, "one_association")
    associations = published(
        run, "select distinct forbund_id from indicator_results where scope = 'forbund'"
    )
    assert len(associations) == 1
    years = published(run, "select count(distinct measurement_year) from indicator_results")
    assert years == [(3,)]
    # several years of one association: changes are tested where both years are published
    assert results_where(run, "previous_year is not null") > 0


def test_one_respondent_group(shape_runs):
    run = finished(shape_runs, "one_respondent_group")
    assert published(run, "select distinct respondent_group from indicator_results") == [
        ("personal",)
    ]
    assert published(run, "select distinct respondent_group from indicator_summary") == [
        ("personal",)
    ]
    assert results_where(run, "not is_suppressed and scope = 'riket'") > 0


def test_board_and_managers_only(shape_runs):
    """1 to 4 questionnaires per association: every association cell is hidden, the nation's are
    published where enough associations answered."""
    run = finished(shape_runs, "board_and_managers_only")
    groups = published(run, "select distinct respondent_group from participation order by 1")
    assert set(groups) <= {("alla",), ("chefsgrupp",), ("styrelse",)}
    small = run.query(
        """
        select count(*) from marts.fct_indicator_results
        where scope = 'forbund' and gender = 'alla' and n_answers between 1 and 4
        """
    )[0][0]
    assert small > 0
    assert results_where(run, "scope = 'forbund' and not is_suppressed and n_answers < 5") == 0
    assert results_where(run, "scope = 'riket' and not is_suppressed") > 0


def test_after_a_merger_only(shape_runs):
    """Only files from after the Västmanland merger, one of them in a predecessor's name: it counts
    for the successor, no predecessor has results of its own, and the attribution is published."""
    run = finished(shape_runs, "after_a_merger_only")
    owners = published(
        run, "select distinct forbund_id from indicator_results where scope = 'forbund'"
    )
    assert owners == [(SUCCESSOR,)]
    attributed = published(
        run, "select distinct reported_forbund_id, forbund_id from forbund_attributions"
    )
    assert attributed and {forbund for _, forbund in attributed} == {SUCCESSOR}
    assert {reported for reported, _ in attributed} <= set(MERGED_INTO_SUCCESSOR)
    assert published(run, "select count(*) from forbund_history where is_predecessor_result") == [
        (0,)
    ]


def test_every_association_cell_suppressed(shape_runs):
    run = finished(shape_runs, "every_association_cell_suppressed")
    assert results_where(run, "scope = 'forbund' and not is_suppressed") == 0
    nation = published(
        run,
        """
        select question_id, n_answers from indicator_results
        where scope = 'riket' and gender = 'alla' and not is_suppressed order by 1
        """,
    )
    assert nation == [("P03A", 21), ("P06A", 21)]
    # no association cell is shown anywhere else either
    assert published(
        run,
        "select count(*) from answer_distribution where scope = 'forbund' and not is_suppressed",
    ) == [(0,)]


@pytest.mark.site
def test_every_association_cell_suppressed_on_the_site(shape_runs, browser):
    """Indicators whose national cells are all hidden keep their row, with a dash for a line."""
    run = finished(shape_runs, "every_association_cell_suppressed")
    with served(run.home / "site") as url:
        overview = Visit(browser, f"{url}/", "shape-suppressed-oversikt")
        indicator = Visit(browser, f"{url}/indikatorer/3/", "shape-suppressed-indikator-3")
        association = Visit(browser, f"{url}/forbund/blekinge/", "shape-suppressed-blekinge")
    assert overview.errors == indicator.errors == association.errors == []
    # staff answer 8 indicators; only 3 and 6 have national values, the other 6 rows a dash
    assert overview.text.count(NO_PUBLISHED_VALUES) == 6
    assert "3. Stödet får ta den tid som behövs" in overview.text
    assert "Blekinge" in association.text


def test_a_question_answered_only_dont_know(shape_runs):
    run = finished(shape_runs, "a_question_answered_only_dont_know")
    cells = run.query(
        """
        select scope, n_answers, n_dont_know, share_positive, mean_score
        from marts.fct_indicator_results
        where question_id = 'P06A' and gender = 'alla' order by scope, forbund_id
        """
    )
    assert cells == [("forbund", 0, 8, None, None)] * 3 + [("riket", 0, 24, None, None)]
    rows = published(
        run,
        """
        select bool_and(is_suppressed), count(*) filter (where share_positive is not null),
               any_value(suppression_rule)
        from indicator_results where question_id = 'P06A'
        """,
    )
    assert rows == [(True, 0, "threshold")]
    assert results_where(run, "question_id = 'P03A' and not is_suppressed") > 0


def test_one_measurement_year(shape_runs):
    """A programme's first year (the issue's 396 files): nothing to compare, said in every row
    where a change would stand."""
    run = finished(shape_runs, "one_measurement_year")
    assert len(expected_cells(run.landing)) > 1000
    compared, noted, shown = published(
        run,
        """
        select
            count(*) filter (where previous_year is not null or share_positive_change is not null),
            count(*) filter (where not is_suppressed and comparison_note like 'Jämförelse saknas%'),
            count(*) filter (where not is_suppressed)
        from indicator_results
        """,
    )[0]
    assert compared == 0
    assert noted == shown > 0


@pytest.mark.site
def test_one_measurement_year_on_the_site(shape_runs, browser):
    run = shape_runs["one_measurement_year"].result()
    with served(run.home / "site") as url:
        overview = Visit(browser, f"{url}/", "shape-one-year-oversikt")
        indicator = Visit(browser, f"{url}/indikatorer/1/", "shape-one-year-indikator-1")
    assert overview.errors == [] and indicator.errors == []
    assert f"{NO_COMPARISON}: det finns bara ett mätår (2024)" in overview.text
    assert NO_COMPARISON in indicator.text


# --- an empty landing folder ---------------------------------------------------------------------


def test_an_empty_landing_folder_publishes_no_results(empty_run):
    assert problems_of(empty_run) == []
    counts = dict(
        published(
            empty_run,
            """
            select 'results', count(*) from indicator_results union all
            select 'participation', count(*) from participation union all
            select 'indicators', count(*) from indicators
            """,
        )
    )
    assert counts == {"results": 0, "participation": 0, "indicators": 16}
    status = run_finsam("status", "--home", str(empty_run.home), home=empty_run.home)
    assert status.returncode == 0
    assert "no questionnaires yet" in status.stdout
    assert "holds no results yet" in status.stdout


@pytest.mark.site
def test_an_empty_landing_folder_gets_a_site_that_says_so(empty_run, browser):
    with served(empty_run.home / "site") as url:
        overview = Visit(browser, f"{url}/", "shape-empty-oversikt")
        indicator = Visit(browser, f"{url}/indikatorer/3/", "shape-empty-indikator-3")
    assert overview.errors == [] and indicator.errors == []
    assert NO_RESULTS_YET in overview.text
    assert "Det finns inga resultat för indikatorn ännu" in indicator.text
    assert "Får stödet ta den tid som du behöver?" in indicator.text


# --- types ---------------------------------------------------------------------------------------


def column_types(database: Path) -> dict[tuple[str, str, str], str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            """
            select table_schema, table_name, column_name, data_type
            from information_schema.columns
            where table_schema not in ('information_schema', 'pg_catalog')
            """
        ).fetchall()
    finally:
        con.close()
    return {(schema, table, column): kind for schema, table, column, kind in rows}


def test_column_types_do_not_depend_on_the_data(empty_run, pipeline_run, shape_runs):
    """Every table and view of the warehouse and the snapshot has the same columns and types when
    empty, with one measurement year, and with three years of demo data."""
    one_year = finished(shape_runs, "one_measurement_year")
    for database in (lambda run: run.warehouse, lambda run: run.snapshot):
        empty, single, several = (
            column_types(database(run)) for run in (empty_run, one_year, pipeline_run)
        )
        tables = {key[:2] for key in empty}
        assert {("marts", "fct_indicator_results"), ("main", "indicator_results")} & tables
        for other in (single, several):
            shared = {key for key in other if key[:2] in tables}
            assert {key: other[key] for key in shared} == empty
