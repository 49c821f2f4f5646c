"""Moving a warehouse from one place to another (`finsam copy-warehouse --to MODE`): an embedded
warehouse into a lake, or a lake back into an embedded file.

Only the raw and audit schemas carry information of their own (what was loaded, refused,
withdrawn, purged, checked); everything else is rebuilt from them by `finsam run --rebuild`. The
copy is one transaction into a target that has loaded nothing yet, so a failure leaves it empty.
"""

from __future__ import annotations

from dataclasses import replace

from orchestration.ingest.audit import CHECK_RESULTS_DDL, claim_copied_loads
from orchestration.ingest.storage import ensure_schema
from orchestration.settings import Settings, has_table
from orchestration.warehouse import attach_warehouse, connect, warehouse_exists, where

SOURCE = "source_warehouse"
COPIED_SCHEMAS = ("raw", "audit")


class MoveError(RuntimeError):
    """The warehouse cannot be copied as asked; one sentence says why."""


def copy_warehouse(settings: Settings, to_mode: str) -> dict[str, int]:
    """Copy the raw and audit tables of the warehouse `settings` name into the same settings'
    warehouse in `to_mode`; the rows of every table copied. The caller holds the writer lock."""
    target = replace(settings, warehouse_mode=to_mode)
    if to_mode == settings.warehouse_mode:
        raise MoveError(f"The warehouse is already kept as {to_mode}; name another mode.")
    if not warehouse_exists(settings):
        raise MoveError(f"There is no warehouse at {where(settings)} to copy.")
    con = connect(target)
    try:
        ensure_schema(con)
        con.execute(CHECK_RESULTS_DDL)
        if con.execute("select count(*) from audit.file_loads").fetchone()[0]:
            raise MoveError(
                f"{where(target)} has loaded files already; copy only into an empty warehouse."
            )
        attach_warehouse(con, settings, alias=SOURCE, read_only=True)
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? "
            "and schema_name in ? order by all",
            [SOURCE, list(COPIED_SCHEMAS)],
        ).fetchall()
        counts = {}
        con.begin()
        for schema, table in tables:
            source = f'{SOURCE}.{schema}."{table}"'
            if has_table(con, schema, table):
                con.execute(f'delete from {schema}."{table}"')
                con.execute(f'insert into {schema}."{table}" by name select * from {source}')
            else:
                con.execute(f'create table {schema}."{table}" as select * from {source}')
            counts[f"{schema}.{table}"] = con.execute(
                f'select count(*) from {schema}."{table}"'
            ).fetchone()[0]
        claim_copied_loads(con)
        con.commit()
        return counts
    finally:
        con.close()
