"""Run the Dagster job in this process and report what happened in a few lines.

The terminal shows one line per stage and the summary; the full output of Dagster, dbt and GX
goes to the run's log file under HOME/logs (orchestration/run_log.py)."""

import time
import uuid
from collections import Counter
from contextlib import ExitStack, nullcontext

import click

from orchestration.failures import failed_check_sentence
from orchestration.ingest.retention import apply_retention
from orchestration.instance import prepare_dagster_home
from orchestration.lock import WriterBusy, writer_lock
from orchestration.noop import NOTHING_NEW, up_to_date_publication
from orchestration.publish import publications
from orchestration.publish.snapshot import pending_sentence
from orchestration.run_log import RunLog, open_run_log
from orchestration.settings import Settings
from orchestration.warehouse import connect, warehouse_exists, where

# Dagster and dbt are imported when a job is executed, not before: a run with nothing new
# answers without them (see orchestration.noop).

MAX_FILES_LISTED = 40
# Everything Dagster logs, its events (DEBUG) included, goes to the run's log file.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}


def run_pipeline(
    settings: Settings, with_site: bool = True, rebuild: bool = False, verbose: bool = False
) -> int:
    """Execute finsam_job (or the job without the site); return a process exit code. `verbose`
    shows the run's log live, not only the stage lines."""
    prepare_dagster_home(settings)
    started = time.perf_counter()
    run_id = str(uuid.uuid4())  # known before the run starts, so that its events can be followed
    with ExitStack() as stack:
        try:
            with writer_lock(settings, log=click.echo):
                # the retention rules hold on every run, one with nothing new too
                retention = apply_retention(settings)
                if retention.anything:
                    click.echo(f"finsam: {retention.summary()}")
                unchanged = None if rebuild else up_to_date_publication(settings, with_site)
                label = run_id if unchanged is None else "noop"
                log = stack.enter_context(open_run_log(settings, label))
                result = None
                if unchanged is None:
                    job = "finsam_job" if with_site else "finsam_job_without_site"
                    result = execute(settings, job, log, run_id, rebuild=rebuild, verbose=verbose)
        except WriterBusy as busy:
            click.secho(f"finsam: {busy}", fg="red")
            return 1
        stack.enter_context(log.mirrored())
        elapsed = time.perf_counter() - started
        return report(settings, log, result, unchanged, with_site, elapsed)


def run_job_alone(settings: Settings, job: str, what: str, verbose: bool = False) -> int:
    """Run a job that only loads files (`ingest_job`) or only maintains the warehouse
    (`maintenance_job`) and say how it went. Loads of a shared lake run side by side; anything
    else holds the home's writer lock, and maintenance also waits for the Dagster pool."""
    prepare_dagster_home(settings)
    started = time.perf_counter()
    run_id = str(uuid.uuid4())
    loads_only = job == "ingest_job"
    alongside = loads_only and settings.shared_writers
    with ExitStack() as stack:
        try:
            with nullcontext() if alongside else writer_lock(settings, log=click.echo):
                log = stack.enter_context(open_run_log(settings, run_id))
                result = execute(
                    settings, job, log, run_id, verbose=verbose, hold_writer_lock=not alongside
                )
        except WriterBusy as busy:
            click.secho(f"finsam: {busy}", fg="red")
            return 1
        stack.enter_context(log.mirrored())
        elapsed = time.perf_counter() - started
        if loads_only:
            print_file_summary(settings, result.run_id)
        problems, _ = check_failures(result)
        if not result.success or problems:
            click.secho(f"\nfinsam: {what} {result.run_id} FAILED after {elapsed:.0f} s:", fg="red")
            for problem in problems or ["the run failed; see its log"]:
                click.echo(f"  - {problem}")
            print_log(log)
            return 1
        click.secho(f"\nfinsam: {what} {result.run_id} succeeded in {elapsed:.0f} s.", fg="green")
        if loads_only:
            click.echo("  `finsam run` builds and publishes the marts from what is loaded.")
        print_log(log)
        return 0


