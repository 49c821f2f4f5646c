"""The Dagster code location `orchestration`: one connected lineage from landing files to site."""

import dagster as dg

from orchestration.ingest.assets import raw_survey_data, year_reloads
from orchestration.publish.assets import evidence_site, published_snapshot
from orchestration.quality import gx_asset_checks
from orchestration.sensors import build_landing_sensor, build_nightly_schedule
from orchestration.settings import load_settings
from orchestration.transform import dbt_resource, finsam_dbt_assets

load_settings().export_environment()

# DuckDB has one writer per file: every step runs in one process, one after another.
# The year reload is partitioned by measurement year, so it has a job of its own.
pipeline = dg.AssetSelection.all() - dg.AssetSelection.assets(year_reloads)
finsam_job = dg.define_asset_job(
    "finsam_job",
    selection=pipeline,
    description="Ingest new files, build and test the marts, validate, publish, build the site.",
    executor_def=dg.in_process_executor,
)
finsam_job_without_site = dg.define_asset_job(
    "finsam_job_without_site",
    selection=pipeline - dg.AssetSelection.assets(evidence_site),
    description="Everything but the Evidence site build.",
    executor_def=dg.in_process_executor,
)
reload_year_job = dg.define_asset_job(
    "reload_year_job",
    selection=dg.AssetSelection.assets(year_reloads),
    description="Reload the raw rows of the chosen measurement years from the archive; then run "
    "finsam_job to rebuild the marts.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[raw_survey_data, year_reloads, finsam_dbt_assets, published_snapshot, evidence_site],
    asset_checks=gx_asset_checks(),
    jobs=[finsam_job, finsam_job_without_site, reload_year_job],
    sensors=[build_landing_sensor(finsam_job)],
    schedules=[build_nightly_schedule(finsam_job)],
    resources={"dbt": dbt_resource},
)
