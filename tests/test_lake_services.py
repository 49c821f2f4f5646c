"""The lake mode's test services do what the lake needs: DuckLake (DuckDB 1.5.5, extensions
installed offline from their wheels) with its catalog in PostgreSQL and its Parquet files in a
local folder or in the S3 store, and Dagster's run storage in PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from tests.lake_services import PROJECT_ROOT, duckdb_offline, fresh_database


def attach_sql(catalog: str, data_path: str) -> str:
    return f"ATTACH 'ducklake:postgres:{catalog}' AS lake (DATA_PATH '{data_path}')"


def test_extensions_install_from_their_wheels_without_the_network(tmp_path: Path):
    con = duckdb_offline(tmp_path / "extensions")
    loaded = dict(
        con.execute(
            "SELECT extension_name, loaded FROM duckdb_extensions() WHERE installed"
        ).fetchall()
    )
    assert all(loaded.get(name) for name in ("postgres_scanner", "ducklake", "httpfs")), loaded
    # Installed into the folder we gave, not into ~/.duckdb.
    assert sorted(p.name for p in (tmp_path / "extensions").rglob("*.duckdb_extension")) == [
        "ducklake.duckdb_extension",
        "httpfs.duckdb_extension",
        "postgres_scanner.duckdb_extension",
    ]


def test_ducklake_with_a_postgres_catalog_is_shared_by_two_processes(
    lake_catalog_db: str, tmp_path: Path
):
    data = tmp_path / "data"
    con = duckdb_offline(tmp_path / "extensions")
    con.execute(attach_sql(lake_catalog_db, f"{data}/"))
    con.execute(
        "CREATE TABLE lake.answers AS SELECT range AS id, 'a' || range AS v FROM range(1000)"
    )

    # Another process, with its own DuckDB, reads that table and adds rows through the catalog.
    other = textwrap.dedent(
        f"""
        from pathlib import Path
        from tests.lake_services import duckdb_offline
        con = duckdb_offline(Path({str(tmp_path / "extensions-2")!r}))
        con.execute({attach_sql(lake_catalog_db, f"{data}/")!r})
        print(con.execute("SELECT count(*) FROM lake.answers").fetchone()[0])
        con.execute("INSERT INTO lake.answers SELECT range, 'b' FROM range(1000, 1500)")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", other],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "1000"

    # This connection sees the other's commit at its next query.
    assert con.execute("SELECT count(*), max(id) FROM lake.answers").fetchone() == (1500, 1499)
    assert len(list(data.rglob("*.parquet"))) == 2
    con.close()


def test_ducklake_attach_takes_a_postgres_uri_too(postgres_url, tmp_path: Path):
    with fresh_database(postgres_url, "lake_uri") as database:
        con = duckdb_offline(tmp_path / "extensions")
        con.execute(attach_sql(database.url, f"{tmp_path / 'data'}/"))
        con.execute("CREATE TABLE lake.t AS SELECT 42 AS a")
        assert con.execute("SELECT a FROM lake.t").fetchall() == [(42,)]
        con.close()


def test_ducklake_with_its_data_in_the_s3_store(lake_catalog_db: str, s3_store, tmp_path: Path):
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    con = duckdb_offline(tmp_path / "extensions")
    con.execute(s3_store.duckdb_secret_sql())
    con.execute(attach_sql(lake_catalog_db, f"s3://{s3_store.bucket}/{prefix}/"))
    # 1,000 rows: more than DuckLake inlines into the catalog (10 by default), so a Parquet file.
    con.execute(
        "CREATE TABLE lake.answers AS SELECT range AS id, 'a' || range AS v FROM range(1000)"
    )
    con.execute("INSERT INTO lake.answers SELECT range, 'b' FROM range(1000, 1100)")
    assert con.execute("SELECT count(*), sum(id) FROM lake.answers").fetchone() == (
        1100,
        sum(range(1100)),
    )

    listed = s3_store.client().list_objects_v2(Bucket=s3_store.bucket, Prefix=f"{prefix}/")
    keys = sorted(item["Key"] for item in listed.get("Contents", []))
    assert len(keys) == 2 and all(key.endswith(".parquet") for key in keys), keys
    files = sorted(
        row[0]
        for row in con.execute(
            "SELECT data_file FROM ducklake_list_files('lake', 'answers')"
        ).fetchall()
    )
    assert files == [f"s3://{s3_store.bucket}/{key}" for key in keys]
    # DuckDB reads the objects back over S3 by themselves, too.
    assert con.execute(f"SELECT count(*) FROM read_parquet({files!r})").fetchone() == (1100,)
    con.close()


def test_the_s3_store_works_without_postgres(s3_store, tmp_path: Path):
    """Where PostgreSQL is missing, the S3 store still runs: DuckLake with a DuckDB file as its
    catalog and its data in the bucket."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    con = duckdb_offline(tmp_path / "extensions", ("ducklake", "httpfs"))
    con.execute(s3_store.duckdb_secret_sql())
    con.execute(
        f"ATTACH 'ducklake:{tmp_path / 'catalog.ducklake'}' AS lake "
        f"(DATA_PATH 's3://{s3_store.bucket}/{prefix}/')"
    )
    con.execute("CREATE TABLE lake.t AS SELECT range AS id FROM range(100)")
    assert con.execute("SELECT count(*) FROM lake.t").fetchone() == (100,)
    listed = s3_store.client().list_objects_v2(Bucket=s3_store.bucket, Prefix=f"{prefix}/")
    assert [item["Key"].endswith(".parquet") for item in listed.get("Contents", [])] == [True]
    con.close()


def test_dagster_keeps_its_runs_in_postgres(postgres_url, tmp_path: Path, monkeypatch):
    import dagster as dg

    with fresh_database(postgres_url, "dagster") as database:
        home = tmp_path / "dagster-home"
        home.mkdir()
        (home / "dagster.yaml").write_text(
            textwrap.dedent(
                f"""\
                storage:
                  postgres:
                    postgres_url: "{database.dagster_url}"
                telemetry:
                  enabled: false
                """
            )
        )
        monkeypatch.setenv("DAGSTER_HOME", str(home))

        @dg.asset
        def trivial() -> int:
            return 1

        instance = dg.DagsterInstance.get()
        try:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            result = dg.materialize([trivial], instance=instance)
            assert result.success
        finally:
            instance.dispose()

        # Another instance object, as another process would make, finds the run and its event.
        again = dg.DagsterInstance.from_config(str(home))
        try:
            run = again.get_run_by_id(result.run_id)
            assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
            assert again.get_latest_materialization_event(dg.AssetKey("trivial")) is not None
        finally:
            again.dispose()


@pytest.mark.parametrize("database", ["finsam", "finsam_dagster"])
def test_the_services_databases_exist(postgres_url, database: str):
    import psycopg2

    con = psycopg2.connect(postgres_url.url)
    try:
        with con.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            assert cur.fetchone() == (1,)
            cur.execute("SHOW listen_addresses")
            assert cur.fetchone() == ("127.0.0.1",)
    finally:
        con.close()
