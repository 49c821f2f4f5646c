"""Load new files from the landing folder into the warehouse's raw and audit tables.

A file is processed once per (path, content); only new files cost time: a file whose path, size
and modification time match an audited load is not even re-read. Every file seen gets a row in
``audit.file_loads`` and every refused file, row, answer or column a row in
``audit.rejected_records``, so ``rows_read = rows_loaded + rows_rejected + rows_duplicate``.
All new files of one call are written in one transaction: a crash loads none of them.

Memory does not grow with the landing folder: files are read a few at a time (up to
``CHUNK_ROWS`` questionnaires), and each chunk is written into the open transaction before the
next is read. Which version of a response is current is asked of the warehouse, which already
holds the chunks before (see ``versions``).

A questionnaire naming an association that had merged into another by its measurement year is
loaded for the successor (``forbund_id``) and keeps the association the file names in
``reported_forbund_id``; each such loaded row is a row of ``audit.attributed_records``.

The modules: ``landing`` (listing, identity, archive), ``readers`` and ``parse`` (reading and
validating one file, into ``records``, with ``resolution``'s look-ups in the catalogue; a large
batch of files read by worker processes, ``read_ahead``),
``versions`` (current versions, what is new), ``storage`` (schema and writes), ``audit`` (the
audit tables) and ``messages`` (the Swedish sentences). ``reload`` uses them too.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.calendar import swedish_now
from orchestration.catalog import Catalog, normalise_label
from orchestration.ingest import guards
from orchestration.ingest.audit import (
    LIFTED_PURGE_REFUSAL,
    OUTDATED_REFUSAL,
    WITHDRAWN_LOADS,
    claim_loads,
)
from orchestration.ingest.landing import (
    archive_bytes,
    archive_copy,
    file_time,
    landing_files,
    sha256_of,
)
from orchestration.ingest.messages import sentence
from orchestration.ingest.parse import parse_table
from orchestration.ingest.read_ahead import FilesReadAhead, workers_for
from orchestration.ingest.readers import UnreadableFile, read_table
from orchestration.ingest.records import FileLoad, Rejection
from orchestration.ingest.retention import RetentionReport, apply_retention
from orchestration.ingest.sources.adapt import adapt, source_columns
from orchestration.ingest.sources.redact import redacted_bytes
from orchestration.ingest.storage import Batch, ensure_schema, write
from orchestration.ingest.times import local_naive
from orchestration.ingest.versions import current_versions, settle
from orchestration.settings import Settings, has_column, has_table
from orchestration.warehouse import connect, retrying_conflicts

__all__ = [
    "FileOutcome",
    "IngestReport",
    "ingest_landing",
    "landing_files",
    "sha256_of",
    "unseen_files",
]

# Questionnaires read before a chunk is written: bounds memory (a few hundred MB of Python
# objects at most) while keeping the look-ups of current versions to one per chunk.
CHUNK_ROWS = 50_000


@dataclass
class FileOutcome:
    file_name: str
    status: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_duplicate: int
    answers_rejected: int
    message: str
    rows_attributed: int = 0  # of rows_loaded: counted for the association the named one joined

    @property
    def clean(self) -> bool:
        """Loaded whole: nothing refused, repeated or counted elsewhere, nothing else to say
        (the summary sentence has one clause)."""
        return (
            self.status == "loaded"
            and self.rows_loaded == self.rows_read
            and (";" not in self.message)
        )


@dataclass
class IngestReport:
    files: list[FileOutcome]
    # files changed moments ago (an upload in progress?): left for the next run, not audited
    waiting: list[str] = field(default_factory=list)
    retention: RetentionReport | None = None  # what the retention rules deleted after loading

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.files if outcome.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(outcome.rows_loaded for outcome in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(outcome.rows_rejected for outcome in self.files)

    @property
    def rows_duplicate(self) -> int:
        return sum(outcome.rows_duplicate for outcome in self.files)

    @property
    def rows_attributed(self) -> int:
        return sum(outcome.rows_attributed for outcome in self.files)


def ingest_landing(
    settings: Settings,
    catalog: Catalog,
    now: datetime | None = None,
    run_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Load every new file of the landing folder in one transaction, then hold the warehouse to
    the retention rules (a late file of an old year too). `progress` is told (files read, new
    files) as the files are read."""
    catalog.check_sources()  # a broken declaration stops the run before anything is read
    settings.ensure_dirs()
    now = local_naive(now) if now is not None else swedish_now()
    with collection_paused():
        report = retrying_conflicts(
            lambda: _ingest(settings, catalog, now, run_id, progress), "Loading the new files"
        )
    report.retention = retrying_conflicts(
        lambda: apply_retention(settings, now, run_id), "Applying the retention rules"
    )
    return report


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while files are read and written, then one collection.

    Reading makes millions of small objects (questionnaires, answers, their texts), none of them
    in a cycle: each is freed when its chunk is written. The collector still ran every few
    hundred allocations and, over the Dagster process's large heap, every so often through all
    of it: two thirds of the time of turning a worker's questionnaires back into objects."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def _ingest(settings, catalog, now, run_id, progress) -> IngestReport:
    """One attempt: everything read and written in one transaction, so that a lake's writer that
    committed first makes this one fail whole (and be run again) rather than half."""
    con = connect(settings)
    try:
        ensure_schema(con)
        con.begin()
        try:
            report = _ingest_in(con, settings, catalog, now, run_id, progress)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return report
    finally:
        con.close()


