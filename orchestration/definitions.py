"""The Dagster code location `orchestration`: one connected lineage from landing files to site."""

import dagster as dg

from orchestration.ingest.assets import raw_survey_data
from orchestration.publish.assets import evidence_site, published_snapshot
from orchestration.quality import gx_asset_checks
from orchestration.sensors import build_landing_sensor, build_nightly_schedule
from orchestration.settings import load_settings
from orchestration.transform import dbt_resource, finsam_dbt_assets

load_settings().export_environment()

# DuckDB has one writer per file: every step runs in one process, one after another.
finsam_job = dg.define_asset_job(
    "finsam_job",
    selection=dg.AssetSelection.all(),
    description="Ingest new files, build and test the marts, validate, publish, build the site.",
    executor_def=dg.in_process_executor,
)
finsam_job_without_site = dg.define_asset_job(
    "finsam_job_without_site",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(evidence_site),
    description="Everything but the Evidence site build.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[raw_survey_data, finsam_dbt_assets, published_snapshot, evidence_site],
    asset_checks=gx_asset_checks(),
    jobs=[finsam_job, finsam_job_without_site],
    sensors=[build_landing_sensor(finsam_job)],
    schedules=[build_nightly_schedule(finsam_job)],
    resources={"dbt": dbt_resource},
)
