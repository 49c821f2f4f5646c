"""Build the Evidence site from the published snapshot and swap it into the home folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from orchestration.publish import publications
from orchestration.settings import REPORTS_DIR, Settings

EVIDENCE_SOURCE = "finsam"
# Where the site serves the downloads (reports/pages/ladda-ner.md links here).
DOWNLOADS_FOLDER = "nedladdning"
EVIDENCE_STATIC_DIR = REPORTS_DIR / ".evidence" / "template" / "static"
BUILD_TIMEOUT_SECONDS = 30 * 60


class SiteBuildError(RuntimeError):
    """The Evidence build failed; the previous site is left in place."""


def evidence_environment(settings: Settings, snapshot: Path | None = None) -> dict[str, str]:
    return {
        **os.environ,
        **settings.environment(),
        # Evidence overrides a source's connection option from EVIDENCE_SOURCE__<source>__<key>.
        f"EVIDENCE_SOURCE__{EVIDENCE_SOURCE}__filename": str(snapshot or settings.published_path),
        "NODE_OPTIONS": os.environ.get("NODE_OPTIONS", "--max-old-space-size=6144"),
    }


def _tool(command: list[str], settings: Settings, log, snapshot: Path | None = None) -> str:
    """Run one step of the build in reports/; its output, or SiteBuildError with its end."""
    log(f"evidence: {' '.join(command)}")
    completed = subprocess.run(
        command,
        cwd=REPORTS_DIR,
        env=evidence_environment(settings, snapshot),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-30:])
        raise SiteBuildError(f"`{' '.join(command)}` in {REPORTS_DIR} failed:\n{tail}")
    return completed.stdout.strip()


def _npm(arguments: list[str], settings: Settings, log, snapshot: Path) -> None:
    _tool(["npm", "run", "--silent", *arguments], settings, log, snapshot)


def build_site(settings: Settings, publication: Path, log=print) -> Path:
    """Build the site of a complete publication from its snapshot and downloads, put it into the
    publication and make the publication current (snapshot and site together)."""
    if not (REPORTS_DIR / "node_modules" / "@evidence-dev").exists():
        raise SiteBuildError(
            f"Evidence is not installed in {REPORTS_DIR}; run `make setup` (or `finsam run "
            "--no-site` to skip the site)."
        )
    snapshot = publication / settings.published_path.name
    if not snapshot.exists():
        raise SiteBuildError(f"No published snapshot at {snapshot} to build from.")
    _npm(["sources", "--", "--strict"], settings, log, snapshot)
    # Into Evidence's static folder before the build, so that the prerendering crawler finds the
    # files the Ladda ner page links to; the build copies them into the site.
    add_downloads(publication / settings.downloads_dir.name, EVIDENCE_STATIC_DIR / DOWNLOADS_FOLDER)
    # build:checked fails on a query error (plain `evidence build` only logs it) and verifies
    # that every indicator and association got its page; see reports/README.md.
    _npm(["build:checked"], settings, log, snapshot)
    built = REPORTS_DIR / "build"
    if not (built / "index.html").exists():
        raise SiteBuildError(f"The Evidence build wrote no {built / 'index.html'}.")
    _node(["scripts/precompress.mjs", str(built)], settings, log)
    return publications.install_site(settings, built, publication)


def add_downloads(downloads: Path, target: Path) -> None:
    """The snapshot's downloads (CSV and Parquet of every published table) into the site."""
    if not downloads.is_dir():
        raise SiteBuildError(f"No downloads at {downloads}: publish the snapshot first.")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(downloads, target)


def _node(arguments: list[str], settings: Settings, log) -> None:
    log(_tool(["node", *arguments], settings, log))
