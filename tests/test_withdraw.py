"""Withdrawing a loaded file and undoing it (`finsam withdraw`, the Dagster withdraw_job), on real
warehouses: which versions are current, what the loader does with the same questionnaires later,
and that undoing leaves every table (and, through a real run, every mart) as before."""

from __future__ import annotations

import shutil
from datetime import datetime

import dagster as dg
import pytest

from orchestration.catalog import load_catalog
from orchestration.definitions import defs
from orchestration.defs.resources import run_config_for
from orchestration.defs.transform import finsam_dbt_assets
from orchestration.ingest.landing import sha256_of
from orchestration.ingest.withdraw import WithdrawError, withdraw
from orchestration.project_nodes import project_only_keys, project_only_tests
from orchestration.status import gather
from tests.conftest import run_finsam
from tests.corpus import Landing, Warehouse, contents, csv_bytes, row
from tests.test_incremental_build import (
    BUILT_BY_YEAR,
    assert_dbt_parsed_only_what_changed,
    assert_only_the_year_was_rebuilt,
    latest_dbt_log,
)
from tests.test_reload_year import MART_TABLES, rounded, rows_of

NOW = datetime(2025, 6, 1, 12, 0)
LATER = datetime(2025, 6, 2, 12, 0)
# Questionnaires of 2024-03-01: measurement year 2024.
# The current version of each questionnaire: from which file.
CURRENT = """
    select svar_id, source_file
    from raw.submissions
    where load_id not in (select load_id from audit.withdrawals where undone_at is null)
    qualify row_number() over (
        partition by svar_id order by file_modified_at desc, load_id desc
    ) = 1
    order by svar_id
"""


@pytest.fixture
def two_files(tmp_path, monkeypatch):
    """a.csv, a test export with questionnaires 1 and 2; then b.csv, the real export: 1 again,
    identical (a duplicate), 2 corrected, and 3."""
    monkeypatch.setenv("FINSAM_OPERATOR", "anna.andersson")
    landing = Landing(tmp_path / "landing")
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    landing.add("a.csv", csv_bytes([row(1), row(2)]))
    warehouse.ingest(NOW)
    landing.add("b.csv", csv_bytes([row(1), row(2, DP01A="3"), row(3)]))
    warehouse.ingest(NOW)
    return landing, warehouse


def current(warehouse: Warehouse) -> list[tuple]:
    return warehouse.query(CURRENT)


def file_counts(warehouse: Warehouse, name: str) -> tuple:
    return warehouse.query(
        "select rows_read, rows_loaded, rows_duplicate from audit.file_loads where file_name = ?",
        [name],
    )[0]


def test_withdrawing_the_later_file_makes_the_earlier_versions_current_and_undo_restores(
    two_files,
):
    landing, warehouse = two_files
    before = contents(warehouse)
    assert current(warehouse) == [("1", "a.csv"), ("2", "b.csv"), ("3", "b.csv")]
    sha = sha256_of(landing.path / "b.csv")

    report = withdraw(warehouse.settings, load_catalog(), sha[:10], "fel förbund", now=LATER)

    assert (report.file_name, report.questionnaires, report.years) == ("b.csv", 2, (2024,))
    assert report.years_reloaded == ()  # nothing came after b.csv
    assert report.by == "anna.andersson"
    assert current(warehouse) == [("1", "a.csv"), ("2", "a.csv")]
    assert contents(warehouse) == before  # nothing deleted: the rows wait for an undo
    assert warehouse.query(
        "select load_id, file_name, sha256, questionnaires, reason, withdrawn_by, withdrawn_at, "
        "undone_at from audit.withdrawals"
    ) == [(2, "b.csv", sha, 2, "fel förbund", "anna.andersson", LATER, None)]
    status = gather(warehouse.settings)
    assert [
        (r["measurement_year"], r["questionnaires"]) for r in status["by_year_and_forbund"]
    ] == [("2024", 2)]
    assert [w["file_name"] for w in status["withdrawn"]] == ["b.csv"]

    undone = withdraw(
        warehouse.settings, load_catalog(), "b.csv", "rätt ändå", undo=True, now=LATER
    )

    assert undone.undo and undone.questionnaires == 2
    assert current(warehouse) == [("1", "a.csv"), ("2", "b.csv"), ("3", "b.csv")]
    assert contents(warehouse) == before
    assert warehouse.query("select undone_by, undone_at, undo_reason from audit.withdrawals") == [
        ("anna.andersson", LATER, "rätt ändå")
    ]
    assert gather(warehouse.settings)["withdrawn"] == []


