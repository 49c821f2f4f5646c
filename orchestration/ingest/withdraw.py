"""Withdraw a loaded file, and undo that: a file sent by mistake leaves the current data.

A withdrawal is a row of ``audit.withdrawals`` (who, why, when); while it is not undone, the
file's questionnaires are no one's current version: not in the marts (dbt's deduplication), not
in ``finsam status``, and not to the loader, which takes a later copy of one as new. Nothing is
deleted: the rows stay in ``raw.*`` and the file in the archive, so undoing a withdrawal (filling
its undo columns) brings everything back. Earlier versions of the same responses are current
again while the file is withdrawn.

A later file may hold the same questionnaires: identical ones were counted as its duplicates and
not stored. So that they count once the withdrawn file does not (and stop counting again when
the withdrawal is undone), the measurement years where a later file met the withdrawn file's
responses are replayed from the archive (as ``finsam reload-year`` does), in the same
transaction as the withdrawal.
"""

from __future__ import annotations

import getpass
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestration.calendar import swedish_now
from orchestration.catalog import Catalog
from orchestration.ingest.audit import (
    record_withdrawal,
    record_withdrawal_replays,
    record_withdrawal_undone,
    records,
)
from orchestration.ingest.landing import sha256_of
from orchestration.ingest.reload import ReloadError, replace_year
from orchestration.ingest.storage import warehouse_transaction
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_exists, where

MIN_SHA_PREFIX = 8


class WithdrawError(ValueError):
    """A withdrawal (or undo) that cannot be done; one sentence, and nothing was changed."""


@dataclass(frozen=True)
class WithdrawReport:
    undo: bool
    load_id: int
    file_name: str
    sha256: str
    questionnaires: int  # the file's rows in raw.submissions
    years: tuple[int, ...]  # measurement years of those rows
    years_reloaded: tuple[int, ...]
    by: str
    reason: str | None

    def summary(self) -> str:
        years = _years(self.years)
        if self.undo:
            head = (
                f"The withdrawal of {self.file_name} (load {self.load_id}, sha256 "
                f"{self.sha256[:12]}) was undone: its {self.questionnaires} questionnaires "
                f"({years}) count again"
            )
        else:
            head = (
                f"{self.file_name} (load {self.load_id}, sha256 {self.sha256[:12]}) was "
                f"withdrawn: its {self.questionnaires} questionnaires ({years}) are out of the "
                "current data, and earlier versions of the same "
                "responses count again where there are any"
            )
        if self.years_reloaded:
            head += (
                f"; {_years(self.years_reloaded)} "
                f"{'was' if len(self.years_reloaded) == 1 else 'were'} replayed from the archive, "
                "because later files held the same responses"
            )
        return head + "."


def _years(years: tuple[int, ...]) -> str:
    if len(years) == 1:
        return f"measurement year {years[0]}"
    return "measurement years " + (", ".join(map(str, years)) or "none")


def operator() -> str:
    """Who is withdrawing: the login name (FINSAM_OPERATOR overrides it, e.g. in a service)."""
    return os.environ.get("FINSAM_OPERATOR") or getpass.getuser()


def file_condition(file_or_sha: str) -> tuple[str, str, str]:
    """(SQL condition on audit.file_loads, its parameter, how the file was named) for a path to
    the file's bytes, a SHA-256 (or its first 8+ characters), or a file name."""
    text = file_or_sha.strip()
    path = Path(text)
    if path.is_file():
        return "sha256 = ?", sha256_of(path), f"the content of {path}"
    if re.fullmatch(rf"[0-9a-fA-F]{{{MIN_SHA_PREFIX},64}}", text):
        return "starts_with(sha256, ?)", text.lower(), f"sha256 {text}"
    return "file_name = ?", path.name, f"the file name {path.name}"


def find_load(con, file_or_sha: str) -> dict:
    """The loaded file meant by a path to its bytes, a SHA-256 (or its first 8+ characters), or
    a file name; one sentence naming the candidates when it is not exactly one."""
    where, value, said = file_condition(file_or_sha)
    found = records(
        con.execute(f"select * from audit.file_loads where {where} order by load_id", [value])
    )
    loaded = [row for row in found if row["status"] == "loaded"]
    if not found:
        raise WithdrawError(
            f"No file with {said} was ever loaded (see `finsam status` or audit.file_loads)."
        )
    if not loaded:
        raise WithdrawError(
            f"The file with {said} was {found[0]['status']} when it came (load "
            f"{found[0]['load_id']}), so none of its questionnaires are in the data: there is "
            "nothing to withdraw."
        )
    if len(loaded) > 1:
        listed = "; ".join(
            f"load {row['load_id']} sha256 {row['sha256'][:12]} loaded {row['loaded_at']}"
            for row in loaded
        )
        raise WithdrawError(
            f"{len(loaded)} loaded files match {said} ({listed}): name one by its sha256."
        )
    return loaded[0]


