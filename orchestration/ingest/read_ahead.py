"""A large batch of new files read by worker processes, ahead of the loop that settles them.

Reading a file (decoding, the survey tool's layout, checking every row and answer, the row hashes,
the archive copy) is Python and most of ingest; deciding versions and writing into the
warehouse's one transaction must stay in one process, file after file in the landing folder's
order. So when the files to read are many bytes, worker processes read them ahead of the loader,
which takes each file's load in order as if it had read it itself. What a worker hands back is
pickled as plain tuples (records.ParsedFile), so that taking it costs the loader a fraction of
reading the file.

Only files whose content the loader has not met are sent: a refused file and a repeat of
content already met are decided by the loader, as before, when their turn comes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path

from orchestration.catalog import Catalog
from orchestration.ingest.records import FileLoad
from orchestration.settings import Settings

# Below this many bytes of files to read, starting the workers (about a second of importing)
# costs more than they save.
MIN_BYTES = 16 << 20
# How far the workers read ahead of the file the loader waits for, in bytes of files: about a
# chunk's worth (loader.CHUNK_ROWS), so that they go on reading while the loader writes one, and
# memory stays bounded by about two chunks' questionnaires.
AHEAD_BYTES = 16 << 20

# new_file is (path, path relative to landing, sha256, refusal or None), as the loader lists them
NewFile = tuple[Path, str, str, object]
Read = Callable[..., FileLoad]


class ReadAheadFailed(RuntimeError):
    """A worker process reading files died (out of memory, killed)."""


def workers_for(settings: Settings, new_files: list[NewFile]) -> int:
    """How many worker processes should read these files: none for a small batch or a single
    core, else one per thread the settings allow (FINSAM_DUCKDB_THREADS), at most the cores."""
    cores = min(settings.threads, os.cpu_count() or 1)
    if cores < 2:
        return 0
    size = 0
    for path, _relative, _sha, refusal in new_files:
        size += _size(path) if refusal is None else 0
        if size >= MIN_BYTES:
            return cores
    return 0


class FilesReadAhead:
    """The loads of the files whose content is new, read by `workers` processes ahead of the
    loader, which asks for each in the landing folder's order (`load(index)`)."""

    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        new_files: list[NewFile],
        known_content: set[str],
        now: datetime,
        read: Read,
        workers: int,
    ) -> None:
        self.new_files, self.now, self.workers = new_files, now, workers
        self.futures: dict[int, Future] = {}
        self.sizes: dict[int, int] = {}  # of the files sent and not yet taken
        seen = set(known_content)
        self.to_read = []  # indexes of the files sent to the workers, in order
        for index, (_path, _relative, sha, refusal) in enumerate(new_files):
            if refusal is None and sha not in seen:
                seen.add(sha)
                self.to_read.append(index)
        self.next_to_send = 0
        self.pool = ProcessPoolExecutor(
            max_workers=workers,
            # fresh interpreters: the loader's process has threads (Dagster's, DuckDB's), which a
            # fork must not copy; a fork server would stay for as long as the process (and its
            # 120 MB beside dbt's build)
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(read, settings, catalog, os.getpid()),
        )

    def __enter__(self) -> FilesReadAhead:
        return self

    def __exit__(self, *exc_info) -> None:
        # the files not yet started are dropped; a worker's file under way is read to its end
        self.pool.shutdown(wait=True, cancel_futures=True)

    def load(self, index: int) -> FileLoad | None:
        """The load a worker made of file `index`, or None when the loader reads it itself."""
        self._send_up_to(index)
        future = self.futures.pop(index, None)
        self.sizes.pop(index, None)
        if future is None:
            return None
        try:
            return future.result()
        except BrokenProcessPool as error:
            path = self.new_files[index][0]
            raise ReadAheadFailed(
                f"A process reading the new files stopped before it had read {path.name} "
                "(out of memory, or killed); nothing of this run's files was loaded. Run again; "
                "with FINSAM_DUCKDB_THREADS=1 the files are read in the run's own process."
            ) from error

    def _send_up_to(self, index: int) -> None:
        while self.next_to_send < len(self.to_read):
            waiting = self.to_read[self.next_to_send]
            ahead = sum(self.sizes.values())
            if waiting > index and len(self.futures) >= 2 * self.workers and ahead >= AHEAD_BYTES:
                return
            path, relative, sha, _refusal = self.new_files[waiting]
            self.futures[waiting] = self.pool.submit(_read_in_worker, path, relative, sha, self.now)
            self.sizes[waiting] = _size(path)
            self.next_to_send += 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


_worker: dict = {}


def _start_worker(read: Read, settings: Settings, catalog: Catalog, loader_pid: int) -> None:
    _worker.update(read=read, settings=settings, catalog=catalog)
    # Ctrl-C reaches the whole process group: the loader stops the workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(loader_pid,), daemon=True).start()


def _end_with(loader_pid: int) -> None:
    """End this worker when the loader's process is gone (killed): a worker of Python's process
    pool otherwise waits for its next file for ever."""
    while _alive(loader_pid):
        time.sleep(1)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"  # a zombie has ended
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: whether the process is there at all
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _read_in_worker(path: Path, relative: str, sha: str, now: datetime) -> FileLoad:
    return _worker["read"](_worker["settings"], _worker["catalog"], path, relative, sha, {}, now)
