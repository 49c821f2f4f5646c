"""Reload one measurement year of the raw data from the archive: raw.* partitioned by year.

``reload_year`` replays every file that was loaded before (``audit.file_loads`` status
``loaded``, in load order) from its content-addressed copy under ``HOME/archive`` with the
current catalogue, and in one transaction replaces the year's rows of ``raw.submissions`` and
``raw.answers``. The rows keep their load_id, file name, file modification time, row number and
load time, and each file is read with the clock of its first load (``loaded_at``: a submission
"in the future" then is still refused), so an unchanged catalogue gives identical rows, and a
changed one (a new alias, a narrower scale) gives what a fresh load would have given.

The year's refusals follow its rows: the refused answers and duplicate rows of the year's rows in
``audit.rejected_records`` and the year's rows of ``audit.attributed_records`` (questionnaires
counted for the association the named one had merged into, by the current mergers) are replaced,
and a file's ``rows_loaded``, ``rows_duplicate``, ``rows_attributed``, ``answers_rejected`` and
message in ``audit.file_loads`` are updated when they change, so
``rows_read = rows_loaded + rows_rejected + rows_duplicate`` still holds. Refusals that belong to
no year (whole files, unreadable rows, unknown columns) stay as they were; no audit row is added
except one row per reload in ``audit.year_reloads``.

Which version of a response is current depends on all earlier loads, also of other years (a
correction may move a questionnaire across 1 November), so the replay starts from the other
years' versions in ``raw.submissions`` as each file first met them.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from orchestration.calendar import FIRST_MEASUREMENT_YEAR, latest_completed_year, swedish_now
from orchestration.catalog import Catalog
from orchestration.ingest.arrow_rows import frame_of_rows
from orchestration.ingest.audit import (
    WITHDRAWN_LOADS,
    record_year_reload,
    records,
    update_counts,
)
from orchestration.ingest.landing import sha256_of
from orchestration.ingest.loader import sheet_chooser
from orchestration.ingest.messages import summary_message
from orchestration.ingest.parse import parse_table
from orchestration.ingest.readers import UnreadableFile, read_table
from orchestration.ingest.records import FileLoad, ParsedFile
from orchestration.ingest.retention import (
    RAW_FILES_SETTING,
    RetentionReport,
    clear_open_texts,
    last_expired_year,
)
from orchestration.ingest.sources.adapt import adapt
from orchestration.ingest.storage import Batch, compact_warehouse, warehouse_transaction, write
from orchestration.ingest.times import local_naive
from orchestration.ingest.versions import RESPONSE_KEY, Version, settle, version_order
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_exists, where

# Refusals that belong to one questionnaire row, and so to its measurement year.
YEAR_KINDS = ("answer_rejected", "row_duplicate")


class ReloadError(ValueError):
    """A reload that cannot be done; the message is one sentence and nothing was changed."""


@dataclass(frozen=True)
class ReloadReport:
    measurement_year: int
    files_read: int
    files_changed: int  # loaded files whose counts in audit.file_loads changed
    submissions_before: int
    submissions_after: int
    answers_before: int
    answers_after: int
    refusals_before: int  # the year's refused answers and duplicate rows
    refusals_after: int
    seconds: float

    def summary(self) -> str:
        return (
            f"Measurement year {self.measurement_year} reloaded from {self.files_read} archived "
            f"files in {self.seconds:.1f} s: questionnaires {self.submissions_before} -> "
            f"{self.submissions_after}, answers {self.answers_before} -> {self.answers_after}, "
            f"refused answers and duplicate rows {self.refusals_before} -> "
            f"{self.refusals_after}; counts of {self.files_changed} files changed in "
            "audit.file_loads."
        )


def check_year(year: int, now: datetime | None = None) -> None:
    last = latest_completed_year(now)
    if not FIRST_MEASUREMENT_YEAR <= year <= last:
        raise ReloadError(
            f"Measurement year {year} cannot be reloaded: choose a completed measurement year "
            f"from {FIRST_MEASUREMENT_YEAR} to {last}."
        )


@dataclass
class _YearSlice:
    """One loaded file's rows of the year, parsed again with the current catalogue."""

    file: dict  # its row of audit.file_loads
    load: FileLoad  # only the year's questionnaires and refusals
    rows: list[int]  # numbers of the file's rows that belong to the year


