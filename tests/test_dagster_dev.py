"""`make dev` as a data engineer starts it: the real `dagster dev`, with the project's bin folder
not on PATH, loads the code location with every asset, check, job, sensor and schedule.

An in-process `Definitions` check cannot see a code location that fails only under `dagster dev`
(its dbt preparation once looked for `dbt` on PATH, and the UI showed 0 assets)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.dbt_project import prepare_manifest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 240

QUERY = """
{
  repositoriesOrError {
    __typename
    ... on RepositoryConnection {
      nodes {
        location { name }
        jobs { name }
        sensors { name }
        schedules { name }
        assetNodes {
          assetKey { path }
          assetChecksOrError { ... on AssetChecks { checks { name } } }
        }
      }
    }
  }
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def path_without_virtualenvs() -> str:
    """PATH as a fresh shell has it: no bin folder of a virtual environment (pytest's own
    environment may have put .venv/bin there)."""
    folders = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(os.pathsep)
    return os.pathsep.join(
        folder for folder in folders if not (Path(folder).parent / "pyvenv.cfg").exists()
    )


def graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


def loaded_location(port: int, process: subprocess.Popen, log: Path) -> dict:
    """The code location once the webserver reports it loaded (or failed)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make dev stopped ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            data = graphql(port)
        except OSError:
            time.sleep(2)
            continue
        entries = data["workspaceOrError"]["locationEntries"]
        errors = [
            entry["locationOrLoadError"].get("message")
            for entry in entries
            if entry["locationOrLoadError"]
            and entry["locationOrLoadError"]["__typename"] == "PythonError"
        ]
        assert not errors, errors
        repositories = data["repositoriesOrError"].get("nodes") or []
        if repositories:
            return repositories[0]
        time.sleep(2)
    pytest.fail(f"the Dagster UI did not load in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def expected_counts() -> dict[str, int]:
    prepare_manifest()
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    return {
        "assets": len(graph.get_all_asset_keys()),
        "checks": len(graph.asset_check_keys),
        "jobs": len([job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")]),
        "sensors": len(defs.sensors or []),
        "schedules": len(defs.schedules or []),
    }


def test_make_dev_loads_every_definition_without_the_venv_on_path(tmp_path):
    port = free_port()
    log = tmp_path / "make-dev.log"
    env = {
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": path_without_virtualenvs(),
        "FINSAM_HOME": str(tmp_path / "home"),
        "DAGSTER_PORT": str(port),
        "LANG": "C.UTF-8",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "dev"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped whole below
        )
    try:
        location = loaded_location(port, process, log)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends `dagster dev`
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    expected = expected_counts()
    # Dagster adds a hidden job for materialising any selection of assets.
    jobs = [job["name"] for job in location["jobs"] if not job["name"].startswith("__")]
    shown = {
        "assets": len(location["assetNodes"]),
        "checks": sum(
            len(node["assetChecksOrError"].get("checks") or []) for node in location["assetNodes"]
        ),
        "jobs": len(jobs),
        "sensors": len(location["sensors"]),
        "schedules": len(location["schedules"]),
    }
    assert location["location"]["name"] == "orchestration"
    assert shown == expected
    assert expected["assets"] > 50 and expected["checks"] > 100
    assert {"finsam_job", "finsam_job_without_site", "reload_year_job", "withdraw_job"} <= set(jobs)
    keys = {"/".join(node["assetKey"]["path"]) for node in location["assetNodes"]}
    assert {"raw/submissions", "marts/fct_indicator_results", "published_snapshot"} <= keys
