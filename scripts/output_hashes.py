"""Fingerprints of what a run produced, to show that a change left the results alone.

    .venv/bin/python scripts/output_hashes.py HOME [--against OTHER_HOME]

For every table of the warehouse's `marts` and `published` schemas and of the published
snapshot: its row count and an order-independent hash of its rows (DuckDB's `hash` of each row,
combined with `bit_xor`), leaving out the columns that differ from run to run by design (when
and by which run). With --against, only the tables that differ are listed, and the exit status
is 1 if any does. Not a test: run it on two homes built from the same landing folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

RUN_SPECIFIC = {"loaded_at", "run_id", "checked_at", "published_at", "created_at", "built_at"}
# the publication's own record: its id, time and fingerprints are those of the run
RUN_TABLES = {"snapshot.publication", "snapshot.publication_changes"}


def fingerprints(home: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for label, path, schemas in (
        ("warehouse", home / "warehouse.duckdb", ("marts", "published")),
        ("snapshot", home / "published" / "finsam.duckdb", ("main",)),
    ):
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema in (select unnest($schemas)) order by 1, 2",
                {"schemas": list(schemas)},
            ).fetchall()
            for schema, table in tables:
                name = f"{schema}.{table}" if label == "warehouse" else f"snapshot.{table}"
                if name in RUN_TABLES:
                    continue
                quoted = f'"{schema}"."{table}"'
                columns = [
                    f'"{column}"'
                    for (column,) in con.execute(
                        f"select column_name from (describe {quoted})"
                    ).fetchall()
                    if column not in RUN_SPECIFIC
                ]
                row = f"({', '.join(columns)})" if len(columns) > 1 else columns[0]
                count, digest = con.execute(
                    f"select count(*), coalesce(bit_xor(hash({row})), 0) from {quoted}"
                ).fetchone()
                found[name] = (count, digest)
        finally:
            con.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("--against", type=Path)
    options = parser.parse_args()
    these = fingerprints(options.home)
    if options.against is None:
        for name, (count, digest) in these.items():
            print(f"{name:<55} {count:>10} {digest:020d}")
        return 0
    those = fingerprints(options.against)
    differing = sorted(
        name for name in these.keys() | those.keys() if these.get(name) != those.get(name)
    )
    for name in differing:
        print(f"differs: {name}: {these.get(name)} against {those.get(name)}")
    same = len(these.keys() & those.keys()) - len(differing)
    print(f"{same} tables the same, {len(differing)} differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
