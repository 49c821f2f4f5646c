"""The audit tables: their DDL, the rows an ingest, a reload, a withdrawal, a purge, the
retention rules and the quality checks write into them, the conditions other modules ask them
with, and their rows read back as records."""

from __future__ import annotations

import pyarrow as pa

from orchestration.ingest.arrow_rows import insert_frame, insert_rows
from orchestration.ingest.messages import sentence
from orchestration.ingest.records import FileLoad, Submission

AUDIT_DDL = """
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
    table_sv varchar,
    -- set when the run did not run the check again but kept an earlier run's outcome, that run
    carried_from_run_id varchar    -- (orchestration/project_nodes.py)
);
alter table audit.check_results add column if not exists check_kind varchar;
alter table audit.check_results add column if not exists check_group varchar;
alter table audit.check_results add column if not exists check_name_sv varchar;
alter table audit.check_results add column if not exists protects_sv varchar;
alter table audit.check_results add column if not exists table_sv varchar;
alter table audit.check_results add column if not exists carried_from_run_id varchar;
"""

# What the raw checks have seen (orchestration/check_coverage.py)
COVERAGE_DDL = """
create schema if not exists audit;
create table if not exists audit.check_coverage (
    suite varchar not null,
    fingerprint varchar not null,  -- of the suite file and the seeds its query reads
    through_load_id integer not null,
    rows_digest varchar not null,  -- count and sum of row hashes of the rows covered
    outcomes json not null,        -- one outcome per expectation, as quality.validate_suite
    checked_at timestamp not null
);
"""

# The loads whose questionnaires are out of the current data (a subquery for ``load_id in (...)``).
WITHDRAWN_LOADS = "select load_id from audit.withdrawals where undone_at is null"

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

REJECTION_COLUMNS = ["load_id", "file_name", "kind", "row_number", "field", "raw_value", "reason"]
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


def records(cursor) -> list[dict]:
    """The rows of an executed query as dicts by column name."""
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def rejection_rows(load: FileLoad) -> list[tuple]:
    """The audit.rejected_records rows of a file's refusals, each with its Swedish sentence."""
    return [
        (
            load.load_id,
            load.file_name,
            r.kind,
            r.row_number,
            r.field,
            r.raw_value,
            sentence(load.file_name, r),
        )
        for r in load.rejections
    ]


def attributed_row(load: FileLoad, s: Submission) -> tuple:
    """The audit.attributed_records row of a loaded questionnaire that counts for the association
    the named one had merged into."""
    return (
        load.load_id,
        load.file_name,
        s.row_number,
        s.svar_id,
        s.respondent_group,
        s.measurement_year,
        s.reported_forbund_id,
        s.forbund_id,
        s.attribution.merged_year,
        f"Rad {s.row_number} i {load.file_name}: {s.attribution.reason}.",
    )


def write_audit(con, loads: list[FileLoad], rejections: list[tuple], attributions: list[tuple]):
    """The files' audit.file_loads rows, and the refusals and attributions of their rows."""
    if loads:
        file_loads = pa.Table.from_pylist([load.audit_row() for load in loads])
        insert_frame(con, "audit.file_loads", file_loads)
    insert_rows(con, "audit.rejected_records", rejections, REJECTION_COLUMNS)
    insert_rows(con, "audit.attributed_records", attributions, ATTRIBUTION_COLUMNS)


def update_counts(con, load: FileLoad) -> None:
    """A reloaded file's counts and message in its audit.file_loads row."""
    con.execute(
        """
        update audit.file_loads
        set rows_loaded = ?, rows_duplicate = ?, answers_rejected = ?, rows_attributed = ?,
            message = ?
        where load_id = ?
        """,
        [
            load.rows_loaded,
            load.rows_duplicate,
            load.answers_rejected,
            load.rows_attributed,
            load.message,
            load.load_id,
        ],
    )


