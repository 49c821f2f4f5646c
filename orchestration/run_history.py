"""Dagster's SQLite run history, with one engine and one open connection per file.

Dagster's own SQLite storages (SqliteEventLogStorage for each run's events and the index,
SqliteRunStorage for runs.db) make a new SQLAlchemy engine and open a new connection for every
operation, and close both again: a run of the job stores about 900 events. Each engine
initialises its dialect and compiles every statement anew, and each close of the last connection
checkpoints the write-ahead log: a third of the sampled time of a `finsam run` on a small landing
folder. These storages keep one engine and one open connection per file; each operation is still
its own transaction, so other processes (the Dagster UI) read the files as before (SQLite's
write-ahead log lets them). Configured in the home's dagster.yaml (orchestration/instance.py), in
the folders of Dagster's default SQLite storage, so an existing history is read as it is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

# Engines (each with its one open connection) kept at most: the running run's file and the
# index, with room for the Dagster UI, which reads the files of many runs.
KEPT_ENGINES = 16


def kept_engine(url: str) -> Engine:
    """An engine that keeps one connection to the SQLite file open between operations."""
    return create_engine(
        url,
        poolclass=QueuePool,
        pool_size=1,
        # a connection asked for while the kept one is in use (Dagster's _initdb nests one; the run
        # and schedule storages take no lock of their own) is opened and closed after use
        max_overflow=-1,
        # the kept connection serves whichever thread asks next
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )


class RunHistoryEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that keeps one engine per SQLite file."""

    def __init__(self, base_dir: str, inst_data=None):
        # before Dagster's __init__, which may already connect (a new index file is reindexed)
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> RunHistoryEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.pop(shard, None) or kept_engine(self.conn_string_for_shard(shard))
        self._engines[shard] = engine  # the most recently used last
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # as SqliteEventLogStorage._connect (Dagster 1.13), with the file's engine kept
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Dagster asks this of the index before storing each asset check's result and each
        tagged materialization, with a new engine every time (about 1 of a small run's 24
        processor-seconds in the run's process). A table found stays: Dagster's migrations add
        tables and never drop one, and a wiped history is made again with every table."""
        if table_name not in self._tables_present:
            if not super().has_table(table_name):
                return False
            self._tables_present.add(table_name)
        return True

    def dispose(self) -> None:
        super().dispose()
        while self._engines:
            self._engines.popitem()[1].dispose()


class KeptEngine:
    """For Dagster's storages of one SQLite file (runs.db, schedules.db): `connect` as theirs
    (Dagster 1.13), with the engine kept."""

    _conn_string: str

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)

    @cached_property
    def _engine(self) -> Engine:
        return kept_engine(self._conn_string)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self._engine.connect() as conn, conn.begin():
            yield conn

    def dispose(self) -> None:
        super().dispose()
        if "_engine" in self.__dict__:
            self._engine.dispose()


class RunHistoryRunStorage(KeptEngine, SqliteRunStorage):
    """SqliteRunStorage (runs.db) with its engine kept."""


class RunHistoryScheduleStorage(KeptEngine, SqliteScheduleStorage):
    """SqliteScheduleStorage (schedules.db) with its engine kept."""
