"""Load new files from the landing folder into the warehouse's raw and audit tables.

A file is processed once per (path, content); only new files cost time: a file whose path, size
and modification time match an audited load is not even re-read. Every file seen gets a row in
``audit.file_loads`` and every refused file, row, answer or column a row in
``audit.rejected_records``, so ``rows_read = rows_loaded + rows_rejected + rows_duplicate``.
All new files of one call are written in one transaction: a crash loads none of them.

A questionnaire naming an association that had merged into another by its measurement year is
loaded for the successor (``forbund_id``) and keeps the association the file names in
``reported_forbund_id``; each such loaded row is a row of ``audit.attributed_records``.

The current version of a response (association as the file names it, survey form, svar_id) is the
one from the file with the latest modification time, then the latest name:
``raw.submissions.file_modified_at`` and ``source_file`` order the versions, also when an older
file arrives after a newer one.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from orchestration.catalog import Catalog
from orchestration.ingest import guards
from orchestration.ingest.parse import (
    LOCAL_TIME,
    ParsedFile,
    Rejection,
    Submission,
    local_naive,
    parse_table,
)
from orchestration.ingest.readers import UnreadableFile, read_table
from orchestration.ingest.schema import ADDED_COLUMNS, RAW_AND_AUDIT_DDL, AddedColumn
from orchestration.settings import Settings, connect


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


@dataclass
class IngestReport:
    files: list[FileOutcome]
    # files changed moments ago (an upload in progress?): left for the next run, not audited
    waiting: list[str] = field(default_factory=list)

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


@dataclass
class _Batch:
    """Everything one ingest call will write, collected before the single transaction."""

    file_loads: list[dict] = field(default_factory=list)
    rejections: list[tuple] = field(default_factory=list)
    submissions: list[tuple] = field(default_factory=list)
    answers: list[tuple] = field(default_factory=list)
    attributions: list[tuple] = field(default_factory=list)


def swedish_now() -> datetime:
    """The wall-clock time in Sweden, whatever time zone the machine runs in: submission times
    are Swedish, so "in the future" must be judged in Swedish time too."""
    return datetime.now(LOCAL_TIME).replace(tzinfo=None)


def file_time(st_mtime: float) -> datetime:
    """A file's modification time as Swedish wall-clock time (like submitted_at and loaded_at)."""
    return datetime.fromtimestamp(st_mtime, LOCAL_TIME).replace(tzinfo=None)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def landing_files(landing: Path) -> list[Path]:
    """Files to consider, oldest first (modification time, then name): a later file wins.

    Hidden files and folders (a leading dot) and Office lock files (~$...) are not exports; a
    file that disappears while the folder is listed (moved away mid-upload) is left for later.
    Symbolic links are listed whatever they point to, so that the loader can refuse them by name.
    """
    if not landing.exists():
        return []
    found = []
    for path in landing.rglob("*"):
        relative = path.relative_to(landing)
        if any(part.startswith(".") for part in relative.parts) or path.name.startswith("~$"):
            continue
        try:
            if not (path.is_symlink() or path.is_file()):
                continue
            mtime = path.lstat().st_mtime
        except FileNotFoundError:
            continue
        found.append(((mtime, path.name, str(relative)), path))
    return [path for _key, path in sorted(found, key=lambda item: item[0])]


def ensure_schema(con) -> None:
    """Create the raw and audit tables, and add the columns a warehouse made by an earlier
    version lacks: each added and filled for the rows already there in one transaction, then
    made not null (DuckDB cannot do that in the transaction that filled it; a crash in between
    is finished on the next call)."""
    con.execute(RAW_AND_AUDIT_DDL)
    nullable = dict(
        con.execute(
            "select table_schema || '.' || table_name || '.' || column_name, is_nullable = 'YES' "
            "from information_schema.columns where table_schema in ('raw', 'audit')"
        ).fetchall()
    )
    for added in ADDED_COLUMNS:
        name = f"{added.table}.{added.column}"
        if name not in nullable:
            _add_column(con, added)
        elif added.not_null and nullable[name] and added.backfill:
            con.execute(added.backfill)  # fills only what is still empty
        if added.not_null and nullable.get(name, True):
            con.execute(f"alter table {added.table} alter column {added.column} set not null")


