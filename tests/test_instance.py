"""The Dagster instance a run writes its history into (orchestration/instance.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter

import dagster as dg
import sqlalchemy

from orchestration.instance import prepare_dagster_home
from orchestration.run_history import RunHistoryEventLogStorage
from orchestration.settings import load_settings


def synchronous(path) -> int:
    engine = sqlalchemy.create_engine(f"sqlite:///{path}", poolclass=sqlalchemy.pool.NullPool)
    with engine.connect() as connection:
        (level,) = connection.execute(sqlalchemy.text("pragma synchronous")).one()
    engine.dispose()
    return level


def test_the_run_history_is_written_without_waiting_for_the_disk_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = prepare_dagster_home(load_settings(home=tmp_path / "home"))
    assert synchronous(home / "probe.db") == 0  # OFF
    assert synchronous(tmp_path / "elsewhere.db") == 2  # FULL, SQLite's default, elsewhere

    @dg.asset
    def one_number() -> int:
        return 1

    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([one_number], instance=instance)
        assert result.success
        stored = instance.all_logs(result.run_id)
        kinds = {entry.dagster_event_type for entry in stored if entry.is_dagster_event}
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in kinds
        assert dg.DagsterEventType.RUN_SUCCESS in kinds


def test_a_home_folder_with_quotes_and_backslashes_in_its_name_gets_a_working_instance(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    odd = tmp_path / 'Förbund "Nord" \\ #1: år'
    home = prepare_dagster_home(load_settings(home=odd))

    @dg.asset
    def one_number() -> int:
        return 1

    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, RunHistoryEventLogStorage)
        assert dg.materialize([one_number], instance=instance).success
    for stored in ("history/runs.db", "history/runs/index.db", "schedules/schedules.db"):
        assert (home / stored).is_file(), stored


def test_the_run_history_keeps_one_connection_per_file_and_other_processes_read_it(
    tmp_path, monkeypatch
):
    """orchestration/run_history.py: Dagster's own SQLite storage opens a connection (and an
    engine) for every event; the home's storage opens one per file, and the Dagster UI's process
    still reads what the run stored while that connection is open."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = prepare_dagster_home(load_settings(home=tmp_path / "home"))
    opened = []

    def count(connection, _record):
        if isinstance(connection, sqlite3.Connection):
            opened.append(connection.execute("pragma database_list").fetchall()[0][2])

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", count)

    @dg.asset
    def one_number() -> int:
        return 1

    try:
        with dg.DagsterInstance.get() as instance:
            assert isinstance(instance.event_log_storage, RunHistoryEventLogStorage)
            result = dg.materialize([one_number], instance=instance)
            assert result.success
            stored = len(instance.all_logs(result.run_id))
            assert stored > 10
            # Dagster's own storages open 98 for this run of one asset, one per operation; these 21
            assert len(opened) < 40, Counter(opened).most_common()
            reader = subprocess.run(
                [sys.executable, "-c", READ_RUN, result.run_id],
                env={**os.environ, "DAGSTER_HOME": str(home)},
                capture_output=True,
                text=True,
                check=True,
            )
            assert reader.stdout.split() == ["RunHistoryEventLogStorage", str(stored)]
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", count)


READ_RUN = """
import sys, dagster as dg
instance = dg.DagsterInstance.get()
print(type(instance.event_log_storage).__name__, len(instance.all_logs(sys.argv[1])))
"""


def test_storing_asset_check_results_opens_no_connection_per_check(tmp_path, monkeypatch):
    """Dagster asks the index whether its check table exists before storing each check's result,
    opening a connection for each question; a dbt build stores some 200. The home's storage asks
    once per table it finds."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    prepare_dagster_home(load_settings(home=tmp_path / "home"))
    opened = []

    def count(connection, _record):
        if isinstance(connection, sqlite3.Connection):
            opened.append(connection.execute("pragma database_list").fetchall()[0][2])

    def checked_asset(checks: int) -> dg.AssetsDefinition:
        specs = [dg.AssetCheckSpec(f"check_{n}", asset="checked") for n in range(checks)]

        @dg.asset(name="checked", check_specs=specs)
        def _checked():
            yield dg.Output(1)
            for n in range(checks):
                yield dg.AssetCheckResult(check_name=f"check_{n}", passed=True)

        return _checked

    sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", count)
    try:
        with dg.DagsterInstance.get() as instance:
            assert dg.materialize([checked_asset(1)], instance=instance).success
            with_one = len(opened)
            opened.clear()
            result = dg.materialize([checked_asset(40)], instance=instance)
            assert result.success
            assert (
                len(
                    instance.event_log_storage.get_asset_check_execution_history(
                        dg.AssetCheckKey(dg.AssetKey("checked"), "check_39"), limit=5
                    )
                )
                == 1
            )
    finally:
        sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", count)
    # Dagster's own has_table opened 60 more here (39 checks more, with their planned events)
    assert len(opened) - with_one < 10, Counter(opened).most_common()
