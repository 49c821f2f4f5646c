"""Every published table as a download: CSV that Swedish Excel opens as it should, and Parquet.

CSV for Excel with Swedish settings: `;` between fields, decimal comma, UTF-8 with a byte order
mark (without it Excel guesses Windows-1252 and garbles å, ä and ö), CRLF line ends, booleans as
SANT/FALSKT, and every text cell that Excel would take as a formula (starting with =, +, -, @,
tab or carriage return) prefixed with an apostrophe, so that nothing in a download can execute.
Parquet keeps the types for analysts.

DuckDB formats the cells (`excel_expression`), a column at a time, and writes them with its own
CSV writer, so memory stays bounded whatever the size of a table; formatting each value in Python
took most of the publish step. `excel_cell` is the same rule for one Python value: it formats the
columns of a type the SQL does not cover (those tables are written by Python's csv module, in
batches), and the tests hold the two to each other, byte for byte.

The same rows give the same files, byte for byte, from the same writer (this module and DuckDB's
version: `writer_fingerprint`). A table whose rows and columns are those of the previous
publication's is therefore not written again when that publication had the same writer: its two
files are linked from there (`unchanged_tables`), which keeps a run that adds one file from
rewriting tens of megabytes.
"""

import csv
import datetime as dt
import decimal
import hashlib
import io
import math
import os
import shutil
from pathlib import Path

import duckdb

CSV_SUFFIX = ".csv"
PARQUET_SUFFIX = ".parquet"
BATCH_ROWS = 50_000
BOM = b"\xef\xbb\xbf"
CSV_DIALECT = {"delimiter": ";", "lineterminator": "\r\n"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INTEGER_TYPES = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT",
}  # fmt: skip


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


def excel_expression(column: str, type_name: str) -> str | None:
    """SQL giving excel_cell's text for every value of a column of this DuckDB type, or None for a
    type it does not cover."""
    value = '"' + column.replace('"', '""') + '"'
    if type_name == "BOOLEAN":
        return f"case when {value} then 'SANT' when not {value} then 'FALSKT' else '' end"
    if type_name in INTEGER_TYPES:
        return f"coalesce({value}::varchar, '')"
    if type_name in ("DOUBLE", "FLOAT"):
        # fmt's '.15g' is C's, as Python's format() is: 15 significant digits, no trailing zeros;
        # + 0.0 makes -0.0 the 0 that Python has been given from a sorted query
        return (
            f"case when {value} is null or isnan({value}) then '' "
            f"else replace(format('{{:.15g}}', {value}::double + 0.0), '.', ',') end"
        )
    if type_name == "TIMESTAMP":
        return f"coalesce(strftime({value}, '%Y-%m-%d %H:%M:%S'), '')"
    if type_name == "DATE":
        return f"coalesce(strftime({value}, '%Y-%m-%d'), '')"
    if type_name == "VARCHAR":
        starts = ", ".join(
            "chr(9)" if s == "\t" else "chr(13)" if s == "\r" else f"'{s}'" for s in FORMULA_STARTS
        )
        return (
            f"case when {value} is null then '' "
            f"when left({value}, 1) in ({starts}) then '''' || {value} else {value} end"
        )
    return None


def write_excel_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    """Writes one table as Swedish Excel CSV, its rows in the order of all columns; returns the
    number of rows."""
    quoted = '"' + table.replace('"', '""') + '"'
    columns = con.execute(f"select column_name, column_type from (describe {quoted})").fetchall()
    expressions = [excel_expression(name, type_name) for name, type_name in columns]
    order = ", ".join(f'"{name}"' for name, _ in columns)  # the table's columns, not the cells
    header = io.StringIO(newline="")
    csv.writer(header, **CSV_DIALECT).writerow([name for name, _ in columns])
    if all(expression is not None for expression in expressions):
        # DuckDB quotes an empty string ("") where the csv module writes nothing: empty is NULL
        cells = ", ".join(f"nullif({expression}, '')" for expression in expressions)
        query = f"select {cells} from {quoted} order by {order}"
        return _copy_csv(con, query, header.getvalue(), path)
    cells = ", ".join(
        expression if expression is not None else f'"{name}"'
        for (name, _), expression in zip(columns, expressions, strict=True)
    )
    cursor = con.execute(f"select {cells} from {quoted} order by {order}")
    in_python = [index for index, expression in enumerate(expressions) if expression is None]
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write(header.getvalue())
        writer = csv.writer(handle, **CSV_DIALECT)
        while batch := cursor.fetchmany(BATCH_ROWS):
            if in_python:
                batch = [_format_in_python(row, in_python) for row in batch]
            writer.writerows(batch)
            rows += len(batch)
    return rows


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, header: str, path: Path) -> int:
    """The rows of a query of text cells written by DuckDB's own CSV writer, twice as fast as
    Python's for the largest download (57 MB at demo scale 10), with the same bytes (the tests
    hold it to the csv module). DuckDB writes no byte order mark, so the file is the mark and the
    header, then DuckDB's rows."""
    partial = path.with_name(f".{path.name}.rows")
    literal = "'" + str(partial).replace("'", "''") + "'"  # COPY takes no parameter
    (rows,) = con.execute(
        f"copy ({query}) to {literal} (format csv, header false, delimiter ';', "
        """quote '"', escape '"', new_line '\\r\\n')"""
    ).fetchone()
    with path.open("wb") as target, partial.open("rb") as body:
        target.write(BOM + header.encode("utf-8"))
        shutil.copyfileobj(body, target, 1 << 20)
    partial.unlink()
    return rows


