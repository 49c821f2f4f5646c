"""What a publication says about itself and about what changed since the one readers saw: real
DuckDB files (a small warehouse with the audit tables, the previous snapshot), values asserted."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from orchestration.publish.changes import Marks, write_publication_tables
from orchestration.settings import load_settings

CELLS = "measurement_year, scope, forbund_id, respondent_group, question_id, gender"
RESULTS_DDL = """
create table indicator_results (
    measurement_year integer, scope varchar, forbund_id varchar, respondent_group varchar,
    question_id varchar, gender varchar, n_answers integer, mean_score double,
    share_positive double, is_suppressed boolean
)
"""


def results(con, rows) -> None:
    con.execute(RESULTS_DDL)
    con.executemany(
        f"insert into indicator_results ({CELLS}, n_answers, mean_score, "
        "share_positive, is_suppressed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def cell(year, forbund, n, share, suppressed=False):
    scope = "riket" if forbund is None else "forbund"
    return (year, scope, forbund, "personal", "P01", "alla", n, 7.0, share, suppressed)


def insert(con, sql, rows) -> None:
    if rows:  # DuckDB's executemany wants at least one row
        con.executemany(sql, list(rows))


def warehouse(path, loads, withdrawals=(), reloads=(), purges=()):
    con = duckdb.connect(str(path))
    con.execute("create schema audit; create schema raw")
    con.execute("create table audit.file_loads (load_id integer, status varchar)")
    con.executemany("insert into audit.file_loads values (?, 'loaded')", [(i,) for i, _ in loads])
    con.execute("create table raw.submissions (load_id integer, measurement_year integer)")
    con.executemany("insert into raw.submissions values (?, ?)", loads)
    con.execute(
        "create table audit.withdrawals (withdrawal_id integer, load_id integer, "
        "undone_at timestamp)"
    )
    insert(con, "insert into audit.withdrawals values (?, ?, null)", withdrawals)
    con.execute("create table audit.year_reloads (measurement_year integer, reloaded_at timestamp)")
    insert(con, "insert into audit.year_reloads values (?, ?)", reloads)
    con.execute("create table audit.purges (purge_id integer, measurement_years varchar)")
    insert(con, "insert into audit.purges values (?, ?)", purges)
    con.close()


def publish(tmp_path, name, rows, previous=None, rules_changed=False):
    """A snapshot `name` with these result rows, its publication tables written against
    `previous` (folder, facts); returns (folder, facts) as publication.json would hold them."""
    settings = load_settings(home=tmp_path / "home")
    folder = tmp_path / name
    folder.mkdir()
    con = duckdb.connect(str(folder / "finsam.duckdb"))
    results(con, rows)
    con.execute(f"attach '{tmp_path / 'warehouse.duckdb'}' as warehouse (read_only)")
    marks = write_publication_tables(
        con, settings, name, datetime(2026, 3, 1, 23, 30, tzinfo=UTC), previous, rules_changed
    )
    con.execute("detach warehouse")
    con.close()
    return folder, {"audit_marks": marks.as_json()}


def changes(folder, name):
    with duckdb.connect(str(folder / "finsam.duckdb"), read_only=True) as con:
        return con.execute(
            "select change, measurement_year, cells, files, description_sv "
            "from publication_changes where publication = ? order by change_order",
            [name],
        ).fetchall()


def test_a_first_publication_dates_itself_and_says_what_it_covers(tmp_path):
    warehouse(tmp_path / "warehouse.duckdb", loads=[(1, 2024), (2, 2025)])
    folder, facts = publish(tmp_path, "p1", [cell(2024, None, 30, 0.5), cell(2025, None, 40, 0.6)])

    with duckdb.connect(str(folder / "finsam.duckdb"), read_only=True) as con:
        row = con.execute(
            "select published_on, first_year, last_year, period_sv, publisher, contact, "
            "previous_publication from publication"
        ).fetchone()
    # 23:30 UTC on 1 March is 2 March in Sweden
    assert row == (
        datetime(2026, 3, 2).date(),
        2024,
        2025,
        "2024–2025",
        "Nationella nätverket för samordningsförbund (NNS)",
        "https://www.finsam.se",
        None,
    )
    assert changes(folder, "p1") == [
        (
            "forsta_publicering",
            None,
            2,
            None,
            "Den första publiceringen. Den omfattar mätåren 2024–2025.",
        )
    ]
    assert facts["audit_marks"] == Marks(load_id=2).as_json()


def test_revisions_are_counted_per_year_and_explained_by_the_audit(tmp_path):
    before_rows = [cell(2024, None, 30, 0.5), cell(2024, "ale", 6, 0.5), cell(2025, None, 40, 0.6)]
    warehouse(tmp_path / "warehouse.duckdb", loads=[(1, 2024), (2, 2025)])
    first = publish(tmp_path, "p1", before_rows)

    # since then: a late file for 2024, a withdrawn file of 2025, a reload of 2025, a purge in
    # 2024, and the new year 2026
    (tmp_path / "warehouse.duckdb").unlink()
    warehouse(
        tmp_path / "warehouse.duckdb",
        loads=[(1, 2024), (2, 2025), (3, 2024), (4, 2026)],
        withdrawals=[(1, 2)],
        reloads=[(2025, datetime(2026, 2, 1))],
        purges=[(1, "2024")],
    )
    after_rows = [
        cell(2024, None, 32, 0.55),  # revised
        cell(2024, "ale", None, None, suppressed=True),  # now hidden: a revised cell too
        cell(2024, "blekinge", 8, 0.4),  # added
        cell(2025, None, 40, 0.6),  # unchanged
        cell(2026, None, 50, 0.7),  # a new year
    ]
    folder, _ = publish(tmp_path, "p2", after_rows, previous=first, rules_changed=True)

    assert changes(folder, "p2") == [
        ("nytt_matar", 2026, 1, None, "Mätåret 2026 har tillkommit (1 cell)."),
        (
            "reviderade_celler",
            2024,
            3,
            None,
            "Mätåret 2024: 2 celler har ändrats och 1 cell har tillkommit.",
        ),
        (
            "sena_filer",
            2024,
            None,
            1,
            "Mätåret 2024: 1 fil har kommit in efter förra publiceringen och räknas nu med.",
        ),
        (
            "tillbakadragna_filer",
            2025,
            None,
            1,
            "Mätåret 2025: 1 fil har dragits tillbaka och räknas inte längre.",
        ),
        (
            "raderade_filer",
            2024,
            None,
            1,
            "Mätåret 2024: 1 fil har raderats på begäran och räknas inte längre.",
        ),
        (
            "omlast_matar",
            2025,
            None,
            None,
            "Mätåret 2025 har lästs in på nytt från de arkiverade filerna med dagens regler.",
        ),
        (
            "andrade_regler",
            None,
            None,
            None,
            "Beräkningsreglerna eller kodlistorna har ändrats sedan förra publiceringen.",
        ),
    ]
    # the history keeps the earlier publication's entries
    assert [row[0] for row in changes(folder, "p1")] == ["forsta_publicering"]


def test_the_same_numbers_again_say_that_nothing_changed(tmp_path):
    rows = [cell(2024, None, 30, 0.5)]
    warehouse(tmp_path / "warehouse.duckdb", loads=[(1, 2024)])
    first = publish(tmp_path, "p1", rows)
    folder, _ = publish(tmp_path, "p2", rows, previous=first)
    assert changes(folder, "p2") == [
        ("inga_andringar", None, 0, None, "Inga siffror har ändrats sedan förra publiceringen.")
    ]
