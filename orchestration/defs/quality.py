"""Great Expectations suites from expectations/*.json, run as Dagster asset checks.

Each suite file is a GX ExpectationSuite whose ``meta`` names the asset it guards; the SQL that
produces the rows to validate is the file of the same name ending in .sql. Each expectation
becomes one asset check named by its ``meta.check_name``; ``meta.severity`` is ``error``
(blocking: a failure stops publishing) or ``warn``. GX runs with one ephemeral context per
process: no telemetry, no Data Docs written anywhere. (dagster-ge is stuck on GX 0.x, hence this
small runner.)

GX validates where the data is: its SQL execution engine runs each expectation as SQL in DuckDB
(SQLAlchemy with duckdb-engine) over the suite's query, so no row is copied into Python and memory
does not grow with the table. Three things needed care (docs/stack-notes.md):

- GX reads a query's result after closing its SQLAlchemy connection, whose rollback makes DuckDB
  drop the unread result (GX issues #10738, #11579): GX gets its connections from
  :func:`_open_read_only`, whose begin, commit and rollback do nothing (GX only reads).
- GX picks failing rows with LIMIT and no ORDER BY. Expectations are validated once on the rows in
  any order (the counts); those that fail are validated again on the rows ordered by every column,
  which DuckDB answers for the example rows with a top-N scan, so the examples are the same each
  time. Sorting every row costs a full sort per count, paid only when an expectation fails.
- ``expect_compound_columns_to_be_unique`` in SQL ignores rows with a NULL in the key (pandas
  counted them as duplicates) and gives no failing rows: it runs as SQL of our own with the
  meaning it had (:func:`_compound_unique`).
"""

import functools
import importlib
import importlib.util
import json
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa

from orchestration import check_coverage, check_names
from orchestration.defs.resources import FinsamSettings
from orchestration.failures import step_failures
from orchestration.ingest.audit import CHECK_RESULTS_DDL, write_check_results
from orchestration.settings import EXPECTATIONS_DIR, SEEDS_DIR
from orchestration.warehouse import connect, retrying_conflicts

EXAMPLE_ROWS = 3
EXAMPLES = 5
# The counts only, at first: no failing values and rows (GX asks for them with LIMIT 0).
COUNTS = {"result_format": "BASIC", "partial_unexpected_count": 0}
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


# Expectations that judge each row on its own: only a suite made of these may validate just the
# rows of new loads (meta.incremental_column), its counts added to those of the rows seen before.
ROW_BY_ROW = {
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_match_regex",
    "expect_column_pair_values_to_be_equal",
}
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
# Which rows expect_compound_columns_to_be_unique leaves out (its kwarg ignore_row_if, GX's
# default first), as SQL over the key's columns.
IGNORE_ROW_IF = {
    "all_values_are_missing": lambda key: " or ".join(f"{c} is not null" for c in key),
    "any_value_is_missing": lambda key: " and ".join(f"{c} is not null" for c in key),
    "never": lambda key: "true",
}


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
        if expectation["type"] == COMPOUND_UNIQUE and (
            set(expectation["kwargs"]) - {"column_list", "ignore_row_if"}
            or expectation["kwargs"].get("ignore_row_if", "all_values_are_missing")
            not in IGNORE_ROW_IF
        ):
            raise ValueError(
                f"{path.name}: {COMPOUND_UNIQUE} takes column_list and ignore_row_if "
                f"({', '.join(IGNORE_ROW_IF)}) only (got {sorted(expectation['kwargs'])})."
            )
    suite = SuiteFile(
        path=path,
        name=document["name"],
        asset_key=dg.AssetKey(meta["asset_key"]),
        query=suite_sql(path).read_text(encoding="utf-8"),
        expectations=document["expectations"],
        incremental_column=meta.get("incremental_column"),
        when_empty=meta.get("when_empty", SuiteFile.when_empty),
    )
    if suite.incremental_column is not None and any(
        expectation["type"] not in ROW_BY_ROW for expectation in suite.expectations
    ):
        raise ValueError(
            f"{path.name}: meta.incremental_column needs expectations that judge each row on its "
            f"own ({', '.join(sorted(ROW_BY_ROW))})."
        )
    return suite


def suite_sql(path: Path) -> Path:
    """The query of the suite file `path`: beside it, of the same name, ending in .sql."""
    return path.with_suffix(".sql")


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    return [load_suite(path) for path in sorted(directory.glob("*.json"))]


def suite_query(suite: SuiteFile, where: str | None = None) -> str:
    """The suite's rows (those matching `where`) as one select: GX refuses a query asset that
    starts with `with`, so the suite's query is always a subquery."""
    query = f"select * from (\n{suite.query.format(seeds_dir=SEEDS_DIR)}\n) as suite_rows"
    return query if where is None else f"{query} where {where}"


