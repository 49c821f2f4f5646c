"""DDL of the tables ingestion writes: raw survey data and the audit trail, and the columns added
since the first version (``ADDED_COLUMNS``), which ``loader.ensure_schema`` adds to an older
warehouse."""

from __future__ import annotations

from dataclasses import dataclass

# Check outcomes (GX and dbt) of every run; also created on its own by the quality checks.
CHECK_RESULTS_DDL = """
create schema if not exists audit;
create table if not exists audit.check_results (
    run_id varchar,
    check_name varchar not null,
    asset_key varchar not null,
    source varchar not null,       -- gx or dbt
    severity varchar not null,     -- error or warn
    passed boolean not null,
    observed_value varchar,
    unexpected_count bigint,
    example_rows varchar,          -- JSON: a few failing rows
    checked_at timestamp not null,
    -- the check in plain Swedish (orchestration/check_names.py); empty in rows written before
    check_kind varchar,            -- not_null, singular/<name>, gx/<check_name>, ...
    check_group varchar,           -- seeds/check_groups_sv.csv
    check_name_sv varchar,
    protects_sv varchar,
    table_sv varchar
);
alter table audit.check_results add column if not exists check_kind varchar;
alter table audit.check_results add column if not exists check_group varchar;
alter table audit.check_results add column if not exists check_name_sv varchar;
alter table audit.check_results add column if not exists protects_sv varchar;
alter table audit.check_results add column if not exists table_sv varchar;
"""

