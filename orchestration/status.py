"""`finsam status`: what the warehouse holds, what is published, and how the last run went.

Every number is read from the raw and audit tables (the warehouse is opened read-only):

- per measurement year and association: the files its questionnaires came from, the current
  questionnaires (the current version of each response, as ingest decides it), and the rows
  refused in the files that belong there. A refused row has no measurement year of its own, so
  it is counted where its file belongs: the association the file names and the year of the
  file's loaded questionnaires; rows of files that name several associations or years, or none
  (a file refused whole), are counted under "-";
- the files seen, by outcome;
- the current publication and the last run that recorded checks, with their outcome.
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.audit import WITHDRAWN_LOADS
from orchestration.ingest.versions import CURRENT_VERSION
from orchestration.publish.history import kept
from orchestration.settings import Settings, has_table
from orchestration.warehouse import connect, warehouse_exists, where

UNPLACED = "-"

_PER_YEAR_AND_FORBUND = f"""
with current_versions as (
    select *
    from raw.submissions
    where load_id not in ({{withdrawn}})
    qualify {CURRENT_VERSION}
),

loaded as (
    select measurement_year::varchar as measurement_year, forbund_id,
           count(distinct load_id) as files, count(*) as questionnaires
    from current_versions
    group by all
),

file_places as (
    select load_id,
           case when count(distinct measurement_year) = 1
                then any_value(measurement_year)::varchar end as measurement_year,
           case when count(distinct forbund_id) = 1 then any_value(forbund_id) end as forbund_id
    from raw.submissions
    group by load_id
),

refused as (
    select coalesce(file_places.measurement_year, '{UNPLACED}') as measurement_year,
           coalesce(file_places.forbund_id, '{UNPLACED}') as forbund_id,
           sum(file_loads.rows_rejected) as refused_rows
    from audit.file_loads
    left join file_places using (load_id)
    where file_loads.rows_rejected > 0
    group by all
)

select measurement_year, forbund_id,
       coalesce(loaded.files, 0) as files,
       coalesce(loaded.questionnaires, 0) as questionnaires,
       coalesce(refused.refused_rows, 0)::bigint as refused_rows
from loaded
full join refused using (measurement_year, forbund_id)
order by measurement_year, forbund_id
"""

_FILES = """
select status, count(*) as files, coalesce(sum(rows_read), 0)::bigint as rows_read,
       coalesce(sum(rows_loaded), 0)::bigint as rows_loaded,
       coalesce(sum(rows_rejected), 0)::bigint as rows_rejected,
       coalesce(sum(rows_duplicate), 0)::bigint as rows_duplicate,
       coalesce(sum(answers_rejected), 0)::bigint as answers_rejected,
       max(loaded_at)::varchar as last_loaded_at
from audit.file_loads
group by status
order by status
"""

_WITHDRAWALS_IN_FORCE = """
select w.withdrawal_id, w.load_id, w.file_name, w.sha256, w.questionnaires, w.reason,
       w.withdrawn_by, w.withdrawn_at::varchar as withdrawn_at
from audit.withdrawals as w
where w.undone_at is null
order by w.withdrawal_id
"""

_PURGES = """
select p.purge_id, p.file_name, p.sha256, p.questionnaires, p.open_texts, p.reason, p.purged_by,
       p.purged_at::varchar as purged_at, p.allowed_again_at is not null as allowed_again
from audit.purges as p
order by p.purge_id
"""

_LAST_RUN_CHECKS = """
with latest as (
    select run_id from audit.check_results where run_id is not null
    order by checked_at desc limit 1
)
select run_id, min(checked_at)::varchar, max(checked_at)::varchar, count(*),
       count(*) filter (where passed),
       count(*) filter (where not passed and severity = 'error'),
       count(*) filter (where not passed and severity = 'warn')