def _ingest_in(con, settings, catalog, now, run_id, progress) -> IngestReport:
    new_files, waiting = _new_files(con, settings, catalog.rules_fingerprint)
    if not new_files:
        return IngestReport([], waiting)
    by_content = {
        sha: (name, rows, status)
        for sha, name, rows, status in con.execute(
            f"""
            select sha256, file_name, rows_read,
                   if(load_id in ({WITHDRAWN_LOADS}), 'withdrawn', status)
            from audit.file_loads
            where status in ('loaded', 'rejected') and not coalesce({OUTDATED_REFUSAL}, false)
                and not coalesce({LIFTED_PURGE_REFUSAL}, false)
            order by load_id desc
            """,
            [catalog.rules_fingerprint],
        ).fetchall()
    }
    new_files = _refuse_purged(con, new_files)
    # a purged load's id is not given again (audit.purges names it)
    next_load_id = con.execute(
        "select greatest((select coalesce(max(load_id), 0) from audit.file_loads), "
        "(select coalesce(max(string_split(load_ids, ',')[-1]::integer), 0) "
        "from audit.purges)) + 1"
    ).fetchone()[0]

    outcomes: list[FileOutcome] = []
    chunk: list[FileLoad] = []
    chunk_rows = 0
    with _reader(settings, catalog, new_files, set(by_content), now) as ahead:
        for offset, new_file in enumerate(new_files):
            read = ahead.load(offset) if ahead is not None else None
            load = load_one(settings, catalog, new_file, by_content, now, read=read)
            if progress is not None:
                progress(offset + 1, len(new_files))
            load.load_id, load.run_id = next_load_id + offset, run_id
            chunk.append(load)
            chunk_rows += len(load.parsed.submissions) if load.parsed else 0
            if chunk_rows >= CHUNK_ROWS:
                outcomes.extend(_write_chunk(con, chunk, now))
                chunk, chunk_rows = [], 0
    outcomes.extend(_write_chunk(con, chunk, now))
    claim_loads(con, next_load_id + len(new_files) - 1, run_id, now)
    return IngestReport(outcomes, waiting)


def _reader(settings, catalog, new_files, known_content, now):
    """Worker processes that read a large batch of new files ahead (read_ahead.py), or nothing
    (a context that gives None) when this process reads them itself."""
    workers = workers_for(settings, new_files)
    if not workers:
        return nullcontext()
    return FilesReadAhead(settings, catalog, new_files, known_content, now, read_one, workers)


def _refuse_purged(con, new_files: list[tuple]) -> list[tuple]:
    """A file whose bytes were purged (`finsam purge`) is refused unread, naming the purge, until
    `finsam purge --allow-again` lifts it."""
    purged = {
        sha: (purge_id, purged_at, name)
        for sha, purge_id, purged_at, name in con.execute(
            "select sha256, purge_id, purged_at, file_name from audit.purges "
            "where allowed_again_at is null"
        ).fetchall()
    }
    if not purged:
        return new_files
    checked = []
    for path, relative, sha, refusal in new_files:
        if refusal is None and sha in purged:
            purge_id, purged_at, name = purged[sha]
            refusal = (
                f"filen har samma innehåll som {name}, som raderades med finsam purge "
                f"(radering {purge_id}, {purged_at:%Y-%m-%d %H:%M}); den läses inte in igen "
                f"om inte `finsam purge --allow-again {sha[:12]}` tillåter det",
                "purged",
            )
        checked.append((path, relative, sha, refusal))
    return checked


def _write_chunk(con, chunk: list[FileLoad], now: datetime) -> list[FileOutcome]:
    """Settle the chunk's files in order against the warehouse's current versions; write them."""
    keys = {s.key for load in chunk if load.parsed for s in load.parsed.submissions}
    current = current_versions(con, keys)
    batch = Batch()
    for load in chunk:
        settle(load, current, batch, now)
    write(con, batch)
    return [_outcome(load) for load in chunk]


