"""Retention rules: open-text answers and archived raw files are kept a set number of years after
their measurement year has ended (31 October), then deleted by the next run.

- ``FINSAM_KEEP_OPEN_TEXT_YEARS`` (default 2): the open texts (``fritext``) of measurement year
  Y are emptied, in every table of the warehouse that holds a copy of them (``raw.submissions``
  and dbt's staged tables), once 31 October Y+N has passed. The questionnaires stay.
- ``FINSAM_KEEP_RAW_FILES_YEARS`` (default 5): a file's copy in ``HOME/archive`` (and its
  redacted copy) is unlinked once 31 October Y+N has passed, Y being the latest measurement year
  of its questionnaires (for a file without any, the year in which it came). Its rows stay; the
  years it holds can no longer be replayed (``finsam reload-year``).

"forever" keeps everything; 0 deletes as soon as the measurement year has ended. Every deletion
is a row of ``audit.retention`` (what, which file, how many; never the content). A late file of
an old year, and a year replayed from the archive, are held to the same rule at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.calendar import latest_completed_year, swedish_now
from orchestration.ingest.audit import record_open_texts_deleted, record_raw_files_deleted
from orchestration.settings import Settings, has_column, has_table
from orchestration.warehouse import connect, warehouse_exists

OPEN_TEXT_SETTING = "FINSAM_KEEP_OPEN_TEXT_YEARS"
RAW_FILES_SETTING = "FINSAM_KEEP_RAW_FILES_YEARS"


def last_expired_year(keep_years: int | None, now: datetime) -> int | None:
    """The latest measurement year whose data are past the rule (None: nothing is): year Y ends
    on 31 October Y, and is kept through 31 October Y + keep_years."""
    if keep_years is None:
        return None
    return latest_completed_year(now) - keep_years


@dataclass
class RetentionReport:
    open_texts: int = 0  # open texts emptied in raw.submissions
    open_text_years: list[int] = field(default_factory=list)
    raw_files: list[str] = field(default_factory=list)  # file names whose archive copy went
    raw_bytes: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.open_texts or self.raw_files)

    def summary(self) -> str:
        parts = []
        if self.open_texts:
            years = ", ".join(map(str, self.open_text_years))
            parts.append(
                f"{self.open_texts} open texts of measurement years {years} deleted "
                f"({OPEN_TEXT_SETTING})"
            )
        if self.raw_files:
            parts.append(
                f"the archived copies of {len(self.raw_files)} raw files deleted "
                f"({self.raw_bytes} bytes, {RAW_FILES_SETTING})"
            )
        return "Retention: " + "; ".join(parts) + " (audit.retention)."


def tables_with_column(con, column: str) -> list[str]:
    """Every base table of the warehouse (any schema) with the column: raw and staged copies."""
    return [
        f'"{schema}"."{table}"'
        for schema, table in con.execute(
            """
            select c.table_schema, c.table_name
            from information_schema.columns as c
            join information_schema.tables as t using (table_catalog, table_schema, table_name)
            where c.column_name = ? and t.table_type = 'BASE TABLE'
              and c.table_catalog = current_database()
            order by 1, 2
            """,
            [column],
        ).fetchall()
    ]


def clear_open_texts(
    con, settings: Settings, now: datetime, run_id: str | None, report: RetentionReport
) -> None:
    """Empty the open texts past FINSAM_KEEP_OPEN_TEXT_YEARS everywhere, in the caller's
    transaction, with one audit.retention row per file and year."""
    last = last_expired_year(settings.keep_open_text_years, now)
    if last is None:
        return
    expired_texts = """
        select measurement_year, load_id, any_value(source_file), any_value(source_sha256),
               count(*)
        from raw.submissions
        where measurement_year <= $last and fritext is not null
        group by 1, 2 order by 1, 2
    """
    expired = con.execute(expired_texts, {"last": last}).fetchall()
    if not expired:
        return
    record_open_texts_deleted(
        con,
        expired_texts,
        run_id=run_id,
        setting=OPEN_TEXT_SETTING,
        keep_years=settings.keep_open_text_years,
        last=last,
        now=now,
    )
    for table in tables_with_column(con, "fritext"):
        if table == '"raw"."submissions"' or has_column(
            con, *[part.strip('"') for part in table.split(".")], "measurement_year"
        ):
            con.execute(
                f"update {table} set fritext = null "
                "where measurement_year <= ? and fritext is not null",
                [last],
            )
    for year, _load_id, _name, _sha, count in expired:
        report.open_texts += count
        if year not in report.open_text_years:
            report.open_text_years.append(year)


# Per archived file (by content): the latest measurement year of its questionnaires, else the
# year in which it came.
_ARCHIVED_FILES = """
select f.sha256, min(f.load_id), any_value(f.file_name), list(distinct f.archived_path),
       greatest(
           max(s.last_year),
           max(case when s.last_year is null then measurement_year_of_date(f.loaded_at) end)
       ) as file_year
