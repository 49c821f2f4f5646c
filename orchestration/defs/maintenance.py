"""The Dagster asset of `maintenance_job` (`finsam maintain`): one at a time with the other
writers of the warehouse (the pool finsam_writer, and the writer lock its run holds)."""

from dataclasses import asdict

import dagster as dg

from orchestration.defs.resources import FinsamSettings
from orchestration.failures import step_failures
from orchestration.instance import WRITER_POOL
from orchestration.maintenance import maintain


@dg.asset(
    group_name="maintenance",
    pool=WRITER_POOL,
    description="Merge the lake's small files, expire old snapshots (never a kept publication's), "
    "delete files nothing needs; a checkpoint of the embedded warehouse.",
)
def warehouse_maintenance(
    context: dg.AssetExecutionContext, finsam: FinsamSettings
) -> dg.MaterializeResult:
    with step_failures():
        done = maintain(finsam.settings())
    context.log.info(done.summary())
    return dg.MaterializeResult(metadata=asdict(done))
