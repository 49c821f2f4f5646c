"""Copy the published layer into a separate DuckDB file and swap it in atomically.

Evidence and analysts read the snapshot, never the warehouse: DuckDB allows one writer or many
readers per file, so readers of the snapshot can never block (or be blocked by) the pipeline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from orchestration.publish.downloads import write_downloads
from orchestration.settings import Settings, connect

PUBLISHED_SCHEMA = "published"


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


def write_snapshot(settings: Settings) -> dict[str, int]:
    """Build the snapshot next to its final place, then rename it over the old one.

    Returns the row count of every table copied.
    """
    tables = published_tables(settings)
    if not tables:
        raise RuntimeError(
            f"The warehouse {settings.warehouse_path} has no tables in schema "
            f"'{PUBLISHED_SCHEMA}'; run the dbt step before publishing."
        )
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    staging = settings.published_dir / f".{settings.published_path.name}.{os.getpid()}.tmp"
    _remove(staging)
    con = connect(settings, path=staging)
    counts: dict[str, int] = {}
    try:
        con.execute(f"attach '{settings.warehouse_path}' as warehouse (read_only)")
        for table in tables:
            con.execute(
                f'create table main."{table}" as '
                f'select * from warehouse.{PUBLISHED_SCHEMA}."{table}"'
            )
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
        con.execute("detach warehouse")
        downloads = settings.downloads_dir.with_name(f".{settings.downloads_dir.name}.new")
        shutil.rmtree(downloads, ignore_errors=True)
        files = write_downloads(con, tables, downloads)
        con.register("download_files", pd.DataFrame(files))
        con.execute("create table main.downloads as select * from download_files")
        con.unregister("download_files")
        con.execute("checkpoint")
    finally:
        con.close()
    _remove(Path(f"{staging}.wal"))
    swap_folder(downloads, settings.downloads_dir)
    os.replace(staging, settings.published_path)
    return counts


def swap_folder(staging: Path, target: Path) -> None:
    """Replace target with the finished staging folder by two renames."""
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def _remove(path: Path) -> None:
    if path.exists():
        path.unlink()
