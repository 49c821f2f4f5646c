"""Purge a file: delete for real its questionnaires, answers, open texts, refusals and archived
bytes, for a data subject's request or a mistaken upload (`finsam purge`).

Unlike a withdrawal, nothing can be brought back: every row of the file is deleted from every
table of the warehouse that holds one (``raw.*``, ``audit.*`` and dbt's tables of the intermediate
and mart layers, which the next run rebuilds), its audit rows (``audit.file_loads``, its refusals
and attributions, a withdrawal of it) included; its copy in ``HOME/archive`` is unlinked, and so
is the file in the landing folder where it was found, if the same bytes are still there. A DELETE
and a CHECKPOINT alone would leave the deleted bytes in DuckDB's free blocks until later writes
reuse them, so the warehouse is then written anew into a fresh file that replaces it
(``storage.compact_warehouse``).

What stays is one row of ``audit.purges``: who, when, why, the file's name and SHA-256 and how many
questionnaires, answers, open texts, refusals and archived bytes went; never the content. While it
stands, the same bytes put back into the landing folder are refused unread with a sentence that
names the purge (``finsam purge --allow-again`` lifts that). As with a withdrawal, the measurement
years in which a later file met the purged file's responses are replayed from the archive in the
same transaction, so later copies that were counted as its duplicates count now. Publications made
before stay as they were published (they hold aggregates only); the next run republishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestration.calendar import swedish_now
from orchestration.catalog import Catalog
from orchestration.ingest.audit import (
    next_purge_id,
    record_allowed_again,
    record_purge,
    record_purge_replays,
    records,
)
from orchestration.ingest.landing import sha256_of
from orchestration.ingest.retention import archive_paths, tables_with_column
from orchestration.ingest.storage import compact_warehouse, warehouse_transaction
from orchestration.ingest.withdraw import (
    _YEARS_MET_LATER,
    MIN_SHA_PREFIX,
    file_condition,
    operator,
    replay_years,
)
from orchestration.settings import Settings, has_table
from orchestration.warehouse import connect, warehouse_exists, where

# Audit tables that keep a record of what was deleted (no content), not the file's rows.
KEPT_RECORDS = ('"audit"."retention"',)


class PurgeError(ValueError):
    """A purge (or allow-again) that cannot be done; one sentence, and nothing was changed."""


@dataclass(frozen=True)
class PurgePlan:
    """What a purge deletes (or deleted), counted."""

    file_name: str
    sha256: str
    load_ids: tuple[int, ...]
    years: tuple[int, ...]
    questionnaires: int
    answers: int
    open_texts: int
    refusals: int
    archive: tuple[Path, ...]
    archive_bytes: int
    landing: tuple[Path, ...]  # copies of the same bytes still in the landing folder
    years_met_later: tuple[int, ...]
    withdrawal: str | None

    def lines(self) -> list[str]:
        years = ", ".join(map(str, self.years)) or "none"
        said = [
            f"{self.file_name} (sha256 {self.sha256[:12]}, load "
            f"{', '.join(map(str, self.load_ids))}): {self.questionnaires} questionnaires "
            f"(measurement years {years}), {self.answers} answers, {self.open_texts} open texts, "
            f"{self.refusals} refusals, {len(self.archive)} archived files "
            f"({self.archive_bytes} bytes), {_copies(len(self.landing))} in the landing folder"
        ]
        if self.withdrawal:
            said.append(f"it was {self.withdrawal}")
        if self.years_met_later:
            said.append(
                "measurement years "
                + ", ".join(map(str, self.years_met_later))
                + " are replayed from the archive, because later files held the same responses"
            )
        return said


@dataclass(frozen=True)
class PurgeReport:
    purge_id: int
    plan: PurgePlan
    by: str
    reason: str

    def summary(self) -> str:
        plan = self.plan
        return (
            f"{plan.file_name} (sha256 {plan.sha256[:12]}) was purged (purge {self.purge_id}): "
            f"{plan.questionnaires} questionnaires, {plan.answers} answers, {plan.open_texts} "
            f"open texts, {plan.refusals} refusals and {len(plan.archive)} archived files "
            f"({plan.archive_bytes} bytes) deleted, and {_copies(len(plan.landing))} in the "
            "landing folder; audit.purges keeps the record."
        )


def _copies(count: int) -> str:
    return f"{count} {'copy' if count == 1 else 'copies'}"


def _target_rows(con, file_or_sha: str) -> tuple[str, list[dict]]:
    """(how the file was named, its audit.file_loads rows), by a path to its bytes, a SHA-256 (or
    its first 8+ characters) or a file name, as `finsam withdraw` finds files; the refusals of its
    bytes put back after a purge are not part of it."""
    where, value, said = file_condition(file_or_sha)
    cursor = con.execute(
        f"select * from audit.file_loads where {where} "
        "and refusal_cause is distinct from 'purged' order by load_id",
        [value],
    )
    return said, records(cursor)


def _find(con, file_or_sha: str) -> list[dict]:
    said, rows = _target_rows(con, file_or_sha)
    if not rows:
        text = file_or_sha.strip()
        purged = con.execute(
            "select purge_id, file_name, sha256, purged_by, purged_at from audit.purges "
            "where sha256 = ? or starts_with(sha256, lower(?)) or file_name = ? "
            "order by purge_id desc",
            [
                sha256_of(Path(text)) if Path(text).is_file() else text,
                text if len(text) >= MIN_SHA_PREFIX else "-",
                Path(text).name,
            ],
        ).fetchone()
        if purged is not None:
            raise PurgeError(
                f"{purged[1]} (sha256 {purged[2][:12]}) was already purged by {purged[3]} at "
                f"{purged[4]:%Y-%m-%d %H:%M} (purge {purged[0]}): there is nothing left to purge."
            )
        raise PurgeError(
            f"No file with {said} was ever seen (see `finsam status` or audit.file_loads)."
        )
    shas = sorted({row["sha256"] for row in rows})
    if len(shas) > 1:
        listed = "; ".join(
            f"sha256 {row['sha256'][:12]} load {row['load_id']} {row['status']} "
            f"{row['loaded_at']:%Y-%m-%d %H:%M}"
            for row in rows
        )
        raise PurgeError(
            f"{len(shas)} different files match {said} ({listed}): name one by its sha256."
        )
    # every load of the same bytes (a copy counted as a duplicate, a re-read after a rule change)
    return records(
        con.execute(
            "select * from audit.file_loads where sha256 = ? "
            "and refusal_cause is distinct from 'purged' order by load_id",
            [shas[0]],
        )
    )


def _plan(con, settings: Settings, rows: list[dict]) -> PurgePlan:
    load_ids = tuple(row["load_id"] for row in rows)
    sha = rows[0]["sha256"]
    params = {"ids": list(load_ids)}

    def one(query: str) -> int:
        return con.execute(query, params).fetchone()[0]

    years = tuple(
        year
        for (year,) in con.execute(
            "select distinct measurement_year from raw.submissions "
            "where list_contains($ids, load_id) order by 1",
            params,
        ).fetchall()
    )
    met_later = sorted(
        {
            year
            for load_id in load_ids
            for (year,) in con.execute(_YEARS_MET_LATER, {"load_id": load_id}).fetchall()
        }
    )
    withdrawal = con.execute(
        "select withdrawn_by, withdrawn_at, reason from audit.withdrawals "
        "where list_contains($ids, load_id) and undone_at is null",
        params,
    ).fetchone()
    archive = tuple(archive_paths(settings, sha, [row["archived_path"] for row in rows]))
    return PurgePlan(
        file_name=rows[0]["file_name"],
        sha256=sha,
        load_ids=load_ids,
        years=years,
        questionnaires=one(
            "select count(*) from raw.submissions where list_contains($ids, load_id)"
        ),
        answers=one("select count(*) from raw.answers where list_contains($ids, load_id)"),
        open_texts=one(
            "select count(*) from raw.submissions "
            "where list_contains($ids, load_id) and fritext is not null"
        ),
        refusals=one(
            "select count(*) from audit.rejected_records where list_contains($ids, load_id)"
        ),
        archive=archive,
        archive_bytes=sum(path.stat().st_size for path in archive),
        landing=_landing_copies(settings, sha, rows),
        years_met_later=tuple(met_later),
        withdrawal=(
            f"withdrawn by {withdrawal[0]} at {withdrawal[1]:%Y-%m-%d %H:%M} ({withdrawal[2]})"
            if withdrawal
            else None
        ),
    )


def _landing_copies(settings: Settings, sha: str, rows: list[dict]) -> tuple[Path, ...]:
    """The file's bytes where it was found in the landing folder, if they are still there."""
    found = []
    for path in sorted({settings.landing / row["file_path"] for row in rows}):
        if path.is_file() and not path.is_symlink() and sha256_of(path) == sha:
            found.append(path)
    return tuple(found)