def _audited(con, columns: str, rules: str | None) -> set[tuple]:
    """The audited loads' `columns`, leaving out refusals under rules that have changed since
    (`rules`: the fingerprint of today's; None leaves nothing out)."""
    query = f"select {columns} from audit.file_loads"
    if rules is None or not has_column(con, "audit", "file_loads", "refusal_cause"):
        return set(con.execute(query).fetchall())
    query += f" where not coalesce({OUTDATED_REFUSAL}, false)"
    if has_table(con, "audit", "purges"):
        query += f" and not coalesce({LIFTED_PURGE_REFUSAL}, false)"
    return set(con.execute(query, [rules]).fetchall())


def unseen_files(con, landing: Path, rules: str | None = None) -> list[tuple[Path, str]]:
    """(path, path relative to landing) of the files whose place, size and modification time
    match no audited load (nor a refusal whose rules have changed since): the only files a run
    has to look at."""
    seen_stat = _audited(con, "file_path, file_size, file_modified_at", rules)
    unseen = []
    for path in landing_files(landing):
        try:
            stat = path.lstat()
        except FileNotFoundError:  # gone since it was listed: nothing to load, nothing to audit
            continue
        relative = str(path.relative_to(landing))
        if (relative, stat.st_size, file_time(stat.st_mtime)) not in seen_stat:
            unseen.append((path, relative))
    return unseen


def _new_files(con, settings: Settings, rules: str) -> tuple[list[tuple], list[str]]:
    """(path, path relative to landing, sha256, refusal or None) of files not loaded before in this
    place, and the names of files still being written (left for the next run).

    A file that must not be read (a link out of the landing folder, larger than the limit) comes
    with the reason; its identity then stands in for the sha256 of content never read."""
    landing = settings.landing
    seen_content = _audited(con, "file_path, sha256", rules)
    candidates, refused, readable = [], {}, []
    for path, relative in unseen_files(con, landing, rules):
        try:
            refusal = guards.refusal_before_reading(path, landing, settings.max_file_bytes)
        except FileNotFoundError:
            continue
        candidates.append((path, relative))
        if refusal is not None:
            refused[path] = refusal
        else:
            readable.append(path)
    settled, changing = guards.wait_until_settled(readable, settings.settle_seconds)
    settled = set(settled)
    waiting = [str(path.relative_to(landing)) for path in changing]
    new = []
    for path, relative in candidates:
        if path in refused:
            reason, sha = refused[path]
        elif path in settled:
            reason = None
            try:
                signature = guards.signature(path)
                sha = sha256_of(path)
            except FileNotFoundError:
                continue
            if guards.changed_since(path, signature):
                waiting.append(relative)
                continue
        else:
            continue
        if (relative, sha) not in seen_content:
            new.append((path, relative, sha, reason))
    return new, waiting


def _new_load(path: Path, relative: str, sha: str, stat, now) -> FileLoad:
    """The load of a file about to be read (or refused unread)."""
    return FileLoad(
        file_name=path.name,
        file_path=relative,
        sha256=sha,
        file_size=stat.st_size,
        file_format=path.suffix.lower().lstrip(".") or None,
        file_modified_at=file_time(stat.st_mtime),
        loaded_at=now,
    )


def _note_source(load: FileLoad, report) -> None:
    """The audit columns that say what the front door made of the file."""
    for name, value in source_columns(report).items():
        setattr(load, name, value)


def load_one(
    settings: Settings,
    catalog: Catalog,
    new_file: tuple,
    by_content: dict,
    now,
    archive: bool = True,
    read: FileLoad | None = None,
) -> FileLoad:
    """One new file (path, path relative to landing, sha256, refusal or None) read, or recorded
    as refused unread; its content is remembered in `by_content`, so that the same bytes again
    are a duplicate. Without `archive` (finsam check) nothing is archived. `read` is the file's
    load as a worker process read it (read_ahead.py)."""
    path, relative, sha, refusal = new_file
    if read is not None:
        load = read
    elif refusal is not None:
        # a refusal is its sentence, or (sentence, cause) when not the file's content refused it
        reason, cause = (refusal, "content") if isinstance(refusal, str) else refusal
        load = refused_unread(path, relative, sha, reason, now, cause)
    else:
        load = read_one(settings, catalog, path, relative, sha, by_content, now, archive)
    by_content.setdefault(sha, (path.name, load.rows_read, load.status))
    return load


