"""The kept publications as an operator sees them: what each one is, what changed from the one
before, and making an earlier one current again (`finsam publications`, `finsam rollback`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.publish import publications
from orchestration.settings import Settings

# Tables whose row counts change without the statistics changing: every run's own checks, and
# the publication's own description and history of changes.
NOT_STATISTICS = frozenset({"check_outcomes", "publication", "publication_changes"})


class RollbackError(ValueError):
    """A rollback that cannot be done; nothing was changed."""


@dataclass(frozen=True)
class Publication:
    name: str
    path: Path
    run_id: str | None
    created_at: str | None
    tables: dict[str, int]
    has_site: bool
    is_current: bool
    serves_site: bool  # HOME/site points at this publication's site
    is_pending: bool  # ready, newer than the current one, waiting for its site
    changes: str  # from the publication before it
    lake_snapshot: int | None = None  # the lake snapshot it was built from (lake mode only)

    @property
    def state(self) -> str:
        """Which readers see it, in words (`finsam publications`)."""
        if self.is_current:
            return (
                "current: readers of the snapshot and the site see it"
                if self.serves_site
                else ("current: readers of the snapshot see it (no site is served)")
            )
        if self.is_pending:
            return (
                "ready, not current: it has no site yet (its run built none, or its site build "
                "failed); `finsam run` builds one and makes it current"
            )
        return "kept: `finsam rollback NAME` makes it current again" + (
            "" if self.has_site else " (only while no site is served: it has none)"
        )

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "path": str(self.path),
            "snapshot": str(self.path / "finsam.duckdb"),
            "run_id": self.run_id,
            "created_at": self.created_at,
            "is_current": self.is_current,
            "has_site": self.has_site,
            "serves_site": self.serves_site,
            "is_pending": self.is_pending,
            "state": self.state,
            "tables": self.tables,
            "changes": self.changes,
            "lake_snapshot": self.lake_snapshot,
        }


def kept(settings: Settings) -> list[Publication]:
    """Every complete publication, oldest first."""
    current = publications.current(settings)
    waiting = publications.pending(settings)
    served = settings.site_dir.resolve().parent if publications.site_served(settings) else None
    found, previous = [], None
    for folder, facts in publications.listed(settings):
        tables = facts.get("tables") or {}
        found.append(
            Publication(
                name=folder.name,
                path=folder,
                run_id=facts.get("run_id"),
                created_at=facts.get("created_at"),
                tables=tables,
                has_site=(folder / "site").is_dir(),
                is_current=folder.resolve() == current,
                serves_site=folder.resolve() == served,
                is_pending=waiting is not None and folder.resolve() == waiting.resolve(),
                changes=changes(previous, facts),
                lake_snapshot=facts.get("lake_snapshot"),
            )
        )
        previous = facts
    return found


def changes(before: dict | None, after: dict) -> str:
    """What changed from one publication to the next, in a few words: tables whose row counts
    changed, and whether the data or code it was made from changed."""
    if before is None:
        return "first kept publication"
    old, new = before.get("tables") or {}, after.get("tables") or {}
    moved = []
    for table in sorted(set(old) | set(new)):
        if table in NOT_STATISTICS:
            continue
        difference = new.get(table, 0) - old.get(table, 0)
        if table not in old:
            moved.append(f"{table} new")
        elif table not in new:
            moved.append(f"{table} gone")
        elif difference:
            moved.append(f"{table} {difference:+,}".replace(",", " "))
    if moved:
        return "rows: " + ", ".join(moved)
    if before.get("inputs") != after.get("inputs"):
        return "same row counts; made from other data or code"
    return "same row counts, same data and code"


def rollback(settings: Settings, name: str | None = None) -> tuple[Publication, Publication]:
    """Make the publication `name` (default: the one before the current) current: the snapshot at
    once, and the site too when it has one. Returns (was current, now current). The caller holds
    the writer lock."""
    found = kept(settings)
    current = next((p for p in found if p.is_current), None)
    if name is None:
        if current is None:
            raise RollbackError(f"No publication in {settings.home} is current yet.")
        earlier = [p for p in found if p.name < current.name]
        if not earlier:
            raise RollbackError(
                f"{current.name} is the oldest publication kept; there is nothing to roll back to."
            )
        target = earlier[-1]
    else:
        target = next((p for p in found if p.name == name), None)
        if target is None:
            names = ", ".join(p.name for p in found) or "none"
            raise RollbackError(
                f"No complete publication named {name!r} in {settings.publications_dir} "
                f"(kept: {names})."
            )
    if current is not None and target.name == current.name:
        raise RollbackError(f"{target.name} is already the current publication.")
    try:
        publications.make_current(settings, target.path)
    except publications.NotPublishable as refused:
        raise RollbackError(str(refused)) from refused
    now_current = next(p for p in kept(settings) if p.name == target.name)
    return current, now_current
