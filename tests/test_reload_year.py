"""Reloading one measurement year from the archive: identical when nothing changed, the current
catalogue when it did, and never a row of another year touched.

Warehouses are real DuckDB files in temporary homes: the generated data set (three years) loaded
with ``ingest_landing`` once per module and copied for every test that changes it, and small
hand-made landing folders for the cases the generator does not make.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from orchestration.calendar import LOCAL_TIME, latest_completed_year
from orchestration.catalog import load_catalog
from orchestration.cli import main
from orchestration.defs.ingest import MEASUREMENT_YEARS, year_reloads
from orchestration.defs.resources import FinsamSettings
from orchestration.ingest import ingest_landing
from orchestration.ingest.reload import ReloadError, reload_year
from orchestration.settings import SEEDS_DIR, load_settings
from tests.conftest import run_finsam
from tests.corpus import Landing, Warehouse, csv_bytes, row

NOW = datetime(2025, 6, 1, 12, 0)
TABLES = ("raw.submissions", "raw.answers", "audit.file_loads", "audit.rejected_records")


def rows_of(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return sorted(con.execute(sql, params or []).fetchall(), key=repr)
    finally:
        con.close()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table's rows; a file's rules_fingerprint left out: it names the catalogue the file
    was first read with, which a reload under another catalogue does not change."""
    return {
        table: rows_of(
            warehouse,
            f"select * exclude (rules_fingerprint) from {table}"
            if table == "audit.file_loads"
            else f"select * from {table}",
        )
        for table in TABLES
    }


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory, small_landing) -> Path:
    """The generated exports of 2020-2022 loaded once; tests copy this home before changing it."""
    home = tmp_path_factory.mktemp("reload-home")
    settings = load_settings(home=home, landing=small_landing)
    report = ingest_landing(settings, load_catalog(), now=NOW)
    assert report.count("loaded") > 900
    return home


