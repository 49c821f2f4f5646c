"""What the loader checks before it reads a byte of a landing file: that the file is in the landing
folder (not a symbolic link out of it), not larger than the limit, not still being written, and
(for XLSX, a zip archive) that it does not unpack to far more than it weighs. A file that fails is
refused with one sentence and recorded like any other refusal, or, when it is still being written,
left for the next run; nothing else about it is read."""

import contextlib
import hashlib
import time
import zipfile
from pathlib import Path

# The limits are settings (FINSAM_MAX_FILE_MB, FINSAM_SETTLE_SECONDS): Settings.max_file_bytes and
# Settings.settle_seconds, given to each function here.

# A real export compresses text a few times; a zip bomb by hundreds or thousands.
MAX_UNPACK_RATIO = 100


def megabytes(size: int) -> str:
    """A size as a person reads it: '2 048 MB', or '12 kB' under a megabyte (a lowered limit)."""
    if size < 1024 * 1024:
        return f"{size / 1024:,.0f} kB".replace(",", " ")
    return f"{size / 1024 / 1024:,.0f} MB".replace(",", " ")


def refusal_before_reading(
    path: Path, landing: Path, max_file_bytes: int
) -> tuple[str, str] | None:
    """(reason, identity) when the file must not be read at all (a link out of `landing`, larger
    than `max_file_bytes`), else None. The identity stands in for the content's SHA-256, which
    cannot be computed without reading the file."""
    resolved = path.resolve()
    if not resolved.is_relative_to(landing.resolve()):
        identity = hashlib.sha256(f"outside:{resolved}".encode()).hexdigest()
        return (
            f"filen är en länk till {resolved}, utanför inkorgen {landing}; hela filen avvisas "
            "utan att läsas; lägg en kopia av själva filen i inkorgen i stället",
            identity,
        )
    if path.is_symlink() and not resolved.is_file():
        identity = hashlib.sha256(f"link:{resolved}".encode()).hexdigest()
        return (
            f"filen är en länk till {resolved}, som inte är en fil; hela filen avvisas utan att "
            "läsas",
            identity,
        )
    size = path.stat().st_size
    if size > max_file_bytes:
        identity = hashlib.sha256(f"too-large:{size}:{path.stat().st_mtime_ns}".encode())
        return (
            f"filen är {megabytes(size)}, större än gränsen {megabytes(max_file_bytes)}; "
            "hela filen avvisas utan att läsas; dela upp exporten i mindre filer, eller be den "
            "som sköter datalagret att höja gränsen",
            identity.hexdigest(),
        )
    return None


def signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def wait_until_settled(paths: list[Path], settle: float) -> tuple[list[Path], list[Path]]:
    """(settled, still being written) of `paths`, in their order.

    A file changed within the last `settle` seconds (FINSAM_SETTLE_SECONDS) may be an upload in
    progress: the run waits until it is that old (at most that long, once for all such files) and
    takes it only if it did not change meanwhile. A file dated in the future is judged as changed
    just now."""
    now = time.time()
    signatures = {}
    for path in paths:
        with contextlib.suppress(FileNotFoundError):  # gone since it was listed
            signatures[path] = signature(path)
    young = [path for path in signatures if now - signatures[path][1] / 1e9 < settle]
    if not young:
        return list(signatures), []
    youngest_age = min(now - signatures[path][1] / 1e9 for path in young)
    time.sleep(min(settle, max(settle - youngest_age, 0)))
    changing = set()
    for path in young:
        try:
            if signature(path) != signatures[path]:
                changing.add(path)
        except FileNotFoundError:
            changing.add(path)
    return [p for p in signatures if p not in changing], [p for p in signatures if p in changing]


def changed_since(path: Path, before: tuple[int, int]) -> bool:
    """Whether the file changed after its signature `before` was taken (while it was read)."""
    try:
        return signature(path) != before
    except FileNotFoundError:
        return True


def unpacked_size_refusal(path: Path, max_file_bytes: int) -> str | None:
    """For an XLSX file (a zip archive): a reason to refuse it when it would unpack to more than
    the size limit or far more than it weighs, judged from the archive's directory alone."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        return None  # not a zip: the XLSX reader says what is wrong with it
    packed = max(path.stat().st_size, 1)
    if unpacked > max_file_bytes or unpacked > MAX_UNPACK_RATIO * packed:
        return (
            f"filen packas upp till {megabytes(unpacked)} från {megabytes(packed)}, mer än "
            "någon export gör (kanske en så kallad zip-bomb); hela filen avvisas utan att läsas"
        )
    return None
