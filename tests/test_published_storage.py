"""The files that leave the warehouse stay readable by the site's engine after the move to DuckDB
1.5: Evidence's @duckdb/node-api 1.4 reads database files of storage versions 64 to 67 and no
newer ("Trying to read a database file with version number 68, but we can only read versions
between 64 and 67"). The pipeline writes them in 1.4's format (warehouse.PUBLISHED_STORAGE_VERSION);
test_site.py opens the snapshot with that very binding, and the test here shows that binding
refuses a file in DuckDB 1.5's own format, so the check can fail."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import PROJECT_ROOT

READABLE_BY_NODE_API_1_4 = range(64, 68)


def storage_version(path: Path) -> int:
    """The version number in a DuckDB file's main header (after its checksum and b"DUCK")."""
    header = path.read_bytes()[:20]
    assert header[8:12] == b"DUCK", path
    return struct.unpack("<Q", header[12:20])[0]


def test_every_published_database_file_is_in_a_format_the_site_engine_reads(pipeline_run):
    published = sorted((pipeline_run.home / "publications").rglob("*.duckdb"))
    assert {path.name for path in published} == {"finsam.duckdb", "marts.duckdb"}
    for path in published:
        assert storage_version(path) in READABLE_BY_NODE_API_1_4, path


@pytest.mark.site
def test_the_site_engine_refuses_a_file_in_duckdb_1_5_s_own_format(tmp_path):
    newer = tmp_path / "finsam.duckdb"
    con = duckdb.connect(str(newer), config={"storage_compatibility_version": "latest"})
    con.execute("create table indicator_results as select 1 as n")
    con.close()
    assert storage_version(newer) not in READABLE_BY_NODE_API_1_4
    result = subprocess.run(
        ["node", "scripts/check-snapshot.mjs", str(newer)],
        cwd=PROJECT_ROOT / "reports",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "created with an newer version of DuckDB" in result.stderr
    assert not result.stdout.strip() or json.loads(result.stdout)  # nothing half-read
