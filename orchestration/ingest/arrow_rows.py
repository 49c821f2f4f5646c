"""Rows for the raw and audit tables as Arrow frames, typed as the tables are, inserted by name.

DuckDB reads Arrow without converting each Python object again (a pandas frame of millions of
tuples took longer than the write)."""

from __future__ import annotations

from operator import itemgetter

import pyarrow as pa

TYPES = {
    "load_id": pa.int32(),
    "source_row": pa.int32(),
    "row_number": pa.int32(),
    "measurement_year": pa.int32(),
    "merged_year": pa.int32(),
    "submitted_at": pa.timestamp("us"),
    "loaded_at": pa.timestamp("us"),
    "file_modified_at": pa.timestamp("us"),
    "answer_value": pa.int32(),
    "is_dont_know": pa.bool_(),
    # audit.retention
    "keep_years": pa.int32(),
    "items": pa.int64(),
    "bytes": pa.int64(),
    "applied_at": pa.timestamp("us"),
}


def column(name: str, values: list) -> pa.Array:
    """One column's values as the Arrow type of the table column of that name (text if not
    listed)."""
    return pa.array(values, TYPES.get(name, pa.string()))


def frame_of_columns(columns: dict[str, list]) -> pa.Table:
    return pa.table([column(name, values) for name, values in columns.items()], names=list(columns))


def frame_of_rows(rows: list[tuple], names: list[str]) -> pa.Table:
    return frame_of_columns(
        {name: list(map(itemgetter(index), rows)) for index, name in enumerate(names)}
    )


def insert_frame(con, table: str, frame: pa.Table) -> None:
    # DuckDB finds ``frame`` by its Python name (a replacement scan). A frame given to
    # con.register instead would stay alive until the transaction ends, so an ingest that writes
    # chunk after chunk into one transaction would hold every chunk in memory.
    if frame.num_rows:
        con.execute(f"insert into {table} by name select * from frame")


def insert_rows(con, table: str, rows: list[tuple], names: list[str]) -> None:
    if rows:
        insert_frame(con, table, frame_of_rows(rows, names))
