"""Great Expectations validates the suites in DuckDB, where the rows are: the outcomes (verdicts,
counts, examples, failing rows) are those computed by hand, the same at every run, and the
warehouse is let go of afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs import quality
from orchestration.defs.quality import SuiteFile, validate_suite
from orchestration.settings import Settings

ROWS = 10_000


def _suite(*expectations: dict, query: str = "select * from rader") -> SuiteFile:
    return SuiteFile(
        path=None,
        name="prov",
        asset_key=dg.AssetKey("prov"),
        query=query,
        expectations=[
            {**e, "meta": {"check_name": f"check_{i}", "severity": "error"}}
            for i, e in enumerate(expectations)
        ],
    )


def _settings(home: Path) -> Settings:
    return Settings(home=home, landing=home / "landing")


IN_SET = {
    "type": "expect_column_values_to_be_in_set",
    "kwargs": {"column": "svar", "value_set": [1, 2, 3]},
}
UNIQUE = {
    "type": "expect_compound_columns_to_be_unique",
    "kwargs": {"column_list": ["forbund", "svar_id"]},
}


@pytest.fixture()
def large(tmp_path) -> Settings:
    """A warehouse of 10,000 rows: svar 1..3 with 7 planted values outside the set, svar_id unique
    per forbund but for two planted duplicates far apart in the table's own order."""
    settings = _settings(tmp_path)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute(
        f"""
        create table rader as
        select i as id,
               case when i % 1500 = 7 then 9 else 1 + i % 3 end as svar,
               'f' || (i % 4) as forbund,
               case when i in (2999, 6001) then 'dubblett' else 's' || i end as svar_id
        from range({ROWS}) as t (i)
        """
    )
    con.execute("update rader set forbund = 'f1' where svar_id = 'dubblett'")  # the same key twice
    con.close()
    return settings


def _by_check(outcomes: list[dict]) -> dict[str, dict]:
    return {outcome["check_name"]: outcome for outcome in outcomes}


def test_verdicts_over_a_whole_table(large):
    outcomes, rows = validate_suite(large, _suite(IN_SET, UNIQUE))
    assert rows == ROWS
    found = _by_check(outcomes)
    assert {name: (o["success"], o["unexpected_count"]) for name, o in found.items()} == {
        "check_0": (False, 7),
        "check_1": (False, 2),
    }
    # the first failing rows by every column, whatever order DuckDB scanned them in
    assert json.loads(found["check_0"]["example_rows"]) == [
        {"id": 7, "svar": 9, "forbund": "f3", "svar_id": "s7"},
        {"id": 1507, "svar": 9, "forbund": "f3", "svar_id": "s1507"},
        {"id": 3007, "svar": 9, "forbund": "f3", "svar_id": "s3007"},
    ]
    assert found["check_0"]["examples"] == ["9"] * 5
    assert json.loads(found["check_1"]["example_rows"]) == [
        {"id": 2999, "svar": 3, "forbund": "f1", "svar_id": "dubblett"},
        {"id": 6001, "svar": 2, "forbund": "f1", "svar_id": "dubblett"},
    ]
    assert found["check_1"]["examples"] == ["{'forbund': 'f1', 'svar_id': 'dubblett'}"] * 2


