"""Downloads (orchestration/publish/downloads.py): the cells DuckDB formats for Swedish Excel are
the ones the one-value rule `excel_cell` gives, for every type and awkward value."""

from __future__ import annotations

import csv
import io
import math
import random
from unittest import mock

import duckdb

from orchestration.publish import downloads
from orchestration.publish.downloads import (
    excel_cell,
    unchanged_tables,
    write_downloads,
    write_excel_csv,
)


def awkward_doubles() -> list[float | None]:
    generator = random.Random(20261202)
    values = [0.0, -0.0, 0.1, 1 / 3, 2 / 3, 1e-5, 0.0001, 1e15, 1e16, 123456789.123456789]
    values += [1.5e300, -2.5e-300, math.inf, -math.inf, math.nan, None, 0.5, 99.99999999999999]
    values += [generator.uniform(-1, 1) * 10 ** generator.randint(-12, 18) for _ in range(3000)]
    values += [round(generator.random(), generator.randint(0, 15)) for _ in range(1000)]
    return values


def table_of_every_type(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create table every_type (
            row_number integer, flag boolean, count_big hugeint, share double, ratio float,
            label varchar, created timestamp, day date, amount decimal(10, 2)
        )
        """
    )
    texts = ["=SUM(A1)", "+46", "-1", "@x", "\tx", "\rx", "a;b", 'say "hej"', "två\nrader"]
    texts += ["", "Östra Södertörn", "x=1", None]
    rows = []
    for index, share in enumerate(awkward_doubles()):
        rows.append(
            (
                index,
                (None, True, False)[index % 3],
                None if index % 7 == 0 else (index - 50) * 10**20,
                share,
                None if share is None or math.isnan(share) else min(abs(share), 1e30),
                texts[index % len(texts)],
                None
                if index % 5 == 0
                else f"2025-0{index % 9 + 1}-1{index % 10} 0{index % 10}:3{index % 10}:59",
                None if index % 4 == 0 else f"20{10 + index % 15}-12-0{index % 9 + 1}",
                None if index % 6 == 0 else (index - 100) / 4,
            )
        )
    con.executemany("insert into every_type values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_the_csv_cells_are_excel_cell_of_each_value_in_order_of_all_columns(tmp_path):
    con = duckdb.connect()
    table_of_every_type(con)
    path = tmp_path / "every_type.csv"

    rows = write_excel_csv(con, "every_type", path)

    body = path.read_bytes()
    assert body.startswith(b"\xef\xbb\xbfrow_number;flag;count_big;") and b"\r\n" in body
    written = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    expected = [
        [excel_cell(value) for value in row]
        for row in con.execute("select * from every_type order by all").fetchall()
    ]
    assert rows == len(expected) > 4000
    assert written[0] == [
        name for (name,) in con.execute("select column_name from (describe every_type)").fetchall()
    ]
    assert written[1:] == expected


def reference_csv(con: duckdb.DuckDBPyConnection, table: str) -> bytes:
    """What the csv module writes from excel_cell's cells: the bytes every download must have."""
    cursor = con.execute(f"select * from {table} order by all")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([column[0] for column in cursor.description])
    writer.writerows([excel_cell(value) for value in row] for row in cursor.fetchall())
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def test_duckdb_writes_the_csv_modules_bytes(tmp_path):
    con = duckdb.connect()
    table_of_every_type(con)
    # every column of a type DuckDB formats (the decimal is formatted in Python), and texts that
    # a CSV writer might quote or not
    con.execute("create table covered as select * exclude (amount) from every_type")
    texts = [
        "",
        " ",
        "  two spaces ",
        '"',
        '""',
        "a;b",
        "x\r\ny",
        "\n",
        "tab\there",
        "å",
        "'",
        None,
    ]
    con.executemany(
        "insert into covered (row_number, label) values (?, ?)",
        [(100_000 + index, text) for index, text in enumerate(texts)],
    )
    path = tmp_path / "covered.csv"

    rows = write_excel_csv(con, "covered", path)

    assert path.read_bytes() == reference_csv(con, "covered")
    assert rows == con.execute("select count(*) from covered").fetchone()[0]
    assert [p.name for p in tmp_path.iterdir()] == ["covered.csv"]  # no partial file left
    mixed = tmp_path / "every_type.csv"  # the decimal column: the Python writer, same bytes
    write_excel_csv(con, "every_type", mixed)
    assert mixed.read_bytes() == reference_csv(con, "every_type")


def test_unchanged_tables_are_those_with_the_same_columns_and_rows(tmp_path):
    previous = tmp_path / "previous.duckdb"
    with duckdb.connect(str(previous)) as con:
        con.execute(
            "create table same as select * from (values (1, 'a'), (1, 'a'), (2, null)) t(n, s)"
        )
        con.execute("create table fewer_duplicates as select * from (values (1), (1), (2)) t(n)")
        con.execute("create table other_type as select 1::integer as n")
        con.execute("create table other_value as select * from (values (1.5), (-0.0)) t(x)")
        con.execute("create table gone as select 1 as n")
    con = duckdb.connect(str(tmp_path / "current.duckdb"))
    con.execute("create table same as select * from (values (2, null), (1, 'a'), (1, 'a')) t(n, s)")
    con.execute("create table fewer_duplicates as select * from (values (1), (2), (2)) t(n)")
    con.execute("create table other_type as select 1::bigint as n")
    con.execute("create table other_value as select * from (values (1.5), (0.25)) t(x)")
    con.execute("create table new_table as select 1 as n")
    con.execute(f"attach '{previous}' as earlier (read_only)")
    tables = ["same", "fewer_duplicates", "other_type", "other_value", "new_table"]
    assert unchanged_tables(con, tables, "earlier") == {"same"}
    # the fingerprint (count and hash sum) only rules tables out quickly: were every fingerprint
    # the same, as in a hash collision, the rows compared one by one still decide
    with mock.patch.object(downloads, "_fingerprint", return_value=(1, 1)):
        assert unchanged_tables(con, tables, "earlier") == {"same"}


def test_unchanged_tables_keep_the_previous_files_which_are_those_a_new_write_gives(tmp_path):
    con = duckdb.connect(str(tmp_path / "first.duckdb"))
    table_of_every_type(con)
    con.execute("create table counts as select range as n from range(10)")
    first = write_downloads(con, ["every_type", "counts"], tmp_path / "first")
    con.execute("update counts set n = n + 1 where n = 9")
    kept = write_downloads(
        con,
        ["every_type", "counts"],
        tmp_path / "second",
        tmp_path / "first",
        frozenset({"every_type"}),
    )
    fresh = write_downloads(con, ["every_type", "counts"], tmp_path / "fresh")
    assert kept == fresh and [f["rows"] for f in kept] == [f["rows"] for f in first]
    for name in ("every_type.csv", "every_type.parquet"):
        assert (tmp_path / "second" / name).stat().st_ino == (
            tmp_path / "first" / name
        ).stat().st_ino
        assert (tmp_path / "second" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    for name in ("counts.csv", "counts.parquet"):
        assert (tmp_path / "second" / name).stat().st_ino != (
            tmp_path / "first" / name
        ).stat().st_ino
        assert (tmp_path / "second" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    # an earlier publication that lost its file (removed by hand): the table is written again
    (tmp_path / "first" / "every_type.csv").unlink()
    again = write_downloads(
        con, ["every_type"], tmp_path / "third", tmp_path / "first", frozenset({"every_type"})
    )
    assert again == fresh[:2]
    assert (tmp_path / "third" / "every_type.csv").read_bytes() == (
        tmp_path / "fresh" / "every_type.csv"
    ).read_bytes()
