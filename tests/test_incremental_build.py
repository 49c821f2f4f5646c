"""The models built by measurement year (dbt_project/macros/incremental_by_year.sql): a changed
dbt project rebuilds them whole, and a run after a change to the data rebuilds only the years it
touched (through real runs in tests/test_withdraw.py, whose marts then equal a full build's)."""

from __future__ import annotations

from pathlib import Path

from orchestration.defs.transform import (
    forget_build,
    project_changed_since_last_build,
    record_build,
)
from orchestration.settings import load_settings
from tests.test_reload_year import rows_of

BUILT_BY_YEAR = ("intermediate.int_answers__scored", "intermediate.int_results__indicator_cells")
FULL_REFRESH_LINE = "dbt build --full-refresh"


def test_a_home_without_a_build_or_with_another_project_asks_for_a_full_refresh(tmp_path):
    settings = load_settings(home=tmp_path / "home")
    assert project_changed_since_last_build(settings)
    record_build(settings)
    assert not project_changed_since_last_build(settings)
    stamp = settings.dbt_target_dir.parent / ".build-project-fingerprint"
    stamp.write_text("the fingerprint of an older dbt project")
    assert project_changed_since_last_build(settings)
    record_build(settings)
    forget_build(settings)  # a build under way
    assert project_changed_since_last_build(settings)


def latest_run_log(home: Path) -> str:
    logs = (home / "logs").glob("run-*.log")
    return max(logs, key=lambda path: path.stat().st_mtime).read_text()


def latest_dbt_log(home: Path) -> str:
    targets = (home / "dbt" / "target").glob("run-*")
    return (max(targets, key=lambda path: path.stat().st_mtime) / "dbt.log").read_text()


def assert_dbt_parsed_only_what_changed(home: Path) -> None:
    """The latest run's dbt took the parse of the home's previous run
    (orchestration/dbt_project.keep_parse_state) and found nothing to parse again."""
    log = latest_dbt_log(home)
    assert "Unable to do partial parsing" not in log
    assert "Nothing changed, skipping partial parsing" in log


def assert_only_the_year_was_rebuilt(home: Path, year: int) -> None:
    """After a run that changed measurement year `year` only: no full refresh, the year's rows
    were deleted and appended (so they come after every kept year's), and every row carries the
    current fingerprint of its year."""
    assert FULL_REFRESH_LINE not in latest_run_log(home)
    warehouse = home / "warehouse.duckdb"
    for table in BUILT_BY_YEAR:
        ((last_of_others, first_of_year, rows_of_year),) = rows_of(
            warehouse,
            f"""
            select max(rowid) filter (where measurement_year <> ?),
                   min(rowid) filter (where measurement_year = ?),
                   count(*) filter (where measurement_year = ?)
            from {table}
            """,
            [year, year, year],
        )
        assert rows_of_year > 0, table
        assert last_of_others is not None and first_of_year > last_of_others, table
        assert rows_of(
            warehouse,
            f"""
            select count(*) from {table} as built
            anti join intermediate.int_submissions__year_versions as years
                on built.measurement_year = years.measurement_year
                and built.year_version = years.year_version
            """,
        ) == [(0,)], table