def reload_year(
    settings: Settings,
    catalog: Catalog,
    year: int,
    now: datetime | None = None,
    run_id: str | None = None,
) -> ReloadReport:
    """Replace measurement year ``year`` of raw.submissions and raw.answers from the archive."""
    started = time.perf_counter()
    now = local_naive(now) if now is not None else swedish_now()
    check_year(year, now)
    if not warehouse_exists(settings):
        raise ReloadError(
            f"There is no warehouse at {where(settings)} yet, so there is nothing to "
            "reload: run `finsam run` first."
        )
    with warehouse_transaction(settings) as con:
        report = replace_year(con, settings, catalog, year, now, run_id)
    expired = last_expired_year(settings.keep_open_text_years, now)
    if expired is not None and year <= expired:
        # the open texts read again were emptied at once; their bytes leave the file too
        compact_warehouse(settings)
    return replace(report, seconds=time.perf_counter() - started)


def replace_year(
    con, settings: Settings, catalog: Catalog, year: int, now: datetime, run_id: str | None
) -> ReloadReport:
    """Replace the year's raw rows and refusals from the archive, in the caller's transaction
    (which may have changed audit.withdrawals just before: withdrawn files are replayed, but
    their questionnaires become nobody's current version)."""
    started = time.perf_counter()
    files = records(
        con.execute("select * from audit.file_loads where status = 'loaded' order by 1")
    )
    files = [file for file in files if _still_archived(con, file, year)]
    slices = [_reread(settings, catalog, file, year) for file in files]
    withdrawn = {load_id for (load_id,) in con.execute(WITHDRAWN_LOADS).fetchall()}
    batch = _replay(con, slices, year, withdrawn)
    import pandas as pd  # here: the processes that read files never import it (read_ahead.py)

    year_rows = pd.DataFrame(
        [(s.file["load_id"], row) for s in slices for row in s.rows],
        columns=["load_id", "row_number"],
    ).astype({"load_id": "int64", "row_number": "int64"})
    con.register("reload_rows", year_rows)
    try:
        before = _year_counts(con, year)
        old_counts = _per_file_counts(con, year)
        _delete_year(con, year)
        write(con, batch)
        # open texts past FINSAM_KEEP_OPEN_TEXT_YEARS come back from the archive: not for long
        clear_open_texts(con, settings, now, run_id, RetentionReport())
        after = _year_counts(con, year)
        changed = _update_file_loads(con, slices, batch, old_counts)
    finally:
        con.unregister("reload_rows")
    record_year_reload(con, [run_id, year, len(slices), changed, *_pairs(before, after), now])
    seconds = time.perf_counter() - started
    return ReloadReport(year, len(slices), changed, *_pairs(before, after), seconds)


def _still_archived(con, file: dict, year: int) -> bool:
    """Whether the file is read again for the year: a file whose archived copy the retention rule
    deleted is left out when it has no questionnaire in the year, and stops the reload when it
    has (its rows would be lost)."""
    if file.get("archive_deleted_at") is None:
        return True
    (rows,) = con.execute(
        "select count(*) from raw.submissions where load_id = ? and measurement_year = ?",
        [file["load_id"], year],
    ).fetchone()
    if rows == 0:
        return False
    raise ReloadError(
        f"The archived copy of file {file['file_name']} (load {file['load_id']}), which holds "
        f"{rows} questionnaires of measurement year {year}, was deleted on "
        f"{file['archive_deleted_at']:%Y-%m-%d} by the retention rule {RAW_FILES_SETTING}, so "
        f"measurement year {year} can no longer be reloaded; its rows stay as they are and "
        "nothing was reloaded."
    )


