"""The lake mode's test services, as the tests see them: a PostgreSQL server (DuckLake's and
Dagster's catalogs) and an S3-compatible store (moto), both on 127.0.0.1.

`scripts/test_services.py` starts and stops them. `.ci/run` starts them once for the whole run
and exports their FINSAM_TEST_* variables; where those are missing (`make test` or a single
`pytest` by hand), the session fixtures in conftest.py start them into a temporary folder and
stop them at the session's end.
"""

from __future__ import annotations

import importlib
import os
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_ROOT / "scripts" / "test_services.py"
PG_MISSING = (
    "PostgreSQL's server binaries (Debian package postgresql-15) are missing here, so the lake "
    "mode with a PostgreSQL catalog is not tested"
)
# Set by `.ci/run` (from the script's services.env) when it started the services itself.
ENV_NAMES = (
    "FINSAM_TEST_POSTGRES_URL",
    "FINSAM_TEST_POSTGRES_LIBPQ",
    "FINSAM_TEST_DAGSTER_POSTGRES_URL",
    "FINSAM_TEST_POSTGRES_MISSING",
    "FINSAM_TEST_S3_ENDPOINT",
    "FINSAM_TEST_S3_BUCKET",
    "FINSAM_TEST_S3_KEY_ID",
    "FINSAM_TEST_S3_SECRET",
)
# The extensions the lake mode loads, each from its PyPI wheel (duckdb-extension-NAME):
# DuckDB's extension repository is not reachable here.
LAKE_EXTENSIONS = ("postgres_scanner", "ducklake", "httpfs")


@dataclass(frozen=True)
class LakePostgres:
    """One database on the test PostgreSQL server, in the forms its clients take."""

    url: str  # postgresql://user@127.0.0.1:port/db: psycopg2, libpq, DuckDB's ATTACH
    libpq: str  # host=127.0.0.1 port=... user=... dbname=...: DuckDB's ATTACH
    # postgresql+psycopg2://...: Dagster's `postgres_url`. SQLAlchemy 2.1 (in uv.lock) takes a
    # bare postgresql:// to mean psycopg 3, which is not installed (dagster-postgres brings
    # psycopg2): Dagster then fails with "No module named 'psycopg'".
    dagster_url: str

    @classmethod
    def for_database(cls, url: str, dbname: str) -> LakePostgres:
        from psycopg2.extensions import make_dsn, parse_dsn

        parts = {**parse_dsn(url), "dbname": dbname}
        user, host, port = parts.get("user", ""), parts.get("host", ""), parts.get("port", "")
        address = f"{user}@{host}:{port}" if user else f"{host}:{port}"
        return cls(
            url=f"postgresql://{address}/{dbname}",
            libpq=make_dsn(**parts),
            dagster_url=f"postgresql+psycopg2://{address}/{dbname}",
        )


@dataclass(frozen=True)
class S3Store:
    """The S3-compatible store (moto's server) and its one bucket."""

    endpoint: str  # host:port, as DuckDB's S3 secret takes it
    bucket: str
    key_id: str
    secret: str
    region: str = "us-east-1"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.endpoint}"

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
            region_name=self.region,
        )

    def duckdb_secret_sql(self) -> str:
        """CREATE SECRET for DuckDB's httpfs: path-style URLs, plain HTTP, as moto serves."""
        return (
            f"CREATE OR REPLACE SECRET finsam_test_s3 (TYPE s3, KEY_ID '{self.key_id}', "
            f"SECRET '{self.secret}', ENDPOINT '{self.endpoint}', URL_STYLE 'path', "
            f"USE_SSL false, REGION '{self.region}')"
        )


def services_from_environ(environ: Mapping[str, str] = os.environ) -> dict[str, str] | None:
    """The variables `.ci/run` exported, or None where it started no services."""
    values = {name: environ[name] for name in ENV_NAMES if environ.get(name)}
    started = "FINSAM_TEST_S3_ENDPOINT" in values or "FINSAM_TEST_POSTGRES_URL" in values
    return values if started else None


def read_env_file(path: Path) -> dict[str, str]:
    """The `export NAME=value` lines of the script's services.env."""
    values = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            values[name] = value
    return values


def _script(command: str, folder: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), command, str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def start_services(folder: Path) -> dict[str, str]:
    """Start both services into `folder`; their variables. Raises RuntimeError with the script's
    own sentence where a step failed."""
    result = _script("start", folder, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(
            f"scripts/test_services.py start failed: {result.stderr.strip() or result.stdout}"
        )
    return read_env_file(folder / "services.env")


def stop_services(folder: Path) -> None:
    result = _script("stop", folder, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"scripts/test_services.py stop failed: {result.stderr.strip()}")


def postgres_from(values: Mapping[str, str]) -> LakePostgres | None:
    """The server's `finsam` database, or None where PostgreSQL's binaries are missing."""
    url = values.get("FINSAM_TEST_POSTGRES_URL")
    if not url:
        return None
    server = LakePostgres.for_database(url, "finsam")
    return LakePostgres(
        url=url,
        libpq=values.get("FINSAM_TEST_POSTGRES_LIBPQ") or server.libpq,
        dagster_url=values.get("FINSAM_TEST_DAGSTER_POSTGRES_URL")
        or LakePostgres.for_database(url, "finsam_dagster").dagster_url,
    )


def s3_from(values: Mapping[str, str]) -> S3Store | None:
    if not values.get("FINSAM_TEST_S3_ENDPOINT"):
        return None
    return S3Store(
        endpoint=values["FINSAM_TEST_S3_ENDPOINT"],
        bucket=values.get("FINSAM_TEST_S3_BUCKET", "finsam-lake"),
        key_id=values.get("FINSAM_TEST_S3_KEY_ID", "testing"),
        secret=values.get("FINSAM_TEST_S3_SECRET", "testing"),
    )


@contextmanager
def fresh_database(server: LakePostgres, prefix: str = "lake") -> Iterator[LakePostgres]:
    """A new, uniquely named database on the server, dropped afterwards (WITH (FORCE): a
    connection a test left open does not keep it)."""
    import psycopg2
    from psycopg2 import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"

    def run(statement) -> None:
        con = psycopg2.connect(server.url)
        try:
            con.autocommit = True  # CREATE / DROP DATABASE refuse to run in a transaction
            with con.cursor() as cur:
                cur.execute(statement)
        finally:
            con.close()

    run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield LakePostgres.for_database(server.url, name)
    finally:
        run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def extension_file(name: str) -> Path:
    """The extension's file in its wheel, for this DuckDB's version."""
    import duckdb

    package = importlib.import_module(f"duckdb_extension_{name}")
    folder = Path(package.__file__).parent / "extensions" / f"v{duckdb.__version__}"
    return folder / f"{name}.duckdb_extension"


def duckdb_offline(extension_dir: Path, extensions: tuple[str, ...] = LAKE_EXTENSIONS):
    """An in-memory DuckDB with the lake's extensions installed from their wheels into
    `extension_dir` and loaded; it never asks DuckDB's extension repository. (A test helper:
    the project's own install lives in orchestration/.)"""
    import duckdb

    con = duckdb.connect(
        config={
            "extension_directory": str(extension_dir),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        }
    )
    for name in extensions:
        con.execute(f"INSTALL '{extension_file(name)}'")
        con.execute(f"LOAD {name}")
    return con
