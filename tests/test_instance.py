"""The Dagster instance a run writes its history into (orchestration/instance.py)."""

from __future__ import annotations

import dagster as dg
import sqlalchemy

from orchestration.instance import prepare_dagster_home
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