def test_withdrawing_the_test_export_lets_the_later_copies_count_and_undo_restores_every_table(
    two_files,
):
    """Questionnaire 1 of b.csv was a duplicate of a.csv's and not stored: withdrawing a.csv
    replays the year so that b.csv's copy counts; undoing replays it back."""
    landing, warehouse = two_files
    before = contents(warehouse)
    assert file_counts(warehouse, "b.csv") == (3, 2, 1)

    report = withdraw(warehouse.settings, load_catalog(), str(landing.path / "a.csv"), now=LATER)

    assert (report.file_name, report.questionnaires, report.years_reloaded) == ("a.csv", 2, (2024,))
    assert current(warehouse) == [("1", "b.csv"), ("2", "b.csv"), ("3", "b.csv")]
    assert file_counts(warehouse, "b.csv") == (3, 3, 0)
    assert warehouse.query("select years_reloaded from audit.withdrawals") == [("2024",)]
    # the withdrawn file's own rows are all still there
    assert warehouse.query("select count(*) from raw.submissions where source_file = 'a.csv'") == [
        (2,)
    ]

    withdraw(warehouse.settings, load_catalog(), "a.csv", undo=True, now=LATER)

    assert contents(warehouse) == before


def test_the_loader_takes_a_later_copy_of_a_withdrawn_questionnaire_and_refuses_its_bytes(
    two_files,
):
    landing, warehouse = two_files
    withdraw(warehouse.settings, load_catalog(), "b.csv", "testfil", now=LATER)
    # questionnaire 3 again, identical to b.csv's: b.csv does not count, so it is new
    landing.add("c.csv", csv_bytes([row(3)]))
    # b.csv's very bytes again, under another name
    landing.add("b-igen.csv", (landing.path / "b.csv").read_bytes())

    report = warehouse.ingest(LATER)

    outcomes = {outcome.file_name: outcome for outcome in report.files}
    assert outcomes["c.csv"].status == "loaded"
    assert file_counts(warehouse, "c.csv") == (1, 1, 0)
    assert outcomes["b-igen.csv"].status == "duplicate"
    assert warehouse.query(
        "select message from audit.file_loads where file_name = 'b-igen.csv'"
    ) == [
        (
            "Filen b-igen.csv har samma innehåll som b.csv, som har lästs in och sedan dragits "
            "tillbaka (den som sköter datalagret kan ångra det med finsam withdraw --undo), och "
            "hoppas därför över.",
        )
    ]
    assert current(warehouse) == [("1", "a.csv"), ("2", "a.csv"), ("3", "c.csv")]


def test_what_cannot_be_withdrawn_is_said_in_one_sentence_and_changes_nothing(two_files):
    landing, warehouse = two_files
    landing.add("trasig.csv", b"svar_id;forbund\n")  # no survey form: refused whole
    landing.add("sub/b.csv", csv_bytes([row(4)]))  # a second file named b.csv
    warehouse.ingest(NOW)
    before = contents(warehouse)
    settings, catalog = warehouse.settings, load_catalog()

    cases = [
        ("0123456789abcdef", False, r"^No file with sha256 0123456789abcdef was ever loaded"),
        ("trasig.csv", False, r"^The file with the file name trasig.csv was rejected when it came"),
        ("b.csv", False, r"^2 loaded files match the file name b.csv \(load 2 sha256 "),
        ("a.csv", True, r"^a.csv \(load 1\) is not withdrawn, so there is nothing to undo\.$"),
    ]
    for argument, undo, message in cases:
        with pytest.raises(WithdrawError, match=message):
            withdraw(settings, catalog, argument, undo=undo, now=LATER)
    withdraw(settings, catalog, "a.csv", now=LATER)
    with pytest.raises(WithdrawError, match=r"^a.csv \(load 1\) was already withdrawn by anna"):
        withdraw(settings, catalog, "a.csv", now=LATER)
    withdraw(settings, catalog, "a.csv", undo=True, now=LATER)
    assert contents(warehouse) == before
    assert warehouse.query("select count(*) from audit.withdrawals") == [(1,)]


def test_the_dagster_job_withdraws_with_its_config(two_files):
    landing, warehouse = two_files
    sha = sha256_of(landing.path / "b.csv")
    settings = warehouse.settings

    result = defs.resolve_job_def("withdraw_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        run_config={
            **run_config_for(settings),
            "ops": {"audit__withdrawals": {"config": {"file_or_sha": sha, "reason": "test"}}},
        },
    )

    assert result.success
    assert warehouse.query("select file_name, reason, withdrawn_by from audit.withdrawals") == [
        ("b.csv", "test", f"Dagster run {result.run_id[:8]}")
    ]
    assert current(warehouse) == [("1", "a.csv"), ("2", "a.csv")]