RAW_AND_AUDIT_DDL = (
    """
create schema if not exists raw;
create schema if not exists audit;

create table if not exists audit.file_loads (
    load_id integer not null,
    run_id varchar,
    file_name varchar not null,
    file_path varchar not null,
    sha256 varchar not null,
    file_size bigint,
    archived_path varchar,
    status varchar not null,
    file_format varchar,
    encoding varchar,
    forbund_ids varchar,
    respondent_groups varchar,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null,
    rows_duplicate integer not null,
    answers_rejected integer not null,
    columns_unmatched integer not null,
    message varchar,
    file_modified_at timestamp,
    loaded_at timestamp not null,
    -- loaded rows that count for another association than the file names (a merger); they are
    -- part of rows_loaded, one row each in audit.attributed_records
    rows_attributed integer not null default 0
);

create table if not exists audit.rejected_records (
    load_id integer not null,
    file_name varchar not null,
    kind varchar not null,
    row_number integer,
    field varchar,
    raw_value varchar,
    reason varchar not null
);

-- One row, updated by every load that writes: two loads of a lake committed at once both change
-- it, so DuckLake refuses the second, which is run again and sees the first's files and load ids
-- (orchestration/ingest/loader.py). Ids are unique by this, and a dbt test on
-- stg_audit__file_loads asserts it (no key constraints: DuckLake has none).
create table if not exists audit.load_claims (
    last_load_id integer not null,
    run_id varchar,
    claimed_at timestamp
);
insert into audit.load_claims
select 0, null, null where not exists (select 1 from audit.load_claims);

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

-- One row per loaded questionnaire that counts for another association than the file names,
-- because that association had merged into it by the measurement year (seeds/forbund_mergers.csv).
-- merged_year: the year from which the reported association's questionnaires count for
-- forbund_id (with a chain of mergers, that of the last one).
create table if not exists audit.attributed_records (
    load_id integer not null,
    file_name varchar not null,
    row_number integer not null,
    svar_id varchar not null,
    respondent_group varchar not null,
    measurement_year integer not null,
    reported_forbund_id varchar not null,
    forbund_id varchar not null,
    merged_year integer not null,
    reason varchar not null
);

-- One row per reload of a measurement year from the archive (orchestration/ingest/reload.py).
-- Refusals counted are the year's refused answers and duplicate rows in rejected_records.
create table if not exists audit.year_reloads (
    run_id varchar,
    measurement_year integer not null,
    files_read integer not null,
    files_changed integer not null,
    submissions_before bigint not null,
    submissions_after bigint not null,
    answers_before bigint not null,
    answers_after bigint not null,
    refusals_before bigint not null,
    refusals_after bigint not null,
    reloaded_at timestamp not null
);

-- One row per withdrawal of a loaded file (orchestration/ingest/withdraw.py): while undone_at is
-- null its questionnaires are not current anywhere (dbt, status, the loader's versions). Undoing
-- fills the undo columns; the rows stay in raw.* and the file in the archive throughout.
create table if not exists audit.withdrawals (
    withdrawal_id integer not null,
    load_id integer not null,
    file_name varchar not null,
    sha256 varchar not null,
    questionnaires bigint not null,  -- its rows in raw.submissions when withdrawn
    reason varchar,
    withdrawn_by varchar not null,
    withdrawn_at timestamp not null,
    years_reloaded varchar,          -- measurement years replayed so later copies count
    undone_by varchar,
    undone_at timestamp,
    undo_reason varchar
);

-- One row per purge (`finsam purge`, orchestration/ingest/purge.py): a file's questionnaires,
-- answers, open texts, refusals and archived bytes deleted for real, for a data subject's request
-- or a mistaken upload. What was deleted is counted here, never kept. While allowed_again_at is
-- null, the same bytes put back into the landing folder are refused unread (refusal_cause
-- 'purged'); `finsam purge --allow-again` fills the allow columns.
create table if not exists audit.purges (
    purge_id integer not null,
    load_ids varchar not null,       -- the audit.file_loads rows deleted with it (comma-separated)
    file_name varchar not null,
    sha256 varchar not null,
    measurement_years varchar,       -- of its questionnaires
    questionnaires bigint not null,  -- rows deleted from raw.submissions
    answers bigint not null,         -- rows deleted from raw.answers
    open_texts bigint not null,      -- of those questionnaires, the ones with an open text
    refusals bigint not null,        -- rows deleted from audit.rejected_records
    archive_files integer not null,  -- files unlinked from HOME/archive (original, redacted copy)
    archive_bytes bigint not null,
    landing_files integer not null,  -- copies with the same bytes unlinked from the landing folder
    years_reloaded varchar,          -- measurement years replayed so later copies count
    withdrawal varchar,              -- the file's withdrawal then in force (deleted with it)
    reason varchar not null,
    purged_by varchar not null,
    purged_at timestamp not null,
    allowed_again_by varchar,
    allowed_again_at timestamp,
    allow_reason varchar
);

-- What the retention rules removed (orchestration/ingest/retention.py): per file, the open texts
-- of a measurement year emptied (kind 'open_text', items = open texts), or its archived copy
-- deleted (kind 'raw_file', items = files unlinked). Counts and names, never content.
create table if not exists audit.retention (
    run_id varchar,
    kind varchar not null,           -- open_text or raw_file
    setting varchar not null,        -- FINSAM_KEEP_OPEN_TEXT_YEARS or FINSAM_KEEP_RAW_FILES_YEARS
    keep_years integer not null,
    measurement_year integer,        -- open_text: the year emptied; raw_file: the file's last
    load_id integer,
    file_name varchar,
    sha256 varchar,
    items bigint not null,
    bytes bigint,
    applied_at timestamp not null
);

"""
    + CHECK_RESULTS_DDL
)


# The loads whose questionnaires are out of the current data (a subquery for ``load_id in (...)``).
WITHDRAWN_LOADS = "select load_id from audit.withdrawals where undone_at is null"


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

# Refusals that no longer hold: a file refused for a rule that has changed since. The next run
# reads the file again, as if it had never been seen. (A parameter: the rules' fingerprint now.)
OUTDATED_REFUSAL = (
    "status = 'rejected' and refusal_cause = 'rules' and rules_fingerprint is distinct from ?"
)
# The purged files that stay out: the same bytes put back are refused unread.
STANDING_PURGES = "select sha256 from audit.purges where allowed_again_at is null"
# A refusal of a purged file's bytes that no longer holds (`finsam purge --allow-again`).
LIFTED_PURGE_REFUSAL = (
    f"status = 'rejected' and refusal_cause = 'purged' and sha256 not in ({STANDING_PURGES})"
)