def _add_column(con, added: AddedColumn) -> None:
    con.begin()
    try:
        con.execute(f"alter table {added.table} add column {added.column} {added.definition}")
        if added.backfill:
            con.execute(added.backfill)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def ingest_landing(
    settings: Settings,
    catalog: Catalog,
    now: datetime | None = None,
    run_id: str | None = None,
) -> IngestReport:
    guards.check_settings()  # a wrong limit stops the run before anything is read
    settings.ensure_dirs()
    now = local_naive(now) if now is not None else swedish_now()
    con = connect(settings)
    try:
        ensure_schema(con)
        new_files, waiting = _new_files(con, settings.landing)
        if not new_files:
            return IngestReport([], waiting)
        by_content = {
            sha: (name, rows, status)
            for sha, name, rows, status in con.execute(
                "select sha256, file_name, rows_read, status from audit.file_loads "
                "where status in ('loaded', 'rejected') order by load_id desc"
            ).fetchall()
        }
        next_load_id = con.execute(
            "select coalesce(max(load_id), 0) + 1 from audit.file_loads"
        ).fetchone()[0]

        parsed_files = []
        for offset, (path, relative, sha, refusal) in enumerate(new_files):
            if refusal is not None:
                load = _refused_unread(path, relative, sha, refusal, now)
            else:
                load = _read_one(settings, catalog, path, relative, sha, by_content, now)
            load.record.update(load_id=next_load_id + offset, run_id=run_id)
            by_content.setdefault(sha, (path.name, load.record["rows_read"], load.record["status"]))
            parsed_files.append(load)

        current = _current_versions(con, parsed_files)
        batch = _Batch()
        for load in parsed_files:
            _settle(load, current, batch, now)
        con.begin()
        try:
            _write(con, batch)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        return IngestReport([_outcome(load.record) for load in parsed_files], waiting)
    finally:
        con.close()


def _new_files(con, landing: Path) -> tuple[list[tuple], list[str]]:
    """(path, path relative to landing, sha256, refusal or None) of files not loaded before in this
    place, and the names of files still being written (left for the next run).

    A file that must not be read (a link out of the landing folder, larger than the limit) comes
    with the reason; its identity then stands in for the sha256 of content never read."""
    audited = con.execute(
        "select file_path, sha256, file_size, file_modified_at from audit.file_loads"
    ).fetchall()
    seen_content = {(path, sha) for path, sha, _size, _modified in audited}
    seen_stat = {(path, size, modified) for path, _sha, size, modified in audited}
    candidates, refused, readable = [], {}, []
    for path in landing_files(landing):
        try:
            stat = path.lstat()
            relative = str(path.relative_to(landing))
            if (relative, stat.st_size, file_time(stat.st_mtime)) in seen_stat:
                continue
            refusal = guards.refusal_before_reading(path, landing)
        except FileNotFoundError:  # gone since it was listed: nothing to load, nothing to audit
            continue
        candidates.append((path, relative))
        if refusal is not None:
            refused[path] = refusal
        else:
            readable.append(path)
    settled, changing = guards.wait_until_settled(readable)
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


def _new_record(path: Path, relative: str, sha: str, stat, now) -> dict:
    """The audit.file_loads row of a file about to be read (or refused unread)."""
    return {
        "file_name": path.name,
        "file_path": relative,
        "sha256": sha,
        "file_size": stat.st_size,
        "archived_path": None,
        "status": "loaded",
        "file_format": path.suffix.lower().lstrip(".") or None,
        "encoding": None,
        "forbund_ids": None,
        "respondent_groups": None,
        "rows_read": 0,
        "rows_loaded": 0,
        "rows_rejected": 0,
        "rows_duplicate": 0,
        "answers_rejected": 0,
        "columns_unmatched": 0,
        "rows_attributed": 0,
        "message": "",
        "file_modified_at": file_time(stat.st_mtime),
        "loaded_at": now,
    }


