"""The raw and audit tables: their schema, and one file's rows written into them.

Rows are collected per file in a :class:`Batch` and written with :func:`write`; the caller holds
the transaction, so that all files of one call are written or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

from orchestration.ingest.parse import Submission
from orchestration.ingest.schema import ADDED_COLUMNS, RAW_AND_AUDIT_DDL, AddedColumn
from orchestration.settings import Settings, connect


@dataclass
class Batch:
    """The rows of one file (or one year's replay) to write: audit rows and raw rows."""

    file_loads: list[dict] = field(default_factory=list)
    rejections: list[tuple] = field(default_factory=list)
    submissions: list[tuple] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)
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
    load_id = record["load_id"]
    batch.submissions.append(
        (
            load_id,
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
        )
    )
    batch.answers.extend(
        (
            load_id,
            s.row_number,
            s.forbund_id,
            s.respondent_group,
            s.svar_id,
            s.measurement_year,
            qid,
            raw,
            value,
            dont_know,
            s.reported_forbund_id,
        )
        for qid, raw, value, dont_know in s.answers
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
ANSWER_COLUMNS = [
    "load_id",
    "source_row",
    "forbund_id",
    "respondent_group",
    "svar_id",
    "measurement_year",
    "question_id",
    "raw_value",
    "answer_value",
    "is_dont_know",
    "reported_forbund_id",
]
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


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    # DuckDB finds ``frame`` by its Python name (a replacement scan). A frame given to
    # con.register instead would stay alive until the transaction ends, so an ingest that writes
    # chunk after chunk into one transaction would hold every chunk in memory.
    con.execute(f"insert into {table} by name select * from frame")


def write(con, batch: Batch) -> None:
    _insert(con, "audit.file_loads", pd.DataFrame(batch.file_loads))
    _insert(
        con,
        "audit.rejected_records",
        pd.DataFrame(batch.rejections, columns=REJECTION_COLUMNS).astype({"row_number": "Int64"}),
    )
    _insert(con, "raw.submissions", pd.DataFrame(batch.submissions, columns=SUBMISSION_COLUMNS))
    _insert(
        con,
        "raw.answers",
        pd.DataFrame(batch.answers, columns=ANSWER_COLUMNS).astype({"answer_value": "Int64"}),
    )
    attributions = pd.DataFrame(batch.attributions, columns=ATTRIBUTION_COLUMNS)
    _insert(con, "audit.attributed_records", attributions)