def withdraw(
    settings: Settings,
    catalog: Catalog,
    file_or_sha: str,
    reason: str | None = None,
    *,
    undo: bool = False,
    by: str | None = None,
    now: datetime | None = None,
    run_id: str | None = None,
) -> WithdrawReport:
    """Withdraw the loaded file (or, with ``undo``, undo its withdrawal) in one transaction."""
    if not warehouse_exists(settings):
        raise WithdrawError(
            f"There is no warehouse at {where(settings)} yet, so there is nothing to withdraw."
        )
    now = now or swedish_now()
    by = by or operator()
    with warehouse_transaction(settings) as con:
        return _change(con, settings, catalog, file_or_sha, reason, undo, by, now, run_id)


def _change(con, settings, catalog, file_or_sha, reason, undo, by, now, run_id) -> WithdrawReport:
    load = find_load(con, file_or_sha)
    load_id = load["load_id"]
    active = con.execute(
        "select withdrawal_id, withdrawn_by, withdrawn_at from audit.withdrawals "
        "where load_id = ? and undone_at is null",
        [load_id],
    ).fetchone()
    name = f"{load['file_name']} (load {load_id})"
    if undo and active is None:
        raise WithdrawError(f"{name} is not withdrawn, so there is nothing to undo.")
    if not undo and active is not None:
        raise WithdrawError(
            f"{name} was already withdrawn by {active[1]} at {active[2]:%Y-%m-%d %H:%M}; "
            "`finsam withdraw --undo` brings it back."
        )
    years = tuple(
        year
        for (year,) in con.execute(
            "select distinct measurement_year from raw.submissions where load_id = ? order by 1",
            [load_id],
        ).fetchall()
    )
    questionnaires = con.execute(
        "select count(*) from raw.submissions where load_id = ?", [load_id]
    ).fetchone()[0]
    if undo:
        record_withdrawal_undone(con, active[0], reason, by, now)
    else:
        record_withdrawal(con, load, questionnaires, reason, by, now)
    reloaded = _replay_years_met_later(con, settings, catalog, load_id, now, run_id)
    if reloaded and not undo:
        record_withdrawal_replays(con, load_id, reloaded)
    return WithdrawReport(
        undo,
        load_id,
        load["file_name"],
        load["sha256"],
        questionnaires,
        years,
        reloaded,
        by,
        reason,
    )


# Measurement years where a later load met one of the load's responses: a version of it stored,
# or a copy counted as a duplicate (the refusal's raw_value is the svar_id). Which version is
# current there, and whether a copy is a duplicate, depends on whether the load counts.
_YEARS_MET_LATER = """
with own as (
    select reported_forbund_id, respondent_group, svar_id, measurement_year
    from raw.submissions where load_id = $load_id
)
select own.measurement_year
from own
where exists (
    select 1 from raw.submissions as later
    where later.load_id > $load_id
      and later.reported_forbund_id = own.reported_forbund_id
      and later.respondent_group = own.respondent_group
      and later.svar_id = own.svar_id
) or exists (
    select 1 from audit.rejected_records as refusal
    where refusal.load_id > $load_id and refusal.kind = 'row_duplicate'
      and refusal.raw_value = own.svar_id
)
union
select later.measurement_year
from raw.submissions as later
inner join own using (reported_forbund_id, respondent_group, svar_id)
where later.load_id > $load_id
order by 1
"""


def _replay_years_met_later(con, settings, catalog, load_id, now, run_id) -> tuple[int, ...]:
    years = tuple(y for (y,) in con.execute(_YEARS_MET_LATER, {"load_id": load_id}).fetchall())
    replay_years(con, settings, catalog, years, now, run_id, WithdrawError)
    return years


def replay_years(con, settings, catalog, years, now, run_id, error: type[ValueError]) -> None:
    """Replay the years from the archive in the caller's transaction; `error` (one sentence)
    when one cannot be."""
    for year in years:
        try:
            replace_year(con, settings, catalog, year, now, run_id)
        except ReloadError as failure:
            raise error(
                f"Measurement year {year} has later files with the same responses and must be "
                f"replayed from the archive, which failed: {failure}"
            ) from failure