def _pairs(before: tuple, after: tuple) -> list[int]:
    return [value for pair in zip(before, after, strict=True) for value in pair]


def archived_copy(settings: Settings, file: dict) -> Path:
    """The file's copy in this home's archive (the recorded path if the home has moved away from
    it is tried too), checked against the SHA-256 it was loaded with."""
    sha, name = file["sha256"], file["file_name"]
    candidates = [settings.archive_dir / sha[:2] / f"{sha}{Path(name).suffix.lower()}"]
    if file["archived_path"]:
        candidates.append(Path(file["archived_path"]))
    kept = file.get("archived_sha256") or sha  # a redacted copy has its own
    for path in candidates:
        if path.is_file():
            if sha256_of(path) != kept:
                raise ReloadError(
                    f"The archived copy {path} of file {name} (load {file['load_id']}) no longer "
                    "has the content that was loaded, so nothing was reloaded."
                )
            return path
    raise ReloadError(
        f"The archived copy of file {name} (load {file['load_id']}) is missing from "
        f"{settings.archive_dir}, so nothing was reloaded."
    )


def _reread(settings: Settings, catalog: Catalog, file: dict, year: int) -> _YearSlice:
    path = archived_copy(settings, file)
    name = file["file_name"]
    try:
        table = read_table(path, sheet_chooser(catalog), settings.max_file_bytes)
        table = adapt(table, path, name, catalog, catalog.sources)
        parsed = parse_table(table, catalog, file["loaded_at"])
    except UnreadableFile as refusal:
        raise ReloadError(
            f"File {name} (load {file['load_id']}) was loaded before but the current catalogue "
            f"refuses it as a whole ({refusal}), so nothing was reloaded."
        ) from refusal
    rows = sorted(row for row, row_year in parsed.row_years.items() if row_year == year)
    wanted = set(rows)
    in_year = ParsedFile(
        submissions=[s for s in parsed.submissions if s.measurement_year == year],
        rows_read=parsed.rows_read,
        rows_rejected=parsed.rows_rejected,
        rows_duplicate=parsed.rows_duplicate,
        svar_id_field=parsed.svar_id_field,
    )
    refusals = [r for r in parsed.rejections if r.kind in YEAR_KINDS and r.row_number in wanted]
    load = FileLoad(
        load_id=file["load_id"],
        file_name=name,
        file_path=file["file_path"],
        sha256=file["sha256"],
        file_size=file["file_size"],
        file_modified_at=file["file_modified_at"],
        loaded_at=file["loaded_at"],
        parsed=in_year,
        rejections=refusals,
        notes=table.notes,
    )
    return _YearSlice(file, load, rows)


def _replay(con, slices: list[_YearSlice], year: int, withdrawn: set[int]) -> Batch:
    """Settle the year's questionnaires file by file as ingest did: a questionnaire identical to
    the current version of its response, from an earlier file, is a duplicate. A withdrawn file's
    questionnaires are kept but become no one's current version, so a later file's copy of one
    counts (as it would have, had the file been withdrawn before the later one came)."""
    others = _other_year_versions(con, slices, year)
    current: dict[tuple[str, str, str], Version] = {}
    batch = Batch()
    position = 0
    for piece in slices:
        while position < len(others) and others[position][0] < piece.file["load_id"]:
            _load_id, key, version = others[position]
            known = current.get(key)
            if known is None or version.order > known.order:
                current[key] = version
            position += 1
        versions = dict(current) if piece.file["load_id"] in withdrawn else current
        settle(piece.load, versions, batch, piece.file["loaded_at"])
    batch.file_loads.clear()  # the files' audit rows are updated, never added
    return batch


