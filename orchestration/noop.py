"""Is there anything to do? Answered before Dagster is even imported, so that a run with nothing
new costs a second or two, not the start-up of the whole orchestration stack.

Nothing is to do when every file in the landing folder matches an audited load by place, size and
modification time, and the current publication was made from exactly the data and code this run
would use (``publications.is_up_to_date``). Anything else (a new or touched file, changed code,
no publication yet) goes through the job, whose ingest step decides again with file contents.
Everything a run skips, and how it tells, is in the README ("What a run skips").
"""

from __future__ import annotations

from pathlib import Path

from orchestration.catalog import load_catalog
from orchestration.ingest.loader import unseen_files
from orchestration.publish import publications
from orchestration.settings import Settings, has_table
from orchestration.warehouse import connect, warehouse_exists

# The runner and the ingest step both say this when they skip the work.
NOTHING_NEW = (
    "Nothing new since the current publication: no transformation, no checks, no publishing "
    "and no site build"
)


def up_to_date_publication(settings: Settings, with_site: bool) -> Path | None:
    """The current publication when there is nothing new to load and it is up to date; else
    None. The caller holds the writer lock."""
    if not warehouse_exists(settings):
        return None
    con = connect(settings, read_only=True)
    try:
        if not has_table(con, "audit", "file_loads") or unseen_files(
            con, settings.landing, load_catalog().rules_fingerprint
        ):
            return None
    finally:
        con.close()
    return publications.is_up_to_date(settings, with_site=with_site)
