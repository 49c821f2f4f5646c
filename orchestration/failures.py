"""Failures from outside the data: which are worth retrying, and how to say the others in one
sentence.

Every step of the job runs under `step_failures()`. A transient failure (a lock held a moment too
long, an interrupted system call, a timeout) is raised as it is, so the job's retry policy
(`RETRY_POLICY`) runs the step again. Anything else fails the step at once through
`dagster.Failure(allow_retries=False)`: retrying a full disk, an unwritable folder, bad data or a
bug only makes the person waiting wait longer. A full disk and an unwritable folder are named as
such, with the path and what to do.
"""

from __future__ import annotations

import errno
import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

RETRY_POLICY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)

NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
NOT_ALLOWED = {errno.EACCES, errno.EPERM, errno.EROFS}
TRANSIENT = {
    errno.EAGAIN,
    errno.EBUSY,
    errno.EINTR,
    errno.ETIMEDOUT,
    errno.ECONNRESET,
    errno.ECONNREFUSED,
}
# How the same causes read in the text of DuckDB's, dbt's and SQLite's errors, which carry no
# errno (SQLite holds Dagster's run storage).
NO_ROOM_TEXT = re.compile(
    r"No space left on device|Disk quota exceeded|File too large|database or disk is full", re.I
)
# SQLite says no more than "disk I/O error" when it cannot write its journal: a full disk when
# the folder it writes in has (almost) no room left, anything else otherwise.
UNSAID_IO_TEXT = re.compile(r"disk I/O error", re.I)
LITTLE_ROOM = 16 * 1024**2
NOT_ALLOWED_TEXT = re.compile(r"Permission denied|Read-only file system", re.I)
TRANSIENT_TEXT = re.compile(
    r"Could not set lock on file|Conflicting lock is held|Resource temporarily unavailable"
    r"|Device or resource busy|Connection reset|timed out"
    # another writer of a lake committed a change to the same table first (warehouse.py)
    r"|Transaction conflict",
    re.I,
)
PATH_IN_TEXT = re.compile(r"""["'](/[^"']+)["']""")


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def _path_of(error: BaseException) -> str | None:
    for link in _chain(error):
        if isinstance(link, OSError) and link.filename:
            return str(link.filename)
        found = PATH_IN_TEXT.search(str(link))
        if found:
            return found.group(1)
    return None


def _has(error: BaseException, codes: set[int], text: re.Pattern) -> bool:
    return any(
        (isinstance(link, OSError) and link.errno in codes) or text.search(str(link))
        for link in _chain(error)
    )


def _little_room(folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        return shutil.disk_usage(folder).free < LITTLE_ROOM
    except OSError:
        return False


def explain(error: BaseException, text: str = "", folder: Path | None = None) -> str | None:
    """One sentence for a full disk or an unwritable place, else None. `text` adds what a tool
    printed (dbt's or npm's output) to what the error itself says; `folder` is where the run
    writes, whose free room tells what a bare "disk I/O error" meant."""
    probe = RuntimeError(f"{error}\n{text}")
    probe.__cause__ = error
    where = _path_of(probe)
    at = f" ({where})" if where else ""
    unsaid_full = _little_room(folder) and _has(probe, set(), UNSAID_IO_TEXT)
    if unsaid_full and not where:
        at = f" ({folder})"
    if unsaid_full or _has(probe, NO_ROOM, NO_ROOM_TEXT):
        return (
            f"The disk is full{at}: free some space, or give the run a home folder on a disk "
            "with room (--home or FINSAM_HOME), and run again; nothing was published from this "
            "run."
        )
    if _has(probe, NOT_ALLOWED, NOT_ALLOWED_TEXT):
        return (
            f"The pipeline may not write here{at}: give it a home folder it can write to "
            "(--home or FINSAM_HOME), or change the folder's permissions, and run again; nothing "
            "was published from this run."
        )
    return None


def is_transient(error: BaseException, text: str = "") -> bool:
    if explain(error, text) is not None:
        return False
    return (
        isinstance(error, TimeoutError)
        or _has(error, TRANSIENT, TRANSIENT_TEXT)
        or bool(TRANSIENT_TEXT.search(text))
    )


@contextmanager
def step_failures(output: Callable[[], str] = lambda: "") -> Iterator[None]:
    """Classify whatever escapes the block: transient errors are re-raised for the retry policy,
    the rest fail the step without retries (a full disk or unwritable folder in one sentence).
    `output` returns what a tool printed, read only when something failed."""
    try:
        yield
    except dg.RetryRequested:
        raise
    except dg.Failure as failure:
        # A library's Failure (dagster-dbt raises one when a dbt test fails) allows retries
        # unless told otherwise: judge it like any other error, or a failing test reruns the
        # whole build twice.
        if failure.allow_retries is False or is_transient(failure, output()):
            raise
        raise dg.Failure(
            description=explain(failure, output()) or failure.description or str(failure),
            metadata=failure.metadata,
            allow_retries=False,
        ) from failure
    except Exception as error:
        printed = output()
        if is_transient(error, printed):
            raise
        sentence = explain(error, printed)
        raise dg.Failure(description=sentence or str(error), allow_retries=False) from error


EXAMPLE_CHARACTERS = 300


def failed_check_sentence(check: str, table: str, failing: int | None, examples: str | None) -> str:
    """A blocking check that stopped the run, in one sentence: the check, the table, how many rows
    failed and the first of them (`examples` is a JSON list of rows)."""
    count = "" if failing is None else f" ({failing} failing {'row' if failing == 1 else 'rows'})"
    example = _first_example(examples)
    shown = f", for example {example}" if example else ""
    return f"The blocking check {check} on {table} failed{count}{shown}; nothing was published."


def _first_example(examples: str | None) -> str | None:
    if not examples:
        return None
    try:
        rows = json.loads(examples)
    except ValueError:
        return None
    if not isinstance(rows, list) or not rows:
        return None
    text = json.dumps(rows[0], ensure_ascii=False, default=str)
    return text if len(text) <= EXAMPLE_CHARACTERS else text[: EXAMPLE_CHARACTERS - 1] + "…"
