"""Dagster assets of the publish step: the snapshot, then the site."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.failures import step_failures
from orchestration.ingest.assets import EVIDENCE_SITE
from orchestration.instance import WRITER_POOL
from orchestration.publish import publications
from orchestration.publish.site import build_site
from orchestration.publish.snapshot import write_snapshot
from orchestration.resources import FinsamSettings
from orchestration.transform import dbt_project, finsam_dbt_assets

# Rebuilt after the run's last check, so that the snapshot holds the outcomes of this very run.
CHECK_OUTCOMES_MODEL = "pub_check_outcomes"

PUBLISHED_MODEL_KEYS = sorted(
    (key for key in finsam_dbt_assets.keys if key.path[0] == "published"),
    key=lambda key: key.to_user_string(),
)


@dg.asset(
    deps=PUBLISHED_MODEL_KEYS,
    group_name="publish",
    pool=WRITER_POOL,
    description="The published layer copied into its own DuckDB file, swapped in atomically. "
    "Evidence and analysts read this file, never the warehouse.",
)
def published_snapshot(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, finsam: FinsamSettings
) -> dg.MaterializeResult:
    settings = finsam.settings()
    with step_failures():
        dbt.cli(
            ["run", "--select", CHECK_OUTCOMES_MODEL],
            manifest=dbt_project.manifest_path,
            target_path=settings.dbt_target_dir / f"run-{context.run_id}-outcomes",
        ).wait()
        site_follows = EVIDENCE_SITE in context.job_def.asset_layer.selected_asset_keys
        counts, state = write_snapshot(settings, context.run_id, site_follows=site_follows)
    context.log.info(f"Published snapshot: {counts}")
    (context.log.info if "stays current" not in state else context.log.warning)(state)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(settings.published_path)),
            **{f"rows_{table}": count for table, count in counts.items()},
        }
    )


@dg.asset(
    deps=[published_snapshot],
    group_name="publish",
    description="The static Evidence report site built from the published snapshot.",
)
def evidence_site(
    context: dg.AssetExecutionContext, finsam: FinsamSettings
) -> dg.MaterializeResult:
    settings = finsam.settings()
    with step_failures():
        publication = publications.made_by(settings, context.run_id)
        site = build_site(settings, publication, log=context.log.info)
    pages = sum(1 for _ in site.rglob("index.html"))
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(site)), "html_pages": pages}
    )