def refused_unread(
    path: Path, relative: str, sha: str, reason: str, now, cause: str = "content"
) -> FileLoad:
    """A file refused before reading it: recorded like any refused file, never archived."""
    refusal = Rejection("file_rejected", None, None, None, reason)
    load = _new_load(path, relative, sha, path.lstat(), now)
    load.status, load.message, load.refusal_cause = "rejected", sentence(path.name, refusal), cause
    load.rejections = [refusal]
    return load


def sheet_chooser(catalog: Catalog):
    """A workbook's sheet to read: one named like a survey form, else one a survey tool keeps its
    responses on (Sunet Survey's "Data", beside its code book), else the first."""

    def choose(names: list[str]) -> str | None:
        form = next((n for n in names if catalog.resolve_respondent_group(n)), None)
        if form is not None:
            return form
        data = {
            normalise_label(sheet)
            for layout in catalog.sources.tools.values()
            for sheet in layout.sheet
        }
        return next((n for n in names if normalise_label(n) in data), None)

    return choose


def read_one(
    settings, catalog, path, relative, sha, by_content, now, archive: bool = True
) -> FileLoad:
    """Read and validate one file; nothing is written yet (but the file is archived, unless
    only checked: `archive` False)."""
    load = _new_load(path, relative, sha, path.stat(), now)
    if sha in by_content:
        original, rows, original_status = by_content[sha]
        outcome = {
            "loaded": "som redan har lästs in",
            "withdrawn": "som har lästs in och sedan dragits tillbaka (den som sköter datalagret "
            "kan ångra det med finsam withdraw --undo)",
        }.get(original_status, "som redan har avvisats")
        load.status, load.rows_read, load.rows_duplicate = "duplicate", rows, rows
        load.message = (
            f"Filen {path.name} har samma innehåll som {original}, {outcome}, och "
            "hoppas därför över."
        )
        return load

    load.rules_fingerprint = catalog.rules_fingerprint
    table, failure, read = None, None, None
    try:
        table = read = read_table(path, sheet_chooser(catalog), settings.max_file_bytes)
        load.encoding, load.file_format = table.encoding, table.file_format
        table = adapt(table, path, path.name, catalog, catalog.sources)
        _note_source(load, table.source)
        parsed = parse_table(table, catalog, now)
    except UnreadableFile as refusal:
        failure = refusal
        refused = Rejection(
            "file_rejected",
            refusal.row_number,
            refusal.field,
            refusal.raw_value,
            f"{refusal}",
        )
    except Exception as error:  # a file must never stop the others from loading
        refused = Rejection(
            "file_rejected",
            None,
            None,
            None,
            f"filen går inte att läsa på grund av ett oväntat fel ({type(error).__name__}: "
            f"{error}); hela filen avvisas; meddela den som sköter datalagret",
        )
    else:
        load.rows_read = parsed.rows_read
        load.parsed, load.rejections = parsed, list(parsed.rejections)
        load.notes, load.source = table.notes, table.source
        if archive:
            _archive(settings, path, sha, read, load)
        return load
    rows = getattr(failure, "rows", None)  # a tool's export: its responses, not header rows
    if rows is None:
        rows = table.rows_read if table is not None else 0
    load.status, load.rows_read, load.rows_rejected = "rejected", rows, rows
    load.message = sentence(path.name, refused)
    # an unexpected error may be ours: read the file again when the rules change
    load.refusal_cause = failure.cause if failure is not None else "rules"
    load.rejections = [refused]
    load.source = getattr(failure, "report", None)
    if load.source is not None:
        _note_source(load, load.source)
    if archive:
        _archive(settings, path, sha, read, load)
    return load


def _archive(settings, path: Path, sha: str, read, load: FileLoad) -> None:
    """Keep the file in the archive. An export with columns that identify a person is kept with
    those columns emptied (sources/redact.py)."""
    personal = getattr(load.source, "personal_columns", None)
    if read is not None and personal:
        data = redacted_bytes(path, read, personal, load.source.header_rows)
        target = archive_bytes(settings, path, sha, data)
        load.archived_sha256 = hashlib.sha256(data).hexdigest()
    else:
        target = archive_copy(settings, path, sha)
    load.archived_path = str(target)


def _outcome(load: FileLoad) -> FileOutcome:
    return FileOutcome(
        file_name=load.file_name,
        status=load.status,
        rows_read=load.rows_read,
        rows_loaded=load.rows_loaded,
        rows_rejected=load.rows_rejected,
        rows_duplicate=load.rows_duplicate,
        answers_rejected=load.answers_rejected,
        message=load.message,
        rows_attributed=load.rows_attributed,
    )