def plan_purge(settings: Settings, file_or_sha: str) -> PurgePlan:
    """What `finsam purge` would delete; changes nothing (a dry run)."""
    _need_warehouse(settings)
    con = connect(settings, read_only=True)
    try:
        if not has_table(con, "audit", "purges"):  # a warehouse from before purges existed
            con.close()
            with warehouse_transaction(settings):
                pass
            con = connect(settings, read_only=True)
        return _plan(con, settings, _find(con, file_or_sha))
    finally:
        con.close()


def _need_warehouse(settings: Settings) -> None:
    if not warehouse_exists(settings):
        raise PurgeError(
            f"There is no warehouse at {where(settings)} yet, so there is nothing to purge."
        )


def purge(
    settings: Settings,
    catalog: Catalog,
    file_or_sha: str,
    reason: str,
    *,
    by: str | None = None,
    now: datetime | None = None,
    run_id: str | None = None,
) -> PurgeReport:
    """Delete the file's rows everywhere and its archived bytes; record the purge. The caller
    holds the writer lock."""
    if not (reason or "").strip():
        raise PurgeError("A purge needs a reason (--reason): it is kept in audit.purges.")
    _need_warehouse(settings)
    now = now or swedish_now()
    by = by or operator()
    with warehouse_transaction(settings) as con:
        rows = _find(con, file_or_sha)
        plan = _plan(con, settings, rows)
        _delete_rows(con, plan.load_ids)
        purge_id = next_purge_id(con)
        record_purge(
            con,
            [
                purge_id,
                ",".join(map(str, plan.load_ids)),
                plan.file_name,
                plan.sha256,
                ",".join(map(str, plan.years)) or None,
                plan.questionnaires,
                plan.answers,
                plan.open_texts,
                plan.refusals,
                len(plan.archive),
                plan.archive_bytes,
                len(plan.landing),
                reason.strip(),
                by,
                now,
                plan.withdrawal,
            ],
        )
        replay_years(con, settings, catalog, plan.years_met_later, now, run_id, PurgeError)
        if plan.years_met_later:
            record_purge_replays(con, purge_id, plan.years_met_later)
    # committed: the bytes go, and DuckDB writes its tables without the deleted rows
    for path in (*plan.archive, *plan.landing):
        path.unlink(missing_ok=True)
    compact_warehouse(settings)
    return PurgeReport(purge_id, plan, by, reason.strip())


