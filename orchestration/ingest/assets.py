"""Dagster assets of the ingest step: landing files -> raw and audit tables."""

import dagster as dg

from orchestration.catalog import load_catalog
from orchestration.ingest.loader import ingest_landing
from orchestration.settings import load_settings

RAW_SUBMISSIONS = dg.AssetKey(["raw", "submissions"])
RAW_ANSWERS = dg.AssetKey(["raw", "answers"])
FILE_LOADS = dg.AssetKey(["audit", "file_loads"])
REJECTED_RECORDS = dg.AssetKey(["audit", "rejected_records"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(RAW_SUBMISSIONS, description="Loaded questionnaires, one row per version."),
        dg.AssetSpec(RAW_ANSWERS, description="Answers of loaded questionnaires."),
        dg.AssetSpec(FILE_LOADS, description="Every file seen, with its outcome and row counts."),
        dg.AssetSpec(REJECTED_RECORDS, description="Everything refused, with file, row and field."),
    ],
    group_name="ingest",
    can_subset=False,
)
def raw_survey_data(context: dg.AssetExecutionContext):
    """Load every new file from the landing folder; files already seen cost nothing."""
    settings = load_settings()
    report = ingest_landing(settings, load_catalog(), run_id=context.run_id)
    for outcome in report.files:
        log = context.log.warning if outcome.status == "rejected" else context.log.info
        log(f"{outcome.status:9} {outcome.file_name}: {outcome.message}")
    context.log.info(
        f"{len(report.files)} new files: {report.count('loaded')} loaded, "
        f"{report.count('rejected')} rejected, {report.count('duplicate')} duplicate; "
        f"{report.rows_loaded} rows loaded, {report.rows_rejected} rejected, "
        f"{report.rows_duplicate} duplicate."
    )
    counts = {
        "files_new": len(report.files),
        "files_loaded": report.count("loaded"),
        "files_rejected": report.count("rejected"),
        "files_duplicate": report.count("duplicate"),
        "rows_loaded": report.rows_loaded,
        "rows_rejected": report.rows_rejected,
        "rows_duplicate": report.rows_duplicate,
        "landing": dg.MetadataValue.path(str(settings.landing)),
    }
    for key in (RAW_SUBMISSIONS, RAW_ANSWERS, FILE_LOADS, REJECTED_RECORDS):
        yield dg.MaterializeResult(asset_key=key, metadata=counts)
