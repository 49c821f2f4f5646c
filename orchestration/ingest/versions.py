"""Versions of a response: which one is current, and what of a new file is new.

A response is identified by ``RESPONSE_KEY``. Its current version is the one from the file with
the latest modification time, then the latest name (then load and row): an older file that
arrives late is kept as history without overriding a correction. That order is written here
once, for SQL (``CURRENT_VERSION``) and for Python (``version_order``); ingest, reload and
``finsam status`` use it, and dbt's ``int_submissions__deduplicated.sql`` must agree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orchestration.ingest.arrow_rows import frame_of_rows
from orchestration.ingest.audit import WITHDRAWN_LOADS, attributed_row, rejection_rows
from orchestration.ingest.messages import summary_message
from orchestration.ingest.records import FileLoad, Rejection, Submission
from orchestration.ingest.storage import Batch, LoadedRows

# The identity of a response, in raw.submissions and in Submission.key.
RESPONSE_KEY = ("reported_forbund_id", "respondent_group", "svar_id")

# Which version of a response wins: the greatest by file modification time (a file without one
# loses), file name, load and row.
VERSION_ORDER = "file_modified_at desc nulls last, source_file desc, load_id desc, source_row desc"
# A filter (for ``qualify``) that keeps each response's current version of raw.submissions' rows
CURRENT_VERSION = (
    f"row_number() over (partition by {', '.join(RESPONSE_KEY)} order by {VERSION_ORDER}) = 1"
)


def version_order(file_modified_at, source_file: str, load_id: int, source_row: int) -> tuple:
    """VERSION_ORDER as a Python key: the greatest is current."""
    return (file_modified_at or datetime.min, source_file, load_id, source_row)


@dataclass(frozen=True)
class Version:
    """The current version of one response: where it came from and its content fingerprint."""

    order: tuple  # (file_modified_at, file name, load_id, row): the greatest is current
    row_hash: str
    source_file: str


def current_versions(con, keys: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], Version]:
    """The current version of each response in ``keys``, from the rows written so far (also by
    the caller's open transaction) by files not withdrawn."""
    if not keys:
        return {}
    # found by its Python name, not registered: see arrow_rows.insert_frame
    incoming_keys = frame_of_rows(list(keys), list(RESPONSE_KEY))  # noqa: F841
    rows = con.execute(
        f"""
        select s.reported_forbund_id, s.respondent_group, s.svar_id,
               s.file_modified_at, s.source_file, s.load_id, s.source_row, s.row_hash
        from raw.submissions as s
        inner join incoming_keys using (reported_forbund_id, respondent_group, svar_id)
        where s.load_id not in ({WITHDRAWN_LOADS})
        qualify {CURRENT_VERSION}
        """
    ).fetchall()
    return {
        (f, g, s): Version(version_order(modified, name, load_id, row), row_hash, name)
        for f, g, s, modified, name, load_id, row, row_hash in rows
    }


def settle(load: FileLoad, current: dict, batch: Batch, now: datetime) -> None:
    """Decide what of one file is new, update the current versions, add it to the batch.

    A questionnaire identical to the current version of its response is a duplicate. Any other
    is loaded as a version; it becomes the current one only if its file is later (modification
    time, then name) than the current version's, so an older file that arrives late is kept as
    history without overriding a correction.
    """
    parsed, rejections = load.parsed, load.rejections
    if parsed is not None:
        fresh: list[Submission] = []
        hashes: list[str] = []
        resent = 0
        svar_id_field = parsed.svar_id_field
        for submission in parsed.submissions:
            row_hash = submission.row_hash
            version = current.get(submission.key)
            if version is not None and version.row_hash == row_hash:
                resent += 1
                rejections.append(
                    Rejection(
                        "row_duplicate",
                        submission.row_number,
                        svar_id_field,
                        submission.svar_id,
                        f"svar_id {submission.svar_id!r} finns redan med samma innehåll i filen "
                        f"{version.source_file}; raden räknas som dubblett",
                    )
                )
                continue
            order = version_order(
                load.file_modified_at, load.file_name, load.load_id, submission.row_number
            )
            if version is None or order > version.order:
                current[submission.key] = Version(order, row_hash, load.file_name)
            fresh.append(submission)
            hashes.append(row_hash)
        batch.loaded.append(LoadedRows(load, fresh, hashes, now))
        attributed = [s for s in fresh if s.attribution is not None]
        batch.attributions.extend(attributed_row(load, s) for s in attributed)
        load.rows_read = parsed.rows_read
        load.rows_loaded = len(fresh)
        load.rows_attributed = len(attributed)
        load.rows_rejected = parsed.rows_rejected
        load.rows_duplicate = parsed.rows_duplicate + resent
        load.answers_rejected = sum(1 for r in rejections if r.kind == "answer_rejected")
        load.columns_unmatched = sum(1 for r in rejections if r.kind == "column_unmatched")
        load.forbund_ids = ",".join(sorted(parsed.forbund_ids))
        load.respondent_groups = ",".join(sorted(parsed.respondent_groups))
        load.message = summary_message(load, load.notes)
    batch.file_loads.append(load)
    batch.rejections.extend(rejection_rows(load))
