"""The raw and audit tables: their schema, and a few files' rows written into them.

Rows are collected per file in a :class:`Batch` and written with :func:`write`, one Arrow frame a
table; the caller holds the transaction, so that all files of one call are written or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, repeat

import pyarrow as pa

from orchestration.ingest.arrow_rows import frame_of_columns, frame_of_rows, insert_frame
from orchestration.ingest.audit import write_audit
from orchestration.ingest.records import FileLoad, Submission
from orchestration.ingest.schema import ADDED_COLUMNS, RAW_AND_AUDIT_DDL, AddedColumn
from orchestration.settings import EMBEDDED, LAKE, Settings
from orchestration.warehouse import WAREHOUSE, connect


@dataclass
class Batch:
    """What a few files (or one year's replay) add to the warehouse: the files' loads, the rows of
    their refusals and attributions, and per file the questionnaires loaded with their row hashes
    and load time (each questionnaire's answers go to raw.answers with it)."""

    file_loads: list[FileLoad] = field(default_factory=list)
    rejections: list[tuple] = field(default_factory=list)
    attributions: list[tuple] = field(default_factory=list)
    loaded: list[LoadedRows] = field(default_factory=list)


@dataclass(frozen=True)
class LoadedRows:
    """One file's questionnaires to write to raw.submissions and raw.answers."""

    load: FileLoad
    submissions: list[Submission]
    row_hashes: list[str]
    loaded_at: datetime


@contextmanager
def warehouse_transaction(settings: Settings) -> Iterator:
    """A connection to the warehouse, its raw and audit tables made sure of, and one transaction
    that is committed when the block ends and rolled back when it raises."""
    con = connect(settings)
    try:
        ensure_schema(con)
        con.begin()
        try:
            yield con
            con.commit()
        except BaseException:
            con.rollback()
            raise
    finally:
        con.close()


def ensure_schema(con) -> None:
    """Create the raw and audit tables, and add the columns a warehouse made by an earlier
    version lacks: each added and filled for the rows already there in one transaction, then
    made not null (DuckDB cannot do that in the transaction that filled it; a crash in between
    is finished on the next call)."""
    con.execute(RAW_AND_AUDIT_DDL)
    nullable = dict(
        con.execute(
            "select table_schema || '.' || table_name || '.' || column_name, is_nullable = 'YES' "
            "from information_schema.columns where table_schema in ('raw', 'audit')"
        ).fetchall()
    )
    for added in ADDED_COLUMNS:
        name = f"{added.table}.{added.column}"
        if name not in nullable:
            _add_column(con, added)
        elif added.not_null and nullable[name] and added.backfill:
            con.execute(added.backfill)  # fills only what is still empty
        if added.not_null and nullable.get(name, True):
            con.execute(f"alter table {added.table} alter column {added.column} set not null")


def _add_column(con, added: AddedColumn) -> None:
    con.begin()
    try:
        con.execute(f"alter table {added.table} add column {added.column} {added.definition}")
        if added.backfill:
            con.execute(added.backfill)
        con.commit()
    except BaseException:
        con.rollback()
        raise


# raw.answers repeats these columns of its questionnaire (raw.submissions) beside its own
ANSWER_KEY_COLUMNS = [
    "load_id",
    "source_row",
    "forbund_id",
    "respondent_group",
    "svar_id",
    "measurement_year",
    "reported_forbund_id",
]


def _per_file(loaded: list[LoadedRows], value) -> list:
    """A column of a value of each file (``value(rows)``), repeated for its questionnaires."""
    return list(chain.from_iterable(repeat(value(rows), len(rows.submissions)) for rows in loaded))


def _submissions_frame(loaded: list[LoadedRows]) -> pa.Table:
    """raw.submissions of the batch, built column by column."""
    subs = [s for rows in loaded for s in rows.submissions]
    return frame_of_columns(
        {
            "load_id": _per_file(loaded, lambda rows: rows.load.load_id),
            "source_file": _per_file(loaded, lambda rows: rows.load.file_name),
            "source_sha256": _per_file(loaded, lambda rows: rows.load.sha256),
            "source_row": [s.row_number for s in subs],
            "forbund_id": [s.forbund_id for s in subs],
            "forbund_raw": [s.forbund_raw for s in subs],
            "respondent_group": [s.respondent_group for s in subs],
            "svar_id": [s.svar_id for s in subs],
            "submitted_at": [s.submitted_at for s in subs],
            "measurement_year": [s.measurement_year for s in subs],
            "gender": [s.gender for s in subs],
            "kon_raw": [s.kon_raw or None for s in subs],
            "insats": [s.insats for s in subs],
            "fritext": [s.fritext for s in subs],
            "row_hash": list(chain.from_iterable(rows.row_hashes for rows in loaded)),
            "loaded_at": _per_file(loaded, lambda rows: rows.loaded_at),
            "file_modified_at": _per_file(loaded, lambda rows: rows.load.file_modified_at),
            "reported_forbund_id": [s.reported_forbund_id for s in subs],
        }
    )


def _answers_frame(loaded: list[LoadedRows], submissions: pa.Table) -> pa.Table:
    """raw.answers of the batch: the answers as parsed (question_id, raw text, value, "don't
    know"), beside the key columns of their questionnaire taken from raw.submissions' frame."""
    answer_lists = [s.answers for rows in loaded for s in rows.submissions]
    answers = list(chain.from_iterable(answer_lists))
    owner = pa.array(
        list(chain.from_iterable(repeat(i, len(a)) for i, a in enumerate(answer_lists))),
        pa.int64(),
    )
    frame = submissions.select(ANSWER_KEY_COLUMNS).take(owner)
    values = frame_of_rows(answers, ["question_id", "raw_value", "answer_value", "is_dont_know"])
    for name in values.column_names:
        frame = frame.append_column(name, values[name])
    return frame


def write(con, batch: Batch) -> None:
    write_audit(con, batch.file_loads, batch.rejections, batch.attributions)
    submissions = _submissions_frame(batch.loaded)
    insert_frame(con, "raw.submissions", submissions)
    insert_frame(con, "raw.answers", _answers_frame(batch.loaded, submissions))


def compact_warehouse(settings: Settings) -> None:
    """Write the warehouse anew into a fresh file and put it in the old one's place, so that
    deleted rows are gone from its bytes. (A DELETE or UPDATE followed by a CHECKPOINT only marks
    the blocks that held them free, to be reused by later writes; until then the old bytes are
    still in the file.) Tables, views, constraints and data come across unchanged
    (``COPY FROM DATABASE``); a crash leaves the old file whole and a partial copy that the next
    compaction removes. The caller holds the writer lock. A lake rewrites its files instead
    (forget_deleted_rows)."""
    if settings.warehouse_mode == LAKE:
        forget_deleted_rows(settings)
        return
    if settings.warehouse_mode != EMBEDDED:
        return  # MotherDuck keeps its storage itself
    target = settings.warehouse_path.with_name(f".{settings.warehouse_path.name}.compacting")
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect(settings)
    try:
        (name,) = con.execute("select current_database()").fetchone()
        literal = "'" + str(target).replace("'", "''") + "'"  # ATTACH takes no parameter
        con.execute(f"attach {literal} as finsam_compacted")
        try:
            quoted = '"' + name.replace('"', '""') + '"'
            con.execute(f"copy from database {quoted} to finsam_compacted")
        finally:
            con.execute("detach finsam_compacted")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        raise
    con.close()
    target.replace(settings.warehouse_path)


def forget_deleted_rows(settings: Settings) -> None:
    """Make deleted rows gone from the lake's files too (a purge, the retention rules): rewrite
    every file that has deletions, expire every snapshot but the current one (time travel could
    otherwise still read them) and delete the files no snapshot needs. Kept publications' lake
    snapshots go too; their published files are untouched."""
    con = connect(settings)
    try:
        lake = f"'{WAREHOUSE}'"
        con.execute(f"call ducklake_rewrite_data_files({lake}, delete_threshold => 0)")
        con.execute(f"call ducklake_expire_snapshots({lake}, older_than => now())")
        con.execute(f"call ducklake_cleanup_old_files({lake}, cleanup_all => true)")
    finally:
        con.close()