@pytest.fixture
def home(loaded_home, tmp_path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(loaded_home, copy)
    return copy


def settings_of(home: Path):
    return load_settings(home=home, landing=home / "landing")


def test_reloading_unchanged_years_leaves_every_table_identical(home):
    warehouse = home / "warehouse.duckdb"
    before = snapshot(warehouse)
    loaded_files = sum(1 for f in before["audit.file_loads"] if f[7] == "loaded")
    per_year = dict(
        rows_of(warehouse, "select measurement_year, count(*) from raw.submissions group by 1")
    )
    assert sorted(per_year) == [2020, 2021, 2022]

    reports = [
        reload_year(settings_of(home), load_catalog(), year, now=NOW, run_id=f"test-{year}")
        for year in (2021, 2020, 2022, 2019)
    ]

    assert snapshot(warehouse) == before
    for report in reports:
        year = report.measurement_year
        assert report.files_read == loaded_files
        assert report.files_changed == 0
        assert report.submissions_before == report.submissions_after == per_year.get(year, 0)
        assert report.answers_before == report.answers_after
        assert report.refusals_before == report.refusals_after
    assert reports[0].answers_after > 5000 and reports[0].refusals_after > 10
    assert rows_of(
        warehouse,
        "select run_id, measurement_year, files_read, files_changed, submissions_before, "
        "submissions_after, reloaded_at from audit.year_reloads",
    ) == sorted(
        (
            (f"test-{r.measurement_year}", r.measurement_year, loaded_files, 0)
            + (r.submissions_before, r.submissions_after, NOW)
            for r in reports
        ),
        key=repr,
    )


def narrower_scale(seeds: Path, question_id: str, scale_max: int) -> Path:
    """A copy of the catalogue where one question's scale ends at ``scale_max``."""
    shutil.copytree(SEEDS_DIR, seeds)
    path = seeds / "questions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, questions = reader.fieldnames, list(reader)
    for question in questions:
        if question["question_id"] == question_id:
            question["scale_max"] = str(scale_max)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(questions)
    return seeds


def in_year(table: str, row: tuple, year: int) -> bool:
    """Whether a row belongs to measurement year ``year``; the generator names every export after
    the measurement year of all its rows."""
    if table == "raw.submissions":
        return row[9] == year
    if table == "raw.answers":
        return row[5] == year
    name = row[2] if table == "audit.file_loads" else row[1]
    return name.startswith(f"{year}_")


def test_a_narrower_scale_gives_the_reloaded_year_what_a_fresh_load_gives(
    home, tmp_path, small_landing
):
    narrow = load_catalog(narrower_scale(tmp_path / "seeds", "DP01A", 9))
    fresh_home = tmp_path / "fresh"
    ingest_landing(load_settings(home=fresh_home, landing=small_landing), narrow, now=NOW)
    fresh = snapshot(fresh_home / "warehouse.duckdb")
    warehouse = home / "warehouse.duckdb"
    before = snapshot(warehouse)
    above = "select count(*) from raw.answers where question_id = 'DP01A' and answer_value > 9"
    [(above_2021,)] = rows_of(warehouse, f"{above} and measurement_year = 2021")
    [(above_others,)] = rows_of(warehouse, f"{above} and measurement_year <> 2021")
    assert above_2021 > 10 and above_others > 10

    report = reload_year(settings_of(home), narrow, 2021, now=NOW)

    after = snapshot(warehouse)
    for table in TABLES:
        # The fresh load archived its files in another home: archived_path differs.
        skip = 6 if table == "audit.file_loads" else None
        reloaded, other = (
            [r[:skip] + r[skip + 1 :] if skip else r for r in rows if in_year(table, r, 2021)]
            for rows in (after[table], fresh[table])
        )
        assert reloaded == other, table
        assert [r for r in after[table] if not in_year(table, r, 2021)] == [
            r for r in before[table] if not in_year(table, r, 2021)
        ], table
    assert rows_of(warehouse, f"{above} and measurement_year = 2021") == [(0,)]
    assert rows_of(warehouse, f"{above} and measurement_year <> 2021") == [(above_others,)]
    refusals = [
        r
        for r in after["audit.rejected_records"]
        if r[2] == "answer_rejected" and "ligger utanför skalan 1–9" in r[6]
    ]
    assert len(refusals) >= above_2021 and all(r[1].startswith("2021_") for r in refusals)
    assert report.submissions_after == report.submissions_before
    assert report.answers_after == report.answers_before - above_2021
    assert report.refusals_after - report.refusals_before >= above_2021
    assert report.files_changed == len(
        set(after["audit.file_loads"]) - set(before["audit.file_loads"])
    )
    assert report.files_changed >= 10

    # The catalogue as it was takes the year back to where it was.
    reload_year(settings_of(home), load_catalog(), 2021, now=NOW)
    assert snapshot(warehouse) == before


@pytest.mark.parametrize("year", [2016, 2025, 1999, 3000])
def test_a_year_outside_the_completed_measurement_years_is_refused(home, year):
    warehouse = home / "warehouse.duckdb"
    before = snapshot(warehouse)
    with pytest.raises(ReloadError) as refusal:
        reload_year(settings_of(home), load_catalog(), year, now=NOW)
    assert str(refusal.value) == (
        f"Measurement year {year} cannot be reloaded: choose a completed measurement year "
        "from 2017 to 2024."
    )
    assert snapshot(warehouse) == before
    assert rows_of(warehouse, "select count(*) from audit.year_reloads") == [(0,)]


def test_the_latest_completed_year_ends_on_31_october():
    assert latest_completed_year(datetime(2025, 10, 31, 23, 59)) == 2024
    assert latest_completed_year(datetime(2025, 11, 1, 0, 0)) == 2025
    assert MEASUREMENT_YEARS.get_partition_keys()[0] == "2017"
    assert MEASUREMENT_YEARS.get_partition_keys()[-1] == str(latest_completed_year())


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2017, 11, 1, 0, 0),
        datetime(2025, 6, 1, 12, 0),
        datetime(2025, 10, 31, 23, 59, 59),
        datetime(2025, 11, 1, 0, 0),
        datetime(2025, 12, 31, 23, 0),
        datetime(2026, 1, 1, 0, 30),
        datetime(2031, 11, 2, 8, 0),
    ],
)
def test_the_partitions_are_the_years_completed_when_dagster_asks(moment):
    """The same definition, imported once, gives a new year as soon as it has ended (Swedish
    time): a code location loaded in October that is still running in November has it."""
    keys = MEASUREMENT_YEARS.get_partition_keys(current_time=moment.replace(tzinfo=LOCAL_TIME))
    assert keys == [str(year) for year in range(2017, latest_completed_year(moment) + 1)]


