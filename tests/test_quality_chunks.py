"""Great Expectations suites are validated chunk by chunk, in one scan, with the verdicts of
validating the whole table: memory stays flat however large raw.answers grows."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.quality import SuiteFile, chunk_key, frames, validate_chunks, validate_suite

ROWS = 10_000
CHUNK = 3_000


def _suite(*expectations: dict) -> SuiteFile:
    return SuiteFile(
        path=None,
        name="prov",
        asset_key=dg.AssetKey("prov"),
        query="select * from rader",
        expectations=[
            {**e, "meta": {"check_name": f"check_{i}", "severity": "error"}}
            for i, e in enumerate(expectations)
        ],
    )


IN_SET = {
    "type": "expect_column_values_to_be_in_set",
    "kwargs": {"column": "svar", "value_set": [1, 2, 3]},
}
UNIQUE = {
    "type": "expect_compound_columns_to_be_unique",
    "kwargs": {"column_list": ["forbund", "svar_id"]},
}


@pytest.fixture()
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "prov.duckdb"))
    # svar 1..3, with 7 planted values outside the set; svar_id unique per forbund except two
    # planted duplicates, one of them far apart in the table's own order
    connection.execute(
        f"""
        create table rader as
        select case when i % 1500 = 7 then 9 else 1 + i % 3 end as svar,
               'f' || (i % 4) as forbund,
               case when i in (2999, 6001) then 'dubblett' else 's' || i end as svar_id
        from range({ROWS}) as t (i)
        """
    )
    connection.execute(
        "update rader set forbund = 'f1' where svar_id = 'dubblett'"  # the same key twice
    )
    yield connection
    connection.close()


def test_which_suites_can_be_chunked():
    assert chunk_key(_suite(IN_SET)) == []
    assert chunk_key(_suite(IN_SET, UNIQUE)) == ["forbund", "svar_id"]
    aggregate = {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "svar"}}
    assert chunk_key(_suite(IN_SET, aggregate)) is None


def test_chunked_verdicts_equal_the_whole_tables(con):
    suite = _suite(IN_SET, UNIQUE)
    chunks = list(frames(con, suite, chunk_rows=CHUNK))
    assert len(chunks) >= 3
    assert sum(len(chunk) for chunk in chunks) == ROWS
    assert max(len(chunk) for chunk in chunks) < CHUNK + 2048  # one fetch beyond the chunk at most
    for earlier, later in zip(chunks, chunks[1:], strict=False):  # no key split in two
        last = tuple(earlier.iloc[-1][["forbund", "svar_id"]])
        assert last != tuple(later.iloc[0][["forbund", "svar_id"]])

    chunked, rows = validate_chunks(suite, frames(con, suite, chunk_rows=CHUNK))
    whole = validate_suite(suite, con.execute("select * from rader").df())
    assert rows == ROWS
    verdicts = {o["check_name"]: (o["success"], o["unexpected_count"]) for o in chunked}
    assert verdicts == {o["check_name"]: (o["success"], o["unexpected_count"]) for o in whole}
    assert verdicts == {"check_0": (False, 7), "check_1": (False, 2)}
    assert all(o["example_rows"] for o in chunked)


def test_a_suite_that_needs_the_whole_table_gets_it_in_one_frame(con):
    aggregate = {
        "type": "expect_column_mean_to_be_between",
        "kwargs": {"column": "svar", "min_value": 0, "max_value": 10},
    }
    (frame,) = list(frames(con, _suite(aggregate), chunk_rows=CHUNK))
    assert len(frame) == ROWS
