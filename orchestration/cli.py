"""The `finsam` command line: demo data and the pipeline without the UI."""

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from orchestration.cli_sv import SwedishCommand
from orchestration.lock import WriterBusy, writer_lock
from orchestration.settings import SettingsError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Indikatorer för finansiell samordning: load survey exports, build indicators, publish."""


@main.command("demo-data")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder to write the synthetic raw exports into (created if missing).",
)
@click.option(
    "--seed",
    type=int,
    default=2017,
    show_default=True,
    help="Random seed; the same seed gives byte-identical files.",
)
@click.option(
    "--first-year", type=int, default=2017, show_default=True, help="First measurement year."
)
@click.option(
    "--last-year", type=int, default=2025, show_default=True, help="Last measurement year."
)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Multiply the yearly volumes, e.g. 10 for benchmarks.",
)
def demo_data(out_dir: Path, seed: int, first_year: int, last_year: int, scale: float) -> None:
    """Write synthetic raw exports the way associations send them."""
    from orchestration.demo_data import write_demo_exports

    started = time.perf_counter()
    try:
        summary = write_demo_exports(
            out_dir, seed=seed, first_year=first_year, last_year=last_year, scale=scale
        )
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    for line in summary.lines():
        click.echo(line)
    click.echo(f"Wrote demo exports to {out_dir} in {time.perf_counter() - started:.1f} s.")


# The home folder option of every command that touches pipeline state.
home_option = click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for all pipeline state [default: ./data or FINSAM_HOME].",
)


def _settings_or_usage_error(home: Path | None, landing: Path | None = None):
    """The settings, or a usage error (exit status 2) naming the wrong setting."""
    try:
        return load_settings(home=home, landing=landing)
    except SettingsError as error:
        raise click.UsageError(str(error)) from error


# What `finsam run` and `finsam reload-year` show while the job runs.
verbose_option = click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Show the full log of Dagster, dbt and GX live, not only one line per stage (the log "
    "file under HOME/logs is written either way).",
)


@contextmanager
def outside_failures(home: Path | None = None) -> Iterator[None]:
    """A full disk or an unwritable home folder met outside a step (a file of the home, or
    Dagster's run storage in it): one sentence, exit status 1."""
    from orchestration.failures import explain

    try:
        yield
    except (click.ClickException, click.exceptions.Exit):
        raise
    except Exception as error:
        sentence = explain(error, folder=home)
        if sentence is None:
            raise
        raise click.ClickException(sentence) from error


@contextmanager
def as_the_writer(settings, *refusals: type[Exception]) -> Iterator[None]:
    """The block holds the writer lock, with outside_failures around it. Another writer that
    holds the lock too long, or one of `refusals` (errors whose message is a sentence for the
    user), ends the command with that sentence and exit status 1."""
    try:
        with outside_failures(settings.home), writer_lock(settings, log=click.echo):
            yield
    except (WriterBusy, *refusals) as error:
        raise click.ClickException(str(error)) from error


landing_option = click.option(
    "--landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of raw exports to load [default: HOME/landing or FINSAM_LANDING].",
)


@main.command("run")
@landing_option
@home_option
@click.option("--no-site", is_flag=True, help="Skip the Evidence site build.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Transform, check and publish even when nothing is new since the current publication.",
)
@verbose_option
def run(
    landing: Path | None, home: Path | None, no_site: bool, rebuild: bool, verbose: bool
) -> None:
    """Run the whole pipeline once (the job `dagster dev` shows), without the UI.

    Prints one line per stage (ingest, dbt build, GX checks, publish, site build) with its
    progress, result and duration, then a summary per file, the warnings and failures, and where
    everything is. The full output of Dagster, dbt and Great Expectations goes to a log file,
    HOME/logs/run-<UTC time>-<run id>.log (the newest 30 are kept), whose path is printed at the
    end; --verbose shows it live as well."""
    settings = _settings_or_usage_error(home, landing)
    if landing is not None and not settings.landing.is_dir():
        raise click.UsageError(f"--landing {settings.landing} is not a folder.")
    settings.export_environment()

    from orchestration.runner import run_pipeline

    with outside_failures(settings.home):
        settings.ensure_dirs()
        code = run_pipeline(settings, with_site=not no_site, rebuild=rebuild, verbose=verbose)
    sys.exit(code)


@main.command("ingest")
@landing_option
@home_option
@verbose_option
def ingest_command(landing: Path | None, home: Path | None, verbose: bool) -> None:
    """Load the new files of a landing folder, and nothing else (the Dagster job ingest_job).

    In a lake with a PostgreSQL catalog, several operators load at once, each from their own
    landing folder (one per region): files and rows are neither lost nor doubled, and a load that
    meets another at the same moment is tried again. Otherwise it waits for the writer lock like
    any run. `finsam run` then builds and publishes."""
    settings = _settings_or_usage_error(home, landing)
    if landing is not None and not settings.landing.is_dir():
        raise click.UsageError(f"--landing {settings.landing} is not a folder.")
    _run_alone(settings, "ingest_job", "load", verbose)


@main.command("maintain")
@home_option
@verbose_option
def maintain_command(home: Path | None, verbose: bool) -> None:
    """Maintain the warehouse (the Dagster job maintenance_job): in a lake, merge small files,
    expire snapshots older than 30 days unless a kept publication was built from one, and delete
    files nothing needs any more; a checkpoint of the embedded warehouse. One at a time with
    every other writer."""
    _run_alone(_settings_or_usage_error(home), "maintenance_job", "maintenance", verbose)


def _run_alone(settings, job: str, what: str, verbose: bool) -> None:
    """Run one job of the code location by itself (runner.run_job_alone) and exit with its code."""
    settings.export_environment()
    from orchestration.runner import run_job_alone

    with outside_failures(settings.home):
        settings.ensure_dirs()
        code = run_job_alone(settings, job, what, verbose=verbose)
    sys.exit(code)


@main.command("copy-warehouse")
@click.option(
    "--to",
    "to_mode",
    required=True,
    type=click.Choice(["embedded", "lake"]),
    help="Where to copy the warehouse: the embedded file, or the lake FINSAM_LAKE_* name.",
)
@home_option
def copy_warehouse_command(to_mode: str, home: Path | None) -> None:
    """Copy the warehouse's loaded data (schemas raw and audit) from where FINSAM_WAREHOUSE_MODE
    keeps it now into an empty warehouse in another mode. Then set FINSAM_WAREHOUSE_MODE to that
    mode and run `finsam run --rebuild`, which builds the marts there and publishes."""
    from orchestration.ingest.move import MoveError, copy_warehouse

    settings = _settings_or_usage_error(home)
    settings.export_environment()
    try:
        with outside_failures(settings.home), writer_lock(settings, log=click.echo):
            counts = copy_warehouse(settings, to_mode)
    except MoveError as error:
        raise click.ClickException(str(error)) from error
    except WriterBusy as busy:
        click.secho(f"finsam: {busy}", fg="red")
        sys.exit(1)
    rows = sum(counts.values())
    click.echo(
        f"finsam: copied {len(counts)} tables, {rows} rows, into the {to_mode} warehouse. Now "
        f"set FINSAM_WAREHOUSE_MODE={to_mode} and run `finsam run --rebuild`; keep the old "
        "warehouse until the new publication shows no changes."
    )


@main.command("sql")
@click.argument("query")
@home_option
@click.option(
    "--as-of",
    "as_of",
    metavar="PUBLICATION",
    help="Read the lake as it was when this publication was built (see `finsam publications`).",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print the result as CSV for scripts.")
def sql_command(query: str, home: Path | None, as_of: str | None, as_csv: bool) -> None:
    """Run a read-only query against the warehouse, wherever it is kept (the catalog
    `warehouse`: schemas marts, audit, raw). In a lake it reads while runs write, and with
    --as-of as of any kept publication."""
    import duckdb

    from orchestration.publish.history import kept
    from orchestration.warehouse import WarehouseError, connect

    settings = _settings_or_usage_error(home)
    snapshot = None
    if as_of is not None:
        found = {p.name: p for p in kept(settings)}
        if as_of not in found:
            raise click.UsageError(
                f"--as-of {as_of}: no such publication is kept; `finsam publications` lists them."
            )
        snapshot = found[as_of].lake_snapshot
        if snapshot is None:
            raise click.UsageError(
                f"--as-of {as_of}: that publication records no lake snapshot (it was built from "
                "an embedded warehouse); its own snapshot file is "
                f"{found[as_of].path / 'finsam.duckdb'}."
            )
    try:
        con = connect(settings, read_only=True, snapshot=snapshot)
    except (WarehouseError, duckdb.Error) as error:
        raise click.ClickException(str(error)) from error
    try:
        result = con.sql(query)
        if result is None:
            return
        if as_csv:
            import csv

            writer = csv.writer(sys.stdout)
            writer.writerow(result.columns)
            writer.writerows(result.fetchall())
        else:
            result.show(max_rows=200, max_width=200)
    except duckdb.Error as error:
        raise click.ClickException(str(error).splitlines()[0]) from error
    finally:
        con.close()


@main.command("reload-year")
@click.argument("years", metavar="YEAR...", nargs=-1, required=True, type=int)
@home_option
@click.option(
    "--raw-only",
    is_flag=True,
    help="Only reload the raw rows; rebuild the marts later with `finsam run`.",
)
@click.option(
    "--no-site",
    is_flag=True,
    help="Do not rebuild the site: while a site is served, its publication then stays current "
    "for the snapshot too, and the new one waits for `finsam run`.",
)
@verbose_option
def reload_year_command(
    years: tuple[int, ...], home: Path | None, raw_only: bool, no_site: bool, verbose: bool
) -> None:
    """Reload measurement years from the archived files with the current catalogue, then rebuild
    the marts, the published snapshot and, when a site is served, the site (finsam_job): readers
    of the site and of the snapshot see the same publication."""
    from orchestration.catalog import load_catalog
    from orchestration.ingest.reload import ReloadError, check_year, reload_year

    try:
        settings = load_settings(home=home)
        for year in years:
            check_year(year)
    except (SettingsError, ReloadError) as error:
        raise click.UsageError(str(error)) from error
    settings.export_environment()
    catalog = load_catalog()
    with as_the_writer(settings, ReloadError):
        for year in sorted(set(years)):
            report = reload_year(settings, catalog, year)
            click.echo(f"finsam: {report.summary()}")
        if raw_only:
            click.echo("The marts were not rebuilt: run `finsam run` to rebuild and publish them.")
            return

        from orchestration.publish.publications import site_served
        from orchestration.runner import run_pipeline

        settings.ensure_dirs()
        with_site = site_served(settings) and not no_site
        code = run_pipeline(settings, with_site=with_site, verbose=verbose)
    sys.exit(code)


def _files_to_check(files: tuple[Path, ...]) -> list[Path]:
    """The files, or a Swedish usage error (exit status 2) for the first that cannot be read.
    (click.Path would say it in English; the people who run `finsam check` read Swedish.)"""
    from orchestration.cli_sv import SwedishUsageError

    if not files:
        raise SwedishUsageError(
            "Ange minst en fil att kontrollera, till exempel: finsam check export.csv"
        )
    for path in files:
        if not path.exists():
            raise SwedishUsageError(f"Filen {path} finns inte. Kontrollera namnet och mappen.")
        if path.is_dir():
            raise SwedishUsageError(
                f"{path} är en mapp, inte en fil. Ange filerna i den, en och en."
            )
        if not os.access(path, os.R_OK):
            raise SwedishUsageError(
                f"Filen {path} går inte att läsa: du saknar behörighet att öppna den."
            )
    return list(files)


@main.command("check", cls=SwedishCommand, options_metavar="[FLAGGOR]")
@click.argument("files", metavar="FIL...", nargs=-1, type=click.Path(path_type=Path))
def check_command(files: tuple[Path, ...]) -> None:
    """Kontrollera exportfiler innan du skickar dem.

    Läser filerna precis som inläsningen i datalagret gör och säger, med inläsningens egna
    meningar, vad som skulle läsas in, vad som skulle avvisas och varför. Ingenting sparas och
    ingenting skickas. Filerna kan vara CSV, XLSX eller JSON Lines och kontrolleras i den ordning
    de anges. Se docs/kontrollera-exporten.md.

    Slutstatus: 0 när alla filer kan läsas in utan anmärkning, 1 när något skulle avvisas eller
    räknas som dubblett, 2 när en fil inte finns eller inte går att läsa."""
    from orchestration.catalog import load_catalog
    from orchestration.cli_sv import SwedishUsageError
    from orchestration.ingest.check import check_files
    from orchestration.ingest.messages import count
    from orchestration.ingest.sources.report import source_lines

    paths = _files_to_check(files)
    try:
        checked = check_files(paths, load_catalog())
    except ValueError as error:  # a wrong FINSAM_MAX_FILE_MB, a broken declaration and the like
        raise SwedishUsageError(str(error)) from error
    label = {"loaded": "läses in", "rejected": "AVVISAS", "duplicate": "dubblett"}
    for result in checked:
        verdict = label.get(result.status, result.status)
        if result.status == "loaded" and result.refusals:
            verdict = "läses in, med anmärkningar"
        click.secho(
            f"{result.path}: {verdict}",
            fg="green" if not result.anything_refused else "red",
            bold=True,
        )
        click.echo(f"  {result.summary}")
        for line in source_lines(result.source):
            click.echo(f"  {line}")
        for sentence in result.refusals:
            if sentence != result.summary:  # a refused file's one sentence is its summary
                click.echo(f"  - {sentence}")
    whole = sum(1 for result in checked if not result.anything_refused)
    click.echo(
        f"\n{whole} av {count(len(checked), 'fil', 'filer')} läses in utan anmärkning. "
        "Ingenting har sparats; anmärkningarna ovan är de som inläsningen skulle göra."
    )
    sys.exit(0 if whole == len(checked) else 1)


@main.command("sources")
@click.option(
    "--dir",
    "sources_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The registry folder (default: FINSAM_SOURCES, else sources/ in the project).",
)
def sources_command(sources_dir: Path | None) -> None:
    """List the survey tools the loader recognises and the declared surveys (which association
    and respondent group each belongs to), and validate them against the catalogue.

    Exit status: 0 when every declaration is valid, 1 with one sentence per problem (file,
    entry, field) when not."""
    from orchestration.catalog import load_catalog
    from orchestration.ingest.sources.registry import RegistryError
    from orchestration.ingest.sources.report import registry_lines

    catalog = load_catalog(sources_dir=sources_dir)
    try:
        registry = catalog.sources
    except RegistryError as error:
        click.secho(
            f"{len(error.problems)} fel i {catalog.sources_dir}:", fg="red", bold=True, err=True
        )
        for problem in error.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(1)
    for line in registry_lines(registry):
        click.echo(line)
    click.secho("Alla deklarationer är giltiga.", fg="green")


@main.command("withdraw")
@click.argument("file_or_sha", metavar="FILE_OR_SHA")
@click.option("--reason", default=None, help="Why, in a few words; kept in audit.withdrawals.")
@click.option("--undo", is_flag=True, help="Bring a withdrawn file back instead.")
@home_option
def withdraw_command(file_or_sha: str, reason: str | None, undo: bool, home: Path | None) -> None:
    """Take a loaded file's questionnaires out of the current data (a test export, the wrong
    association or year), or with --undo bring them back. FILE_OR_SHA is the file's SHA-256 (or
    its first 8+ characters), its name as loaded, or a path to its bytes. Earlier versions of the
    same responses count again; who, why and when go to audit.withdrawals; the rows and the
    archived copy are kept. The next `finsam run` republishes.

    Exit status: 0 when done, 1 when there is nothing to withdraw or undo (one sentence says
    why), 2 for a wrong option or setting."""
    from orchestration.catalog import load_catalog
    from orchestration.ingest.withdraw import WithdrawError, withdraw

    settings = _settings_or_usage_error(home)
    settings.export_environment()
    with as_the_writer(settings, WithdrawError):
        report = withdraw(settings, load_catalog(), file_or_sha, reason, undo=undo)
    click.echo(f"finsam: {report.summary()}")
    if not undo:
        click.echo(
            "  The same bytes sent again count as a duplicate; "
            f"`finsam withdraw --undo {report.sha256[:12]}` brings the file back."
        )
    click.echo(
        "Run `finsam run` to rebuild the marts and publish without it."
        if not undo
        else "Run `finsam run` to rebuild the marts and publish with it."
    )


@main.command("purge")
@click.argument("file_or_sha", metavar="FILE_OR_SHA")
@click.option(
    "--reason",
    default=None,
    help="Why (a data subject's request, a mistaken upload); required, kept in audit.purges.",
)
@click.option(
    "--by",
    default=None,
    help="Who purges [default: FINSAM_OPERATOR or the login name]; kept in audit.purges.",
)
@click.option(
    "--landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The landing folder the file came through, where its copy is deleted too "
    "[default: HOME/landing or FINSAM_LANDING].",
)
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
@click.option(
    "--allow-again",
    is_flag=True,
    help="Lift a purge: the same bytes in the landing folder are read again by the next run.",
)
@home_option
def purge_command(
    file_or_sha: str,
    reason: str | None,
    by: str | None,
    landing: Path | None,
    dry_run: bool,
    yes: bool,
    allow_again: bool,
    home: Path | None,
) -> None:
    """Delete a file for real: its questionnaires, answers, open texts and refusals from every
    table of the warehouse, and its copy in the archive (a data subject's request, a mistaken
    upload). FILE_OR_SHA names the file as `finsam withdraw` does: its SHA-256 (or its first 8+
    characters), its name as loaded, or a path to its bytes. It cannot be undone; audit.purges
    keeps who, when, why and how much, never the content. The same bytes put back into the
    landing folder are refused until `finsam purge --allow-again FILE_OR_SHA --reason ...`.
    Publications made before stay as they were; the next `finsam run` publishes without the file.

    Exit status: 0 when done (or for --dry-run), 1 when there is nothing to purge, the purge was
    not confirmed or another writer held the lock too long, 2 for a wrong option or setting."""
    from orchestration.ingest.purge import PurgeError, plan_purge

    settings = _settings_or_usage_error(home, landing)
    settings.export_environment()
    if not dry_run and not (reason or "").strip():
        raise click.UsageError("--reason is required: say why, it is kept in audit.purges.")
    if allow_again:
        _allow_again(settings, file_or_sha, reason, by)
        return
    with as_the_writer(settings, PurgeError):
        plan = plan_purge(settings, file_or_sha)
        head, *rest = plan.lines()
        click.echo(f"finsam purge {'would delete' if dry_run else 'deletes'} {head}.")
        for line in rest:
            click.echo(f"  {line}.")
        if dry_run:
            click.echo("Dry run: nothing was changed.")
            return
        if not yes:
            if not sys.stdin.isatty():
                raise click.ClickException(
                    "A purge cannot be undone: confirm with --yes (nothing was changed)."
                )
            if not click.confirm("This cannot be undone. Purge?", default=False):
                raise click.ClickException("Not confirmed: nothing was changed.")
        report = _purge(settings, file_or_sha, reason, by)
    click.echo(f"finsam: {report.summary()}")
    click.echo(
        f"  The same bytes put back into the landing folder are refused; `finsam purge "
        f"--allow-again {report.plan.sha256[:12]} --reason ...` would let them in again."
    )
    click.echo(
        "  Earlier publications stay as they were published; run `finsam run` to publish "
        "without the file."
    )


def _purge(settings, file_or_sha: str, reason: str, by: str | None):
    from orchestration.catalog import load_catalog
    from orchestration.ingest.purge import purge

    return purge(settings, load_catalog(), file_or_sha, reason, by=by)


def _allow_again(settings, file_or_sha: str, reason: str, by: str | None) -> None:
    from orchestration.ingest.purge import PurgeError, allow_again

    with as_the_writer(settings, PurgeError):
        purge_id, name, sha = allow_again(settings, file_or_sha, reason, by=by)
    click.echo(
        f"finsam: the purge {purge_id} of {name} (sha256 {sha[:12]}) no longer refuses its bytes: "
        "the next `finsam run` reads them if they are in the landing folder."
    )


@main.command("publications")
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON for scripts.")
def publications_command(home: Path | None, as_json: bool) -> None:
    """List the kept publications, oldest first: run, time, whether it has a site, what changed
    from the one before, and which one is current. Analysts can open any of them read-only at
    HOME/publications/NAME/finsam.duckdb."""
    import json

    from orchestration.publish.history import kept

    settings = _settings_or_usage_error(home)
    found = kept(settings)
    if as_json:
        click.echo(json.dumps([p.as_json() for p in found], indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"No publications in {settings.publications_dir} yet: run `finsam run`.")
        return
    for publication in found:
        site = "with site" if publication.has_site else "no site"
        click.secho(
            f"{'*' if publication.is_current else ' '} {publication.name}",
            bold=publication.is_current,
            nl=False,
        )
        click.echo(
            f"  run {(publication.run_id or '-')[:8]}, {publication.created_at or 'time unknown'}"
            f", {site}"
        )
        click.echo(f"    {publication.state}")
        click.echo(f"    {publication.changes}")
        if publication.lake_snapshot is not None:
            click.echo(
                f"    built from lake snapshot {publication.lake_snapshot}: read the warehouse as "
                f"it was then with `finsam sql --as-of {publication.name}`"
            )
    click.echo(
        f"\n{len(found)} kept (FINSAM_KEEP_PUBLICATIONS); snapshots at "
        f"{settings.publications_dir}/NAME/finsam.duckdb. `finsam rollback [NAME]` makes an "
        "earlier one current."
    )


@main.command("rollback")
@click.argument("publication", required=False)
@home_option
def rollback_command(publication: str | None, home: Path | None) -> None:
    """Make an earlier publication current again: PUBLICATION by name (see `finsam
    publications`), or the one before the current. Snapshot and site switch atomically; readers
    keep working. The next `finsam run` publishes anew from the warehouse, so take out what made
    the publication wrong first."""
    from orchestration.publish.history import RollbackError, rollback

    settings = _settings_or_usage_error(home)
    with as_the_writer(settings, RollbackError):
        before, after = rollback(settings, publication)
    click.echo(
        f"finsam: {after.name} (run {(after.run_id or '-')[:8]}) is current again"
        + (f", instead of {before.name}." if before else ".")
    )
    click.echo(f"  published snapshot: {settings.published_path}")
    if after.has_site:
        click.echo(f"  site: {settings.site_dir}")
    else:
        click.echo(f"  {after.name} has no site, and no site is served; `finsam run` builds one.")


@main.command("status")
@home_option
@click.option(
    "--year", default=None, help="Show this measurement year's associations [default: latest]."
)
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON for scripts.")
def status_command(home: Path | None, year: str | None, as_json: bool) -> None:
    """What the warehouse holds per measurement year and association (files, questionnaires,
    refused rows), the files seen, the current publication and the last run's checks. Reads
    only; works while nothing is writing."""
    import json

    from orchestration.status import StatusError, gather, render

    settings = _settings_or_usage_error(home)
    try:
        status = gather(settings)
    except StatusError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(status, indent=2, ensure_ascii=False, default=str))
        return
    for line in render(status, year):
        click.echo(line)


@main.command("serve")
@home_option
@click.option("--port", type=int, default=3000, show_default=True, help="Port on localhost.")
def serve_command(home: Path | None, port: int) -> None:
    """Serve the built site on http://127.0.0.1:PORT, compressed as a static host would."""
    from orchestration.publish.serve import serve

    settings = _settings_or_usage_error(home)
    if not (settings.site_dir / "index.html").is_file():
        raise click.ClickException(
            f"No site in {settings.site_dir} yet: run `finsam run` (without --no-site) first."
        )
    server = serve(settings.site_dir, port)
    click.echo(f"Serving {settings.site_dir} on http://127.0.0.1:{port} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
