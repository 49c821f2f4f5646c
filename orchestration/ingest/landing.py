"""The landing folder and the archive: which files there are, their identity, and the
content-addressed copy of every file read."""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime
from pathlib import Path

from orchestration.calendar import LOCAL_TIME
from orchestration.settings import Settings


def file_time(st_mtime: float) -> datetime:
    """A file's modification time as Swedish wall-clock time (like submitted_at and loaded_at)."""
    return datetime.fromtimestamp(st_mtime, LOCAL_TIME).replace(tzinfo=None)


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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


def archive_copy(settings: Settings, path: Path, sha: str) -> Path:
    """The file's bytes, kept under its SHA-256 (once)."""
    return _archived(settings, path, sha, lambda partial: shutil.copyfile(path, partial))


def archive_bytes(settings: Settings, path: Path, sha: str, data: bytes) -> Path:
    """Other bytes kept for the file (its redacted copy), under the original's SHA-256."""
    return _archived(settings, path, sha, lambda partial: partial.write_bytes(data))


def _archived(settings: Settings, path: Path, sha: str, write) -> Path:
    target = settings.archive_dir / sha[:2] / f"{sha}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        try:
            write(partial)
        except BaseException:
            partial.unlink(missing_ok=True)  # a full disk leaves no half copy behind
            raise
        partial.replace(target)  # atomic: a crash never leaves a half copy under the final name
    return target