def test_the_examples_are_the_same_at_every_run(large):
    """GX picks failing rows with LIMIT and no ORDER BY; with 1,000 failing rows spread over the
    table the first ones by sort order are still the ones given, run after run."""
    con = duckdb.connect(str(large.warehouse_path))
    con.execute("update rader set svar = 9 where id % 10 = 3")
    con.close()
    runs = [validate_suite(large, _suite(IN_SET))[0] for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    (outcome,) = runs[0]
    assert outcome["unexpected_count"] == 1007
    assert [row["id"] for row in json.loads(outcome["example_rows"])] == [3, 7, 13]


COLUMNS = ("id", "forbund", "svar_id", "gender", "measurement_year", "derived_year", "share")
SMALL = [
    (1, "f1", "s1", "kvinna", 2020, 2020, 0.5, "2020-03-01 10:00:00"),
    (2, "f1", "s2", "okänt", 2016, 2016, 0.7, "2016-01-01 00:00:00"),
    (3, "f2", "s2", "man", 2021, 2022, 1.5, "2021-11-02 08:30:00"),
    (4, "f2", "s2", "man", 2021, 2021, None, None),
    (5, None, "s9", None, 2015, 2015, -0.1, "2015-05-05 05:05:05"),
    (6, None, "s9", "annat", 2019, 2019, 0.1, "2019-05-05 05:05:05"),
    (7, "f3", None, "man", 2019, 2019, 0.2, "2019-06-05 05:05:05"),
    (8, "f3", None, "kvinna", 2019, 2019, 0.3, "2019-07-05 05:05:05"),
    (9, None, None, "kvinna", 2019, 2019, 0.3, "2019-07-05 05:05:05"),
    (10, None, None, "kvinna", 2019, 2019, 0.3, "2019-07-05 05:05:05"),
]


@pytest.fixture()
def small(tmp_path) -> Settings:
    """Every kind of expectation the suites use, each with failing rows."""
    settings = _settings(tmp_path)
    con = duckdb.connect(str(settings.warehouse_path))
    con.execute(
        """
        create table rader (id integer, forbund varchar, svar_id varchar, gender varchar,
                            measurement_year integer, derived_year integer, share double,
                            submitted_at timestamp)
        """
    )
    con.executemany("insert into rader values (?, ?, ?, ?, ?, ?, ?, ?)", SMALL)
    con.close()
    return settings


def _row(i: int) -> dict:
    """Row `i` of the small warehouse as its example row reads (a time in ISO format)."""
    *values, submitted_at = SMALL[i - 1]
    iso = None if submitted_at is None else submitted_at.replace(" ", "T") + ".000"
    return {**dict(zip(COLUMNS, values, strict=True)), "submitted_at": iso}


EVERY_KIND = [
    (
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": "gender", "value_set": ["kvinna", "man", "annat"]},
        },
        # a NULL is not judged
        (1, ["okänt"], [2]),
    ),
    (
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "svar_id"}},
        (4, ["None"] * 4, [7, 8, 9]),
    ),
    (
        {
            "type": "expect_column_pair_values_to_be_equal",
            "kwargs": {"column_A": "measurement_year", "column_B": "derived_year"},
        },
        (1, ["(2021, 2022)"], [3]),
    ),
    (
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "share", "min_value": 0, "max_value": 1},
        },
        (2, ["1.5", "-0.1"], [3, 5]),
    ),
    (
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "measurement_year", "min_value": 2017},
        },
        (2, ["2016", "2015"], [2, 5]),
    ),
    (
        # A NULL in the key equals a NULL, as in pandas: (NULL, s9) and (f3, NULL) twice each
        # fail; the rows whose key is all NULL are left out (GX's ignore_row_if default).
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["forbund", "svar_id"]},
        },
        (
            6,
            [
                "{'forbund': 'f2', 'svar_id': 's2'}",
                "{'forbund': 'f2', 'svar_id': 's2'}",
                "{'forbund': 'f3', 'svar_id': None}",
                "{'forbund': 'f3', 'svar_id': None}",
                "{'forbund': None, 'svar_id': 's9'}",
            ],
            [3, 4, 7],
        ),
    ),
    (
        # without NULLs in the key
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {
                "column_list": ["forbund", "svar_id"],
                "ignore_row_if": "any_value_is_missing",
            },
        },
        (2, ["{'forbund': 'f2', 'svar_id': 's2'}"] * 2, [3, 4]),
    ),
    (
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["id", "forbund"]},
        },
        (0, [], []),
    ),
]


def test_every_kind_of_expectation_gives_the_outcome_computed_by_hand(small):
    suite = _suite(*(expectation for expectation, _ in EVERY_KIND))
    outcomes, rows = validate_suite(small, suite)
    assert rows == 10
    assert [o["check_name"] for o in outcomes] == [f"check_{i}" for i in range(len(EVERY_KIND))]
    for outcome, (_, (failing, examples, example_rows)) in zip(outcomes, EVERY_KIND, strict=True):
        rows_json = outcome.pop("example_rows")
        assert outcome == {
            "check_name": outcome["check_name"],
            "severity": "error",
            "success": failing == 0,
            "observed": failing,
            "unexpected_count": failing,
            "examples": examples,
            "exception": None,
        }, outcome["check_name"]
        assert (json.loads(rows_json) if rows_json else []) == [_row(i) for i in example_rows]


