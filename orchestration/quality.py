"""Great Expectations suites from expectations/*.json, run as Dagster asset checks.

Each suite file is a GX ExpectationSuite whose ``meta`` names the asset it guards and the SQL that
produces the frame to validate. Each expectation becomes one asset check named by its
``meta.check_name``; ``meta.severity`` is ``error`` (blocking: a failure stops publishing) or
``warn``. GX runs with an ephemeral context: no telemetry, no Data Docs written anywhere.

dagster-ge is stuck on GX 0.x and GX's SQL datasource does not work with DuckDB, hence this small
runner over pandas frames (see STACK-NOTES in README).
"""

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.failures import step_failures
from orchestration.ingest.schema import CHECK_RESULTS_DDL
from orchestration.resources import FinsamSettings
from orchestration.settings import EXPECTATIONS_DIR, SEEDS_DIR, connect

EXAMPLE_ROWS = 3
SEVERITIES = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


@dataclass(frozen=True)
class SuiteFile:
    path: Path
    name: str
    asset_key: dg.AssetKey
    query: str
    expectations: list[dict]

    def check_specs(self) -> list[dg.AssetCheckSpec]:
        return [
            dg.AssetCheckSpec(
                name=expectation["meta"]["check_name"],
                asset=self.asset_key,
                description=f"GX {expectation['type']} ({expectation['meta']['severity']})",
                # Every check runs before anything is published, so the site shows all of the
                # run's checks; Dagster stops downstream steps only on a failure of severity error.
                blocking=True,
            )
            for expectation in self.expectations
        ]


def load_suite(path: Path) -> SuiteFile:
    document = json.loads(path.read_text(encoding="utf-8"))
    meta = document.get("meta", {})
    for expectation in document["expectations"]:
        severity = expectation.get("meta", {}).get("severity")
        if severity not in SEVERITIES or "check_name" not in expectation.get("meta", {}):
            raise ValueError(
                f"{path.name}: expectation {expectation['type']} needs meta.check_name and "
                f"meta.severity 'error' or 'warn' (got {severity!r})."
            )
    return SuiteFile(
        path=path,
        name=document["name"],
        asset_key=dg.AssetKey(meta["asset_key"]),
        query=meta["query"],
        expectations=document["expectations"],
    )


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    return [load_suite(path) for path in sorted(directory.glob("*.json"))]


def validate_suite(suite: SuiteFile, frame: pd.DataFrame) -> list[dict]:
    """Run one suite on a DataFrame; one dict per expectation with success and examples."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    import great_expectations as gx  # slow import (~5 s): only when checks run

    context = gx.get_context(mode="ephemeral")
    batch_definition = (
        context.data_sources.add_pandas("finsam")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole")
    )
    gx_suite = context.suites.add(
        gx.ExpectationSuite(name=suite.name, expectations=suite.expectations)
    )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(gx_suite, result_format={"result_format": "COMPLETE"})
    outcomes = []
    for result in validation.results:
        details = result.result or {}
        failing_rows = (details.get("partial_unexpected_index_list") or [])[:EXAMPLE_ROWS]
        outcomes.append(
            {
                "check_name": result.expectation_config.meta["check_name"],
                "severity": result.expectation_config.meta["severity"],
                "success": bool(result.success),
                "observed": details.get("observed_value", details.get("unexpected_count")),
                "unexpected_count": details.get("unexpected_count"),
                "examples": [str(v) for v in (details.get("partial_unexpected_list") or [])[:5]],
                "example_rows": frame.loc[failing_rows].to_json(
                    orient="records", date_format="iso", force_ascii=False
                )
                if failing_rows
                else None,
                "exception": (result.exception_info or {}).get("exception_message"),
            }
        )
    return outcomes


def record_check_results(settings, results: list[dict]) -> None:
    """Keep every check outcome in audit.check_results (the site's Datakvalitet page reads it)."""
    if not results:
        return
    frame = pd.DataFrame(results).assign(checked_at=datetime.now())
    con = connect(settings)
    try:
        con.execute(CHECK_RESULTS_DDL)
        con.register("incoming_results", frame)
        con.execute("insert into audit.check_results by name select * from incoming_results")
        con.unregister("incoming_results")
    finally:
        con.close()


def _suite_checks(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=suite.check_specs(),
        name=f"gx_{suite.name}",
        can_subset=False,
    )
    def run_suite(context: dg.AssetCheckExecutionContext, finsam: FinsamSettings):
        settings = finsam.settings()
        context.log.info(f"Great Expectations suite {suite.path.name} on {suite.asset_key}")
        with step_failures():
            con = connect(settings, read_only=True)
            try:
                frame = con.execute(suite.query.format(seeds_dir=SEEDS_DIR)).df()
            finally:
                con.close()
            outcomes = validate_suite(suite, frame)
            record_check_results(
                settings,
                [
                    {
                        "run_id": context.op_execution_context.run_id,
                        "check_name": outcome["check_name"],
                        "asset_key": suite.asset_key.to_user_string(),
                        "source": "gx",
                        "severity": outcome["severity"],
                        "passed": outcome["success"],
                        "observed_value": None
                        if outcome["observed"] is None
                        else str(outcome["observed"]),
                        "unexpected_count": outcome["unexpected_count"],
                        "example_rows": outcome["example_rows"],
                    }
                    for outcome in outcomes
                ],
            )
        for outcome in outcomes:
            yield dg.AssetCheckResult(
                asset_key=suite.asset_key,
                check_name=outcome["check_name"],
                passed=outcome["success"],
                severity=SEVERITIES[outcome["severity"]],
                metadata={
                    "rows_checked": len(frame),
                    "unexpected_count": outcome["unexpected_count"] or 0,
                    "examples": outcome["example_rows"] or "-",
                    "suite": suite.path.name,
                },
                description=outcome["exception"],
            )

    return run_suite


def gx_asset_checks() -> list[dg.AssetChecksDefinition]:
    return [_suite_checks(suite) for suite in load_suites()]
