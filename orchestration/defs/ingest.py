"""Dagster assets of the ingest step: landing files -> raw and audit tables, and the reload of one
measurement year from the archive (partitioned by year)."""

import contextlib
import ctypes

import dagster as dg
from dagster_dbt import get_asset_keys_by_output_name_for_source
from pydantic import Field

from orchestration import progress
from orchestration.calendar import FIRST_MEASUREMENT_YEAR, LOCAL_TIME, first_moment_of
from orchestration.catalog import load_catalog
from orchestration.defs.resources import FinsamSettings
from orchestration.defs.transform import finsam_dbt_assets
from orchestration.failures import step_failures
from orchestration.ingest.loader import ingest_landing
from orchestration.ingest.reload import reload_year
from orchestration.ingest.withdraw import withdraw
from orchestration.noop import NOTHING_NEW
from orchestration.publish import publications


def dbt_source_keys(source: str) -> dict[str, dg.AssetKey]:
    """The asset keys of a dbt source's tables, by table name."""
    keys = get_asset_keys_by_output_name_for_source([finsam_dbt_assets], source).values()
    return {key.path[-1]: key for key in keys}


# The tables the ingest writes and dbt reads have the keys of their dbt sources
# (dbt_project/models/staging/_sources.yml), so the lineage runs on into the dbt models.
RAW = dbt_source_keys("raw")
AUDIT = dbt_source_keys("audit")
RAW_SUBMISSIONS = RAW["submissions"]
RAW_ANSWERS = RAW["answers"]
FILE_LOADS = AUDIT["file_loads"]
REJECTED_RECORDS = AUDIT["rejected_records"]
ATTRIBUTED_RECORDS = AUDIT["attributed_records"]
WITHDRAWALS = AUDIT["withdrawals"]
YEAR_RELOADS = dg.AssetKey(["audit", "year_reloads"])  # no dbt model reads it
EVIDENCE_SITE = dg.AssetKey("evidence_site")


