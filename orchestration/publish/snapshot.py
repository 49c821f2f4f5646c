"""Copy the published layer into a separate DuckDB file, as a new publication made current
atomically (orchestration/publish/publications.py).

Evidence and analysts read the snapshot, never the warehouse: DuckDB allows one writer or many
readers per file, so readers of the snapshot can never block (or be blocked by) the pipeline.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from orchestration import fingerprints
from orchestration.publish import publications
from orchestration.publish.downloads import write_downloads
from orchestration.settings import Settings, connect

PUBLISHED_SCHEMA = "published"
# The snapshot's list of downloadable files (table `downloads`), typed here, not by its rows.
DOWNLOAD_FILES_SCHEMA = pa.schema(
    [
        ("table_name", pa.string()),
        ("file_format", pa.string()),
        ("file_name", pa.string()),
        ("bytes", pa.int64()),
        ("rows", pa.int64()),
    ]
)


def published_tables(settings: Settings) -> list[str]:
    con = connect(settings, read_only=True)
    try:
        rows = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? order by table_name",
            [PUBLISHED_SCHEMA],
        ).fetchall()
    finally:
        con.close()
    return [name for (name,) in rows]


def write_snapshot(settings: Settings, run_id: str) -> dict[str, int]:
    """Prepare a new publication (snapshot and downloads) and make it current atomically.

    Returns the row count of every table copied."""
    tables = published_tables(settings)
    if not tables:
        raise RuntimeError(
            f"The warehouse {settings.warehouse_path} has no tables in schema "
            f"'{PUBLISHED_SCHEMA}'; run the dbt step before publishing."
        )
    folder = publications.new_publication(settings, run_id)
    try:
        counts = _fill_publication(settings, folder, tables, run_id)
    except BaseException:
        # nothing half-written stays behind (a full disk, an error); the current one is untouched
        shutil.rmtree(folder, ignore_errors=True)
        raise
    publications.make_current(settings, folder)
    publications.prune(settings)
    return counts


def _fill_publication(settings: Settings, folder: Path, tables: list[str], run_id: str) -> dict:
    """Write the snapshot and downloads into `folder` and mark it complete."""
    staging = folder / f".{settings.published_path.name}.tmp"
    con = connect(settings, path=staging)
    counts: dict[str, int] = {}
    try:
        quoted = str(settings.warehouse_path).replace("'", "''")  # a home path may hold a quote
        con.execute(f"attach '{quoted}' as warehouse (read_only)")
        for table in tables:
            # sorted, so that the same data gives the same file and the same downloads, byte for
            # byte (the warehouse's tables come in whatever order parallel writes left them)
            con.execute(
                f'create table main."{table}" as '
                f'select * from warehouse.{PUBLISHED_SCHEMA}."{table}" order by all'
            )
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
        con.execute("detach warehouse")
        files = write_downloads(con, tables, folder / settings.downloads_dir.name)
        con.register("download_files", pa.Table.from_pylist(files, schema=DOWNLOAD_FILES_SCHEMA))
        con.execute("create table main.downloads as select * from download_files")
        con.unregister("download_files")
        con.execute("checkpoint")
    finally:
        con.close()
    _remove(Path(f"{staging}.wal"))
    os.replace(staging, folder / settings.published_path.name)
    publications.complete(
        folder,
        {
            "run_id": run_id,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tables": counts,
            "inputs": fingerprints.pipeline_inputs(settings),
        },
    )
    return counts


def _remove(path: Path) -> None:
    if path.exists():
        path.unlink()