def test_a_home_without_a_warehouse_is_refused(tmp_path):
    with pytest.raises(
        ReloadError, match=r"^There is no warehouse at .* run `finsam run` first\.$"
    ):
        reload_year(settings_of(tmp_path), load_catalog(), 2021, now=NOW)
    assert not (tmp_path / "warehouse.duckdb").exists()


def corpus_landing(path: Path) -> Landing:
    """Versions of responses that cross 1 November, duplicates within and across files, an
    older file arriving late, refused answers and rows."""
    landing = Landing(path)
    landing.add(
        "a.csv",
        csv_bytes(
            [
                row("A1", inskickad="2024-10-30 10:00"),  # 2024
                row("A2", DP01A="5"),  # 2024, replaced by row 7 of this file
                row("A3", inskickad="2024-11-05 09:00"),  # 2025
                row("A4", DP01A="99", kon="okänt"),  # refused answer and gender
                row("A5", inskickad="i morgon"),  # refused row
                row("A2", DP01A="6"),
            ]
        ),
    )
    landing.add(
        "b.csv",
        csv_bytes(
            [
                row("A1", inskickad="2024-11-02 10:00"),  # corrected into 2025
                row("A2", DP01A="6"),  # the current version again: a duplicate
                row("B1", inskickad="2023-12-01 10:00"),  # 2024
                row("B2", inskickad="2025-03-01 10:00"),  # in the future when loaded: refused
            ]
        ),
    )
    # A1 as first sent: not a duplicate, since b.csv's version of it is current now.
    landing.add("c.csv", csv_bytes([row("A1", inskickad="2024-10-30 10:00"), row("C1")]))
    # Older than a.csv by modification time, arriving last: history, not the current version.
    landing.add(
        "old.csv",
        csv_bytes([row("A3", inskickad="2024-11-05 09:00", DP02A="3")]),
        mtime=datetime(2024, 12, 1, 9, 0),
    )
    return landing


def test_the_replay_follows_versions_across_years_and_files(tmp_path):
    landing = corpus_landing(tmp_path / "landing")
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    warehouse.ingest(datetime(2025, 2, 1, 12, 0))
    loaded = warehouse.query(
        "select source_file, svar_id, measurement_year from raw.submissions order by all"
    )
    assert ("c.csv", "A1", 2024) in loaded and ("b.csv", "A1", 2025) in loaded
    assert ("b.csv", "A2", 2024) not in loaded and ("old.csv", "A3", 2025) in loaded
    before = snapshot(warehouse.settings.warehouse_path)
    assert {r[2] for r in before["audit.rejected_records"]} == {
        "answer_rejected",
        "row_duplicate",
        "row_rejected",
    }

    # Files are read with the clock of their first load: B2 stays refused in 2026.
    for year in (2024, 2025, 2023):
        reload_year(warehouse.settings, load_catalog(), year, now=datetime(2026, 1, 10))
        assert snapshot(warehouse.settings.warehouse_path) == before, year


def test_a_missing_archived_file_stops_the_reload_and_changes_nothing(tmp_path):
    landing = corpus_landing(tmp_path / "landing")
    warehouse = Warehouse.at(tmp_path / "home", landing.path)
    warehouse.ingest(NOW)
    before = snapshot(warehouse.settings.warehouse_path)
    [(load_id, archived)] = warehouse.query(
        "select load_id, archived_path from audit.file_loads where file_name = 'b.csv'"
    )
    Path(archived).unlink()

    with pytest.raises(ReloadError) as refusal:
        reload_year(warehouse.settings, load_catalog(), 2024, now=NOW)

    assert str(refusal.value) == (
        f"The archived copy of file b.csv (load {load_id}) is missing from "
        f"{warehouse.settings.archive_dir}, so nothing was reloaded."
    )
    assert snapshot(warehouse.settings.warehouse_path) == before


def test_the_dagster_asset_reloads_one_partition(home):
    warehouse = home / "warehouse.duckdb"
    before = snapshot(warehouse)
    expected = rows_of(
        warehouse, "select count(*) from raw.submissions where measurement_year = 2021"
    )

    environment = dict(os.environ)
    result = dg.materialize(
        [year_reloads],
        partition_key="2021",
        instance=dg.DagsterInstance.ephemeral(),
        resources={"finsam": FinsamSettings(home=str(home))},
    )

    assert result.success
    # the run's settings (its home, its lake) do not stay behind in this process for later runs
    assert dict(os.environ) == environment
    [event] = result.get_asset_materialization_events()
    materialization = event.step_materialization_data.materialization
    assert materialization.partition == "2021"
    metadata = {key: value.value for key, value in materialization.metadata.items()}
    assert metadata["measurement_year"] == 2021
    assert metadata["submissions_before"] == metadata["submissions_after"] == expected[0][0]
    assert metadata["answers_before"] == metadata["answers_after"] > 5000
    assert metadata["files_read"] > 900 and metadata["files_changed"] == 0
    assert snapshot(warehouse) == before
    assert rows_of(warehouse, "select run_id, measurement_year from audit.year_reloads") == [
        (result.run_id, 2021)
    ]


