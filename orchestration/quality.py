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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from orchestration import check_coverage, check_names
from orchestration.failures import step_failures
from orchestration.ingest.schema import CHECK_RESULTS_DDL
from orchestration.resources import FinsamSettings
from orchestration.settings import EXPECTATIONS_DIR, SEEDS_DIR
from orchestration.warehouse import connect, retrying_conflicts

EXAMPLE_ROWS = 3
SEVERITIES = {"error": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN}


@dataclass(frozen=True)
class SuiteFile:
    path: Path
    name: str
    asset_key: dg.AssetKey
    query: str
    expectations: list[dict]
    # The column naming each row's load: set, the suite validates only loads it has not seen
    # (orchestration/check_coverage.py). Only for suites that judge each row on its own.
    incremental_column: str | None = None
    # What it means when the query has no rows (say no previous year to compare with): the
    # outcome says so instead of a bare pass.
    when_empty: str = "No rows to check."

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
    suite = SuiteFile(
        path=path,
        name=document["name"],
        asset_key=dg.AssetKey(meta["asset_key"]),
        query=meta["query"],
        expectations=document["expectations"],
        incremental_column=meta.get("incremental_column"),
        when_empty=meta.get("when_empty", SuiteFile.when_empty),
    )
    if suite.incremental_column is not None and chunk_key(suite) != []:
        raise ValueError(
            f"{path.name}: meta.incremental_column needs expectations that judge each row on its "
            f"own ({', '.join(sorted(ROW_BY_ROW))})."
        )
    return suite


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    return [load_suite(path) for path in sorted(directory.glob("*.json"))]


# Expectations that judge each row on its own (or, with the rows ordered by the key and no key
# split between chunks, each group of rows): a suite made only of these is validated chunk by
# chunk, so memory does not grow with the table (raw.answers has some 30 million rows at scale
# 100). Any other expectation sees the whole frame.
ROW_BY_ROW = {
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_pair_values_to_be_equal",
}
BY_KEY = {"expect_compound_columns_to_be_unique": "column_list"}
CHUNK_ROWS = 500_000


def chunk_key(suite: SuiteFile) -> list[str] | None:
    """The columns the suite's rows must be ordered by so that it can be validated in chunks
    ([] when any order will do), or None when it must see the whole frame."""
    key: list[str] = []
    for expectation in suite.expectations:
        kind = expectation["type"]
        if kind in BY_KEY:
            columns = list(expectation["kwargs"][BY_KEY[kind]])
            if key and key != columns:
                return None
            key = columns
        elif kind not in ROW_BY_ROW:
            return None
    return key


