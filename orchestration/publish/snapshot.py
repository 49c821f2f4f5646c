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
from orchestration.publish.changes import write_publication_tables
from orchestration.publish.downloads import unchanged_tables, write_downloads, writer_fingerprint
from orchestration.settings import Settings
from orchestration.warehouse import attach_warehouse, connect, current_snapshot, where

PUBLISHED_SCHEMA = "published"
# Written by the publish step itself, beside the tables of the published schema (changes.py).
PUBLICATION_TABLES = ("publication", "publication_changes")
# Each publication's internal copy of the marts, for analysts (HOME/published/marts.duckdb).
MARTS_COPY = "marts.duckdb"
# One row per questionnaire or answer: kept out of the copies (write_marts_copy).
QUESTIONNAIRE_LEVEL_MARTS = frozenset({"fct_answers", "fct_submissions"})
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


def write_snapshot(
    settings: Settings, run_id: str, site_follows: bool = False
) -> tuple[dict[str, int], str]:
    """Prepare a new publication (snapshot and downloads) and make it current atomically, unless
    its site is still to be built (`site_follows`: the site step makes it current with its site)
    or a site is served and this run builds none (it stays pending; publications.py).

    Returns the row count of every table copied, and a sentence on which publication is current."""
    tables = published_tables(settings)
    if not tables:
        raise RuntimeError(
            f"The warehouse {where(settings)} has no tables in schema "
            f"'{PUBLISHED_SCHEMA}'; run the dbt step before publishing."
        )
    folder = publications.new_publication(settings, run_id)
    try:
        counts = _fill_publication(settings, folder, tables, run_id)
    except BaseException:
        # nothing half-written stays behind (a full disk, an error); the current one is untouched
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if site_follows:
        state = f"{folder.name} is ready; the site step builds its site and makes it current"
    elif publications.can_be_current(settings, folder):
        publications.make_current(settings, folder)
        state = f"{folder.name} is current"
    else:
        state = pending_sentence(settings, folder)
    publications.prune(settings)
    return counts, state


def pending_sentence(settings: Settings, folder: Path) -> str:
    """What a run without the site says when a site is served (also `finsam run`'s summary)."""
    return (
        f"The site was not built, so {publications.current(settings).name} stays current for "
        f"both the snapshot and the site; {folder.name} is ready and becomes current when "
        "`finsam run` builds its site."
    )


def _previous(settings: Settings) -> tuple[Path, dict] | None:
    """The publication readers see now: what this one is compared with."""
    folder = publications.current(settings)
    if folder is None or not (folder / settings.published_path.name).is_file():
        return None
    return folder, publications.description(folder)


def _fill_publication(settings: Settings, folder: Path, tables: list[str], run_id: str) -> dict:
    """Write the snapshot, downloads and the analysts' marts into `folder`; mark it complete."""
    published_at = datetime.now(UTC).replace(microsecond=0)
    previous = _previous(settings)
    rules = fingerprints.rules_inputs()
    staging = folder / f".{settings.published_path.name}.tmp"
    # a lake is read as of one snapshot throughout, and the publication records which
    snapshot = current_snapshot(settings)
    con = connect(settings, path=staging)
    counts: dict[str, int] = {}
    try:
        attach_warehouse(con, settings, read_only=True, snapshot=snapshot)
        for table in tables:
            # sorted, so that the same data gives the same file and the same downloads, byte for
            # byte (the warehouse's tables come in whatever order parallel writes left them)
            con.execute(
                f'create table main."{table}" as '
                f'select * from warehouse.{PUBLISHED_SCHEMA}."{table}" order by all'
            )
            counts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
        marks = write_publication_tables(
            con,
            settings,
            folder.name,
            published_at,
            previous,
            rules_changed=previous is not None and previous[1].get("rules") not in (None, rules),
        )
        for table in PUBLICATION_TABLES:
            counts[table] = con.execute(f"select count(*) from main.{table}").fetchone()[0]
        con.execute("detach warehouse")
        files = _write_downloads(con, settings, [*tables, *PUBLICATION_TABLES], folder, previous)
        con.register("download_files", pa.Table.from_pylist(files, schema=DOWNLOAD_FILES_SCHEMA))
        con.execute("create table main.downloads as select * from download_files")
        con.unregister("download_files")
        con.execute("checkpoint")
    finally:
        con.close()
    _remove(Path(f"{staging}.wal"))
    os.replace(staging, folder / settings.published_path.name)
    write_marts_copy(settings, folder, snapshot)
    publications.complete(
        folder,
        {
            "run_id": run_id,
            "created_at": published_at.isoformat(timespec="seconds"),
            "tables": counts,
            "inputs": fingerprints.pipeline_inputs(settings),
            "rules": rules,
            "audit_marks": marks.as_json(),
            # the lake snapshot it was built from: analysts read the warehouse as of it
            "lake_snapshot": snapshot,
            # the next publication links the files of its unchanged tables only from the same writer
            "downloads_writer": writer_fingerprint(),
        },
    )
    return counts


def _write_downloads(
    con, settings: Settings, tables: list[str], folder: Path, previous: tuple[Path, dict] | None
) -> list[dict]:
    """The publication's downloads, each table's files linked from the previous publication
    when its rows have not changed (downloads.unchanged_tables)."""
    downloads = folder / settings.downloads_dir.name
    if previous is None or previous[1].get("downloads_writer") != writer_fingerprint():
        return write_downloads(con, tables, downloads)
    earlier = previous[0]
    snapshot = str(earlier / settings.published_path.name).replace("'", "''")
    con.execute(f"attach '{snapshot}' as previous_publication (read_only)")
    try:
        unchanged = unchanged_tables(con, tables, "previous_publication")
    finally:
        con.execute("detach previous_publication")
    return write_downloads(
        con, tables, downloads, earlier / settings.downloads_dir.name, frozenset(unchanged)
    )


def write_marts_copy(settings: Settings, folder: Path, snapshot: int | None = None) -> None:
    """The analysts' copy of the marts (unsuppressed; never on the site or among the downloads):
    schema `marts` as in the warehouse, so that the same SQL runs on either. Questionnaire-level
    marts stay in the warehouse only, so that a purge or the retention rule reaches every copy of
    a questionnaire."""
    staging = folder / f".{MARTS_COPY}.tmp"
    con = connect(settings, path=staging)
    try:
        attach_warehouse(con, settings, read_only=True, snapshot=snapshot)
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_catalog = "
                "'warehouse' and table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
            if name not in QUESTIONNAIRE_LEVEL_MARTS
        ]
        # fully qualified: the copy's own catalog may be named "marts" after its file
        copy = con.execute("select current_database()").fetchone()[0]
        con.execute(f'create schema "{copy}".marts')
        for name in names:
            con.execute(
                f'create table "{copy}".marts."{name}" as select * from warehouse.marts."{name}"'
            )
        con.execute("detach warehouse")
        con.execute("checkpoint")
    finally:
        con.close()
    _remove(Path(f"{staging}.wal"))
    os.replace(staging, folder / MARTS_COPY)


def _remove(path: Path) -> None:
    if path.exists():
        path.unlink()
