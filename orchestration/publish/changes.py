"""What a publication is and what changed since the one readers saw before it: the snapshot's
tables `publication` (one row: when, which measurement years, who publishes, whom to contact) and
`publication_changes` (one row per change, every publication kept so far; the site's Ändringar
page). Both are computed from the publications and the audit tables, never written by hand.

A change is counted against the current publication (what readers see until this one replaces
it), cell by cell on the published indicator results, and explained by what the audit recorded
since that publication was made: files that came in late for a year already published, files
withdrawn or restored, years reloaded from the archive, and changed calculation rules. Only
counts are published: no file name, no reason given by an operator, no value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.settings import Settings, has_table

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
# A published cell of indicator_results, and what makes it a different number when it changes.
CELL_KEY = ("measurement_year", "scope", "forbund_id", "respondent_group", "question_id", "gender")
CELL_VALUES = ("n_answers", "mean_score", "share_positive", "is_suppressed")

PUBLICATION_DDL = """
create table main.publication (
    publication varchar not null,
    published_at timestamp not null,  -- UTC
    published_on date not null,       -- the Swedish calendar day
    first_year integer,
    last_year integer,
    period_sv varchar not null,
    publisher varchar not null,
    contact varchar not null,
    previous_publication varchar
)
"""
CHANGES_DDL = """
create table main.publication_changes (
    publication varchar not null,
    published_on date not null,
    change_order integer not null,
    change varchar not null,
    measurement_year integer,
    cells bigint,
    files bigint,
    description_sv varchar not null
)
"""


@dataclass(frozen=True)
class Marks:
    """How far the audit tables had come when a publication was made (kept in its
    publication.json), so that the next one can tell what happened in between."""

    load_id: int = 0
    withdrawal_id: int = 0
    undone_withdrawals: tuple[int, ...] = ()
    year_reloads: int = 0
    purge_id: int = 0

    @classmethod
    def from_facts(cls, facts: dict | None) -> Marks | None:
        found = (facts or {}).get("audit_marks")
        if found is None:
            return None
        return cls(
            load_id=found.get("load_id", 0),
            withdrawal_id=found.get("withdrawal_id", 0),
            undone_withdrawals=tuple(found.get("undone_withdrawals", ())),
            year_reloads=found.get("year_reloads", 0),
            purge_id=found.get("purge_id", 0),
        )

    def as_json(self) -> dict:
        return {
            "load_id": self.load_id,
            "withdrawal_id": self.withdrawal_id,
            "undone_withdrawals": list(self.undone_withdrawals),
            "year_reloads": self.year_reloads,
            "purge_id": self.purge_id,
        }


def audit_marks(con, schema: str = "warehouse") -> Marks:
    def scalar(sql: str, table: str) -> int:
        if not has_table(con, "audit", table, catalog=schema):
            return 0
        return con.execute(sql.format(schema=schema)).fetchone()[0] or 0

    undone = ()
    if has_table(con, "audit", "withdrawals", catalog=schema):
        undone = tuple(
            row[0]
            for row in con.execute(
                f"select withdrawal_id from {schema}.audit.withdrawals "
                "where undone_at is not null order by 1"
            ).fetchall()
        )
    return Marks(
        load_id=scalar("select max(load_id) from {schema}.audit.file_loads", "file_loads"),
        withdrawal_id=scalar(
            "select max(withdrawal_id) from {schema}.audit.withdrawals", "withdrawals"
        ),
        undone_withdrawals=undone,
        year_reloads=scalar("select count(*) from {schema}.audit.year_reloads", "year_reloads"),
        purge_id=scalar("select max(purge_id) from {schema}.audit.purges", "purges"),
    )


def period_sv(first: int | None, last: int | None) -> str:
    if first is None:
        return "inga mätår ännu"
    return str(first) if first == last else f"{first}–{last}"


def plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}".replace(",", "\u00a0")


def write_publication_tables(
    con,
    settings: Settings,
    name: str,
    published_at: datetime,
    previous: tuple[Path, dict] | None,
    rules_changed: bool,
) -> Marks:
    """Create `publication` and `publication_changes` in the snapshot `con` is connected to (its
    tables copied, the warehouse attached as `warehouse`). `previous` is the current
    publication's folder and facts. Returns the audit marks to keep with this publication."""
    published_on = published_at.astimezone(SWEDISH_TIME).date()
    first, last = con.execute(
        "select min(measurement_year), max(measurement_year) from main.indicator_results"
    ).fetchone()
    con.execute(PUBLICATION_DDL)
    con.execute(
        "insert into main.publication values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            name,
            published_at.replace(tzinfo=None),
            published_on,
            first,
            last,
            period_sv(first, last),
            settings.publisher,
            settings.contact,
            previous[0].name if previous else None,
        ],
    )
    con.execute(CHANGES_DDL)
    marks = audit_marks(con)
    rows = _changes(con, previous, marks, first, last, rules_changed)
    if previous is not None:
        _keep_earlier_changes(con, previous[0] / settings.published_path.name)
    con.executemany(
        "insert into main.publication_changes values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(name, published_on, order, *row) for order, row in enumerate(rows, start=1)],
    )
    _describe_in_codebook(con)
    return marks


