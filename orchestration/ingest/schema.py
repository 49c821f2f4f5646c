"""DDL of the tables ingestion writes: raw survey data beside the audit trail (``audit``), and the
columns added since the first version (``ADDED_COLUMNS``), which ``storage.ensure_schema`` adds to
an older warehouse."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.ingest.audit import AUDIT_DDL, CHECK_RESULTS_DDL

RAW_AND_AUDIT_DDL = (
    AUDIT_DDL
    + """
create schema if not exists raw;

create table if not exists raw.submissions (
    load_id integer not null,
    source_file varchar not null,
    source_sha256 varchar not null,
    source_row integer not null,
    forbund_id varchar not null,
    forbund_raw varchar not null,
    respondent_group varchar not null,
    svar_id varchar not null,
    submitted_at timestamp not null,
    measurement_year integer not null,
    gender varchar,
    kon_raw varchar,
    insats varchar,
    fritext varchar,
    row_hash varchar not null,
    loaded_at timestamp not null,
    -- modification time of the source file: with source_file it orders a response's versions
    file_modified_at timestamp,
    -- the association the file names (after alias resolution). forbund_id is the one the
    -- questionnaire counts for: the same, or the successor it had merged into by the measurement
    -- year. A response is identified by reported_forbund_id, respondent_group and svar_id.
    reported_forbund_id varchar not null
);

create table if not exists raw.answers (
    load_id integer not null,
    source_row integer not null,
    forbund_id varchar not null,
    respondent_group varchar not null,
    svar_id varchar not null,
    measurement_year integer not null,
    question_id varchar not null,
    raw_value varchar not null,
    answer_value integer,
    is_dont_know boolean not null,
    reported_forbund_id varchar not null  -- as in raw.submissions
);
"""
    + CHECK_RESULTS_DDL
)


@dataclass(frozen=True)
class AddedColumn:
    """A column added to a table after warehouses had been made without it."""

    table: str
    column: str
    definition: str  # type and default, as ``alter table ... add column`` takes them
    backfill: str | None = None  # SQL that fills the column in the rows already there
    not_null: bool = False


ADDED_COLUMNS = (
    AddedColumn(
        "raw.submissions",
        "file_modified_at",
        "timestamp",
        """
        update raw.submissions as s set file_modified_at = f.file_modified_at
        from audit.file_loads as f where f.load_id = s.load_id
        """,
    ),
    AddedColumn(
        "raw.submissions",
        "reported_forbund_id",
        "varchar",
        "update raw.submissions set reported_forbund_id = forbund_id "
        "where reported_forbund_id is null",
        not_null=True,
    ),
    AddedColumn(
        "raw.answers",
        "reported_forbund_id",
        "varchar",
        "update raw.answers set reported_forbund_id = forbund_id where reported_forbund_id is null",
        not_null=True,
    ),
    AddedColumn("audit.file_loads", "rows_attributed", "integer default 0", not_null=True),
    # A survey tool's export (sources/): the tool's layout, the declaration it was read by, and
    # the headings of the columns that identify a person, which were neither read nor stored.
    AddedColumn("audit.file_loads", "source_tool", "varchar"),
    AddedColumn("audit.file_loads", "source_survey", "varchar"),
    AddedColumn("audit.file_loads", "personal_columns", "varchar"),
    # The SHA-256 of the archived copy when it is not the file's own bytes (those columns
    # emptied: sources/redact.py); null when the archive holds the file as it came.
    AddedColumn("audit.file_loads", "archived_sha256", "varchar"),
    # What a file was judged against (Catalog.rules_fingerprint) and, for a refused file, whether
    # its own bytes ("content") or a rule ("rules") refused it: a file refused for a rule that
    # has changed since is read again by the next run.
    AddedColumn("audit.file_loads", "rules_fingerprint", "varchar"),
    AddedColumn("audit.file_loads", "refusal_cause", "varchar"),
    # When the retention rule for raw files (FINSAM_KEEP_RAW_FILES_YEARS) deleted the archived
    # copy; the file's rows stay, but its measurement years can no longer be replayed.
    AddedColumn("audit.file_loads", "archive_deleted_at", "timestamp"),
)