def frames(
    con, suite: SuiteFile, chunk_rows: int = CHUNK_ROWS, where: str | None = None
) -> Iterator[pd.DataFrame]:
    """The suite's query result (its rows matching `where`), in chunks of about `chunk_rows` rows
    read in one scan, or whole. A chunk never splits the rows of one key (they travel on to the
    next chunk). No rows at all give one empty frame."""
    query = suite.query.format(seeds_dir=SEEDS_DIR)
    if where is not None:
        query = f"select * from ({query}) as suite_rows where {where}"
    key = chunk_key(suite)
    if key is None:
        yield con.execute(query).df()
        return
    if key:
        order = ", ".join(f'"{column}"' for column in key)
        query = f"select * from ({query}) as suite_rows order by {order}"
    cursor = con.execute(query)
    pending = None  # rows read but not yet given out
    given = 0
    while True:
        fetched = cursor.fetch_df_chunk(max(1, chunk_rows // 2048))
        chunk = fetched if pending is None else pd.concat([pending, fetched], ignore_index=True)
        pending = None
        if fetched.empty:  # the query is exhausted
            if not chunk.empty or not given:
                yield chunk
            return
        if len(chunk) < chunk_rows:
            pending = chunk
            continue
        if key:
            tail = _rows_of_last_key(chunk, key)
            if tail == len(chunk):  # one key fills the chunk: read on
                pending = chunk
                continue
            chunk, pending = chunk.iloc[:-tail], chunk.iloc[-tail:].reset_index(drop=True)
        given += 1
        yield chunk.reset_index(drop=True)


def _rows_of_last_key(chunk: pd.DataFrame, key: list[str]) -> int:
    """How many rows at the end of `chunk` (ordered by `key`) share the last row's key."""
    values = chunk[key]
    last = values.iloc[-1]
    same = ((values == last) | (values.isna() & last.isna())).all(axis=1)
    return int(same[::-1].cummin().sum())


def validate_suite(suite: SuiteFile, frame: pd.DataFrame) -> list[dict]:
    """Run one suite on a DataFrame; one dict per expectation with success and examples."""
    return validate_chunks(suite, [frame])[0]


def validate_chunks(suite: SuiteFile, chunks: Iterable[pd.DataFrame]) -> tuple[list[dict], int]:
    """Run one suite on its rows chunk by chunk; one dict per expectation with success and
    examples (from the first chunk that fails), and the number of rows checked."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # slow import (~5 s): only when checks run
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # No "Calculating Metrics" bar per validation: GX passes tqdm `disable=` explicitly, so
    # TQDM_DISABLE does not reach it; the context's own setting does.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("finsam")
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole")
    )
    gx_suite = context.suites.add(
        gx.ExpectationSuite(name=suite.name, expectations=suite.expectations)
    )
    combined: dict[str, dict] = {}
    rows = 0
    for frame in chunks:
        rows += len(frame)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        validation = batch.validate(gx_suite, result_format={"result_format": "COMPLETE"})
        for result in validation.results:
            outcome = _outcome(result, frame)
            earlier = combined.get(outcome["check_name"])
            combined[outcome["check_name"]] = (
                outcome if earlier is None else _combined(earlier, outcome)
            )
    return list(combined.values()), rows


def _outcome(result, frame: pd.DataFrame) -> dict:
    details = result.result or {}
    failing_rows = (details.get("partial_unexpected_index_list") or [])[:EXAMPLE_ROWS]
    return {
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


def _combined(earlier: dict, later: dict) -> dict:
    """One expectation's outcome over two chunks of rows (only row-by-row expectations are
    chunked, so counts add up and the observed value is the unexpected count)."""
    counts = [c for c in (earlier["unexpected_count"], later["unexpected_count"]) if c is not None]
    unexpected = sum(counts) if counts else None
    first_failing = earlier if not earlier["success"] or later["success"] else later
    return {
        **earlier,
        "success": earlier["success"] and later["success"],
        "observed": unexpected,
        "unexpected_count": unexpected,
        "examples": first_failing["examples"],
        "example_rows": first_failing["example_rows"],
        "exception": earlier["exception"] or later["exception"],
    }


# The columns of audit.check_results (CHECK_RESULTS_DDL), typed here rather than inferred from
# whichever outcomes a run happens to have (all observed values missing, say).
CHECK_RESULT_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("check_name", pa.string()),
        ("asset_key", pa.string()),
        ("source", pa.string()),
        ("severity", pa.string()),
        ("passed", pa.bool_()),
        ("observed_value", pa.string()),
        ("unexpected_count", pa.int64()),
        ("example_rows", pa.string()),
        ("checked_at", pa.timestamp("us")),
        *((column, pa.string()) for column in check_names.COLUMNS),
    ]
)


def record_check_results(settings, results: list[dict], then=None) -> None:
    """Keep every check outcome in audit.check_results (the site's Datakvalitet page reads it);
    `then(con)` writes more in the same transaction."""
    if not results:
        return
    checked_at = datetime.now()
    rows = pa.Table.from_pylist(
        [{**result, "checked_at": checked_at} for result in results], schema=CHECK_RESULT_SCHEMA
    )

    def write() -> None:
        con = connect(settings)
        try:
            con.execute(CHECK_RESULTS_DDL)
            con.begin()
            con.register("incoming_results", rows)
            con.execute("insert into audit.check_results by name select * from incoming_results")
            con.unregister("incoming_results")
            if then is not None:
                then(con)
            con.commit()
        finally:
            con.close()

    # another writer of a shared lake may record its checks at the same moment
    retrying_conflicts(write, "Recording the check results")


@dataclass(frozen=True)
class SuiteRun:
    """One validation of a suite: an outcome per expectation over every row covered."""

    outcomes: list[dict]
    rows_checked: int  # rows validated this time
    rows_covered: int  # rows the outcomes are about (more when earlier rows were kept)
    scope: str  # which rows were validated, in words


def run_suite_checks(settings, suite: SuiteFile, run_id: str | None) -> SuiteRun:
    """Validate the suite (only the new loads' rows when it may: orchestration/check_coverage)
    and record the outcomes in audit.check_results."""
    con = connect(settings, read_only=True)
    try:
        scope = check_coverage.plan(con, suite) if suite.incremental_column else None
        where = scope.where(suite.incremental_column) if scope else None
        outcomes, rows_checked = validate_chunks(suite, frames(con, suite, where=where))
    finally:
        con.close()
    rows_covered = rows_checked
    if scope is not None:
        outcomes = check_coverage.combined_outcomes(scope, outcomes, _combined)
        rows_covered = scope.rows_covered
    if rows_covered == 0:
        outcomes = [{**outcome, "observed": suite.when_empty} for outcome in outcomes]

    def keep_coverage(write_con) -> None:
        if scope is not None:
            check_coverage.save(write_con, suite, scope, outcomes)

    record_check_results(
        settings,
        [
            {
                "run_id": run_id,
                "check_name": outcome["check_name"],
                "asset_key": suite.asset_key.to_user_string(),
                "source": "gx",
                "severity": outcome["severity"],
                "passed": outcome["success"],
                "observed_value": None if outcome["observed"] is None else str(outcome["observed"]),
                "unexpected_count": outcome["unexpected_count"],
                "example_rows": outcome["example_rows"],
                **check_names.swedish_or_none(
                    check_names.gx_check(outcome["check_name"], suite.asset_key.path)
                ),
            }
            for outcome in outcomes
        ],
        then=keep_coverage,
    )
    return SuiteRun(
        outcomes, rows_checked, rows_covered, scope.describe() if scope else "every row"
    )


def _suite_checks(suite: SuiteFile) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=suite.check_specs(),
        name=f"gx_{suite.name}",
        can_subset=False,
    )
    def run_suite(context: dg.AssetCheckExecutionContext, finsam: FinsamSettings):
        context.log.info(f"Great Expectations suite {suite.path.name} on {suite.asset_key}")
        with step_failures():
            run = run_suite_checks(finsam.settings(), suite, context.op_execution_context.run_id)
        context.log.info(
            f"{run.rows_checked} rows checked ({run.scope}); {run.rows_covered} rows covered"
        )
        for outcome in run.outcomes:
            yield dg.AssetCheckResult(
                asset_key=suite.asset_key,
                check_name=outcome["check_name"],
                passed=outcome["success"],
                severity=SEVERITIES[outcome["severity"]],
                metadata={
                    "rows_checked": run.rows_checked,
                    "rows_covered": run.rows_covered,
                    "unexpected_count": outcome["unexpected_count"] or 0,
                    "examples": outcome["example_rows"] or "-",
                    "suite": suite.path.name,
                },
                description=outcome["exception"]
                or (suite.when_empty if run.rows_covered == 0 else None),
            )

    return run_suite


def gx_asset_checks() -> list[dg.AssetChecksDefinition]:
    return [_suite_checks(suite) for suite in load_suites()]