class WarehouseQueryError(RuntimeError):
    """DuckDB failed while GX validated. GX keeps such an error in the expectation's result; it is
    raised instead, so that the step fails (or is retried) as when the rows were read here, and
    no check is recorded as failed for a full disk or a lock held a moment too long."""


@functools.cache
def _gx():
    """Great Expectations and this process's one context. Imported only when checks run: the
    import alone takes some 6 s."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _defer_import("scipy.stats")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # No "Calculating Metrics" bar per validation: GX passes tqdm `disable=` explicitly, so
    # TQDM_DISABLE does not reach it; the context's own setting does.
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return gx, context


def _defer_import(name: str) -> None:
    """Let `name` be imported, but run its code only when one of its attributes is first used.

    Importing GX imports scipy.stats (0.8 processor-seconds of every run, docs/stack-notes.md)
    for three expectations this project never uses (KL divergence, two KS tests), which use it
    only inside their functions. importlib's LazyLoader is the standard library's way
    to defer it. The module is also set on its package, so that GX's `from scipy import stats`
    takes it as it is: the import system's own lookup would load it at once."""
    if name in sys.modules:
        return
    package_name, _, attribute = name.rpartition(".")
    package = importlib.import_module(package_name)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    setattr(package, attribute, module)
    spec.loader.exec_module(module)


@functools.cache
def _read_only_connection_class() -> type:
    import duckdb_engine

    class ReadOnlyConnection(duckdb_engine.ConnectionWrapper):
        """A warehouse connection for GX, which only reads. SQLAlchemy rolls back a connection
        when GX closes it, and DuckDB then drops the result GX has not fetched yet (GX fetches
        after closing): with no transactions of their own, every statement commits as it runs
        and the result stays."""

        def begin(self) -> None:
            pass

        def commit(self) -> None:
            pass

        def rollback(self) -> None:
            pass

    return ReadOnlyConnection


def _open_read_only(settings):
    """A read-only warehouse connection, as every other one (warehouse.connect), for GX."""
    return _read_only_connection_class()(connect(settings, read_only=True))


@contextmanager
def _warehouse_datasource(settings, name: str):
    """A GX SQL datasource on the warehouse, closed on leaving: its two SQLAlchemy engines (the
    datasource's and its execution engine's) each hold a connection, and a read-write connection
    of this process to an embedded warehouse fails while they are open (record_check_results)."""
    _, context = _gx()
    datasource = context.data_sources.add_sql(
        name=name,
        connection_string="duckdb://",
        kwargs={"creator": functools.partial(_open_read_only, settings)},
    )
    try:
        yield datasource
    finally:
        try:
            datasource.get_execution_engine().close()
            datasource.get_engine().dispose()
        finally:
            context.data_sources.delete(name)


def _gx_results(datasource, name: str, query: str, expectations: list[dict], result_format):
    """GX's result of each expectation over the query's rows, by check name."""
    gx, _ = _gx()
    batch = (
        datasource.add_query_asset(name=name, query=query)
        .add_batch_definition_whole_table("whole")
        .get_batch()
    )
    suite = gx.ExpectationSuite(name=name, expectations=expectations)
    results = batch.validate(suite, result_format=result_format).results
    for result in results:
        message = _exception(result)
        if message and re.match(r"\(_?duckdb\.", message):
            raise WarehouseQueryError(f"Validating {name} in the warehouse failed: {message}")
    return {result.expectation_config.meta["check_name"]: result for result in results}


def validate_suite(
    settings, suite: SuiteFile, where: str | None = None, con=None
) -> tuple[list[dict], int]:
    """Validate the suite's rows (those matching `where`) in the warehouse: one outcome per
    expectation, in the suite's order, with success and examples, and the number of rows checked.
    `con`, a read-only warehouse connection, runs the SQL of our own (one is opened if not given).
    """
    opened = con is None
    if opened:
        con = connect(settings, read_only=True)
    try:
        query = suite_query(suite, where)
        # the columns and their types; an error in the query itself is raised here, as before
        columns = con.execute(f"select * from ({query}) limit 0").to_arrow_table().schema
        in_gx = [e for e in suite.expectations if e["type"] != COMPOUND_UNIQUE]
        outcomes, rows = _validate_in_gx(settings, con, suite, query, columns, in_gx)
        for expectation in suite.expectations:
            if expectation["type"] == COMPOUND_UNIQUE:
                outcomes[expectation["meta"]["check_name"]] = _compound_unique(
                    con, query, columns.names, expectation
                )
        if rows is None:
            rows = con.execute(f"select count(*) from ({query})").fetchone()[0]
    finally:
        if opened:
            con.close()
    return [outcomes[e["meta"]["check_name"]] for e in suite.expectations], rows


