"""The lake mode (orchestration/warehouse.py): the real job on a DuckLake with a catalog file and
with a PostgreSQL catalog and object storage, several loads at once, a reader during a build,
the offline extensions and their signatures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import environment_set, load_settings
from orchestration.warehouse import (
    DUCKLAKE,
    HTTPFS,
    POSTGRES,
    connect,
    extension_file,
    load_extensions,
)
from tests.conftest import FINSAM

# Tables whose rows name the run, its time or its checks: not the same from run to run.
PER_RUN = {"publication", "publication_changes", "downloads", "check_outcomes", "data_quality"}


def lake_env(home: Path, **settings: str) -> dict[str, str]:
    env = {**os.environ, "FINSAM_HOME": str(home), "FINSAM_WAREHOUSE_MODE": "lake", **settings}
    env.pop("FINSAM_LANDING", None)
    return env


def finsam(*args: str, env: dict[str, str], timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FINSAM, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def published_differences(left: Path, right: Path) -> dict[str, int]:
    """Rows in one snapshot and not the other, per table (per-run tables left out)."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'l' "
            "and table_schema = 'main'"
        ).fetchall()
        if name not in PER_RUN
    ]
    assert len(tables) >= 15
    return {
        table: con.execute(
            f"select (select count(*) from (from l.{table} except all from r.{table})) + "
            f"(select count(*) from (from r.{table} except all from l.{table}))"
        ).fetchone()[0]
        for table in tables
    }


def publication_facts(home: Path) -> dict:
    return json.loads((home / "published" / "publication.json").read_text())