def report(settings, log: RunLog, result, unchanged, with_site: bool, elapsed: float) -> int:
    """The summary after the run (also written into its log); the exit code."""
    if unchanged is not None:
        click.echo("No new files in the landing folder.")
        if unchanged == publications.current(settings):
            click.echo(f"{NOTHING_NEW}: {unchanged.name} stays current.")
        else:
            click.echo(f"{NOTHING_NEW}: {pending_sentence(settings, unchanged)}")
        click.echo("  No Dagster run was needed; `finsam run --rebuild` does the work anyway.")
        click.secho(f"\nfinsam: nothing to do, checked in {elapsed:.1f} s.", fg="green")
        print_locations(settings, with_site)
        print_log(log)
        return 0

    problems, warnings = check_failures(result)
    failed = not result.success or bool(problems)
    if failed:
        # the first line says why nothing was published, before the per-file summary
        headline = blocking_check_sentence(settings, result.run_id) or (
            problems[0] if problems else "the run failed; see its log"
        )
        click.secho(f"\nfinsam: run {result.run_id} FAILED: {headline}", fg="red")
    print_file_summary(settings, result.run_id)
    for name in waiting_files(result):
        click.secho(
            f"  waiting   {name}: changed while the run looked at it (an upload in progress?); "
            "the next run takes it",
            fg="yellow",
        )
    for retry in retried_steps(result):
        click.secho(f"  retried: {retry}", fg="yellow")
    for warning in warnings:
        click.secho(f"  warning: {warning}", fg="yellow")
    if failed:
        click.secho(f"\nfinsam: run {result.run_id} FAILED after {elapsed:.0f} s:", fg="red")
        for problem in problems or ["the run failed; see its log"]:
            click.echo(f"  - {problem}")
        click.echo("The previously published snapshot and site were left as they were.")
        print_log(log)
        return 1
    if skipped_for_nothing_new(result):
        click.echo(f"{NOTHING_NEW}: {publications.current(settings).name} stays current.")
    waiting = publications.pending(settings)
    if waiting is not None and publications.description(waiting).get("run_id") == result.run_id:
        click.secho(pending_sentence(settings, waiting), fg="yellow")
    click.secho(f"\nfinsam: run {result.run_id} succeeded in {elapsed:.0f} s.", fg="green")
    print_locations(settings, with_site)
    print_log(log)
    return 0


def blocking_check_sentence(settings: Settings, run_id: str) -> str | None:
    """The first blocking check (GX or dbt) the run failed, in one sentence with its table and a
    failing row (audit.check_results); None when no check stopped the run."""
    if not warehouse_exists(settings):
        return None
    try:
        con = connect(settings, read_only=True)
    except Exception:  # noqa: BLE001 - the other lines still say what failed
        return None
    try:
        found = con.execute(
            """
            select check_name, asset_key, unexpected_count, example_rows
            from audit.check_results
            where run_id = ? and not passed and severity = 'error'
                and coalesce(observed_value, '') <> 'skipped'  -- dbt skips tests of failed models
            order by checked_at, rowid
            limit 1
            """,
            [run_id],
        ).fetchone()
    except Exception:  # noqa: BLE001 - no audit table yet
        found = None
    finally:
        con.close()
    return None if found is None else failed_check_sentence(*found)


def print_log(log: RunLog) -> None:
    click.echo(f"  log of this run (Dagster, dbt, GX): {log.where}")


def print_locations(settings: Settings, with_site: bool) -> None:
    click.echo(f"  warehouse: {where(settings)}  (schemas marts, audit, raw)")
    click.echo(f"  published snapshot: {settings.published_path}")
    click.echo(f"  dbt docs for analysts: {settings.dbt_docs_path}  (open it in a browser)")
    if with_site:
        click.echo(
            f"  site: {settings.site_dir}  (serve it with `make site`, then open "
            "http://127.0.0.1:3000)"
        )
    click.echo("  Dagster UI with this run's history: `make dev`")


def execute(
    settings: Settings,
    job_name: str,
    log: RunLog,
    run_id: str,
    rebuild: bool = False,
    verbose: bool = False,
    hold_writer_lock: bool = True,
):
    """One in-process run of a job of the code location, with this home's settings: its output
    into `log`, one line per stage on the terminal (all of the log too when `verbose`)."""
    from orchestration import progress
    from orchestration.run_display import StageDisplay
    from orchestration.run_log import captured_output

    heading = f"finsam: running {job_name} (home {settings.home}, landing {settings.landing})"
    click.echo(heading)
    log.note(heading)
    with (
        captured_output(log, verbose=verbose) as terminal,
        StageDisplay(terminal, log, live=not verbose) as display,
    ):
        import dagster as dg

        from orchestration.dbt_project import prepare_manifest
        from orchestration.defs.resources import run_config_for

        prepare_manifest()
        from orchestration.definitions import defs

        job = defs.resolve_job_def(job_name)
        selection = expect_stages(settings, job, rebuild, display, log)
        instance = dg.DagsterInstance.get()
        instance.add_event_listener(run_id, display.on_event)
        with progress.listening(display.on_progress):
            return job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_id=run_id,
                asset_selection=selection,
                run_config={
                    **RUN_CONFIG,
                    **run_config_for(settings, rebuild=rebuild, hold_writer_lock=hold_writer_lock),
                },
            )


def expect_stages(settings: Settings, job, rebuild: bool, display, log: RunLog):
    """Tell the display the job's steps and how many dbt nodes the run builds and tests; the
    run's asset selection (None: the whole job)."""
    from orchestration.defs.transform import finsam_dbt_assets, project_changed_since_last_build
    from orchestration.project_nodes import project_only_keys, selection_without_project_nodes

    selection = selection_without_project_nodes(
        settings,
        job,
        finsam_dbt_assets,
        rebuild=rebuild,
        project_changed=project_changed_since_last_build(settings),
    )
    dbt_nodes = len(finsam_dbt_assets.keys) + len(finsam_dbt_assets.check_keys)
    unchanged = {}
    if selection is not None:
        assets, checks = project_only_keys(finsam_dbt_assets)
        dbt_nodes -= len(assets) + len(checks)
        unchanged["dbt build"] = f"{len(assets)} and {len(checks)} unchanged"
        log.note(
            f"finsam: the dbt project is the one the last build used: its {len(assets)} models "
            f"and seeds that read no source, and their {len(checks)} tests, are left as that "
            "build made and checked them (README, What a run skips)."
        )
    steps = [node.name for node in job.nodes_in_topological_order]
    display.expect(steps, {"dbt build": dbt_nodes}, unchanged)
    return selection