def _refused_unread(path: Path, relative: str, sha: str, reason: str, now) -> _FileLoad:
    """A file refused before reading it: recorded like any refused file, never archived."""
    refusal = Rejection("file_rejected", None, None, None, reason)
    record = _new_record(path, relative, sha, path.lstat(), now)
    record.update(status="rejected", message=sentence(path.name, refusal))
    return _FileLoad(record, None, [refusal], [])


def _sheet_chooser(catalog: Catalog):
    def choose(names: list[str]) -> str | None:
        return next((n for n in names if catalog.resolve_respondent_group(n)), None)

    return choose


def _archive(settings: Settings, path: Path, sha: str) -> Path:
    target = settings.archive_dir / sha[:2] / f"{sha}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        try:
            shutil.copyfile(path, partial)
        except BaseException:
            partial.unlink(missing_ok=True)  # a full disk leaves no half copy behind
            raise
        partial.replace(target)  # atomic: a crash never leaves a half copy under the final name
    return target


@dataclass
class _FileLoad:
    record: dict
    parsed: ParsedFile | None
    rejections: list[Rejection]
    notes: list[str]


def _read_one(settings, catalog, path, relative, sha, by_content, now) -> _FileLoad:
    """Read and validate one file; nothing is written yet."""
    record = _new_record(path, relative, sha, path.stat(), now)
    if sha in by_content:
        original, rows, original_status = by_content[sha]
        outcome = "som redan har lästs in" if original_status == "loaded" else "som avvisades"
        record.update(
            status="duplicate",
            rows_read=rows,
            rows_duplicate=rows,
            message=f"Filen {path.name} har samma innehåll som {original}, {outcome}, och "
            "hoppades därför över.",
        )
        return _FileLoad(record, None, [], [])

    record["archived_path"] = str(_archive(settings, path, sha))
    table = None
    try:
        table = read_table(path, _sheet_chooser(catalog))
        record.update(encoding=table.encoding, file_format=table.file_format)
        parsed = parse_table(table, catalog, now)
    except UnreadableFile as refusal:
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
            f"filen kunde inte läsas på grund av ett oväntat fel ({type(error).__name__}: "
            f"{error}); hela filen avvisas, meddela den som förvaltar inläsningen",
        )
    else:
        record["rows_read"] = parsed.rows_read
        return _FileLoad(record, parsed, list(parsed.rejections), table.notes)
    rows = len(table.rows) + len(table.bad_rows) if table is not None else 0
    record.update(
        status="rejected",
        rows_read=rows,
        rows_rejected=rows,
        message=sentence(path.name, refused),
    )
    return _FileLoad(record, None, [refused], [])


# The identity of a response, in raw.submissions and in Submission.key.
RESPONSE_KEY = ("reported_forbund_id", "respondent_group", "svar_id")


@dataclass(frozen=True)
class _Version:
    """The current version of one response: where it came from and its content fingerprint."""

    order: tuple  # (file_modified_at, file name, load_id, row): the greatest is current
    row_hash: str
    source_file: str


def _current_versions(con, loads: list[_FileLoad]) -> dict[tuple[str, str, str], _Version]:
    """The current version of every response the new files mention, from earlier loads."""
    keys = {s.key for load in loads if load.parsed for s in load.parsed.submissions}
    if not keys:
        return {}
    incoming = pd.DataFrame(sorted(keys), columns=list(RESPONSE_KEY))
    con.register("incoming_keys", incoming)
    try:
        rows = con.execute(
            """
            select s.reported_forbund_id, s.respondent_group, s.svar_id,
                   s.file_modified_at, s.source_file, s.load_id, s.source_row, s.row_hash
            from raw.submissions as s
            inner join incoming_keys using (reported_forbund_id, respondent_group, svar_id)
            qualify row_number() over (
                partition by s.reported_forbund_id, s.respondent_group, s.svar_id
                order by s.file_modified_at desc nulls last, s.source_file desc,
                         s.load_id desc, s.source_row desc
            ) = 1
            """
        ).fetchall()
    finally:
        con.unregister("incoming_keys")
    return {
        (f, g, s): _Version((modified or datetime.min, name, load_id, row), row_hash, name)
        for f, g, s, modified, name, load_id, row, row_hash in rows
    }


