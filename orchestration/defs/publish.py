"""Dagster assets of the publish step: the snapshot, then the site."""

import dagster as dg

from orchestration.defs.ingest import EVIDENCE_SITE
from orchestration.defs.resources import FinsamSettings
from orchestration.defs.transform import finsam_dbt_assets
from orchestration.failures import step_failures
from orchestration.instance import WRITER_POOL
from orchestration.publish import publications
from orchestration.publish.site import build_site
from orchestration.publish.snapshot import write_snapshot

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
    context: dg.AssetExecutionContext, finsam: FinsamSettings
) -> dg.MaterializeResult:
    # published.check_outcomes is a view over audit.check_results: the copy made here holds the
    # outcomes of this very run's checks, which all ran before this step
    settings = finsam.settings()
    with step_failures():
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
        site = build_site(
            settings, publication, log=context.log.info, rebuild_bundle=finsam.rebuild
        )
    pages = sum(1 for _ in site.rglob("index.html"))
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(site)), "html_pages": pages}
    )