def release_freed_memory() -> None:
    """Give the heap a large ingest freed back to the system (glibc keeps it otherwise), so that
    dbt, started next beside this process, has it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# The completed measurement years, "2017" to the latest, judged by the clock whenever Dagster asks
# (a code location loaded in October has the year that ends on 31 October by 1 November). Window
# Y runs from 1 November Y, when measurement year Y has just ended, to 1 November Y+1 and is keyed
# by its start's year; end_offset=1 includes the window in progress, that is the year just ended.
MEASUREMENT_YEARS = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 11 *",
    start=first_moment_of(FIRST_MEASUREMENT_YEAR + 1),  # when the first measurement year ended
    fmt="%Y",
    timezone=LOCAL_TIME.key,
    end_offset=1,
)


@dg.multi_asset(
    specs=[
        # skippable: a run with nothing new materializes nothing, and everything after is skipped
        dg.AssetSpec(
            RAW_SUBMISSIONS,
            description="Loaded questionnaires, one row per version.",
            skippable=True,
        ),
        dg.AssetSpec(RAW_ANSWERS, description="Answers of loaded questionnaires.", skippable=True),
        dg.AssetSpec(
            FILE_LOADS,
            description="Every file seen, with its outcome and row counts.",
            skippable=True,
        ),
        dg.AssetSpec(
            REJECTED_RECORDS,
            description="Everything refused, with file, row and field.",
            skippable=True,
        ),
        dg.AssetSpec(
            ATTRIBUTED_RECORDS,
            description="Questionnaires counted for the association the named one merged into.",
            skippable=True,
        ),
    ],
    group_name="ingest",
    can_subset=False,
)
def raw_survey_data(context: dg.AssetExecutionContext, finsam: FinsamSettings):
    """Load every new file from the landing folder; files already seen cost nothing."""
    settings = finsam.settings()
    context.log.info(f"Reading the landing folder {settings.landing}")
    with step_failures():
        report = ingest_landing(
            settings, load_catalog(), run_id=context.run_id, progress=progress.reporter("ingest")
        )
    release_freed_memory()
    # Each log line is an event in Dagster's storage (some milliseconds each): thousands of
    # files loaded cleanly are counted, not listed; every file's outcome is in audit.file_loads.
    clean = 0
    for outcome in report.files:
        if outcome.clean:
            clean += 1
            continue
        log = context.log.warning if outcome.status == "rejected" else context.log.info
        log(f"{outcome.status:9} {outcome.file_name}: {outcome.message}")
    if clean:
        context.log.info(
            f"{clean} files loaded whole, nothing refused (each one is in audit.file_loads)"
        )
    for name in report.waiting:
        context.log.warning(
            f"waiting   {name}: the file changed moments ago (an upload in progress?); it is left "
            "for the next run"
        )
    if report.retention is not None and report.retention.anything:
        context.log.info(report.retention.summary())
    if not report.files and not finsam.rebuild:
        with_site = EVIDENCE_SITE in context.job_def.asset_layer.selected_asset_keys
        up_to_date = publications.is_up_to_date(settings, with_site=with_site)
        if up_to_date is not None:
            context.log.info(
                f"{NOTHING_NEW} ({up_to_date.name} was made from the same files and code)."
            )
            return  # nothing is materialized, so every later step is skipped
    context.log.info(
        f"{len(report.files)} new files: {report.count('loaded')} loaded, "
        f"{report.count('rejected')} rejected, {report.count('duplicate')} duplicate; "
        f"{report.rows_loaded} rows loaded, {report.rows_rejected} rejected, "
        f"{report.rows_duplicate} duplicate; {report.rows_attributed} loaded rows counted for the "
        "association the named one merged into."
    )
    counts = {
        "files_new": len(report.files),
        "files_loaded": report.count("loaded"),
        "files_rejected": report.count("rejected"),
        "files_duplicate": report.count("duplicate"),
        "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected,
        "rows_duplicate": report.rows_duplicate,
        "rows_attributed": report.rows_attributed,
        "files_waiting": dg.MetadataValue.json(report.waiting),
        "landing": dg.MetadataValue.path(str(settings.landing)),
    }
    for key in (RAW_SUBMISSIONS, RAW_ANSWERS, FILE_LOADS, REJECTED_RECORDS, ATTRIBUTED_RECORDS):
        yield dg.MaterializeResult(asset_key=key, metadata=counts)


@dg.asset(
    key=YEAR_RELOADS,
    partitions_def=MEASUREMENT_YEARS,
    deps=[FILE_LOADS],
    group_name="ingest",
    description="Reload of one measurement year: its rows of raw.submissions and raw.answers "
    "replaced from the archived copies of the files loaded before, read with the current "
    "catalogue (one row per reload in audit.year_reloads). Run finsam_job afterwards to rebuild "
    "the marts.",
)
def year_reloads(context: dg.AssetExecutionContext, finsam: FinsamSettings) -> dg.MaterializeResult:
    with step_failures():
        report = reload_year(
            finsam.settings(), load_catalog(), int(context.partition_key), run_id=context.run.run_id
        )
    context.log.info(report.summary())
    return dg.MaterializeResult(
        metadata={
            "measurement_year": report.measurement_year,
            "files_read": report.files_read,
            "files_changed": report.files_changed,
            "submissions_before": report.submissions_before,
            "submissions_after": report.submissions_after,
            "answers_before": report.answers_before,
            "answers_after": report.answers_after,
            "refusals_before": report.refusals_before,
            "refusals_after": report.refusals_after,
        }
    )


class WithdrawalConfig(dg.Config):
    """Which file to withdraw (or bring back), and why."""

    file_or_sha: str = Field(
        description="The file: its SHA-256 (or the first 8+ characters), its name as loaded, or "
        "a path to its bytes."
    )
    reason: str | None = Field(default=None, description="Why; kept in audit.withdrawals.")
    undo: bool = Field(default=False, description="Undo the file's withdrawal instead.")
    by: str | None = Field(
        default=None, description="Who asks [default: FINSAM_OPERATOR or the login name]."
    )


@dg.asset(
    key=WITHDRAWALS,
    deps=[FILE_LOADS],
    group_name="ingest",
    description="Withdrawals of loaded files (finsam withdraw): while one stands, the file's "
    "questionnaires are not current; undoing it brings them back. Run finsam_job afterwards to "
    "republish.",
)
def withdrawals(
    context: dg.AssetExecutionContext, config: WithdrawalConfig, finsam: FinsamSettings
) -> dg.MaterializeResult:
    with step_failures():
        report = withdraw(
            finsam.settings(),
            load_catalog(),
            config.file_or_sha,
            config.reason,
            undo=config.undo,
            by=config.by or f"Dagster run {context.run.run_id[:8]}",
            run_id=context.run.run_id,
        )
    context.log.info(report.summary())
    return dg.MaterializeResult(
        metadata={
            "load_id": report.load_id,
            "file_name": report.file_name,
            "sha256": report.sha256,
            "undo": report.undo,
            "questionnaires": report.questionnaires,
            "measurement_years": dg.MetadataValue.json(list(report.years)),
            "years_reloaded": dg.MetadataValue.json(list(report.years_reloaded)),
        }
    )
