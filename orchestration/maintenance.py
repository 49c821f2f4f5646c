"""Keeping the warehouse lean (`finsam maintain`, the Dagster job `maintenance_job`).

A lake writes a Parquet file for every insert and keeps every snapshot for time travel. Its
maintenance merges small adjacent files, expires snapshots older than the kept days unless a
kept publication was built from one (so that `finsam sql --as-of` still reads each kept
publication's state), and deletes the files no snapshot needs any more once readers are done
with them. The embedded warehouse only needs a checkpoint. Maintenance rebuilds nothing that
readers see and runs one at a time with the other writers (writer lock, Dagster pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orchestration.publish import publications
from orchestration.settings import LAKE, Settings
from orchestration.warehouse import WAREHOUSE, connect, warehouse_exists

DEFAULT_KEEP_SNAPSHOT_DAYS = 30
# Files of expired snapshots stay this long, for readers that started before (DuckLake's advice).
DEFAULT_FILE_GRACE_HOURS = 24


@dataclass
class Maintenance:
    files_merged: int = 0
    snapshots_expired: int = 0
    files_deleted: int = 0
    snapshots_kept: int = 0

    def summary(self) -> str:
        return (
            f"{self.files_merged} small files merged, {self.snapshots_expired} snapshots expired "
            f"({self.snapshots_kept} kept), {self.files_deleted} unused files deleted"
        )


def kept_snapshots(settings: Settings) -> set[int]:
    """The lake snapshots kept publications were built from."""
    return {
        int(facts["lake_snapshot"])
        for _, facts in publications.listed(settings)
        if facts.get("lake_snapshot") is not None
    }


def maintain(
    settings: Settings,
    keep_days: float = DEFAULT_KEEP_SNAPSHOT_DAYS,
    grace_hours: float = DEFAULT_FILE_GRACE_HOURS,
) -> Maintenance:
    """Maintain the warehouse; the caller holds the writer lock."""
    done = Maintenance()
    if not warehouse_exists(settings):
        return done
    con = connect(settings)
    try:
        if settings.warehouse_mode != LAKE:
            con.execute("checkpoint")
            return done
        lake = f"'{WAREHOUSE}'"
        done.files_merged = _count(con, f"call ducklake_merge_adjacent_files({lake})")
        cutoff = datetime.now(UTC) - timedelta(days=keep_days)
        current = con.execute(f"select id from ducklake_current_snapshot({lake})").fetchone()[0]
        kept = kept_snapshots(settings) | {current}
        snapshots = con.execute(
            f"select snapshot_id, snapshot_time from {WAREHOUSE}.snapshots()"
        ).fetchall()
        expired = [sid for sid, at in snapshots if at < cutoff and sid not in kept]
        done.snapshots_kept = len(snapshots) - len(expired)
        if expired:
            con.execute(f"call ducklake_expire_snapshots({lake}, versions => ?)", [expired])
            done.snapshots_expired = len(expired)
        done.files_deleted = _count(
            con,
            f"call ducklake_cleanup_old_files({lake}, older_than => now() - "
            f"interval '{float(grace_hours)} hours')",
        )
        return done
    finally:
        con.close()


def _count(con, sql: str) -> int:
    return len(con.execute(sql).fetchall())