def _format_in_python(row: tuple, indexes: list[int]) -> list:
    cells = list(row)
    for index in indexes:
        cells[index] = excel_cell(cells[index])
    return cells


def writer_fingerprint() -> str:
    """What decides the bytes of a download besides its rows: this module and DuckDB's version
    (the Parquet writer). Kept in each publication.json; files are linked only between
    publications with the same one."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(duckdb.__version__.encode())
    return digest.hexdigest()


def write_downloads(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    folder: Path,
    previous: Path | None = None,
    unchanged: frozenset[str] = frozenset(),
) -> list[dict]:
    """Writes CSV and Parquet of each table into folder; returns one description per file. The
    files of the tables in `unchanged` are taken from the `previous` downloads folder instead."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for table in tables:
        csv_path = folder / f"{table}{CSV_SUFFIX}"
        parquet_path = folder / f"{table}{PARQUET_SUFFIX}"
        kept = (
            table in unchanged
            and previous is not None
            and all((previous / path.name).is_file() for path in (csv_path, parquet_path))
        )
        if kept:
            for path in (csv_path, parquet_path):
                _link_or_copy(previous / path.name, path)
            rows = con.execute(f'select count(*) from "{table}"').fetchone()[0]
        else:
            rows = write_excel_csv(con, table, csv_path)
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


def _link_or_copy(earlier: Path, path: Path) -> None:
    """The earlier publication's file at `path`: a hard link where the file system allows one
    (a complete publication is never written again, and pruning one leaves the other's link), else
    a copy."""
    try:
        os.link(earlier, path)
    except OSError:
        shutil.copyfile(earlier, path)


def unchanged_tables(con: duckdb.DuckDBPyConnection, tables: list[str], previous: str) -> set[str]:
    """The tables of the connection's main schema whose columns (names, types, order) and rows
    (as a multiset) equal those of the same table in the attached catalog `previous`."""
    columns = """
        select table_catalog, table_name,
               list(column_name || ' ' || data_type order by ordinal_position) as columns
        from information_schema.columns
        where table_schema = 'main' and table_catalog in (current_database(), ?)
        group by all
    """
    shapes: dict[tuple[str, str], list] = {
        (catalog, table): described
        for catalog, table, described in con.execute(columns, [previous]).fetchall()
    }
    current = con.execute("select current_database()").fetchone()[0]
    same = set()
    for table in tables:
        shape = shapes.get((current, table))
        if shape is None or shape != shapes.get((previous, table)):
            continue
        quoted = '"' + table.replace('"', '""') + '"'
        here, there = f"main.{quoted}", f'"{previous}".main.{quoted}'
        if _fingerprint(con, here) != _fingerprint(con, there):
            continue
        # equal counts and nothing here that is not there: the same rows, duplicates included
        # (EXCEPT ALL counts them, and takes NULL as equal to NULL)
        differs = con.execute(
            f"select (select count(*) from {here}) <> (select count(*) from {there}) "
            f"or exists (select * from {here} except all select * from {there})"
        ).fetchone()[0]
        if not differs:
            same.add(table)
    return same


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """The row count and the sum of the rows' hashes: equal for the same rows in any order, so a
    difference proves a change in one scan (1.4 against 0.1 s for a one-file run's tables at
    scale 10, most of it the answer distribution); equal fingerprints are then compared row for
    row, so a collision can only cost the exact comparison."""
    return con.execute(f"select count(*), sum(hash(t)) from {table} as t").fetchone()