def record_year_reload(con, row: list) -> None:
    """A reload's row of audit.year_reloads, its values in the table's column order."""
    con.execute("insert into audit.year_reloads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)


def claim_loads(con, last_load_id: int, run_id: str | None, now) -> None:
    """The load ids up to `last_load_id` are taken by this run (audit.load_claims)."""
    con.execute(
        "update audit.load_claims set last_load_id = ?, run_id = ?, claimed_at = ?",
        [last_load_id, run_id, now],
    )


def claim_copied_loads(con) -> None:
    """After the audit tables were copied in (finsam move): loads that follow number on from the
    copied ones."""
    con.execute(
        "update audit.load_claims set last_load_id = "
        "(select coalesce(max(load_id), 0) from audit.file_loads)"
    )


def record_withdrawal(con, load: dict, questionnaires: int, reason, by: str, now) -> None:
    """A withdrawal's row of audit.withdrawals (its id the next one)."""
    con.execute(
        """
        insert into audit.withdrawals (withdrawal_id, load_id, file_name, sha256,
            questionnaires, reason, withdrawn_by, withdrawn_at)
        select coalesce(max(withdrawal_id), 0) + 1, ?, ?, ?, ?, ?, ?, ?
        from audit.withdrawals
        """,
        [load["load_id"], load["file_name"], load["sha256"], questionnaires, reason, by, now],
    )


def record_withdrawal_undone(con, withdrawal_id: int, reason, by: str, now) -> None:
    con.execute(
        "update audit.withdrawals set undone_by = ?, undone_at = ?, undo_reason = ? "
        "where withdrawal_id = ?",
        [by, now, reason, withdrawal_id],
    )


def record_withdrawal_replays(con, load_id: int, years: list[int]) -> None:
    """The measurement years replayed after the load's standing withdrawal."""
    con.execute(
        "update audit.withdrawals set years_reloaded = ? where load_id = ? and undone_at is null",
        [",".join(map(str, years)), load_id],
    )


def next_purge_id(con) -> int:
    return con.execute("select coalesce(max(purge_id), 0) + 1 from audit.purges").fetchone()[0]


def record_purge(con, row: list) -> None:
    """A purge's row of audit.purges, its values in the order of the columns named here."""
    con.execute(
        "insert into audit.purges (purge_id, load_ids, file_name, sha256, measurement_years, "
        "questionnaires, answers, open_texts, refusals, archive_files, archive_bytes, "
        "landing_files, reason, purged_by, purged_at, withdrawal) "
        f"values ({', '.join(['?'] * 16)})",
        row,
    )


def record_purge_replays(con, purge_id: int, years: list[int]) -> None:
    """The measurement years replayed after the purge."""
    con.execute(
        "update audit.purges set years_reloaded = ? where purge_id = ?",
        [",".join(map(str, years)), purge_id],
    )


def record_allowed_again(con, sha256: str, reason: str, by: str, now) -> None:
    """The standing purge of these bytes is lifted: the next run reads them again."""
    con.execute(
        "update audit.purges set allowed_again_by = ?, allowed_again_at = ?, "
        "allow_reason = ? where sha256 = ? and allowed_again_at is null",
        [by, now, reason, sha256],
    )


RETENTION_COLUMNS = [
    "run_id", "kind", "setting", "keep_years", "measurement_year", "load_id", "file_name",
    "sha256", "items", "bytes", "applied_at",
]  # fmt: skip


def record_raw_files_deleted(con, shas: list[str], rows: list[tuple], now) -> None:
    """The archived copies of these files are deleted by the retention rule: marked so in
    audit.file_loads, one audit.retention row each (`rows`, in the order of RETENTION_COLUMNS)."""
    con.execute(
        "update audit.file_loads set archive_deleted_at = ? "
        "where sha256 in (select unnest(?::varchar[]))",
        [now, shas],
    )
    insert_rows(con, "audit.retention", rows, RETENTION_COLUMNS)


def record_open_texts_deleted(
    con, expired_texts: str, *, run_id, setting: str, keep_years, last: int, now
) -> None:
    """One audit.retention row per file and year of the open texts `expired_texts` selects (a
    query over raw.submissions that reads $last), in one statement: thousands of files expire
    at once on a first run."""
    con.execute(
        f"""
        insert into audit.retention
        select $run_id, 'open_text', $setting, $keep_years, e.*, null, $now
        from ({expired_texts}) as e
        """,
        {
            "run_id": run_id,
            "setting": setting,
            "keep_years": keep_years,
            "last": last,
            "now": now,
        },
    )


def write_check_results(con, rows: pa.Table) -> None:
    """Check outcomes, typed as the columns of audit.check_results, as rows of it."""
    con.register("incoming_results", rows)
    con.execute("insert into audit.check_results by name select * from incoming_results")
    con.unregister("incoming_results")


def carry_check_results(con, run_id: str, check_names: list[str]) -> None:
    """The latest outcome of each of these dbt checks, as a result of run `run_id` too, with the
    run that made it and when it was checked."""
    con.execute(
        """
        insert into audit.check_results by name
        select * replace (? as run_id, coalesce(carried_from_run_id, run_id) as carried_from_run_id)
        from audit.check_results
        where source = 'dbt' and run_id <> ? and list_contains(?, check_name)
        qualify row_number() over (partition by check_name order by checked_at desc) = 1
        """,
        [run_id, run_id, check_names],
    )


def record_check_coverage(
    con, suite: str, fingerprint: str, through: int, rows_digest: str, outcomes: str, now
) -> None:
    """What the suite has seen (its outcomes as JSON), in place of what it had seen before."""
    con.execute(COVERAGE_DDL)
    con.execute("delete from audit.check_coverage where suite = ?", [suite])
    con.execute(
        "insert into audit.check_coverage values (?, ?, ?, ?, ?, ?)",
        [suite, fingerprint, through, rows_digest, outcomes, now],
    )