def _validate_in_gx(
    settings, con, suite: SuiteFile, query: str, columns: pa.Schema, expectations: list[dict]
) -> tuple[dict[str, dict], int | None]:
    """The outcomes of the expectations GX validates in SQL, by check name, and the rows GX
    counted: first the counts, then the failing expectations again on the rows in order, for
    examples that are the same each time."""
    if not expectations:
        return {}, None
    with _warehouse_datasource(settings, f"warehouse_{suite.name}") as datasource:
        results = _gx_results(datasource, suite.name, query, expectations, COUNTS)
        failing = [
            e
            for e in expectations
            if not results[e["meta"]["check_name"]].success
            and _exception(results[e["meta"]["check_name"]]) is None
        ]
        if failing:
            results |= _gx_results(
                datasource,
                f"{suite.name}_in_order",
                f"{query} order by all",
                failing,
                {
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": EXAMPLES,
                    "unexpected_index_column_names": columns.names,
                },
            )
    counted = [r.result.get("element_count") for r in results.values() if r.result]
    rows = next((count for count in counted if count is not None), None)
    outcomes = {
        name: _outcome(result, _rows_json(con, columns, result)) for name, result in results.items()
    }
    return outcomes, rows


def _exception(result) -> str | None:
    """GX's message of an expectation that could not be validated: said for the expectation, or
    for each metric it needed (the first is enough)."""
    info = result.exception_info or {}
    if "raised_exception" in info:
        return info.get("exception_message") if info["raised_exception"] else None
    raised = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return raised[0].get("exception_message") if raised else None


def _rows_json(con, columns: pa.Schema, result) -> str | None:
    """The first failing rows GX found, as JSON records: read back through DuckDB, so that every
    value is written as a row read from the warehouse is (an integer as an integer, a time in ISO
    format)."""
    rows = ((result.result or {}).get("partial_unexpected_index_list") or [])[:EXAMPLE_ROWS]
    if not rows:
        return None
    frame = con.from_arrow(pa.Table.from_pylist(rows, schema=columns)).df()
    return _records(frame)


def _records(frame) -> str:
    return frame.to_json(orient="records", date_format="iso", force_ascii=False)


def _outcome(result, example_rows: str | None) -> dict:
    details = result.result or {}
    unexpected = details.get("unexpected_count")
    if unexpected is None and details.get("element_count") == 0:
        unexpected = 0  # SQL's sum over no rows is NULL, where pandas counted 0
    return {
        "check_name": result.expectation_config.meta["check_name"],
        "severity": result.expectation_config.meta["severity"],
        "success": bool(result.success),
        "observed": details.get("observed_value", unexpected),
        "unexpected_count": unexpected,
        "examples": [str(v) for v in (details.get("partial_unexpected_list") or [])[:EXAMPLES]],
        "example_rows": example_rows,
        "exception": _exception(result),
    }


def _compound_unique(con, query: str, columns: list[str], expectation: dict) -> dict:
    """expect_compound_columns_to_be_unique as GX validated it in pandas: every row whose key
    (column_list, NULL equal to NULL) appears more than once fails, bar the rows ignore_row_if
    leaves out; the examples are the first failing rows by key. GX's SQL metric joins each row to
    its key's count, so a row with a NULL in the key never fails there, and it returns no rows."""
    key = [_quoted(column) for column in expectation["kwargs"]["column_list"]]
    kept = IGNORE_ROW_IF[expectation["kwargs"].get("ignore_row_if", "all_values_are_missing")](key)
    keys = ", ".join(key)
    failing_count = None
    examples, example_rows, exception = [], None, None
    try:
        (failing_count,) = con.execute(
            f"""
            select coalesce(sum(n), 0) from (
                select count(*) as n from ({query}) as suite_rows where {kept}
                group by {keys} having count(*) > 1
            )
            """
        ).fetchone()
        if failing_count:
            order = ", ".join([*key, *(_quoted(column) for column in columns)])
            first = con.execute(
                f"""
                select * from ({query}) as suite_rows where {kept}
                qualify count(*) over (partition by {keys}) > 1
                order by {order} limit {EXAMPLES}
                """
            ).df()
            # as GX's pandas metric gave them: each failing row's key
            examples = [
                str(values)
                for values in first[expectation["kwargs"]["column_list"]].to_dict("records")
            ]
            example_rows = _records(first.head(EXAMPLE_ROWS))
    except duckdb.BinderException as error:  # a column the query does not have, as GX says it
        exception = str(error)
    return {
        "check_name": expectation["meta"]["check_name"],
        "severity": expectation["meta"]["severity"],
        "success": exception is None and failing_count == 0,
        "observed": failing_count,
        "unexpected_count": failing_count,
        "examples": examples,
        "example_rows": example_rows,
        "exception": exception,
    }


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _combined(earlier: dict, later: dict) -> dict:
    """One expectation's outcome over two sets of rows, the loads seen before and the new ones
    (only row-by-row expectations are combined, so counts add up and the observed value is the
    unexpected count); the examples are the earlier failing rows'."""
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
            write_check_results(con, rows)
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
        outcomes, rows_checked = validate_suite(settings, suite, where, con)
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