from audit.check_results inner join latest using (run_id)
group by run_id
"""


def _sums(rows: list[dict]) -> tuple[int, int, int]:
    # a file whose questionnaires belong to several associations is counted once per association
    return (
        sum(row["files"] for row in rows),
        sum(row["questionnaires"] for row in rows),
        sum(row["refused_rows"] for row in rows),
    )


def _line(year, name, files, questionnaires, refused) -> str:
    def number(value) -> str:
        return f"{value:,}".replace(",", " ") if isinstance(value, int) else str(value)

    return (
        f"{year!s:<6}{number(name):<36}{number(files):>7}{number(questionnaires):>16}"
        f"{number(refused):>14}"
    )


class StatusError(RuntimeError):
    """The warehouse cannot be read now; the message says why and what to do."""


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def gather(settings: Settings) -> dict:
    status: dict = {
        "home": str(settings.home),
        "warehouse": where(settings),
        "by_year_and_forbund": [],
        "files": [],
        "withdrawn": [],
        "purged": [],
        "publication": None,
        "pending_publication": None,
        "publications_kept": 0,
        "last_run": None,
    }
    publications = kept(settings)
    status["publications_kept"] = len(publications)
    current = next((p for p in publications if p.is_current), None)
    if current is not None:
        status["publication"] = current.as_json()
    waiting = next((p for p in publications if p.is_pending), None)
    status["pending_publication"] = None if waiting is None else waiting.as_json()
    if not warehouse_exists(settings):
        return status
    try:
        con = connect(settings, read_only=True)
    except duckdb.IOException as error:
        raise StatusError(
            f"The warehouse {where(settings)} is being written by a run right now "
            f"({error}); ask again when it has finished."
        ) from error
    try:
        if has_table(con, "audit", "file_loads"):
            withdrawals = has_table(con, "audit", "withdrawals")
            status["by_year_and_forbund"] = _rows(
                con,
                _PER_YEAR_AND_FORBUND.format(
                    withdrawn=WITHDRAWN_LOADS if withdrawals else "select null where false"
                ),
            )
            status["files"] = _rows(con, _FILES)
            if withdrawals:
                status["withdrawn"] = _rows(con, _WITHDRAWALS_IN_FORCE)
            if has_table(con, "audit", "purges"):
                status["purged"] = _rows(con, _PURGES)
        if has_table(con, "audit", "check_results"):
            found = con.execute(_LAST_RUN_CHECKS).fetchone()
            if found is not None:
                run_id, first, last, checks, passed, errors, warnings = found
                status["last_run"] = {
                    "run_id": run_id,
                    "checks_started_at": first,
                    "checks_finished_at": last,
                    "checks": checks,
                    "passed": passed,
                    "failed_errors": errors,
                    "failed_warnings": warnings,
                }
    finally:
        con.close()
    return status


def render(status: dict, year: str | None = None) -> list[str]:
    """The status as a few lines of text for a terminal: one line per measurement year, then the
    associations of `year` (default: the latest year with questionnaires)."""
    lines = [f"Home {status['home']}"]
    table = status["by_year_and_forbund"]
    if not table:
        lines.append(
            "The warehouse holds no questionnaires yet: put exports in the landing folder and "
            "run `finsam run`."
        )
    else:
        years = sorted({row["measurement_year"] for row in table})
        placed = [y for y in years if y != UNPLACED]
        shown = year or (placed[-1] if placed else years[-1])
        lines.append("")
        lines.append(_line("year", "associations", "files", "questionnaires", "refused rows"))
        for each in years:
            rows = [row for row in table if row["measurement_year"] == each]
            associations = sum(1 for row in rows if row["questionnaires"])
            lines.append(_line(each, associations, *_sums(rows)))
        rows = [row for row in table if row["measurement_year"] == shown]
        lines.append("")
        if not rows:
            lines.append(f"No questionnaires or refused rows for measurement year {shown}.")
        else:
            lines.append(_line(shown, "association", "files", "questionnaires", "refused rows"))
            for row in rows:
                lines.append(
                    _line(
                        shown,
                        row["forbund_id"],
                        row["files"],
                        row["questionnaires"],
                        row["refused_rows"],
                    )
                )
            lines.append("(another year: finsam status --year YEAR; everything: --json)")
    if status["files"]:
        lines.append("")
        parts = [f"{row['files']} {row['status']}" for row in status["files"]]
        counted = [key for key in status["files"][0] if key.startswith(("rows_", "answers_"))]
        totals = {key: sum(row[key] for row in status["files"]) for key in counted}
        last = max(row["last_loaded_at"] or "" for row in status["files"])
        lines.append(f"Files seen: {', '.join(parts)}; last loaded {last[:19]}.")
        n = {key: f"{value:,}".replace(",", " ") for key, value in totals.items()}
        lines.append(
            f"Rows: {n['rows_read']} read, {n['rows_loaded']} loaded, {n['rows_rejected']} "
            f"refused, {n['rows_duplicate']} duplicates; {n['answers_rejected']} single answers "
            "refused (every refusal is in audit.rejected_records)."
        )
    for withdrawal in status["withdrawn"]:
        lines.append(
            f"Withdrawn: {withdrawal['file_name']} (load {withdrawal['load_id']}, "
            f"{withdrawal['questionnaires']} questionnaires) by {withdrawal['withdrawn_by']} "
            f"{withdrawal['withdrawn_at'][:16]}"
            + (f": {withdrawal['reason']}" if withdrawal["reason"] else "")
            + " (undo: finsam withdraw --undo)."
        )
    for purge in status.get("purged", []):
        lines.append(
            f"Purged: {purge['file_name']} (sha256 {purge['sha256'][:12]}, "
            f"{purge['questionnaires']} questionnaires, {purge['open_texts']} open texts) by "
            f"{purge['purged_by']} {purge['purged_at'][:16]}: {purge['reason']}"
            + (
                " (its bytes are allowed again)."
                if purge["allowed_again"]
                else " (the same bytes are refused)."
            )
        )
    lines.append("")
    publication = status["publication"]
    if publication is None:
        lines.append("Nothing is published yet.")
    else:
        site = "with its site" if publication["has_site"] else "without a site"
        lines.append(
            f"Published: {publication['name']} (run {(publication['run_id'] or '-')[:8]}, "
            f"{publication['created_at']}), {site}; {status['publications_kept']} kept "
            "(`finsam publications`)."
        )
        waiting = status.get("pending_publication")
        if waiting is not None:
            lines.append(f"Waiting: {waiting['name']} is {waiting['state']}.")
        tables = publication.get("tables")
        if tables is not None and not tables.get("participation"):
            lines.append(
                "The publication holds no results yet: no questionnaires had been loaded when it "
                "was made."
            )
    run = status["last_run"]
    if run is not None:
        verdict = (
            "all passed"
            if run["passed"] == run["checks"]
            else f"{run['failed_errors']} errors, {run['failed_warnings']} warnings"
        )
        lines.append(
            f"Last run with checks: {run['run_id'][:8]}, {run['checks_finished_at'][:19]}: "
            f"{run['checks']} checks, {verdict}."
        )
    return lines