@pytest.mark.slow
def test_withdraw_then_undo_through_real_runs_leaves_the_marts_as_before(
    pipeline_run, tmp_path, monkeypatch
):
    """On a copy of a real run's home: the next run leaves the file's questionnaires out of the
    marts, and after undoing, the run after that gives marts identical to the original."""
    home = tmp_path / "home"
    # without the site the session's run may have built: these runs publish no site
    shutil.copytree(pipeline_run.home, home, ignore=shutil.ignore_patterns("site", ".site*"))
    load_id, name, sha, questionnaires, year = rows_of(
        home / "warehouse.duckdb",
        """
        select f.load_id, f.file_name, f.sha256, count(*), any_value(s.measurement_year)
        from audit.file_loads as f inner join marts.fct_submissions as s using (load_id)
        group by f.load_id, f.file_name, f.sha256 order by count(*) desc, f.load_id limit 1
        """,
    )[0]
    submissions_before = rows_of(
        home / "warehouse.duckdb", "select count(*) from marts.fct_submissions"
    )
    run = ("--home", str(home), "--landing", str(pipeline_run.landing))

    withdrawn = run_finsam(
        "withdraw", sha[:12], "--reason", "fel år", "--home", str(home), home=home
    )
    assert withdrawn.returncode == 0, withdrawn.stdout + withdrawn.stderr
    assert withdrawn.stdout.startswith(
        f"finsam: {name} (load {load_id}, sha256 {sha[:12]}) was withdrawn"
    )
    rebuilt = run_finsam("run", *run, "--no-site", home=home)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    # the copy's dbt took over the parse of the home it was copied from: the profile names
    # nothing of a home's own, so another warehouse path no longer makes dbt parse everything
    assert "Unable to do partial parsing" not in latest_dbt_log(home)
    assert_the_project_nodes_were_left(rebuilt.stdout, home, pipeline_run)
    warehouse = home / "warehouse.duckdb"
    assert rows_of(
        warehouse, "select count(*) from marts.fct_submissions where load_id = ?", [load_id]
    ) == [(0,)]
    after = rows_of(warehouse, "select count(*) from marts.fct_submissions")[0][0]
    assert submissions_before[0][0] - questionnaires <= after < submissions_before[0][0]
    assert rows_of(
        warehouse, "select sum(files_withdrawn), sum(rows_withdrawn) from published.data_quality"
    ) == [(1, questionnaires)]
    status = run_finsam("status", "--home", str(home), home=home)
    assert f"Withdrawn: {name} (load {load_id}," in status.stdout
    assert_only_the_year_was_rebuilt(home, year)

    undone = run_finsam("withdraw", "--undo", sha, "--home", str(home), home=home)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    # dbt.log is at info (dbt_project.yml); the operator's switch brings its debug lines back
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    again = run_finsam("run", *run, "--no-site", home=home)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert_dbt_parsed_only_what_changed(home)
    # the models built by year rebuilt that year again, and equal the original full build
    for table in (*MART_TABLES, *BUILT_BY_YEAR):
        original = rounded(rows_of(pipeline_run.warehouse, f"select * from {table}"))
        assert rounded(rows_of(warehouse, f"select * from {table}")) == original, table

    nothing = run_finsam("withdraw", "--undo", sha, "--home", str(home), home=home)
    assert nothing.returncode == 1
    assert (
        nothing.stderr.strip()
        == f"Error: {name} (load {load_id}) is not withdrawn, so there is nothing to undo."
    )


def assert_the_project_nodes_were_left(printed: str, home, original) -> None:
    """The run left the nodes no source reaches as the copied build made them
    (orchestration/project_nodes.py) and published every check all the same: the same checks as
    the full build, each once, all of this run, those it did not run carried from that build."""
    assets, checks = project_only_keys(finsam_dbt_assets)
    assert f"({len(assets)} and {len(checks)} unchanged)" in printed
    outcomes = "select check_name, check_source, run_id from check_outcomes"
    published = rows_of(home / "published" / "finsam.duckdb", outcomes)
    full = rows_of(original.snapshot, outcomes)
    assert sorted(name for name, *_ in published) == sorted(name for name, *_ in full)
    assert len({run for *_, run in published}) == 1
    (run_id,) = {run for *_, run in published}
    carried = rows_of(
        home / "warehouse.duckdb",
        "select check_name, carried_from_run_id from audit.check_results "
        "where run_id = ? and carried_from_run_id is not null",
        [run_id],
    )
    assert sorted(name for name, _ in carried) == sorted(project_only_tests())
    # each from a run that did run it (the shared home's latest run may itself have carried it)
    ran = rows_of(
        original.warehouse,
        "select check_name, run_id from audit.check_results where carried_from_run_id is null",
    )
    assert set(carried) <= set(ran)
