"""What a `dbt build` did, read from its run_results.json: a row of audit.check_results per test,
with example rows for the tests that failed, and one sentence for a build that cannot publish.

A failing test's example rows are taken by running its compiled query again, read-only, once dbt
has let go of the warehouse (dbt itself only counts failing rows)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from orchestration import check_names
from orchestration.failures import failed_check_sentence
from orchestration.settings import Settings
from orchestration.warehouse import connect, warehouse_exists

EXAMPLE_ROWS = 3
FAILED = ("fail", "error")
WITH_EXAMPLES = (*FAILED, "warn")  # a warning's failing rows are worth seeing too


def run_results(invocation) -> list[dict]:
    """The results of the invocation's nodes; [] when dbt stopped before writing them."""
    try:
        return invocation.get_artifact("run_results.json").get("results", [])
    except (FileNotFoundError, OSError, ValueError):
        return []


def error_messages(invocation) -> str:
    """What dbt said about the nodes that errored (where a full disk or a lock shows)."""
    return "\n".join(
        str(result.get("message"))
        for result in run_results(invocation)
        if result.get("status") == "error"
    )


def test_rows(run_id: str, invocation, settings: Settings | None = None) -> list[dict]:
    """One audit.check_results row per dbt data test and unit test the invocation ran; with
    `settings`, a failed or warning test carries up to three of its failing rows as JSON."""
    manifest = invocation.manifest
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    rows = []
    for result in run_results(invocation):
        if result["unique_id"].split(".")[0] not in ("test", "unit_test"):
            continue
        row = test_row(run_id, result, nodes.get(result["unique_id"], {}), nodes)
        if settings is not None and result.get("status") in WITH_EXAMPLES:
            row["example_rows"] = failing_rows(settings, result.get("compiled_code"))
        rows.append(row)
    return rows


def test_row(run_id: str, result: dict, node: dict, nodes: Mapping[str, Any]) -> dict:
    """A dbt test result as a row of audit.check_results: named and attached to the models it
    tests (as schema/model, like the GX checks), with its severity and failing rows."""
    if node.get("attached_node"):
        tested = [node["attached_node"]]
    elif node.get("model"):  # a unit test
        tested = [f"model.{node.get('package_name', 'finsam')}.{node['model']}"]
    else:  # a singular test reading several models
        parents = (node.get("depends_on") or {}).get("nodes", [])
        tested = sorted(parent for parent in parents if parent.startswith("model."))
    attached = ", ".join(
        f"{nodes.get(key, {}).get('schema', 'dbt')}/{key.split('.')[-1]}" for key in tested
    )
    failures = result.get("failures")
    row_name = node.get("name") or result["unique_id"].split(".")[-1]
    return {
        "run_id": run_id,
        "check_name": row_name,
        "asset_key": attached,
        "source": "dbt",
        "severity": str((node.get("config") or {}).get("severity") or "error").lower(),
        "passed": result.get("status") == "pass",
        "observed_value": result.get("status"),
        "unexpected_count": failures if isinstance(failures, int) else None,
        "example_rows": None,
        # named in Swedish from the manifest's description of the test, not its generated name
        **check_names.swedish_or_none(check_names.dbt_check(node or {"name": row_name})),
    }


def failing_rows(settings: Settings, compiled_code: str | None) -> str | None:
    """Up to three rows the test's query returns (its failures), as a JSON list; None when the
    query cannot be run again."""
    if not compiled_code or not warehouse_exists(settings):
        return None
    query = compiled_code.strip().rstrip(";")
    try:
        con = connect(settings, read_only=True)
    except Exception:  # noqa: BLE001 - examples are a courtesy; the failure is reported anyway
        return None
    try:
        # the compiled SQL names the warehouse by its file name ("warehouse"."marts"."..."),
        # which is this connection's catalog too
        cursor = con.execute(f"select * from ({query}) as failing limit {EXAMPLE_ROWS}")
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    except Exception:  # noqa: BLE001
        return None
    finally:
        con.close()
    return json.dumps(rows, ensure_ascii=False, default=str) if rows else None


def build_failure(rows: list[dict], invocation) -> str | None:
    """One sentence for a build that cannot publish: the first blocking test that failed, with
    its table and an example row; else the first model dbt could not build; else None."""
    for row in rows:
        if row["observed_value"] in FAILED and row["severity"] == "error":
            return failed_check_sentence(
                row["check_name"], row["asset_key"], row["unexpected_count"], row["example_rows"]
            )
    for result in run_results(invocation):
        if result.get("status") == "error" and result["unique_id"].startswith("model."):
            model = result["unique_id"].split(".")[-1]
            first_line = next(
                (line.strip() for line in str(result.get("message")).splitlines() if line.strip()),
                "no message",
            )
            return (
                f"dbt could not build the model {model}: {first_line} (the run's log has dbt's "
                "full output); nothing was published."
            )
    return None
