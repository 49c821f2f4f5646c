"""Check export files before sending them: what the loader would load and refuse, and why.

The files are read, validated and settled by the loader's own functions, in the order given, as
if they were the first files of an empty warehouse: the verdicts and sentences are the ones a load
would record in ``audit.file_loads`` and ``audit.rejected_records``. Nothing is written and no
home folder is needed. (Against a warehouse that already holds the responses, a load may also find
rows it has seen before: those are counted as duplicates there, and cannot be foreseen here.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orchestration.calendar import swedish_now
from orchestration.catalog import Catalog
from orchestration.ingest import guards
from orchestration.ingest.landing import sha256_of
from orchestration.ingest.loader import load_one
from orchestration.ingest.storage import Batch
from orchestration.ingest.times import local_naive
from orchestration.ingest.versions import settle
from orchestration.settings import Settings, load_settings


@dataclass(frozen=True)
class CheckedFile:
    path: Path
    status: str  # loaded | rejected | duplicate, as the load would record it
    rows_read: int
    rows_loaded: int
    summary: str  # the file's sentence in audit.file_loads.message
    refusals: list[str]  # one sentence per refused file, row, answer or column (and duplicate)
    source: object | None = None  # sources.adapt.SourceReport: the tool and mapping, if any

    @property
    def anything_refused(self) -> bool:
        return self.status != "loaded" or bool(self.refusals)


def check_files(
    paths: list[Path],
    catalog: Catalog,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> list[CheckedFile]:
    """The verdicts under `settings`' limits (by default those of the environment)."""
    now = local_naive(now) if now is not None else swedish_now()
    settings = settings or load_settings()
    catalog.check_sources()
    current: dict = {}  # versions of responses met so far, as an empty warehouse would hold them
    by_content: dict = {}
    checked = []
    for number, path in enumerate(paths, start=1):
        resolved = path.resolve()
        refusal = guards.refusal_before_reading(resolved, resolved.parent, settings.max_file_bytes)
        reason, sha = refusal if refusal is not None else (None, sha256_of(path))
        new_file = (path, path.name, sha, reason)
        load = load_one(settings, catalog, new_file, by_content, now, archive=False)
        load.load_id, load.run_id = number, None
        batch = Batch()
        settle(load, current, batch, now)
        checked.append(
            CheckedFile(
                path=path,
                status=load.status,
                rows_read=load.rows_read,
                rows_loaded=load.rows_loaded,
                summary=load.message,
                refusals=[rejection[6] for rejection in batch.rejections],
                source=load.source,
            )
        )
    return checked
