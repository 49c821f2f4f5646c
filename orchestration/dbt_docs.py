"""The dbt docs for analysts, made once per dbt project and warehouse layout on this machine.

`dbt docs generate --static` writes one HTML file from the project's manifest and the warehouse's
catalog. The catalog of this project holds the relations' columns, types and kinds, no statistics;
so two homes with the same project and the same columns get the same page, apart from the run
folder it names (the manifest's compiled paths) and the time it was made. Generating it costs a
dbt process (about 6 seconds) in every new home: the first page made for a project and layout is
kept under dbt_project/target/docs (a build cache like the parse state beside it, ignored by git)
and a new home copies it, with its own run folder put in.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, Settings
from orchestration.warehouse import WarehouseError, connect

SHARED_DOCS = DBT_PROJECT_DIR / "target" / "docs"
KEEP = 4
# Everything dbt's catalog reads of the warehouse (dbt-duckdb's get_catalog): every relation's
# kind and every column's position, name and type.
LAYOUT = """
    select t.table_schema, t.table_name, t.table_type, c.ordinal_position, c.column_name,
           c.data_type
    from information_schema.tables t
    join information_schema.columns c
      on c.table_catalog = t.table_catalog and c.table_schema = t.table_schema
     and c.table_name = t.table_name
    where t.table_catalog = current_database()
    order by all
"""


def docs_key(settings: Settings, project: str) -> str | None:
    """What the page depends on: the dbt project's fingerprint, the warehouse's mode (dbt's
    target) and the layout of its relations. None when the warehouse cannot be read now: the
    page is then made by dbt and not shared."""
    try:
        con = connect(settings, read_only=True)
        try:
            layout = con.execute(LAYOUT).fetchall()
        finally:
            con.close()
    except (duckdb.Error, WarehouseError):
        return None
    return hashlib.sha256(repr((project, settings.warehouse_mode, layout)).encode()).hexdigest()


def copy_shared_docs(key: str | None, docs: Path, build_target: Path) -> bool:
    """Write the kept page of `key` to `docs`, naming `build_target` where it named the run
    folder that made it. False when none is kept."""
    if key is None:
        return False
    try:
        made_in, page = _kept(key).read_text(encoding="utf-8").split("\n", 1)
    except (OSError, ValueError):
        return False
    _write_whole(docs, page.replace(made_in, str(build_target)))
    return True


def install_made_docs(key: str | None, made: Path, docs: Path, build_target: Path) -> None:
    """Put the page dbt just made (`made`) at `docs`, and keep it for the next new home with the
    run folder it names on its first line. Keeping it is best effort: a project folder that
    cannot be written costs the next home a dbt process, nothing else."""
    page = made.read_text(encoding="utf-8")
    _write_whole(docs, page)
    if key is None:
        return
    try:
        _write_whole(_kept(key), f"{build_target}\n{page}")
        # the pages of the latest few projects and layouts (embedded and lake, an upgrade)
        kept = sorted(SHARED_DOCS.glob("*.html"), key=lambda path: path.stat().st_mtime)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def _kept(key: str) -> Path:
    return SHARED_DOCS / f"{key}.html"


def _write_whole(path: Path, text: str) -> None:
    """A reader (or another run's copy) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
