"""What `finsam run` shows on the terminal while the job runs: one line per stage (ingest, dbt
build, GX checks, publish, site build), a progress bar while it runs (rich.progress, on a terminal
only) and, once it is done, one line with its result and duration, also written into the run's
log (orchestration/run_log.py).

Progress comes from the run's own Dagster events (the job runs in this process, and
``DagsterInstance.add_event_listener`` hands over each event as it is stored): steps starting and
ending, dbt's models and tests as dagster-dbt streams them, GX suites; and, inside the ingest
step, from orchestration.progress (files read).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from orchestration.run_log import RunLog

STAGES = ("ingest", "dbt build", "GX checks", "publish", "site build")
STAGE_OF_STEP = {
    "raw_survey_data": "ingest",
    "finsam_dbt_assets": "dbt build",
    "published_snapshot": "publish",
    "evidence_site": "site build",
}


def stage_of(step_key: str) -> str | None:
    """The stage a step of finsam_job belongs to (every GX suite is a step `gx_<suite>`)."""
    if step_key.startswith("gx_"):
        return "GX checks"
    return STAGE_OF_STEP.get(step_key)


@dataclass
class Stage:
    name: str
    steps: set[str]
    total: int | None = None
    done: int = 0
    running: dict[str, float] = field(default_factory=dict)  # step -> when it started
    resolved: dict[str, str] = field(default_factory=dict)  # step -> ok, failed or skipped
    seconds: float = 0.0  # of the steps that have ended
    facts: Counter = field(default_factory=Counter)
    unchanged: str = ""  # what the run left as it was, in words
    retrying: bool = False
    finished: bool = False
    task: int | None = None

    @property
    def started(self) -> bool:
        return bool(self.running or self.resolved)

    def elapsed(self) -> float:
        now = time.time()
        return self.seconds + sum(now - start for start in tuple(self.running.values()))

    def description(self) -> str:
        count = ""
        if self.total:
            unit = {"ingest": " files read", "GX checks": " suites"}.get(self.name, "")
            count = f" {self.done:,}/{self.total:,}{unit}"
        return f"{self.name}{count}" + (" (retrying)" if self.retrying else "")


def step_outcome(event) -> str | None:
    """ok, failed or skipped for an event that ends a step; None for any other."""
    if event.is_step_success:
        return "ok"
    if event.is_step_failure:
        return "failed"
    if event.is_step_skipped:
        return "skipped"
    return None


def _value(metadata: Mapping, key: str):
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class StageDisplay:
    """Follows the run's events and shows one line per stage: a progress bar while it runs (on
    a terminal) and a line with its result and duration once it is done (also into the log)."""

    def __init__(self, terminal: TextIO, log: RunLog, live: bool = True):
        self._terminal = terminal
        self._log = log
        self._lock = threading.RLock()  # events come on the run's thread, redraws on rich's
        self.stages: dict[str, Stage] = {}
        self._progress = None
        self._starting = None
        encoding = getattr(terminal, "encoding", None) or "utf-8"
        try:
            "✓✗–".encode(encoding)
            self._marks = {"ok": "✓", "failed": "✗", "none": "–"}
        except (UnicodeEncodeError, LookupError):
            self._marks = {"ok": "ok", "failed": "x", "none": "-"}
        if live:
            from rich.console import Console

            console = Console(file=terminal, highlight=False)
            if console.is_interactive:  # a terminal: bars; a pipe or a file: plain lines
                self._progress = _rich_progress(console)

    def __enter__(self) -> StageDisplay:
        if self._progress is not None:
            self._progress.start()
            self._starting = self._progress.add_task("starting Dagster", total=None, stage=None)
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self.close()
        finally:
            if self._progress is not None:
                self._progress.stop()

    def expect(
        self,
        steps: Iterable[str],
        totals: Mapping[str, int],
        unchanged: Mapping[str, str] | None = None,
    ) -> None:
        """The job's steps (in order), the known totals of stages (dbt build: models, seeds
        and tests) and what a stage leaves as it was (said after its facts)."""
        by_stage: dict[str, set[str]] = {}
        for step in steps:
            stage = stage_of(step)
            if stage is not None:
                by_stage.setdefault(stage, set()).add(step)
        with self._lock:
            for name in STAGES:
                if name in by_stage:
                    total = len(by_stage[name]) if name == "GX checks" else totals.get(name)
                    self.stages[name] = Stage(
                        name, by_stage[name], total=total, unchanged=(unchanged or {}).get(name, "")
                    )

    def on_progress(self, stage_name: str, done: int, total: int) -> None:
        """A report from inside a step (orchestration.progress)."""
        with self._lock:
            stage = self.stages.get(stage_name)
            if stage is not None and not stage.finished:
                stage.done, stage.total = done, total
                self._update(stage)

    def on_event(self, entry) -> None:
        """One of the run's Dagster events (an EventLogEntry). The display never fails the run:
        whatever goes wrong here is written to the log."""
        try:
            with self._lock:
                self._on_event(entry)
        except Exception as error:  # noqa: BLE001
            self._log.note(f"finsam: the progress display could not follow an event: {error!r}")

    def _on_event(self, entry) -> None:
        from dagster import DagsterEventType  # loaded by the run by now

        event = entry.dagster_event
        if event is None or entry.step_key is None:
            return
        stage = self.stages.get(stage_of(entry.step_key) or "")
        if stage is None or stage.finished:
            return
        step = entry.step_key
        if event.is_step_start or event.is_step_restarted:
            stage.running[step] = entry.timestamp
            stage.retrying = False
            self._update(stage)
        elif event.is_step_up_for_retry:
            stage.seconds += entry.timestamp - stage.running.pop(step, entry.timestamp)
            stage.retrying = True
            self._update(stage)
        elif outcome := step_outcome(event):
            stage.seconds += entry.timestamp - stage.running.pop(step, entry.timestamp)
            stage.resolved[step] = outcome
            if stage.name == "GX checks" and outcome != "skipped":  # a suite validated
                stage.done += 1
            if set(stage.resolved) >= stage.steps:
                self._finish(stage)
            else:
                self._update(stage)
        elif event.is_step_materialization:
            self._materialized(stage, event.materialization.metadata)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            stage.facts["checks"] += 1
            if not evaluation.passed:
                severity = getattr(evaluation.severity, "value", evaluation.severity)
                stage.facts["failed" if severity == "ERROR" else "warnings"] += 1
            if stage.name == "dbt build":
                stage.done += 1
                self._update(stage)

    def _materialized(self, stage: Stage, metadata: Mapping) -> None:
        if stage.name == "dbt build":
            stage.facts["models"] += 1
            stage.done += 1
            self._update(stage)
        elif stage.name == "ingest" and "files_new" in metadata and "files" not in stage.facts:
            stage.facts.update(
                files=_value(metadata, "files_new") or 0,
                rejected=_value(metadata, "files_rejected") or 0,
                questionnaires=_value(metadata, "rows_loaded") or 0,
            )
        elif stage.name == "publish":
            counts = [_value(metadata, key) for key in metadata if key.startswith("rows_")]
            stage.facts.update(tables=len(counts), rows=sum(c for c in counts if c))
        elif stage.name == "site build":
            stage.facts["pages"] = _value(metadata, "html_pages") or 0

    def close(self) -> None:
        """The run is over: a line for every stage not yet finished, in order."""
        with self._lock:
            if self._starting is not None:
                self._progress.remove_task(self._starting)
                self._starting = None
            for stage in self.stages.values():
                if not stage.finished:
                    self._finish(stage)

    # -- drawing --

    def _update(self, stage: Stage) -> None:
        if self._progress is None:
            return
        if self._starting is not None:
            self._progress.remove_task(self._starting)
            self._starting = None
        if stage.task is None:
            stage.task = self._progress.add_task(
                stage.description(), total=stage.total, stage=stage
            )
        self._progress.update(
            stage.task, description=stage.description(), completed=stage.done, total=stage.total
        )

    def _finish(self, stage: Stage) -> None:
        stage.finished = True
        mark, text = self._outcome(stage)
        line = f"{self._marks[mark]} {stage.name:<10} {text}"
        if stage.started:
            line += f"  {duration(stage.elapsed())}"
        self._log.note(line)
        if self._progress is None:
            self._terminal.write(line + "\n")
            self._terminal.flush()
            return
        from rich.text import Text

        if stage.task is not None:
            self._progress.remove_task(stage.task)
            stage.task = None
        style = {"ok": "green", "failed": "red", "none": "dim"}[mark]
        self._progress.console.print(Text(line, style=style))

    def _outcome(self, stage: Stage) -> tuple[str, str]:
        outcomes = set(stage.resolved.values())
        progress = f" at {stage.done:,}/{stage.total:,}" if stage.total else ""
        if "failed" in outcomes:
            return "failed", f"failed{progress}" + self._facts(stage, prefix="; ")
        if not stage.started:
            return "none", "not run"
        if outcomes == {"skipped"}:
            return "none", "skipped: nothing new to transform, check or publish"
        if set(stage.resolved) < stage.steps:  # an earlier step failed: the rest never ran
            done = f"{stage.done:,}/{stage.total:,} done" if stage.total else "partly done"
            return "none", f"{done}, the rest not run" + self._facts(stage, prefix="; ")
        return ("failed" if stage.facts["failed"] else "ok"), self._facts(stage)

    def _facts(self, stage: Stage, prefix: str = "") -> str:
        facts = stage.facts
        if stage.name == "ingest":
            if not facts["files"]:
                return "" if prefix else "no new files"
            text = (
                f"{_plural(facts['files'], 'file')} read, "
                f"{_plural(facts['questionnaires'], 'questionnaire')} loaded"
            )
            if facts["rejected"]:
                text += f", {_plural(facts['rejected'], 'file')} refused"
        elif stage.name == "dbt build":
            if not facts["models"] and not facts["checks"]:
                return ""
            text = f"{facts['models']:,} models and seeds, {_plural(facts['checks'], 'test')}"
            if stage.unchanged:
                text += f" ({stage.unchanged})"
        elif stage.name == "GX checks":
            suites = f"{_plural(stage.done, 'suite')}, " if not prefix else ""
            text = f"{suites}{_plural(facts['checks'], 'check')}" if facts["checks"] else ""
        elif stage.name == "publish":
            if "tables" not in facts:
                return ""
            text = f"snapshot of {facts['tables']} tables, {facts['rows']:,} rows"
        else:
            if "pages" not in facts:
                return ""
            text = f"{_plural(facts['pages'], 'page')}"
        if facts["failed"]:
            text += f", {facts['failed']:,} failed"
        if facts["warnings"]:
            text += f", {_plural(facts['warnings'], 'warning')}"
        return prefix + text if text else ""


def _rich_progress(console):
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn
    from rich.text import Text

    class StageTime(ProgressColumn):
        """The stage's own time: the sum of its steps' (GX checks run before and after dbt)."""

        def render(self, task) -> Text:
            stage = task.fields.get("stage")
            return Text(duration(stage.elapsed()) if stage else "", style="progress.elapsed")

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        StageTime(),
        console=console,
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
        refresh_per_second=4,
    )
