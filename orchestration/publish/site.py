"""Build the Evidence site from the published snapshot and swap it into the home folder."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.publish import publications
from orchestration.settings import REPORTS_DIR, Settings

EVIDENCE_SOURCE = "finsam"
# Where the site serves the downloads (reports/pages/ladda-ner.md links here).
DOWNLOADS_FOLDER = "nedladdning"
EVIDENCE_STATIC_DIR = REPORTS_DIR / ".evidence" / "template" / "static"
BUILD_LOCK = REPORTS_DIR / ".evidence" / "build.lock"
# the bundle's compressed files, kept from one build to the next (scripts/precompress.mjs)
PRECOMPRESSED_CACHE = REPORTS_DIR / ".evidence" / "precompressed"
BUILD_TIMEOUT_SECONDS = 30 * 60
# The Node heap of the build: bundling (vite compiles every component of Evidence's libraries,
# for the server and the browser) keeps more than 1.5 GB alive, so 1280 and 1536 MB run out of
# memory; 2048 MB is enough at demo scale 1 (6144 let the process grow to some 3.3 GB; see
# reports/README.md).
NODE_HEAP = "--max-old-space-size=2048"
# Evidence's command line, run with node directly (not through `npm run`, a shell and `evidence`).
EVIDENCE_CLI = "node_modules/@evidence-dev/evidence/cli.js"


class SiteBuildError(RuntimeError):
    """The Evidence build failed; the previous site is left in place."""


def evidence_environment(settings: Settings, snapshot: Path | None = None) -> dict[str, str]:
    return {
        **os.environ,
        **settings.environment(),
        # Evidence overrides a source's connection option from EVIDENCE_SOURCE__<source>__<key>.
        f"EVIDENCE_SOURCE__{EVIDENCE_SOURCE}__filename": str(snapshot or settings.published_path),
        "NODE_OPTIONS": os.environ.get("NODE_OPTIONS", NODE_HEAP),
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


def build_site(
    settings: Settings, publication: Path, log=print, rebuild_bundle: bool = False
) -> Path:
    """Build the site of a complete publication from its snapshot and downloads, put it into the
    publication and make the publication current (snapshot and site together).

    The build keeps its bundle (the pages' code, which does not depend on the data) in
    reports/.evidence/bundle and, while the pages are unchanged, only prerenders the next
    publication's pages with it; `rebuild_bundle` bundles anew (`finsam run --rebuild`)."""
    if not (REPORTS_DIR / "node_modules" / "@evidence-dev").exists():
        raise SiteBuildError(
            f"Evidence is not installed in {REPORTS_DIR}; run `make setup` (or `finsam run "
            "--no-site` to skip the site)."
        )
    snapshot = publication / settings.published_path.name
    if not snapshot.exists():
        raise SiteBuildError(f"No published snapshot at {snapshot} to build from.")
    with one_build_at_a_time(log):
        return _build(settings, publication, snapshot, log, rebuild_bundle)


@contextmanager
def one_build_at_a_time(log=print) -> Iterator[None]:
    """Evidence builds in reports/.evidence/template and reports/build/, which every home on the
    machine shares: a second home's build waits for the first (fcntl.flock; the operating system
    releases it when a build is killed)."""
    BUILD_LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(BUILD_LOCK, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"Another site build is using {REPORTS_DIR}; waiting for it to end.")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _build(
    settings: Settings, publication: Path, snapshot: Path, log, rebuild_bundle: bool
) -> Path:
    _tool(["node", EVIDENCE_CLI, "sources", "--strict"], settings, log, snapshot)
    downloads = publication / settings.downloads_dir.name
    # The prerendering crawler follows the Ladda ner page's links into Evidence's static folder:
    # it gets empty stand-ins there, and the real downloads (some 100 MB) go straight into the
    # built site, instead of being copied through the build twice.
    add_download_standins(downloads, EVIDENCE_STATIC_DIR / DOWNLOADS_FOLDER)
    # scripts/build-site.mjs fails on a query error (plain `evidence build` only logs it) and
    # verifies that every indicator and association got its page; see reports/README.md.
    rebuild = ["--rebuild-bundle"] if rebuild_bundle else []
    built_by = _tool(["node", "scripts/build-site.mjs", *rebuild], settings, log, snapshot)
    for line in built_by.splitlines():
        if line.startswith("build-site:"):  # its steps and times, not Evidence's chatter
            log(line)
    built = REPORTS_DIR / "build"
    if not (built / "index.html").exists():
        raise SiteBuildError(f"The Evidence build wrote no {built / 'index.html'}.")
    add_downloads(downloads, built / DOWNLOADS_FOLDER)
    _node(
        ["scripts/precompress.mjs", str(built), "--cache", str(PRECOMPRESSED_CACHE)], settings, log
    )
    return publications.install_site(settings, built, publication)


def add_download_standins(downloads: Path, target: Path) -> None:
    """An empty file for each download, under the name the site links to."""
    if not downloads.is_dir():
        raise SiteBuildError(f"No downloads at {downloads}: publish the snapshot first.")
    shutil.rmtree(target, ignore_errors=True)
    for file in downloads.rglob("*"):
        if file.is_file():
            standin = target / file.relative_to(downloads)
            standin.parent.mkdir(parents=True, exist_ok=True)
            standin.touch()


def add_downloads(downloads: Path, target: Path) -> None:
    """The snapshot's downloads (CSV and Parquet of every published table) into the site."""
    if not downloads.is_dir():
        raise SiteBuildError(f"No downloads at {downloads}: publish the snapshot first.")
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(downloads, target)


def _node(arguments: list[str], settings: Settings, log) -> None:
    log(_tool(["node", *arguments], settings, log))
