"""Publications: every successful run's snapshot, downloads and site, kept side by side, and the
current one chosen by symbolic links that are switched atomically.

    HOME/publications/<time>-<run>/finsam.duckdb      the snapshot
    HOME/publications/<time>-<run>/downloads/         CSV and Parquet of every published table
    HOME/publications/<time>-<run>/site/              the built site (when the run built one)
    HOME/publications/<time>-<run>/publication.json   written last: the publication is complete
    HOME/published -> publications/<current>          what analysts and Evidence read
    HOME/site      -> published/site                  what is served

A publication is prepared in full in its own folder and only then made current by replacing a
symbolic link (rename(2) is atomic): a crash at any moment leaves the previous publication current
and whole, and the unfinished folder is removed by the next run. HOME/site reaches the site
through HOME/published, so that one switch moves the snapshot, the downloads and the site
together: a reader of the site and a reader of the snapshot always read the same publication.

Once a site is served, only a publication with its site can become current. A run without the
site (`finsam run --no-site`) then leaves its publication ready but *pending*, and the previous
one stays current for both; the next run that builds the site makes the new one current.

A reader that opened the previous snapshot keeps reading it; the next one opens the new. Older
publications are kept (setting FINSAM_KEEP_PUBLICATIONS, default 10) so that one can be made
current again.
"""

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from orchestration import fingerprints
from orchestration.settings import Settings

MARKER = "publication.json"


