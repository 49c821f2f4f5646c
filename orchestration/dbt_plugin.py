"""dbt-duckdb's connections to the warehouse go through the project's one function
(orchestration/warehouse.py), named as a plugin in dbt_project/profiles.yml: the same file,
offline extensions, object-store key and attach options as every other connection, and the
home's temp folder. The profile names neither, so that dbt's saved parse state fits every home."""

import os
from pathlib import Path

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.settings import load_settings
from orchestration.warehouse import WAREHOUSE, attach_warehouse


class Plugin(BasePlugin):
    def update_connection_config(self, creds, config: dict) -> None:
        # given to duckdb.connect with the profile's limits, before any query could spill
        temp = Path(os.environ.get("FINSAM_DUCKDB_TEMP_DIR") or load_settings().temp_dir)
        temp.mkdir(parents=True, exist_ok=True)
        config["temp_directory"] = str(temp)

    def configure_connection(self, conn) -> None:
        # the settings the run exported for dbt's process (Settings.environment); a bare dbt
        # call, and the dbt unit tests, name the embedded file by FINSAM_WAREHOUSE alone
        embedded_file = os.environ.get("FINSAM_WAREHOUSE")
        attach_warehouse(conn, load_settings(), embedded_file=embedded_file and Path(embedded_file))
        conn.execute(f"use {WAREHOUSE}")
