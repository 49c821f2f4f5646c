"""dbt opens the warehouse with the pipeline's DuckDB limits, and a query that spilled to the temp
directory does not make the next model fail (dbt-duckdb opens a cursor per model)."""

from pathlib import Path

import jinja2
import yaml
from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.environments import Environment

from orchestration.settings import DBT_PROJECT_DIR

SPILL = "select count(*) from (select s, count(*) from t group by s)"


def profile_credentials(tmp_path: Path, **overrides) -> DuckDBCredentials:
    environment = {
        "FINSAM_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "FINSAM_DUCKDB_MEMORY_LIMIT": "200MB",
        "FINSAM_DUCKDB_THREADS": "1",
        "FINSAM_DUCKDB_TEMP_DIR": str(tmp_path / "tmp"),
    }
    text = jinja2.Template((DBT_PROJECT_DIR / "profiles.yml").read_text()).render(
        env_var=lambda name, default=None: environment.get(name, default)
    )
    output = yaml.safe_load(text)["finsam"]["outputs"]["default"]
    output.pop("type")
    output["threads"] = int(output["threads"])
    return DuckDBCredentials.from_dict(
        {**output, **overrides, "database": "warehouse", "schema": "main"}
    )


def spill_then_open_another_cursor(credentials: DuckDBCredentials):
    connection = Environment.initialize_db(credentials)
    cursor = Environment.initialize_cursor(credentials, connection.cursor())
    cursor.execute("set preserve_insertion_order = false")
    cursor.execute("create table t as select range i, md5(range::varchar) s from range(2000000)")
    cursor.execute(SPILL).fetchall()  # more than 200 MB: spills to the temp directory
    return Environment.initialize_cursor(credentials, connection.cursor())


def test_the_profile_gives_duckdb_its_limits_once_at_connect(tmp_path):
    credentials = profile_credentials(tmp_path)
    assert not credentials.settings  # nothing is SET again on each cursor
    cursor = spill_then_open_another_cursor(credentials)
    assert cursor.execute(
        "select current_setting('memory_limit'), current_setting('threads'), "
        "current_setting('temp_directory')"
    ).fetchall() == [("190.7 MiB", 1, str(tmp_path / "tmp"))]
