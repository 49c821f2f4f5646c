"""dbt opens the warehouse with the pipeline's DuckDB limits, and a query that spilled to the temp
directory does not make the next model fail (dbt-duckdb opens a cursor per model). The profile
names nothing of a home's own, so that dbt's saved parse state fits every home."""

from pathlib import Path

import jinja2
import pytest
import yaml
from dbt.adapters.duckdb.credentials import DuckDBCredentials
from dbt.adapters.duckdb.environments import Environment

from orchestration.settings import DBT_PROJECT_DIR

SPILL = "select count(*) from (select s, count(*) from t group by s)"


def home_environment(home: Path) -> dict[str, str]:
    return {
        "FINSAM_HOME": str(home),
        "FINSAM_WAREHOUSE": str(home / "warehouse.duckdb"),
        "FINSAM_DUCKDB_MEMORY_LIMIT": "200MB",
        "FINSAM_DUCKDB_THREADS": "1",
        "FINSAM_DUCKDB_TEMP_DIR": str(home / "tmp"),
    }


def profile_credentials(environment: dict[str, str]) -> DuckDBCredentials:
    text = jinja2.Template((DBT_PROJECT_DIR / "profiles.yml").read_text()).render(
        env_var=lambda name, default=None: environment.get(name, default)
    )
    output = yaml.safe_load(text)["finsam"]["outputs"]["default"]
    output.pop("type")
    output["threads"] = int(output["threads"])
    return DuckDBCredentials.from_dict({**output, "schema": "main"})


def spill_then_open_another_cursor(credentials: DuckDBCredentials):
    plugins = Environment.initialize_plugins(credentials)
    connection = Environment.initialize_db(credentials, plugins)
    cursor = Environment.initialize_cursor(credentials, connection.cursor(), plugins)
    cursor.execute("set preserve_insertion_order = false")
    cursor.execute("create table t as select range i, md5(range::varchar) s from range(2000000)")
    cursor.execute(SPILL).fetchall()  # more than 200 MB: spills to the temp directory
    return Environment.initialize_cursor(credentials, connection.cursor(), plugins)


def test_the_profile_gives_duckdb_its_limits_once_at_connect(tmp_path, monkeypatch):
    environment = home_environment(tmp_path)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)  # the plugin reads them as dbt's process would
    credentials = profile_credentials(environment)
    assert not credentials.settings  # nothing is SET again on each cursor
    cursor = spill_then_open_another_cursor(credentials)
    assert cursor.execute(
        "select current_setting('memory_limit'), current_setting('threads'), "
        "current_setting('temp_directory')"
    ).fetchall() == [("190.7 MiB", 1, str(tmp_path / "tmp"))]
    # the catalog `warehouse`, which dbt names in every statement, is the home's file
    assert cursor.execute(
        "select path from duckdb_databases() where database_name = 'warehouse'"
    ).fetchall() == [(str(tmp_path / "warehouse.duckdb"),)]


@pytest.mark.parametrize("target", ["default", "lake", "motherduck"])
def test_no_connection_value_names_the_home(tmp_path, target):
    # dbt hashes the connection values into its saved parse state: two homes must agree
    def connection_values(home: Path) -> list:
        text = jinja2.Template((DBT_PROJECT_DIR / "profiles.yml").read_text()).render(
            env_var=lambda name, default=None: home_environment(home).get(name, default)
        )
        output = yaml.safe_load(text)["finsam"]["outputs"][target]
        output.pop("type")
        output["threads"] = int(output["threads"])
        return sorted(DuckDBCredentials.from_dict(output).connection_info(), key=str)

    assert connection_values(tmp_path / "one") == connection_values(tmp_path / "two")