def new_publication(settings: Settings, run_id: str) -> Path:
    """An empty folder for a publication being prepared."""
    migrate_legacy_layout(settings)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = settings.publications_dir / f"{stamp}-{run_id[:8]}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def complete(folder: Path, description: dict) -> None:
    """Mark a prepared publication complete (the last thing written into it)."""
    staging = folder / f".{MARKER}.tmp"
    staging.write_text(json.dumps(description, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(staging, folder / MARKER)


def is_complete(folder: Path) -> bool:
    return (folder / MARKER).is_file()


class NotPublishable(ValueError):
    """Making this publication current would split the snapshot from the site; nothing changed."""


def site_served(settings: Settings) -> bool:
    """Whether HOME/site serves a built site (of the current publication)."""
    return settings.site_dir.is_symlink() and (settings.site_dir / "index.html").is_file()


def can_be_current(settings: Settings, folder: Path) -> bool:
    """A publication without a site cannot replace one whose site readers see."""
    return (folder / "site").is_dir() or not site_served(settings)


def make_current(settings: Settings, folder: Path) -> None:
    """Point HOME/published (and with it HOME/site) at a complete publication, atomically."""
    if not is_complete(folder):
        raise ValueError(f"{folder} is not a complete publication.")
    if not can_be_current(settings, folder):
        raise NotPublishable(
            f"{folder.name} has no site while the site of {current(settings).name} is served: "
            "making it current would show readers of the site other numbers than readers of the "
            "snapshot. Build its site with `finsam run`, or roll back to a publication with one."
        )
    replace_link(settings.published_dir, folder)
    if (folder / "site").is_dir():
        follow_published(settings)


def follow_published(settings: Settings) -> None:
    """HOME/site -> published/site (once; homes of earlier versions linked the folder itself)."""
    link = settings.site_dir
    if not link.is_symlink() or os.readlink(link) != f"{settings.published_dir.name}/site":
        replace_link(link, settings.published_dir / "site")


def current(settings: Settings) -> Path | None:
    link = settings.published_dir
    return link.resolve() if link.is_symlink() else None


def pending(settings: Settings) -> Path | None:
    """The newest complete publication when it is newer than the current one: made by a run that
    did not build its site while a site was served, it waits for one."""
    found = listed(settings)
    if not found:
        return None
    newest, now = found[-1][0], current(settings)
    return newest if now is None or newest.name > now.name else None


def made_by(settings: Settings, run_id: str) -> Path:
    """The publication a run prepared."""
    for folder, facts in reversed(listed(settings)):
        if facts.get("run_id") == run_id:
            return folder
    raise ValueError(f"Run {run_id} prepared no complete publication in {settings.home}.")


def replace_link(link: Path, target: Path) -> None:
    """Make `link` a symbolic link to `target` (relative), replacing what was there atomically."""
    staging = link.with_name(f".{link.name}.{os.getpid()}.link")
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    os.symlink(os.path.relpath(target, link.parent), staging)
    os.replace(staging, link)


def migrate_legacy_layout(settings: Settings) -> None:
    """Homes from before publications had real folders at HOME/published and HOME/site: move them
    into a publication once, so that every later switch is a link replacement."""
    published, site = settings.published_dir, settings.site_dir
    if published.is_dir() and not published.is_symlink() and not any(published.iterdir()):
        published.rmdir()  # an empty folder: nothing was ever published
    if published.is_dir() and not published.is_symlink():
        legacy = settings.publications_dir / "00000000T000000Z-legacy"
        settings.publications_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(legacy, ignore_errors=True)
        published.rename(legacy)
        if site.is_dir() and not site.is_symlink():
            # a copy of a home made without keeping links (cp -rL) holds the site twice
            shutil.rmtree(legacy / "site", ignore_errors=True)
            site.rename(legacy / "site")
        complete(legacy, {"run_id": None, "created_at": None, "note": "before publications"})
        replace_link(published, legacy)
        if (legacy / "site").is_dir():
            follow_published(settings)


def install_site(settings: Settings, built: Path, publication: Path) -> Path:
    """Copy a built site into a complete publication, then make that publication current: the
    snapshot and the site switch together."""
    staging = publication / ".site.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(built, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # a full disk leaves no half copy behind
        raise
    target = publication / "site"
    if target.exists():
        retired = publication / ".site.old"
        shutil.rmtree(retired, ignore_errors=True)
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(target)
    record(publication, site_inputs=fingerprints.site_inputs())
    make_current(settings, publication)
    return settings.site_dir


def description(folder: Path) -> dict:
    return json.loads((folder / MARKER).read_text(encoding="utf-8"))


def record(folder: Path, **facts) -> None:
    """Add facts to a complete publication's publication.json (atomically)."""
    complete(folder, {**description(folder), **facts})


def is_up_to_date(settings: Settings, with_site: bool) -> Path | None:
    """The current publication when it was made from exactly what this run would use (and has
    its site, built from the current pages, when the run builds one); else None. A run without
    the site also accepts the pending publication: it waits for its site, not for this run."""
    waiting = None if with_site else pending(settings)
    publication = waiting or current(settings)
    if publication is None or not is_complete(publication):
        return None
    facts = description(publication)
    if facts.get("inputs") != fingerprints.pipeline_inputs(settings):
        return None
    if with_site and (
        not (publication / "site").is_dir()
        or facts.get("site_inputs") != fingerprints.site_inputs()
    ):
        return None
    return publication


def listed(settings: Settings) -> list[tuple[Path, dict]]:
    """Complete publications, oldest first, with what their marker says."""
    if not settings.publications_dir.is_dir():
        return []
    folders = sorted(p for p in settings.publications_dir.iterdir() if p.is_dir())
    return [(folder, description(folder)) for folder in folders if is_complete(folder)]


def prune(settings: Settings, keep: int | None = None) -> list[Path]:
    """Remove unfinished publications and all but the newest `keep` complete ones; never the
    current one or the one whose site is served. Returns what was removed."""
    keep = keep or settings.keep_publications
    if not settings.publications_dir.is_dir():
        return []
    protected = {current(settings)}
    if settings.site_dir.is_symlink():
        protected.add(settings.site_dir.resolve().parent)
    complete_ones = [folder for folder, _ in listed(settings)]
    removed = []
    for folder in sorted(p for p in settings.publications_dir.iterdir() if p.is_dir()):
        stale = not is_complete(folder) or folder in complete_ones[:-keep]
        if stale and folder.resolve() not in protected:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
