"""The published snapshot opens in Evidence's DuckDB binding, and the real job builds a site
whose pages render in a headless browser with no network."""

import json
import shutil
import socket
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, run_finsam

pytestmark = pytest.mark.site
REPORTS = PROJECT_ROOT / "reports"


def test_snapshot_opens_with_the_node_binding_evidence_uses(pipeline_run):
    result = subprocess.run(
        ["node", "scripts/check-snapshot.mjs", str(pipeline_run.snapshot)],
        cwd=REPORTS,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"indicator_results", "forbund", "indicators", "questions"} <= set(report["tables"])
    expected = pipeline_run.query("select count(*) from published.indicator_results")[0][0]
    assert report["indicator_results_rows"] == expected > 0


@pytest.fixture(scope="module")
def site_run(pipeline_run):
    result = run_finsam(
        "run",
        "--home",
        str(pipeline_run.home),
        "--landing",
        str(pipeline_run.landing),
        home=pipeline_run.home,
        timeout=2400,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return pipeline_run.home / "site"


def test_job_builds_a_page_per_indicator_and_association(site_run, pipeline_run):
    assert (site_run / "index.html").exists()
    indicator_pages = {p.parent.name for p in (site_run / "indikatorer").glob("*/index.html")}
    assert indicator_pages == {str(n) for n in range(1, 17)}
    reporting = {
        f for (f,) in pipeline_run.query("select distinct forbund_id from marts.fct_submissions")
    }
    association_pages = {p.parent.name for p in (site_run / "forbund").glob("*/index.html")}
    assert reporting <= association_pages


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served_site(site_run):
    port = _free_port()
    handler = partial(SimpleHTTPRequestHandler, directory=str(site_run))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def rendered_text(url: str, tmp_path: Path) -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "chromium is not installed: run `make setup-browser` (apt-get install chromium)"
        )
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_overview_page_renders_national_results(served_site, tmp_path):
    dom = rendered_text(f"{served_site}/", tmp_path)
    assert "Indikatorer för finansiell samordning" in dom
    assert "/indikatorer/7" in dom and "/forbund/" in dom
    assert "Error in Query" not in dom


def test_association_page_shows_its_name_and_suppression_message(
    served_site, pipeline_run, tmp_path
):
    forbund_id, name = pipeline_run.query(
        """
        select r.forbund_id, r.forbund_name from marts.fct_indicator_results as r
        where r.scope = 'forbund' and r.is_suppressed
        group by all order by count(*) desc, r.forbund_id limit 1
        """
    )[0]
    dom = rendered_text(f"{served_site}/forbund/{forbund_id}/", tmp_path)
    assert name in dom
    assert "Alltför få svar inkomna för att kunna redovisas" in dom


def test_quality_page_counts_files_and_lists_warnings(served_site, pipeline_run, tmp_path):
    dom = rendered_text(f"{served_site}/datakvalitet/", tmp_path)
    assert "Datakvalitet" in dom
    assert "Kontroller som varnade" in dom
    files = pipeline_run.query("select count(*) from audit.file_loads")[0][0]
    assert f"{files:,}" in dom or str(files) in dom
    assert "Error in Query" not in dom