def test_the_real_job_on_a_lake_with_a_catalog_file_publishes_what_embedded_does(
    pipeline_run, tmp_path
):
    home = tmp_path / "home"
    env = lake_env(home)
    result = finsam("run", "--landing", str(pipeline_run.landing), "--no-site", env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "the lake (catalog" in result.stdout
    assert not (home / "warehouse.duckdb").exists()  # the lake, not the embedded file
    assert (home / "lake" / "catalog.ducklake").is_file()
    assert list((home / "lake" / "data").rglob("*.parquet"))

    differences = published_differences(pipeline_run.snapshot, home / "published/finsam.duckdb")
    assert set(differences.values()) == {0}, differences

    # the publication records its lake snapshot; the lake reads as of it, also after a change
    snapshot = publication_facts(home)["lake_snapshot"]
    assert isinstance(snapshot, int) and snapshot > 0
    listed = json.loads(finsam("publications", "--json", env=env).stdout)
    assert [p["lake_snapshot"] for p in listed] == [snapshot]
    name = listed[0]["name"]
    count = "select count(*) from marts.fct_submissions"
    before = finsam("sql", "--as-of", name, "--csv", count, env=env)
    assert before.returncode == 0, before.stderr
    settings = load_settings(home=home, warehouse_mode="lake")
    con = connect(settings)
    try:
        (rows,) = con.execute(count).fetchone()
        # the mart is a view of the deduplicated questionnaires: read as of the snapshot too
        con.execute(
            "delete from intermediate.int_submissions__deduplicated where measurement_year = 2020"
        )
    finally:
        con.close()
    assert before.stdout.split() == ["count_star()", str(rows)]
    now = finsam("sql", "--csv", count, env=env).stdout.split()[1]
    assert int(now) < rows
    again = finsam("sql", "--as-of", name, "--csv", count, env=env).stdout.split()[1]
    assert int(again) == rows

    wrong = finsam("sql", "--as-of", "no-such-publication", "select 1", env=env)
    assert wrong.returncode == 2 and "no such publication is kept" in wrong.stderr


def test_the_real_job_on_a_lake_in_postgresql_and_object_storage(
    pipeline_run, tmp_path, lake_catalog_db, s3_store
):
    """The PostgreSQL catalog, Parquet in the S3 store, Dagster's runs in the same server, and a
    reader that queries the lake all through a second build without one failure."""
    prefix = f"lake-{uuid.uuid4().hex[:8]}"
    home = tmp_path / "home"
    env = lake_env(
        home,
        FINSAM_LAKE_CATALOG=f"postgres:{lake_catalog_db}",
        FINSAM_LAKE_DATA_PATH=f"s3://{s3_store.bucket}/{prefix}/",
        FINSAM_S3_ENDPOINT=s3_store.endpoint,
        FINSAM_S3_KEY_ID=s3_store.key_id,
        FINSAM_S3_SECRET=s3_store.secret,
        FINSAM_S3_REGION=s3_store.region,
        FINSAM_S3_USE_SSL="false",
    )
    result = finsam("run", "--landing", str(pipeline_run.landing), "--no-site", env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    differences = published_differences(pipeline_run.snapshot, home / "published/finsam.duckdb")
    assert set(differences.values()) == {0}, differences

    objects = s3_store.client().list_objects_v2(Bucket=s3_store.bucket, Prefix=prefix)
    assert sum(o["Key"].endswith(".parquet") for o in objects.get("Contents", [])) >= 10
    assert not (home / "lake" / "data").exists()  # the data went to the store

    # Dagster's run history is in PostgreSQL, not in SQLite files under the home
    config = (home / "dagster" / "dagster.yaml").read_text()
    assert "postgresql+psycopg2://" in config and "max_concurrent_runs: 4" in config
    assert not list((home / "dagster").rglob("*.db"))
    first_run = publication_facts(home)["run_id"]
    code = (
        "import dagster as dg; i = dg.DagsterInstance.get(); "
        "print(json.dumps([r.run_id for r in i.get_runs()]))"
    )
    runs = subprocess.run(
        [str(Path(FINSAM).parent / "python"), "-c", f"import json; {code}"],
        env={**env, "DAGSTER_HOME": str(home / "dagster")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert first_run in json.loads(runs.stdout)

    # a reader during a build never fails, and always sees a whole state
    settings = load_settings(
        home=home,
        warehouse_mode="lake",
        lake_catalog=env["FINSAM_LAKE_CATALOG"],
        lake_data_path=env["FINSAM_LAKE_DATA_PATH"],
    )
    with environment_set({key: env[key] for key in env if key.startswith("FINSAM_S3_")}):
        build = subprocess.Popen(
            [FINSAM, "run", "--landing", str(pipeline_run.landing), "--no-site", "--rebuild"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        reads, failures, totals = 0, [], set()
        while build.poll() is None:
            try:
                con = connect(settings, read_only=True)
                try:
                    totals.add(
                        con.execute(
                            "select count(*), sum(n_respondents) from marts.fct_indicator_results"
                        ).fetchone()
                    )
                finally:
                    con.close()
                reads += 1
            except Exception as error:  # noqa: BLE001 - every failure is what this test counts
                failures.append(str(error))
            # each read attaches the lake anew (PostgreSQL, the store, the extensions), about
            # 0.8 processor-seconds: at one a second the reader took 48 s of the test's 214
            time.sleep(2.0)
        output = build.stdout.read()
    assert build.returncode == 0, output[-3000:]
    print(f"\nreader during a rebuild: {reads} reads, {len(failures)} failed, totals {totals}")
    assert failures == []
    assert reads >= 10
    assert len(totals) == 1, totals  # the same numbers throughout: the rebuild changed none


def split_landing(landing: Path, folders: list[Path]) -> dict[str, int]:
    """The landing folder's files dealt out over the regional folders by association (the
    second part of their names), as regions send them: every export of an association, and so
    every version of its responses, goes through one region."""
    files = sorted(p for p in landing.rglob("*") if p.is_file())
    associations = sorted({path.name.split("_")[1] for path in files})
    region_of = {name: folders[index % len(folders)] for index, name in enumerate(associations)}
    for folder in folders:
        folder.mkdir(parents=True)
    for path in files:
        shutil.copy2(path, region_of[path.name.split("_")[1]] / path.name)
    return {folder.name: len(list(folder.iterdir())) for folder in folders}


def test_several_loads_at_once_lose_and_double_nothing(pipeline_run, tmp_path, lake_catalog_db):
    """Three regions load their folders at once into one lake, and a fourth process loads the
    first region's folder again at the same time: every file once, every row once, ids unique,
    the same questionnaires as one load of everything into the embedded warehouse."""
    regions = [tmp_path / "landing" / f"region-{n}" for n in (1, 2, 3)]
    counts = split_landing(pipeline_run.landing, regions)
    lake = {
        "FINSAM_LAKE_CATALOG": f"postgres:{lake_catalog_db}",
        "FINSAM_LAKE_DATA_PATH": str(tmp_path / "lake-data") + "/",
    }
    writers = [(region, tmp_path / f"home-{region.name}") for region in regions]
    writers.append((regions[0], tmp_path / "home-again"))
    processes = [
        subprocess.Popen(
            [FINSAM, "ingest", "--landing", str(landing)],
            env=lake_env(home, **lake),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for landing, home in writers
    ]
    outputs = [process.communicate(timeout=1200)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, output[-3000:]
    # each run's log says how often its load met another and was tried again
    retried = sum(
        log.read_text().count("met another writer of the lake")
        for _, home in writers
        for log in (home / "logs").glob("run-*.log")
    )

    settings = load_settings(
        home=tmp_path / "reader",
        warehouse_mode="lake",
        lake_catalog=lake["FINSAM_LAKE_CATALOG"],
        lake_data_path=lake["FINSAM_LAKE_DATA_PATH"],
    )
    con = connect(settings, read_only=True)
    try:
        loads = con.execute(
            "select count(*), count(distinct load_id), count(distinct file_path), "
            "sum(rows_loaded) from audit.file_loads"
        ).fetchone()
        submissions = con.execute("select count(*) from raw.submissions").fetchone()[0]
        answers = con.execute("select count(*) from raw.answers").fetchone()[0]
        claims = con.execute("select max(last_load_id) from audit.load_claims").fetchone()[0]
    finally:
        con.close()
    embedded = duckdb.connect(str(pipeline_run.warehouse), read_only=True)
    try:
        # what its first run loaded (later tests may add to that warehouse)
        expected = embedded.execute(
            "with first_run as (select load_id from audit.file_loads where run_id = ("
            "select run_id from audit.file_loads order by load_id limit 1)) "
            "select (select count(*) from first_run), "
            "(select count(*) from raw.submissions where load_id in (from first_run)), "
            "(select count(*) from raw.answers where load_id in (from first_run))"
        ).fetchone()
    finally:
        embedded.close()
    files = sum(counts.values())
    print(
        f"\n{len(writers)} writers at once, {files} files in {len(regions)} regional folders "
        f"{counts}: {loads[0]} files audited, {loads[3]} rows loaded, {submissions} "
        f"questionnaire rows, {answers} answers; {retried} conflicts retried"
    )
    assert loads[:3] == (files, files, files)  # each file once, no id twice
    assert (files, submissions, answers) == expected
    assert claims == loads[0]


def test_the_lake_extensions_load_offline_and_only_with_duckdb_s_signature(tmp_path):
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    load_extensions(con, [DUCKLAKE, POSTGRES, HTTPFS])
    loaded = dict(
        con.execute(
            "select extension_name, loaded from duckdb_extensions() "
            "where extension_name in ('ducklake', 'postgres_scanner', 'httpfs')"
        ).fetchall()
    )
    assert loaded == {DUCKLAKE: True, POSTGRES: True, HTTPFS: True}
    assert con.execute("select current_setting('allow_unsigned_extensions')").fetchone() == (False,)
    con.close()

    # the same file with one byte of its signature changed is refused
    tampered = tmp_path / f"{DUCKLAKE}.duckdb_extension"
    data = bytearray(extension_file(DUCKLAKE).read_bytes())
    data[-100] ^= 0xFF
    tampered.write_bytes(bytes(data))
    fresh = duckdb.connect(config={"autoinstall_known_extensions": False})
    with pytest.raises(duckdb.Error, match="signature"):
        fresh.execute(f"load '{tampered}'")
    fresh.close()


def test_a_wrong_warehouse_mode_is_one_sentence(tmp_path):
    result = finsam("status", env={**lake_env(tmp_path), "FINSAM_WAREHOUSE_MODE": "lakes"})
    assert result.returncode == 2
    assert "FINSAM_WAREHOUSE_MODE must be one of embedded, lake, motherduck, got 'lakes'." in (
        result.stderr
    )


def test_a_purge_leaves_nothing_of_the_file_in_the_lake_s_files(pipeline_run, tmp_path):
    """Deleted rows stay in a lake's Parquet files for time travel; a purge rewrites them and
    expires the older snapshots, so the purged questionnaires are gone from every file."""
    home, landing = tmp_path / "home", tmp_path / "landing"
    shutil.copytree(pipeline_run.landing, landing)  # the purge deletes its copy there too
    env = lake_env(home)
    loaded = finsam("ingest", "--landing", str(landing), env=env)
    assert loaded.returncode == 0, loaded.stdout[-3000:]
    settings = load_settings(home=home, warehouse_mode="lake")
    con = connect(settings, read_only=True)
    try:
        name, sha, ids = con.execute(
            "select f.file_name, f.sha256, list(s.svar_id) from audit.file_loads f "
            "join raw.submissions s using (load_id) where f.status = 'loaded' "
            "group by all order by count(*) desc limit 1"
        ).fetchone()
    finally:
        con.close()

    def ids_in_files() -> int:
        files = str(home / "lake" / "data" / "raw" / "submissions" / "**" / "*.parquet")
        return duckdb.sql(
            f"select count(*) from read_parquet('{files}') where source_sha256 = '{sha}'"
        ).fetchone()[0]

    assert ids_in_files() == len(ids) > 0
    purged = finsam(
        "purge",
        name,
        "--reason",
        "a data subject's request",
        "--yes",
        "--landing",
        str(landing),
        env=env,
    )
    assert purged.returncode == 0, purged.stdout[-3000:] + purged.stderr[-3000:]
    assert ids_in_files() == 0


def test_an_embedded_warehouse_moves_to_a_lake_and_back_and_publishes_the_same(
    pipeline_run, tmp_path
):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(pipeline_run.warehouse, home / "warehouse.duckdb")
    embedded_env = {**lake_env(home), "FINSAM_WAREHOUSE_MODE": "embedded"}
    moved = finsam("copy-warehouse", "--to", "lake", env=embedded_env)
    assert moved.returncode == 0, moved.stderr
    again = finsam("copy-warehouse", "--to", "lake", env=embedded_env)
    assert again.returncode == 1 and "has loaded files already" in again.stderr

    def table_rows(con, catalog: str) -> dict[str, int]:
        return {
            f"{schema}.{table}": con.execute(
                f'select count(*) from {catalog}.{schema}."{table}"'
            ).fetchone()[0]
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = ? "
                "and schema_name in ('raw', 'audit')",
                [catalog],
            ).fetchall()
        }

    lake = connect(load_settings(home=home, warehouse_mode="lake"), read_only=True)
    try:
        lake.execute(f"attach '{pipeline_run.warehouse}' as original (read_only)")
        original = table_rows(lake, "original")
        copied = table_rows(lake, "warehouse")
        assert original.items() <= copied.items()  # the lake has load_claims besides
        assert original["raw.submissions"] > 1000
        assert lake.execute(
            "select count(*) from (from original.raw.answers except all from warehouse.raw.answers)"
        ).fetchone() == (0,)
    finally:
        lake.close()

    # the moved warehouse publishes what the original did
    published = finsam(
        "run", "--landing", str(pipeline_run.landing), "--no-site", "--rebuild", env=lake_env(home)
    )
    assert published.returncode == 0, published.stdout[-3000:]
    differences = published_differences(pipeline_run.snapshot, home / "published/finsam.duckdb")
    assert set(differences.values()) == {0}, differences

    # and back into a new embedded file
    (home / "warehouse.duckdb").rename(home / "before-the-lake.duckdb")
    back = finsam("copy-warehouse", "--to", "embedded", env=lake_env(home))
    assert back.returncode == 0, back.stderr
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        con.execute(f"attach '{pipeline_run.warehouse}' as original (read_only)")
        original, back = table_rows(con, "original"), table_rows(con, "warehouse")
        # the lake's run has checked once more since the copy
        assert back.pop("audit.check_results") > original.pop("audit.check_results")
        assert original.items() <= back.items()
    finally:
        con.close()
