"""The raw and audit tables: their schema, and one file's rows written into them.

Rows are collected per file in a :class:`Batch` and written with :func:`write`; the caller holds
the transaction, so that all files of one call are written or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate, chain
from operator import itemgetter

import pandas as pd
import pyarrow as pa

from orchestration.ingest.parse import Submission
from orchestration.ingest.schema import ADDED_COLUMNS, RAW_AND_AUDIT_DDL, AddedColumn
from orchestration.settings import EMBEDDED, LAKE, Settings
from orchestration.warehouse import WAREHOUSE, connect


@dataclass
class Batch:
    """The rows of one file (or one year's replay) to write: audit rows and raw rows (each
    questionnaire's answers ride on its raw.submissions row, see :func:`add_submission`)."""

    file_loads: list[dict] = field(default_factory=list)
    rejections: list[tuple] = field(default_factory=list)
    submissions: list[tuple] = field(default_factory=list)
    attributions: list[tuple] = field(default_factory=list)


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


def attributed_row(record: dict, s: Submission) -> tuple:
    """The audit.attributed_records row of a loaded questionnaire that counts for the association
    the named one had merged into."""
    return (
        record["load_id"],
        record["file_name"],
        s.row_number,
        s.svar_id,
        s.respondent_group,
        s.measurement_year,
        s.reported_forbund_id,
        s.forbund_id,
        s.attribution.merged_year,
        f"Rad {s.row_number} i {record['file_name']}: {s.attribution.reason}.",
    )


def add_submission(batch: Batch, record: dict, s: Submission, row_hash: str, now) -> None:
    """One loaded questionnaire: its raw.submissions row, carrying its answers as they were
    parsed; :func:`write` spreads them into raw.answers with the questionnaire's columns."""
    batch.submissions.append(
        (
            record["load_id"],
            record["file_name"],
            record["sha256"],
            s.row_number,
            s.forbund_id,
            s.forbund_raw,
            s.respondent_group,
            s.svar_id,
            s.submitted_at,
            s.measurement_year,
            s.gender,
            s.kon_raw or None,
            s.insats,
            s.fritext,
            row_hash,
            now,
            record["file_modified_at"],
            s.reported_forbund_id,
            s.answers,
        )
    )


SUBMISSION_COLUMNS = [
    "load_id",
    "source_file",
    "source_sha256",
    "source_row",
    "forbund_id",
    "forbund_raw",
    "respondent_group",
    "svar_id",
    "submitted_at",
    "measurement_year",
    "gender",
    "kon_raw",
    "insats",
    "fritext",
    "row_hash",
    "loaded_at",
    "file_modified_at",
    "reported_forbund_id",
]
# where add_submission puts the questionnaire's answers, after its raw.submissions columns
ANSWERS_AT = len(SUBMISSION_COLUMNS)
# raw.answers repeats these columns of its questionnaire (raw.submissions) ...
ANSWER_KEY_COLUMNS = [
    "load_id",
    "source_row",
    "forbund_id",
    "respondent_group",
    "svar_id",
    "measurement_year",
    "reported_forbund_id",
]
# ... beside the answer's own, in the order of Submission.answers
ANSWER_VALUE_COLUMNS = ["question_id", "raw_value", "answer_value", "is_dont_know"]

REJECTION_COLUMNS = [
    "load_id",
    "file_name",
    "kind",
    "row_number",
    "field",
    "raw_value",
    "reason",
]
ATTRIBUTION_COLUMNS = [
    "load_id",
    "file_name",
    "row_number",
    "svar_id",
    "respondent_group",
    "measurement_year",
    "reported_forbund_id",
    "forbund_id",
    "merged_year",
    "reason",
]


_TYPES = {
    "load_id": pa.int32(),
    "source_row": pa.int32(),
    "row_number": pa.int32(),
    "measurement_year": pa.int32(),
    "merged_year": pa.int32(),
    "submitted_at": pa.timestamp("us"),
    "loaded_at": pa.timestamp("us"),
    "file_modified_at": pa.timestamp("us"),
    "answer_value": pa.int32(),
    "is_dont_know": pa.bool_(),
}


def _arrays(rows: list[tuple], columns: list[str]) -> list[pa.Array]:
    """Rows as Arrow arrays, column by column: DuckDB reads Arrow without converting each
    Python object again (a pandas frame of millions of tuples took longer than the write)."""
    return [
        pa.array(list(map(itemgetter(index), rows)), _TYPES.get(name, pa.string()))
        for index, name in enumerate(columns)
    ]


def _arrow(rows: list[tuple], columns: list[str]) -> pa.Table:
    return pa.table(_arrays(rows, columns), names=columns)


def _insert(con, table: str, rows: list[tuple], columns: list[str]) -> None:
    if not rows:
        return
    # DuckDB finds ``frame`` by its Python name (a replacement scan). A frame given to
    # con.register instead would stay alive until the transaction ends, so an ingest that writes
    # chunk after chunk into one transaction would hold every chunk in memory.
    frame = _arrow(rows, columns)  # noqa: F841
    con.execute(f"insert into {table} by name select * from frame")


def _insert_answers(con, submissions: list[tuple]) -> None:
    """raw.answers of the batch's questionnaires: each questionnaire's answers as one list
    column beside its own columns, unnested by DuckDB."""
    answer_lists = [row[ANSWERS_AT] for row in submissions]
    answers = list(chain.from_iterable(answer_lists))
    if not answers:
        return
    offsets = pa.array([0, *accumulate(map(len, answer_lists))], pa.int32())
    key_indexes = [SUBMISSION_COLUMNS.index(name) for name in ANSWER_KEY_COLUMNS]
    frame = _arrow(  # noqa: F841
        [tuple(row[i] for i in key_indexes) for row in submissions], ANSWER_KEY_COLUMNS
    ).append_column(
        "answers",
        pa.ListArray.from_arrays(
            offsets,
            pa.StructArray.from_arrays(
                _arrays(answers, ANSWER_VALUE_COLUMNS), names=ANSWER_VALUE_COLUMNS
            ),
        ),
    )
    con.execute(
        """
        insert into raw.answers by name
        select * exclude (answers), unnest(answers, recursive := true) from frame
        """
    )


def write(con, batch: Batch) -> None:
    if batch.file_loads:
        file_loads = pd.DataFrame(batch.file_loads)  # noqa: F841
        con.execute("insert into audit.file_loads by name select * from file_loads")
    _insert(con, "audit.rejected_records", batch.rejections, REJECTION_COLUMNS)
    _insert(con, "raw.submissions", batch.submissions, SUBMISSION_COLUMNS)
    _insert_answers(con, batch.submissions)
    _insert(con, "audit.attributed_records", batch.attributions, ATTRIBUTION_COLUMNS)


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
