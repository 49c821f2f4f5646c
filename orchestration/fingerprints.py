"""What a publication was made from, as hashes, so that a run can tell that it has nothing to do.

- `pipeline_inputs`: the data (the audit trail of file loads and year reloads changes whenever
  the raw tables do) and the code that turns it into the published tables (the dbt
  project with its seeds, the GX suites, the Python package, and the tools' versions).
- `site_inputs`: what the site is built from besides the snapshot (pages, Evidence settings,
  patches, the lock file).

A publication records both in its publication.json; a run whose ingest found nothing new and whose
inputs equal those of the current publication skips the transformation, the checks, the
publishing and (when the publication has its site) the site build.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from orchestration.settings import (
    DBT_PROJECT_DIR,
    EXPECTATIONS_DIR,
    PROJECT_ROOT,
    REPORTS_DIR,
    SEEDS_DIR,
    Settings,
)
from orchestration.warehouse import connect, warehouse_exists

DBT_SOURCES = ("dbt_project.yml", "models", "macros", "tests")
SITE_SOURCES = (
    "pages",
    "sources",
    "patches",
    "scripts",
    "evidence.config.yaml",
    "evidence.settings.json",
    "package-lock.json",
)
# Audit tables whose every row is a change of the raw data; a table not there yet counts as empty.
DATA_CHANGES = ("audit.file_loads", "audit.year_reloads", "audit.withdrawals", "audit.purges")


def files_fingerprint(roots: Iterable[Path], salt: str = "") -> str:
    """A hash of the names and bytes of every file under `roots` (files or folders)."""
    digest = hashlib.sha256(salt.encode())
    for root in roots:
        if not root.exists():
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def dbt_project_fingerprint() -> str:
    """Everything the dbt docs describe: the project's files and the seeds."""
    from dbt.version import __version__ as dbt_version

    return files_fingerprint(
        [DBT_PROJECT_DIR / name for name in DBT_SOURCES] + [SEEDS_DIR], salt=dbt_version
    )


def data_fingerprint(settings: Settings) -> str:
    """The count and last row of every audit table that records a change of the raw data."""
    if not warehouse_exists(settings):
        return hashlib.sha256(b"no warehouse").hexdigest()
    con = connect(settings, read_only=True)
    try:
        parts = []
        for table in DATA_CHANGES:
            try:
                parts.append(str(con.execute(f"select count(*) from {table}").fetchone()[0]))
                parts.append(str(con.execute(f"select max(columns(*)) from {table}").fetchone()))
            except Exception:  # an older warehouse without the table: no such changes
                parts.append("none")
    finally:
        con.close()
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def pipeline_inputs(settings: Settings) -> str:
    code = files_fingerprint(
        [EXPECTATIONS_DIR, PROJECT_ROOT / "orchestration", PROJECT_ROOT / "uv.lock"]
    )
    combined = (
        f"{data_fingerprint(settings)}|{dbt_project_fingerprint()}|{code}"
        f"|{settings.publisher}|{settings.contact}"  # stated on every page
    )
    return hashlib.sha256(combined.encode()).hexdigest()


def rules_inputs() -> str:
    """The calculation rules and code lists a publication was made with (its dbt project and
    seeds): when they differ from the previous publication's, its Ändringar entry says so."""
    return dbt_project_fingerprint()


def site_inputs() -> str:
    return files_fingerprint([REPORTS_DIR / name for name in SITE_SOURCES])