def _settle(load: _FileLoad, current: dict, batch: _Batch, now: datetime) -> None:
    """Decide what of one file is new, update the current versions, add it to the batch.

    A questionnaire identical to the current version of its response is a duplicate. Any other
    is loaded as a version; it becomes the current one only if its file is later (modification
    time, then name) than the current version's, so an older file that arrives late is kept as
    history without overriding a correction.
    """
    record, parsed = load.record, load.parsed
    rejections = load.rejections
    if parsed is not None:
        fresh: list[Submission] = []
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
            order = (
                record["file_modified_at"],
                record["file_name"],
                record["load_id"],
                submission.row_number,
            )
            if version is None or order > version.order:
                current[submission.key] = _Version(order, row_hash, record["file_name"])
            fresh.append(submission)
            _add_submission(batch, record, submission, row_hash, now)
        attributed = [s for s in fresh if s.attribution is not None]
        batch.attributions.extend(_attributed_record(record, s) for s in attributed)
        record.update(
            rows_read=parsed.rows_read,
            rows_loaded=len(fresh),
            rows_attributed=len(attributed),
            rows_rejected=parsed.rows_rejected,
            rows_duplicate=parsed.rows_duplicate + resent,
            answers_rejected=sum(1 for r in rejections if r.kind == "answer_rejected"),
            columns_unmatched=sum(1 for r in rejections if r.kind == "column_unmatched"),
            forbund_ids=",".join(sorted(parsed.forbund_ids)),
            respondent_groups=",".join(sorted(parsed.respondent_groups)),
        )
        record["message"] = _summary_message(record, load.notes)
    batch.file_loads.append(record)
    batch.rejections.extend(
        (
            record["load_id"],
            record["file_name"],
            r.kind,
            r.row_number,
            r.field,
            r.raw_value,
            sentence(record["file_name"], r),
        )
        for r in rejections
    )


def sentence(file_name: str, rejection: Rejection) -> str:
    """One Swedish sentence naming the file, row and field (where they exist), then the reason."""
    where = f"Filen {file_name}"
    if rejection.row_number is not None:
        where += f", rad {rejection.row_number}"
    if rejection.field is not None:
        where += f", fält {rejection.field!r}"
    reason = rejection.reason.rstrip().rstrip(".")
    return f"{where}: {reason}."


def _attributed_record(record: dict, s: Submission) -> tuple:
    """The audit.attributed_records row of a loaded questionnaire that counts for the association
    the named one had merged into."""
    return (
        record["load_id"],
        record["file_name"],
        s.row_number,
        s.svar_id,
        s.respondent_group,
        s.measurement_year,
        s.reported_forbund_id,
        s.forbund_id,
        s.attribution.merged_year,
        f"Rad {s.row_number} i {record['file_name']}: {s.attribution.reason}.",
    )


def _add_submission(batch: _Batch, record: dict, s: Submission, row_hash: str, now) -> None:
    load_id = record["load_id"]
    batch.submissions.append(
        (
            load_id,
            record["file_name"],
            record["sha256"],
            s.row_number,
            s.forbund_id,
            s.forbund_raw,
            s.respondent_group,
            s.svar_id,
            s.submitted_at,
            s.measurement_year,
            s.gender,
            s.kon_raw or None,
            s.insats,
            s.fritext,
            row_hash,
            now,
            record["file_modified_at"],
            s.reported_forbund_id,
        )
    )
    batch.answers.extend(
        (
            load_id,
            s.row_number,
            s.forbund_id,
            s.respondent_group,
            s.svar_id,
            s.measurement_year,
            qid,
            raw,
            value,
            dont_know,
            s.reported_forbund_id,
        )
        for qid, raw, value, dont_know in s.answers
    )


