"""dbt-duckdb's connections to a lake or MotherDuck warehouse go through the project's one
function (orchestration/warehouse.py), named as a plugin in dbt_project/profiles.yml: the same
offline extensions, object-store key and attach options as every other connection."""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.settings import load_settings
from orchestration.warehouse import WAREHOUSE, attach_warehouse


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        # the settings the run exported for dbt's process (Settings.environment)
        attach_warehouse(conn, load_settings())
        conn.execute(f"use {WAREHOUSE}")
