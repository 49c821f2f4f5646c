"""The log file of `finsam run`: everything the terminal does not show.

Everything goes to ``HOME/logs/run-<UTC time>-<run id>.log`` (``noop`` for a run with nothing to
do): Dagster's log, dbt's lines, Python logging and warnings, whatever a library or a child
process writes to stdout or stderr. The newest ``KEEP_LOGS`` are kept. With ``--verbose`` the log
is shown live as well. What the terminal shows instead is orchestration/run_display.py.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from multiprocessing import resource_tracker
from pathlib import Path
from typing import TextIO

import click

from orchestration.settings import Settings

KEEP_LOGS = 30


class RunLog:
    """One run's log file. A write that fails (a full disk) is remembered, not raised: the run
    goes on, and its end says that the log is incomplete."""

    def __init__(self, path: Path):
        self.path = path
        self.error: OSError | None = None
        self._lock = threading.Lock()
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 (closed by open_run_log)

    def write_bytes(self, data: bytes) -> None:
        with self._lock:
            if self.error is not None or self._file.closed:
                return
            try:
                self._file.write(data)
            except OSError as error:
                self.error = error

    def write(self, text: str) -> None:
        self.write_bytes(click.unstyle(text).encode("utf-8", "replace"))

    def note(self, line: str) -> None:
        self.write(line + "\n")

    def close(self) -> None:
        with self._lock:
            self._file.close()

    @property
    def where(self) -> str:
        """The path, and whether the log is incomplete."""
        if self.error is None:
            return str(self.path)
        return f"{self.path} (incomplete: {self.error.strerror or self.error})"

    @contextmanager
    def mirrored(self) -> Iterator[None]:
        """What the command prints in the block (click.echo) goes into the log too."""
        saved = sys.stdout
        sys.stdout = _Tee(self, echo=saved)
        try:
            yield
        finally:
            sys.stdout = saved


@contextmanager
def open_run_log(settings: Settings, label: str, keep: int = KEEP_LOGS) -> Iterator[RunLog]:
    """A new log file HOME/logs/run-<UTC time>-<label>.log; older ones beyond `keep` go."""
    folder = settings.logs_dir
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log = RunLog(folder / f"run-{stamp}-{label}.log")
    for old in sorted(folder.glob("run-*.log"))[:-keep]:  # the names begin with the time
        old.unlink(missing_ok=True)
    try:
        yield log
    finally:
        log.close()


class _Tee(io.TextIOBase):
    """A text stream into the log, and to `echo` as well when given."""

    def __init__(self, log: RunLog, echo: TextIO | None = None):
        self._log = log
        self._echo = echo

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes a stream with bytes
            raise TypeError("a text stream")
        if self._echo is not None:
            self._echo.write(text)
        self._log.write(text)
        return len(text)

    def flush(self) -> None:
        if self._echo is not None:
            self._echo.flush()

    def isatty(self) -> bool:
        return self._echo is not None and self._echo.isatty()

    @property
    def encoding(self) -> str:
        return getattr(self._echo, "encoding", None) or "utf-8"


def _flush(*streams) -> None:
    for stream in streams:
        with suppress(OSError, ValueError):
            stream.flush()


@contextmanager
def captured_output(log: RunLog, verbose: bool = False) -> Iterator[TextIO]:
    """Everything written to stdout and stderr in the block goes into the log (and, when
    verbose, to the terminal's stdout as well). Yields a stream to the terminal."""
    try:
        fds = (sys.stdout.fileno(), sys.stderr.fileno())
    except (AttributeError, ValueError, io.UnsupportedOperation):
        fds = None
    if fds is None:
        # stdout is no file (click's CliRunner, pytest's capsys): catch what Python writes.
        terminal = sys.stdout
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = _Tee(log, echo=terminal if verbose else None)
        try:
            yield terminal
        finally:
            sys.stdout, sys.stderr = saved
        return

    # The file descriptors themselves, so that child processes and C libraries are caught too,
    # and Dagster's capture of the run's stdout and stderr (the UI's compute logs) still works.
    # multiprocessing's resource tracker, which the first semaphore a library makes starts, lives
    # as long as this process: started inside the block, it would hold the pipe open, and the end
    # of the block would wait the pump's whole timeout for it (10 s on every run).
    resource_tracker.ensure_running()
    _flush(sys.stdout, sys.stderr)
    saved_fds = [os.dup(fd) for fd in fds]
    terminal = open(  # noqa: SIM115 (closed below)
        os.dup(saved_fds[0]),
        "w",
        encoding=getattr(sys.stdout, "encoding", None) or "utf-8",
        errors="replace",
        buffering=1,
    )
    echo = os.dup(saved_fds[0]) if verbose else None
    read_end, write_end = os.pipe()
    pump = threading.Thread(
        target=_pump, args=(read_end, log, echo), name="finsam-run-log", daemon=True
    )
    pump.start()
    for fd in fds:
        os.dup2(write_end, fd)
    os.close(write_end)
    try:
        yield terminal
    finally:
        _flush(sys.stdout, sys.stderr)
        for fd, saved in zip(fds, saved_fds, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        pump.join(timeout=10)  # the end of the pipe: every writer has let go
        _flush(terminal)
        terminal.close()


def _pump(read_end: int, log: RunLog, echo: int | None) -> None:
    with open(read_end, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            log.write_bytes(chunk)
            if echo is not None:
                try:
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(echo, view) :]
                except OSError:
                    os.close(echo)
                    echo = None
    if echo is not None:
        os.close(echo)