def test_the_reload_job_is_partitioned_and_apart_from_the_pipeline(tmp_path):
    """In a child process, as `finsam` loads them."""
    script = (
        "import dagster as dg\n"
        "from orchestration.dbt_project import prepare_manifest\n"
        "prepare_manifest()\n"
        "from orchestration.definitions import defs\n"
        "key = dg.AssetKey(['audit', 'year_reloads'])\n"
        "job = defs.resolve_job_def('reload_year_job')\n"
        "print(job.partitions_def.get_partition_keys())\n"
        "print(job.asset_layer.selected_asset_keys == {key})\n"
        "for name in ('finsam_job', 'finsam_job_without_site'):\n"
        "    other = defs.resolve_job_def(name)\n"
        "    print(other.partitions_def, key in other.asset_layer.selected_asset_keys)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "FINSAM_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    years = [str(y) for y in range(2017, latest_completed_year() + 1)]
    assert result.stdout.splitlines()[-4:] == [str(years), "True", "None False", "None False"]


def test_the_command_refuses_a_bad_year_with_one_sentence(tmp_path):
    result = CliRunner().invoke(main, ["reload-year", "2016", "--home", str(tmp_path)])
    assert result.exit_code == 2
    last = latest_completed_year()
    assert result.output.splitlines()[-1] == (
        "Error: Measurement year 2016 cannot be reloaded: choose a completed measurement year "
        f"from 2017 to {last}."
    )
    missing = CliRunner().invoke(main, ["reload-year", "2020", "--home", str(tmp_path)])
    assert missing.exit_code == 1
    assert "There is no warehouse at" in missing.output and "Traceback" not in missing.output


def test_the_command_reloads_raw_only_when_asked(home):
    before = snapshot(home / "warehouse.duckdb")
    result = CliRunner().invoke(
        main, ["reload-year", "2022", "2020", "--home", str(home), "--raw-only"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("finsam: Measurement year 2020 reloaded from ")
    assert lines[1].startswith("finsam: Measurement year 2022 reloaded from ")
    assert lines[2] == "The marts were not rebuilt: run `finsam run` to rebuild and publish them."
    assert snapshot(home / "warehouse.duckdb") == before


MART_TABLES = (
    "marts.fct_submissions",
    "marts.fct_answers",
    "marts.fct_indicator_results",
    "marts.fct_indicator_summary",
    "marts.fct_answer_distribution",
    "marts.fct_forbund_history",
    "published.data_quality",
    "published.indicator_results",
)


def rounded(rows: list[tuple]) -> list[tuple]:
    """Floats to 9 decimals: DuckDB's parallel sums differ in the last bit from build to build,
    with or without a reload."""
    return sorted(
        (tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows), key=repr
    )


def test_the_command_reloads_and_rebuilds_identical_marts(pipeline_run, tmp_path):
    """`finsam reload-year` on a copy of a real run's home: same marts, snapshot published."""
    home = tmp_path / "home"
    # without the site the session's run may have built: these runs publish no site
    shutil.copytree(pipeline_run.home, home, ignore=shutil.ignore_patterns("site", ".site*"))
    (home / "published" / "finsam.duckdb").unlink()

    result = run_finsam("reload-year", "2021", "--home", str(home), home=home)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "finsam: Measurement year 2021 reloaded from " in result.stdout
    assert "finsam_job_without_site" in result.stdout and "succeeded" in result.stdout
    assert (home / "published" / "finsam.duckdb").exists()
    for table in MART_TABLES:
        original = rounded(rows_of(pipeline_run.warehouse, f"select * from {table}"))
        assert len(original) > 0, table
        reloaded = rounded(rows_of(home / "warehouse.duckdb", f"select * from {table}"))
        assert reloaded == original, table