def _other_year_versions(con, slices: list[_YearSlice], year: int) -> list[tuple]:
    """(load_id, key, version) of the other years' rows of the responses the year has."""
    keys = {s.key for piece in slices for s in piece.load.parsed.submissions}
    if not keys:
        return []
    con.register("reload_keys", frame_of_rows(list(keys), list(RESPONSE_KEY)))
    try:
        rows = con.execute(
            f"""
            select s.load_id, s.reported_forbund_id, s.respondent_group, s.svar_id,
                   s.file_modified_at, s.source_file, s.source_row, s.row_hash
            from raw.submissions as s
            inner join reload_keys using (reported_forbund_id, respondent_group, svar_id)
            where s.measurement_year <> ? and s.load_id not in ({WITHDRAWN_LOADS})
            order by s.load_id, s.source_row
            """,
            [year],
        ).fetchall()
    finally:
        con.unregister("reload_keys")
    return [
        (load_id, (f, g, s), Version(version_order(modified, name, load_id, row), h, name))
        for load_id, f, g, s, modified, name, row, h in rows
    ]


_YEAR_REFUSALS = f"""
    from audit.rejected_records as r
    inner join reload_rows as k on r.load_id = k.load_id and r."row_number" = k."row_number"
    where r.kind in {YEAR_KINDS}
"""


def _year_counts(con, year: int) -> tuple[int, int, int]:
    return con.execute(
        f"""
        select (select count(*) from raw.submissions where measurement_year = $year),
               (select count(*) from raw.answers where measurement_year = $year),
               (select count(*) {_YEAR_REFUSALS})
        """,
        {"year": year},
    ).fetchone()


@dataclass(frozen=True)
class _FileCounts:
    """Per load_id: the year's loaded rows, refused answers and attributed rows."""

    loaded: Counter
    answers: Counter
    attributed: Counter


def _per_file_counts(con, year: int) -> _FileCounts:
    loaded = con.execute(
        "select load_id, count(*) from raw.submissions where measurement_year = ? group by 1",
        [year],
    ).fetchall()
    answers = con.execute(
        f"select r.load_id, count(*) {_YEAR_REFUSALS} and r.kind = 'answer_rejected' group by 1"
    ).fetchall()
    attributed = con.execute(
        "select load_id, count(*) from audit.attributed_records where measurement_year = ? "
        "group by 1",
        [year],
    ).fetchall()
    return _FileCounts(Counter(dict(loaded)), Counter(dict(answers)), Counter(dict(attributed)))


def _delete_year(con, year: int) -> None:
    con.execute("delete from raw.answers where measurement_year = ?", [year])
    con.execute("delete from raw.submissions where measurement_year = ?", [year])
    con.execute(
        f"""
        delete from audit.rejected_records as r using reload_rows as k
        where r.load_id = k.load_id and r."row_number" = k."row_number" and r.kind in {YEAR_KINDS}
        """
    )
    con.execute("delete from audit.attributed_records where measurement_year = ?", [year])


def _update_file_loads(con, slices: list[_YearSlice], batch: Batch, old: _FileCounts) -> int:
    """Bring each file's counts and message up to date with its reloaded rows; how many changed."""
    new_loaded = Counter({rows.load.load_id: len(rows.submissions) for rows in batch.loaded})
    new_answers = Counter(r[0] for r in batch.rejections if r[2] == "answer_rejected")
    new_attributed = Counter(row[0] for row in batch.attributions)
    changed = 0
    for piece in slices:
        file, load_id = piece.file, piece.file["load_id"]
        loaded = file["rows_loaded"] - old.loaded[load_id] + new_loaded[load_id]
        answers = file["answers_rejected"] - old.answers[load_id] + new_answers[load_id]
        attributed = file["rows_attributed"] - old.attributed[load_id] + new_attributed[load_id]
        counts = ("rows_loaded", "answers_rejected", "rows_attributed")
        if (loaded, answers, attributed) == tuple(file[name] for name in counts):
            continue
        load = replace(
            FileLoad.of_row(file),
            rows_loaded=loaded,
            rows_duplicate=file["rows_duplicate"] + file["rows_loaded"] - loaded,
            answers_rejected=answers,
            rows_attributed=attributed,
        )
        load.message = summary_message(load, piece.load.notes)
        update_counts(con, load)
        changed += 1
    return changed
