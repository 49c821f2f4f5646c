"""The Dagster code location `orchestration`: one connected lineage from landing files to site,
made of the assets, checks, sensors and resources of orchestration/defs and the jobs over them."""

import dagster as dg

from orchestration.dbt_project import dbt_resource
from orchestration.defs.ingest import raw_survey_data, withdrawals, year_reloads
from orchestration.defs.maintenance import warehouse_maintenance
from orchestration.defs.publish import evidence_site, published_snapshot
from orchestration.defs.quality import gx_asset_checks
from orchestration.defs.resources import FinsamSettings
from orchestration.defs.sensors import build_landing_sensor, build_nightly_schedule
from orchestration.defs.transform import finsam_dbt_assets
from orchestration.failures import RETRY_POLICY

# DuckDB has one writer per file: every step runs in one process, one after another.
# A step that fails for a transient reason is retried (orchestration/failures.py).
# The year reload (partitioned by measurement year) and the withdrawal of a file (configured with
# the file) are asked for by a person, so each has a job of its own.
pipeline = dg.AssetSelection.all() - dg.AssetSelection.assets(
    year_reloads, withdrawals, warehouse_maintenance
)
finsam_job = dg.define_asset_job(
    "finsam_job",
    selection=pipeline,
    description="Ingest new files, build and test the marts, validate, publish, build the site.",
    executor_def=dg.in_process_executor,
    op_retry_policy=RETRY_POLICY,
)
finsam_job_without_site = dg.define_asset_job(
    "finsam_job_without_site",
    selection=pipeline - dg.AssetSelection.assets(evidence_site),
    description="Everything but the Evidence site build.",
    executor_def=dg.in_process_executor,
    op_retry_policy=RETRY_POLICY,
)
reload_year_job = dg.define_asset_job(
    "reload_year_job",
    selection=dg.AssetSelection.assets(year_reloads),
    description="Reload the raw rows of the chosen measurement years from the archive; then run "
    "finsam_job to rebuild the marts.",
    executor_def=dg.in_process_executor,
    op_retry_policy=RETRY_POLICY,
)

# Loads only: in a lake with a PostgreSQL catalog several of these run at once (one per region or
# landing folder, `finsam ingest`); finsam_job then builds and publishes.
ingest_job = dg.define_asset_job(
    "ingest_job",
    # the checks of the raw data run in finsam_job, which validates everything loaded since
    selection=dg.AssetSelection.assets(raw_survey_data).without_checks(),
    description="Load the new files of a landing folder, nothing else; runs beside other loads "
    "of a shared lake.",
    executor_def=dg.in_process_executor,
    op_retry_policy=RETRY_POLICY,
)
maintenance_job = dg.define_asset_job(
    "maintenance_job",
    selection=dg.AssetSelection.assets(warehouse_maintenance),
    description="Merge small files, expire old lake snapshots, delete unused files.",
    executor_def=dg.in_process_executor,
    op_retry_policy=RETRY_POLICY,
)

withdraw_job = dg.define_asset_job(
    "withdraw_job",
    selection=dg.AssetSelection.assets(withdrawals),
    description="Withdraw a loaded file, or undo its withdrawal (config: file_or_sha, reason, "
    "undo); then run finsam_job to republish.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[
        raw_survey_data,
        year_reloads,
        withdrawals,
        finsam_dbt_assets,
        published_snapshot,
        evidence_site,
        warehouse_maintenance,
    ],
    asset_checks=gx_asset_checks(),
    jobs=[
        finsam_job,
        finsam_job_without_site,
        reload_year_job,
        withdraw_job,
        ingest_job,
        maintenance_job,
    ],
    sensors=[build_landing_sensor(finsam_job)],
    schedules=[build_nightly_schedule(finsam_job)],
    # Settings reach every asset, check and sensor as the resource `finsam`; left empty they come
    # from the environment (FINSAM_HOME, ...) or the embedded defaults.
    resources={"dbt": dbt_resource, "finsam": FinsamSettings()},
)