def _describe_in_codebook(con) -> None:
    """These two tables in the snapshot's codebook, described from the same Swedish seed as the
    dbt-built ones (seeds/codebook_sv.csv), when the snapshot has a codebook."""
    if not has_table(con, "main", "codebook") or not has_table(
        con, "catalog", "codebook_sv", catalog="warehouse"
    ):
        return
    con.execute(
        """
        insert into main.codebook
        select
            columns.table_name,
            columns.ordinal_position::integer,
            columns.column_name,
            lower(columns.data_type),
            descriptions.description_sv,
            tables.description_sv
        from information_schema.columns as columns
        left join warehouse.catalog.codebook_sv as descriptions
            on descriptions.table_name = columns.table_name
            and descriptions.column_name = columns.column_name
        left join warehouse.catalog.codebook_sv as tables
            on tables.table_name = columns.table_name and tables.column_name is null
        where columns.table_catalog = current_database() and columns.table_schema = 'main'
            and columns.table_name in ('publication', 'publication_changes')
        order by columns.table_name, columns.ordinal_position
        """
    )


def _keep_earlier_changes(con, snapshot: Path) -> None:
    """The earlier publications' changes, as that snapshot listed them."""
    con.execute(f"attach '{_quoted(snapshot)}' as previous (read_only)")
    try:
        if has_table(con, "main", "publication_changes", catalog="previous"):
            con.execute(
                "insert into main.publication_changes "
                "select * from previous.main.publication_changes"
            )
    finally:
        con.execute("detach previous")


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _changes(con, previous, marks: Marks, first, last, rules_changed: bool) -> list[tuple]:
    """(change, measurement_year, cells, files, description_sv) in the order the page lists them."""
    if previous is None:
        return [
            (
                "forsta_publicering",
                None,
                _count(con, "select count(*) from main.indicator_results"),
                None,
                f"Den första publiceringen. Den omfattar mätåren {period_sv(first, last)}."
                if first is not None
                else "Den första publiceringen. Den innehåller ännu inga resultat.",
            )
        ]
    folder, facts = previous
    rows: list[tuple] = []
    con.execute(f"attach '{_quoted(folder / 'finsam.duckdb')}' as previous (read_only)")
    try:
        cells = _cell_changes(con)
    finally:
        con.execute("detach previous")
    years_before = {year for year, kind, _ in cells if kind != "ny_cell"}
    years_now = {year for year, kind, _ in cells if kind != "borttagen_cell"}
    by_year: dict[int, dict[str, int]] = {}
    for year, kind, count in cells:
        by_year.setdefault(year, {})[kind] = count
    for year in sorted(years_now - years_before):
        count = by_year[year].get("ny_cell", 0)
        rows.append(
            ("nytt_matar", year, count, None, f"Mätåret {year} har tillkommit ({_cells(count)}).")
        )
    for year in sorted(years_before - years_now):
        rows.append(("borttaget_matar", year, None, None, f"Mätåret {year} ingår inte längre."))
    for year in sorted(years_before & years_now):
        changed = by_year[year].get("andrad_cell", 0)
        added = by_year[year].get("ny_cell", 0)
        removed = by_year[year].get("borttagen_cell", 0)
        if changed or added or removed:
            parts = [f"{_cells(changed)} har ändrats"] if changed else []
            parts += [f"{_cells(added)} har tillkommit"] if added else []
            parts += [f"{_cells(removed)} har tagits bort"] if removed else []
            rows.append(
                (
                    "reviderade_celler",
                    year,
                    changed + added + removed,
                    None,
                    f"Mätåret {year}: {_joined(parts)}.",
                )
            )
    earlier = Marks.from_facts(facts)
    if earlier is None:
        if rows:
            rows.append(
                (
                    "okand_orsak",
                    None,
                    None,
                    None,
                    "Orsakerna till ändringarna är inte kända: den förra publiceringen gjordes "
                    "av en tidigare version av datalagret.",
                )
            )
    else:
        rows += _reasons(con, earlier, marks, years_before)
    if rules_changed:
        rows.append(
            (
                "andrade_regler",
                None,
                None,
                None,
                "Beräkningsreglerna eller kodlistorna har ändrats sedan förra publiceringen.",
            )
        )
    if not rows:
        rows.append(
            ("inga_andringar", None, 0, None, "Inga siffror har ändrats sedan förra publiceringen.")
        )
    return rows


