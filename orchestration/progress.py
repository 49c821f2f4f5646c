"""Progress inside a step, for whoever shows the run.

Dagster's events say when a step starts and ends and what it materialized, but finer progress
(the files the ingest step has read) would cost one stored event per item. A step reports it here
instead; `finsam run`, which executes the job in its own process, listens
(orchestration/run_display.py). Anywhere else (a run launched from `dagster dev`) nobody listens and
a report costs nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, int], None]
_listeners: list[Listener] = []


def report(stage: str, done: int, total: int) -> None:
    """`done` of `total` items of the stage (say "ingest": files read) are through."""
    for listener in tuple(_listeners):
        listener(stage, done, total)


def reporter(stage: str) -> Callable[[int, int], None]:
    """A callback for one stage's (done, total)."""
    return lambda done, total: report(stage, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