from audit.file_loads as f
left join (
    select load_id, max(measurement_year) as last_year from raw.submissions group by 1
) as s using (load_id)
where f.archived_path is not null and f.archive_deleted_at is null
group by 1
"""


def _file_year_macro(con) -> None:
    # orchestration.calendar.measurement_year_of in SQL: Y runs from 1 November Y-1 to 31 October Y
    con.execute(
        "create or replace temp macro measurement_year_of_date(t) as "
        "year(t) + (month(t) >= 11)::integer"
    )


SHA256_HEX_LENGTH = 64


class ArchiveListing:
    """The archive's file names, read once per shard folder: a run asks for the copies of
    thousands of files, and a glob per file (two patterns each) cost seconds at scale 10."""

    def __init__(self, settings: Settings):
        self._archive = settings.archive_dir
        self._root = settings.archive_dir.resolve()
        self._shards: dict[str, dict[str, list[Path]]] = {}

    def _shard(self, prefix: str) -> dict[str, list[Path]]:
        if prefix not in self._shards:
            by_sha: dict[str, list[Path]] = {}
            try:
                entries = list(os.scandir(self._archive / prefix))
            except (FileNotFoundError, NotADirectoryError):
                entries = []
            for entry in entries:
                if entry.is_file():
                    # the digest, or a dot and the digest (a partial copy), then any suffix
                    sha = entry.name.removeprefix(".")[:SHA256_HEX_LENGTH]
                    by_sha.setdefault(sha, []).append(Path(entry.path))
            self._shards[prefix] = by_sha
        return self._shards[prefix]

    def paths(self, sha: str, recorded: list[str | None]) -> list[Path]:
        """Every place the file's bytes (or its redacted copy, or a partial copy a crash left)
        are kept in this home's archive; a recorded path outside it (a home copied from another)
        is another home's and is left alone."""
        places = set(self._shard(sha[:2]).get(sha, []))
        for path in map(Path, filter(None, recorded)):
            if path.is_file() and path.resolve().is_relative_to(self._root):
                places.add(path)
        return sorted(places)


def archive_paths(settings: Settings, sha: str, recorded: list[str | None]) -> list[Path]:
    """``ArchiveListing.paths`` for one file."""
    return ArchiveListing(settings).paths(sha, recorded)


def delete_raw_files(
    con, settings: Settings, now: datetime, run_id: str | None, report: RetentionReport
) -> list[Path]:
    """Mark the archived files past FINSAM_KEEP_RAW_FILES_YEARS deleted (caller's transaction);
    return the paths to unlink once it has committed."""
    last = last_expired_year(settings.keep_raw_files_years, now)
    if last is None:
        return []
    _file_year_macro(con)
    doomed: list[Path] = []
    # one update and one insert for all files: a lake's catalog answers each statement over the
    # network, and thousands of files expire at once on a first run over old years
    deleted: list[str] = []
    rows: list[tuple] = []
    listing = ArchiveListing(settings)
    for sha, load_id, name, recorded, year in con.execute(_ARCHIVED_FILES).fetchall():
        if year is None or year > last:
            continue
        paths = listing.paths(sha, recorded)
        size = sum(path.stat().st_size for path in paths)
        deleted.append(sha)
        rows.append(
            (
                run_id,
                "raw_file",
                RAW_FILES_SETTING,
                settings.keep_raw_files_years,
                year,
                load_id,
                name,
                sha,
                len(paths),
                size,
                now,
            )
        )
        report.raw_files.append(name)
        report.raw_bytes += size
        doomed.extend(paths)
    if deleted:
        record_raw_files_deleted(con, deleted, rows, now)
    return doomed


def lingering_raw_files(con, settings: Settings) -> list[Path]:
    """Archived copies marked deleted that are still there (a crash between commit and unlink)."""
    rows = con.execute(
        "select sha256, list(distinct archived_path) from audit.file_loads "
        "where archive_deleted_at is not null group by 1"
    ).fetchall()
    listing = ArchiveListing(settings)
    return [path for sha, recorded in rows for path in listing.paths(sha, recorded)]


def apply_retention(
    settings: Settings, now: datetime | None = None, run_id: str | None = None
) -> RetentionReport:
    """Apply both rules to the home, in one transaction; unlink the expired archive files after
    it commits; when open texts were emptied, write the warehouse anew so that they leave its
    bytes too (``storage.compact_warehouse``). The caller holds the writer lock."""
    report = RetentionReport()
    if not warehouse_exists(settings):
        return report
    if settings.keep_open_text_years is None and settings.keep_raw_files_years is None:
        return report
    from orchestration.ingest.storage import ensure_schema

    now = now or swedish_now()
    con = connect(settings)
    try:
        if not has_table(con, "raw", "submissions"):
            return report
        ensure_schema(con)
        con.begin()
        try:
            clear_open_texts(con, settings, now, run_id, report)
            doomed = delete_raw_files(con, settings, now, run_id, report)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        for path in {*doomed, *lingering_raw_files(con, settings)}:
            path.unlink(missing_ok=True)
    finally:
        con.close()
    if report.open_texts:
        # the emptied texts must leave the file's bytes too, not only its tables
        from orchestration.ingest.storage import compact_warehouse

        compact_warehouse(settings)
    return report