def _cells(count: int) -> str:
    return plural(count, "cell", "celler")


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " och " + parts[-1]


def _count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def _cell_changes(con) -> list[tuple[int, str, int]]:
    """(measurement year, kind, cells) comparing this snapshot's cells with the previous one's."""
    key = ", ".join(CELL_KEY)
    values = ", ".join(CELL_VALUES)
    return con.execute(
        f"""
        with now as (select {key}, {values} from main.indicator_results),
        before as (select {key}, {values} from previous.main.indicator_results),
        compared as (
            select
                coalesce(now.measurement_year, before.measurement_year) as measurement_year,
                case
                    when before.measurement_year is null then 'ny_cell'
                    when now.measurement_year is null then 'borttagen_cell'
                    when ({", ".join("now." + v for v in CELL_VALUES)})
                        is distinct from ({", ".join("before." + v for v in CELL_VALUES)})
                        then 'andrad_cell'
                    else 'oforandrad'
                end as kind
            -- null-safe: the national cells have no association
            from now full outer join before on {
            " and ".join(f"now.{k} is not distinct from before.{k}" for k in CELL_KEY)
        }
        )
        select measurement_year, kind, count(*) from compared group by all order by all
        """
    ).fetchall()


def _reasons(con, earlier: Marks, now: Marks, years_before: set[int]) -> list[tuple]:
    """What the audit recorded between the previous publication and this one, per year."""
    rows = []
    late = _years_of_loads(
        con,
        "select load_id from warehouse.audit.file_loads "
        f"where status = 'loaded' and load_id > {earlier.load_id}",
    )
    for year, files in late:
        if year in years_before:
            rows.append(
                (
                    "sena_filer",
                    year,
                    None,
                    files,
                    f"Mätåret {year}: {plural(files, 'fil', 'filer')} har kommit in efter förra "
                    "publiceringen och räknas nu med.",
                )
            )
    withdrawn = _years_of_loads(
        con,
        "select load_id from warehouse.audit.withdrawals "
        f"where withdrawal_id > {earlier.withdrawal_id} and undone_at is null",
    )
    for year, files in withdrawn:
        rows.append(
            (
                "tillbakadragna_filer",
                year,
                None,
                files,
                f"Mätåret {year}: {plural(files, 'fil', 'filer')} har dragits tillbaka och räknas "
                "inte längre.",
            )
        )
    restored = sorted(set(now.undone_withdrawals) - set(earlier.undone_withdrawals))
    if restored:
        ids = ", ".join(str(i) for i in restored)
        for year, files in _years_of_loads(
            con,
            f"select load_id from warehouse.audit.withdrawals where withdrawal_id in ({ids})",
        ):
            rows.append(
                (
                    "aterstallda_filer",
                    year,
                    None,
                    files,
                    f"Mätåret {year}: {plural(files, 'tillbakadragen fil', 'tillbakadragna filer')}"
                    " räknas med igen.",
                )
            )
    if has_table(con, "audit", "purges", catalog="warehouse"):
        # a purged file's rows are gone: its years are those the purge recorded
        for year, files in con.execute(
            f"""
            select cast(trim(year) as integer), count(*)
            from warehouse.audit.purges,
                unnest(string_split(coalesce(measurement_years, ''), ',')) as years(year)
            where purge_id > {earlier.purge_id} and trim(year) <> ''
            group by 1 order by 1
            """
        ).fetchall():
            rows.append(
                (
                    "raderade_filer",
                    year,
                    None,
                    files,
                    f"Mätåret {year}: {plural(files, 'fil', 'filer')} har raderats på begäran och "
                    "räknas inte längre.",
                )
            )
    if now.year_reloads > earlier.year_reloads:
        reloaded = con.execute(
            "select measurement_year from warehouse.audit.year_reloads "
            f"order by reloaded_at, measurement_year offset {earlier.year_reloads}"
        ).fetchall()
        for year in sorted({year for (year,) in reloaded}):
            rows.append(
                (
                    "omlast_matar",
                    year,
                    None,
                    None,
                    f"Mätåret {year} har lästs in på nytt från de arkiverade filerna med dagens "
                    "regler.",
                )
            )
    return rows


def _years_of_loads(con, loads_sql: str) -> list[tuple[int, int]]:
    """(measurement year, files) of the loads `loads_sql` selects, by their questionnaires."""
    if not has_table(con, "raw", "submissions", catalog="warehouse"):
        return []
    return con.execute(
        f"""
        select measurement_year, count(distinct load_id)
        from warehouse.raw.submissions
        where load_id in ({loads_sql})
        group by 1 order by 1
        """
    ).fetchall()