def test_the_example_rows_are_written_as_before(small):
    """JSON records as pandas writes a frame read from DuckDB: column order kept, integers as
    integers even beside a NULL, times in ISO format, no escaped letters."""
    (outcome,), _ = validate_suite(small, _suite(EVERY_KIND[0][0]))
    assert outcome["example_rows"] == (
        '[{"id":2,"forbund":"f1","svar_id":"s2","gender":"okänt","measurement_year":2016,'
        '"derived_year":2016,"share":0.7,"submitted_at":"2016-01-01T00:00:00.000"}]'
    )


def test_only_the_rows_asked_for_are_validated(small):
    outcomes, rows = validate_suite(small, _suite(EVERY_KIND[1][0]), where='"id" <= 7')
    assert rows == 7
    assert (outcomes[0]["unexpected_count"], json.loads(outcomes[0]["example_rows"])) == (
        1,
        [_row(7)],
    )


def test_no_rows_pass_and_say_so(small):
    outcomes, rows = validate_suite(
        small, _suite(EVERY_KIND[0][0], EVERY_KIND[5][0]), where="false"
    )
    assert rows == 0
    assert [(o["success"], o["unexpected_count"]) for o in outcomes] == [(True, 0), (True, 0)]


def test_a_missing_column_fails_its_check_with_the_reason(small):
    missing = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "saknas"}}
    unique = {
        "type": "expect_compound_columns_to_be_unique",
        "kwargs": {"column_list": ["id", "saknas"]},
    }
    outcomes, _ = validate_suite(small, _suite(missing, unique, EVERY_KIND[1][0]))
    assert not outcomes[0]["success"] and 'column "saknas"' in outcomes[0]["exception"]
    assert not outcomes[1]["success"] and '"saknas" not found' in outcomes[1]["exception"]
    assert outcomes[2]["unexpected_count"] == 4  # the others are validated all the same


def test_an_error_in_the_warehouse_fails_the_step_not_the_check(small):
    """As when the rows were read here: DuckDB's error is raised (a lock held a moment too long
    is then retried), not recorded as a failing check."""
    with pytest.raises(quality.WarehouseQueryError, match="Could not convert string 'kvinna'"):
        validate_suite(
            small, _suite(EVERY_KIND[1][0], query="select *, gender::integer as n from rader")
        )


def test_the_warehouse_is_let_go_of_and_the_context_kept(small):
    """After validating, this process opens the file to write (another configuration, which
    DuckDB refuses while any connection to it is open), and the one GX context holds no
    datasource."""
    validate_suite(small, _suite(EVERY_KIND[0][0]))
    con = duckdb.connect(str(small.warehouse_path), config={"threads": 1})
    con.execute("create table geschrieben as select 1 as x")
    con.close()
    _, context = quality._gx()
    assert list(context.data_sources.all()) == []
    validate_suite(small, _suite(EVERY_KIND[0][0]))
    assert quality._gx()[1] is context


def test_great_expectations_is_imported_only_when_checks_run():
    """Its import takes seconds; every finsam command loads the definitions."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, orchestration.definitions; "
            "print(sorted(m for m in ('great_expectations', 'duckdb_engine', 'sqlalchemy') "
            "if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "great_expectations" not in loaded.stdout and "duckdb_engine" not in loaded.stdout


def test_great_expectations_leaves_scipy_stats_unloaded_until_it_is_used():
    """GX imports scipy.stats for expectations this project does not use (quality._gx defers
    it); loaded on first use, it still answers."""
    script = (
        "import sys\n"
        "from orchestration.defs import quality\n"
        "quality._gx()\n"
        "print('loaded at import:', 'scipy.stats._stats_py' in sys.modules)\n"
        "from scipy import stats\n"
        "print('entropy:', round(float(stats.entropy([0.5, 0.5], [0.25, 0.75])), 6))\n"
        "print('loaded after use:', 'scipy.stats._stats_py' in sys.modules)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "loaded at import: False" in shown
    assert "entropy: 0.143841" in shown
    assert "loaded after use: True" in shown