def skipped_for_nothing_new(result) -> bool:
    """The ingest step found nothing new and the current publication is up to date, so the
    transformation and everything after it were skipped."""
    return any(
        event.is_step_skipped and event.step_key == "finsam_dbt_assets"
        for event in result.all_events
    )


def check_failures(result) -> tuple[list[str], list[str]]:
    """Failed steps and blocking (error) checks, and separately the warnings."""
    import dagster as dg

    errors, warnings = [], []
    for event in result.all_events:
        if event.is_step_failure:
            errors.append(f"step {event.step_key}: {root_cause(event.step_failure_data.error)}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if evaluation.passed:
                continue
            examples = (evaluation.metadata or {}).get("examples")
            line = f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}" + (
                f"; examples: {examples.value}" if examples is not None else ""
            )
            is_error = evaluation.severity == dg.AssetCheckSeverity.ERROR
            (errors if is_error else warnings).append(line)
    return errors, warnings


FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "


def root_cause(error) -> str:
    """The user's problem, not Dagster's wrappers around it: the sentence of the first
    dagster.Failure a step raised (orchestration/failures.py), else the innermost error."""
    if error is None:
        return "unknown error"
    while error.cause is not None and error.cls_name != "Failure":
        error = error.cause
    return error.message.strip().removeprefix(FAILURE_PREFIX).strip()


def retried_steps(result) -> list[str]:
    """One line per retry the job's retry policy made, with what failed."""
    lines = []
    attempts = Counter()
    for event in result.all_events:
        if event.is_step_up_for_retry:
            attempts[event.step_key] += 1
            error = event.step_retry_data.error
            lines.append(
                f"step {event.step_key} failed (attempt {attempts[event.step_key]}) and was "
                f"run again: {root_cause(error)}"
            )
    return lines


def waiting_files(result) -> list[str]:
    """Files the ingest step left for the next run because they were still changing."""
    for event in result.all_events:
        if not event.is_step_materialization:
            continue
        entry = event.materialization.metadata.get("files_waiting")
        if entry is not None:
            return list(entry.value)
    return []


def needs_a_look(file: tuple) -> bool:
    """A file not loaded, or loaded with rows counted for another association than it names."""
    status, attributed = file[0], file[8]
    return status != "loaded" or attributed > 0


def print_file_summary(settings: Settings, run_id: str) -> None:
    if not warehouse_exists(settings):
        return
    con = connect(settings, read_only=True)
    try:
        rows = con.execute(
            """
            select status, file_name, rows_read, rows_loaded, rows_rejected, rows_duplicate,
                   answers_rejected, message, rows_attributed
            from audit.file_loads where run_id = ? order by load_id
            """,
            [run_id],
        ).fetchall()
    except Exception:  # no audit table yet: ingest did not get that far
        rows = []
    finally:
        con.close()
    if not rows:
        click.echo("\nNo new files in the landing folder.")
        return
    statuses = Counter(row[0] for row in rows)
    click.echo(
        f"\nFiles this run: {len(rows)} ({statuses['loaded']} loaded, {statuses['rejected']} "
        f"rejected, {statuses['duplicate']} duplicate); rows: {sum(r[3] for r in rows)} loaded, "
        f"{sum(r[4] for r in rows)} rejected, {sum(r[5] for r in rows)} duplicate; "
        f"{sum(r[6] for r in rows)} single answers rejected; {sum(r[8] for r in rows)} loaded "
        "rows counted for the association the named one merged into."
    )
    # Every file when there are few; otherwise only those that need a look.
    shown = rows if len(rows) <= MAX_FILES_LISTED else [r for r in rows if needs_a_look(r)]
    for status, name, read, loaded, rejected, duplicate, answers, message, attributed in shown:
        colour = {"rejected": "red", "duplicate": "yellow"}.get(status)
        click.secho(
            f"  {status:9} {name}: {read} rows read, {loaded} loaded, {rejected} rejected, "
            f"{duplicate} duplicate, {answers} answers rejected"
            + (f", {attributed} counted for a successor" if attributed else ""),
            fg=colour,
        )
        if status != "loaded" or attributed:
            click.echo(f"            {message}")
    if len(shown) < len(rows):
        click.echo(f"  ... and {len(rows) - len(shown)} files loaded (listed in audit.file_loads)")
    click.echo(
        "Details: tables audit.file_loads, audit.rejected_records and audit.attributed_records in "
        f"{where(settings)}"
    )