def _delete_rows(con, load_ids: tuple[int, ...]) -> None:
    """Delete the loads' rows from every base table that holds any, in every schema."""
    params = {"ids": list(load_ids)}
    with_load_id = set(tables_with_column(con, "load_id"))
    keyed = '"intermediate"."int_submissions__deduplicated"'
    if keyed in with_load_id:
        # tables of a questionnaire's current version keyed by submission_key alone
        for table in sorted(set(tables_with_column(con, "submission_key")) - with_load_id):
            con.execute(
                f"delete from {table} where submission_key in (select submission_key from "
                f"{keyed} where list_contains($ids, load_id))",
                params,
            )
    for table in sorted(with_load_id):
        if table not in KEPT_RECORDS:
            con.execute(f"delete from {table} where list_contains($ids, load_id)", params)
    if has_table(con, "audit", "check_coverage"):
        # what the raw checks have seen: validated again in full by the next run
        con.execute("delete from audit.check_coverage")


def allow_again(
    settings: Settings,
    file_or_sha: str,
    reason: str,
    *,
    by: str | None = None,
    now: datetime | None = None,
) -> tuple[int, str, str]:
    """Lift a purge's refusal: the same bytes in the landing folder are read by the next run.
    Returns (purge_id, file_name, sha256)."""
    if not (reason or "").strip():
        raise PurgeError("Allowing a purged file again needs a reason (--reason).")
    _need_warehouse(settings)
    now = now or swedish_now()
    by = by or operator()
    text = file_or_sha.strip()
    sha = sha256_of(Path(text)) if Path(text).is_file() else text.lower()
    with warehouse_transaction(settings) as con:
        found = con.execute(
            "select purge_id, file_name, sha256 from audit.purges "
            "where allowed_again_at is null and (starts_with(sha256, ?) or file_name = ?)",
            [sha if len(sha) >= MIN_SHA_PREFIX else "-", Path(text).name],
        ).fetchall()
        if not found:
            raise PurgeError(f"No purge of {text} stands, so there is nothing to allow again.")
        if len({row[2] for row in found}) > 1:
            raise PurgeError(
                f"{len(found)} purges match {text}: name one by its sha256 "
                f"({', '.join(row[2][:12] for row in found)})."
            )
        record_allowed_again(con, found[0][2], reason.strip(), by, now)
    return found[0]
