"""One writer per home folder. DuckDB allows one process to write a file; a second `finsam run`,
`finsam reload-year` or Dagster run started while one is active waits here for it (saying so, up
to FINSAM_LOCK_WAIT_SECONDS) and then stops with one sentence, instead of failing deep inside a
step on DuckDB's lock message or interleaving with the first.

An advisory lock (fcntl.flock) on HOME/.writer.lock: the operating system releases it when the
holder ends, however it ends (even SIGKILL), so a crash never leaves a stale lock behind.
"""

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from orchestration.settings import Settings

POLL_SECONDS = 0.5
_held: dict[str, int] = {}
_guard = threading.Lock()


class WriterBusy(RuntimeError):
    """Another run holds the home folder's writer lock for longer than we may wait."""


@contextmanager
def writer_lock(settings: Settings, log: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the home folder's writer lock for the duration of the block (re-entrant within one
    process, so the CLI and the Dagster run it starts share it)."""
    path = str(settings.home / ".writer.lock")
    with _guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return
    settings.home.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(handle, settings, log)
        with _guard:
            _held[path] = 1
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            with _guard:
                _held.pop(path, None)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _acquire(handle: int, settings: Settings, log: Callable[[str], None]) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    limit = settings.lock_wait_seconds
    holder = _holder(settings)
    log(
        f"finsam: another run (process {holder}) is writing {settings.home}; waiting for it to "
        f"finish (at most {limit:.0f} s, FINSAM_LOCK_WAIT_SECONDS)."
    )
    deadline = time.monotonic() + limit
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            log("finsam: the other run has finished; going on.")
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise WriterBusy(
                    f"Another run (process {holder}) is still writing {settings.home} after "
                    f"{limit:.0f} s; try again when it has finished, or raise "
                    "FINSAM_LOCK_WAIT_SECONDS."
                ) from None
            time.sleep(POLL_SECONDS)


def _holder(settings: Settings) -> str:
    try:
        return (settings.home / ".writer.lock").read_text().strip() or "unknown"
    except OSError:
        return "unknown"
