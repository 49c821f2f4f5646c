"""Every published table as a download: CSV that Swedish Excel opens as it should, and Parquet.

CSV for Excel with Swedish settings: `;` between fields, decimal comma, UTF-8 with a byte order
mark (without it Excel guesses Windows-1252 and garbles å, ä and ö), CRLF line ends, booleans as
SANT/FALSKT, and every text cell that Excel would take as a formula (starting with =, +, -, @,
tab or carriage return) prefixed with an apostrophe, so that nothing in a download can execute.
Parquet keeps the types for analysts. Written with Python's csv module over DuckDB batches, so
memory stays bounded whatever the size of a table.
"""

import csv
import datetime as dt
import decimal
import math
from pathlib import Path

import duckdb

CSV_SUFFIX = ".csv"
PARQUET_SUFFIX = ".parquet"
BATCH_ROWS = 50_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_cell(value: object) -> str:
    """One value as Swedish Excel reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "SANT" if value else "FALSKT"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else format(value, ".15g").replace(".", ",")
    if isinstance(value, decimal.Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_excel_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    """Writes one table as Swedish Excel CSV; returns the number of rows."""
    cursor = con.execute(f'select * from "{table}" order by all')
    columns = [description[0] for description in cursor.description]
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        while batch := cursor.fetchmany(BATCH_ROWS):
            writer.writerows([excel_cell(value) for value in row] for row in batch)
            rows += len(batch)
    return rows


def write_downloads(con: duckdb.DuckDBPyConnection, tables: list[str], folder: Path) -> list[dict]:
    """Writes CSV and Parquet of each table into folder; returns one description per file."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for table in tables:
        csv_path = folder / f"{table}{CSV_SUFFIX}"
        rows = write_excel_csv(con, table, csv_path)
        parquet_path = folder / f"{table}{PARQUET_SUFFIX}"
        con.execute(
            f"copy (select * from \"{table}\" order by all) to '{parquet_path}' "
            "(format parquet, compression zstd)"
        )
        for path, file_format in ((csv_path, "csv"), (parquet_path, "parquet")):
            files.append(
                {
                    "table_name": table,
                    "file_format": file_format,
                    "file_name": path.name,
                    "bytes": path.stat().st_size,
                    "rows": rows,
                }
            )
    return files