def _rows(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _summary_message(record: dict, notes: list[str]) -> str:
    """One sentence: what of the file was loaded and what was not."""
    parts = [f"{record['rows_loaded']} av {record['rows_read']} rader inlästa"]
    if record["rows_rejected"]:
        parts.append(_rows(record["rows_rejected"], "rad avvisad", "rader avvisade"))
    if record["rows_duplicate"]:
        parts.append(_rows(record["rows_duplicate"], "dubblett", "dubbletter"))
    if record.get("rows_attributed"):
        parts.append(
            _rows(record["rows_attributed"], "rad räknas", "rader räknas")
            + " till förbundet som det namngivna förbundet gått upp i"
        )
    if record["answers_rejected"]:
        parts.append(
            _rows(record["answers_rejected"], "enskilt svar avvisat", "enskilda svar avvisade")
        )
    if record["columns_unmatched"]:
        parts.append(_rows(record["columns_unmatched"], "okänd kolumn", "okända kolumner"))
    parts.extend(note for note in notes if "blandar" in note)
    return f"Filen {record['file_name']}: " + "; ".join(parts) + "."


SUBMISSION_COLUMNS = [
    "load_id",
    "source_file",
    "source_sha256",
    "source_row",
    "forbund_id",
    "forbund_raw",
    "respondent_group",
    "svar_id",
    "submitted_at",
    "measurement_year",
    "gender",
    "kon_raw",
    "insats",
    "fritext",
    "row_hash",
    "loaded_at",
    "file_modified_at",
    "reported_forbund_id",
]
ANSWER_COLUMNS = [
    "load_id",
    "source_row",
    "forbund_id",
    "respondent_group",
    "svar_id",
    "measurement_year",
    "question_id",
    "raw_value",
    "answer_value",
    "is_dont_know",
    "reported_forbund_id",
]
REJECTION_COLUMNS = [
    "load_id",
    "file_name",
    "kind",
    "row_number",
    "field",
    "raw_value",
    "reason",
]
ATTRIBUTION_COLUMNS = [
    "load_id",
    "file_name",
    "row_number",
    "svar_id",
    "respondent_group",
    "measurement_year",
    "reported_forbund_id",
    "forbund_id",
    "merged_year",
    "reason",
]


def _insert(con, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    con.register("incoming_rows", frame)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _write(con, batch: _Batch) -> None:
    _insert(con, "audit.file_loads", pd.DataFrame(batch.file_loads))
    _insert(
        con,
        "audit.rejected_records",
        pd.DataFrame(batch.rejections, columns=REJECTION_COLUMNS).astype({"row_number": "Int64"}),
    )
    _insert(con, "raw.submissions", pd.DataFrame(batch.submissions, columns=SUBMISSION_COLUMNS))
    _insert(
        con,
        "raw.answers",
        pd.DataFrame(batch.answers, columns=ANSWER_COLUMNS).astype({"answer_value": "Int64"}),
    )
    attributions = pd.DataFrame(batch.attributions, columns=ATTRIBUTION_COLUMNS)
    _insert(con, "audit.attributed_records", attributions)


def _outcome(record: dict) -> FileOutcome:
    return FileOutcome(
        file_name=record["file_name"],
        status=record["status"],
        rows_read=record["rows_read"],
        rows_loaded=record["rows_loaded"],
        rows_rejected=record["rows_rejected"],
        rows_duplicate=record["rows_duplicate"],
        answers_rejected=record["answers_rejected"],
        message=record["message"],
        rows_attributed=record["rows_attributed"],
    )
