"""The `finsam` command line: demo data and the pipeline without the UI."""

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

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


@contextmanager
def outside_failures() -> Iterator[None]:
    """A full disk or an unwritable home folder met outside a step: one sentence, exit status 1."""
    from orchestration.failures import explain

    try:
        yield
    except OSError as error:
        sentence = explain(error)
        if sentence is None:
            raise
        raise click.ClickException(sentence) from error


@main.command("run")
@click.option(
    "--landing",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of raw exports to load [default: HOME/landing or FINSAM_LANDING].",
)
@home_option
@click.option("--no-site", is_flag=True, help="Skip the Evidence site build.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Transform, check and publish even when nothing is new since the current publication.",
)
def run(landing: Path | None, home: Path | None, no_site: bool, rebuild: bool) -> None:
    """Run the whole pipeline once (the job `dagster dev` shows), without the UI."""
    try:
        settings = load_settings(home=home, landing=landing)
    except SettingsError as error:
        raise click.UsageError(str(error)) from error
    if landing is not None and not settings.landing.is_dir():
        raise click.UsageError(f"--landing {settings.landing} is not a folder.")
    settings.export_environment()

    from orchestration.runner import run_pipeline

    with outside_failures():
        settings.ensure_dirs()
        code = run_pipeline(settings, with_site=not no_site, rebuild=rebuild)
    sys.exit(code)


@main.command("reload-year")
@click.argument("years", metavar="YEAR...", nargs=-1, required=True, type=int)
@home_option
@click.option(
    "--raw-only",
    is_flag=True,
    help="Only reload the raw rows; rebuild the marts later with `finsam run`.",
)
def reload_year_command(years: tuple[int, ...], home: Path | None, raw_only: bool) -> None:
    """Reload measurement years from the archived files with the current catalogue, then rebuild
    the marts and the published snapshot (finsam_job_without_site)."""
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
    try:
        with outside_failures(), writer_lock(settings, log=click.echo):
            for year in sorted(set(years)):
                try:
                    report = reload_year(settings, catalog, year)
                except ReloadError as error:
                    raise click.ClickException(str(error)) from error
                click.echo(f"finsam: {report.summary()}")
            if raw_only:
                click.echo(
                    "The marts were not rebuilt: run `finsam run` to rebuild and publish them."
                )
                return

            from orchestration.runner import run_pipeline

            settings.ensure_dirs()
            code = run_pipeline(settings, with_site=False)
    except WriterBusy as busy:
        raise click.ClickException(str(busy)) from busy
    if code == 0:
        click.echo("The site was not rebuilt: run `finsam run` to rebuild it too.")
    sys.exit(code)


@main.command("serve")
@home_option
@click.option("--port", type=int, default=3000, show_default=True, help="Port on localhost.")
def serve_command(home: Path | None, port: int) -> None:
    """Serve the built site on http://127.0.0.1:PORT, compressed as a static host would."""
    from orchestration.publish.serve import serve

    try:
        settings = load_settings(home=home)
    except SettingsError as error:
        raise click.UsageError(str(error)) from error
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
