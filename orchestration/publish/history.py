"""The kept publications as an operator sees them: what each one is, what changed from the one
before, and making an earlier one current again (`finsam publications`, `finsam rollback`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.publish import publications
from orchestration.settings import Settings


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
    changes: str  # from the publication before it

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
            "tables": self.tables,
            "changes": self.changes,
        }


def kept(settings: Settings) -> list[Publication]:
    """Every complete publication, oldest first."""
    current = publications.current(settings)
    served = settings.site_dir.resolve().parent if settings.site_dir.is_symlink() else None
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
                changes=changes(previous, facts),
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
        if table == "check_outcomes":  # every run's own checks: not a change of the statistics
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
    publications.make_current(settings, target.path)
    if target.has_site:
        publications.replace_link(settings.site_dir, target.path / "site")
    now_current = next(p for p in kept(settings) if p.name == target.name)
    return current, now_current
