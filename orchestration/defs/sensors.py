"""Start a run when files land, and a nightly safety run."""

import hashlib

import dagster as dg

from orchestration.catalog import load_catalog
from orchestration.defs.resources import FinsamSettings
from orchestration.ingest.loader import landing_files
from orchestration.settings import Settings

LANDING_CHECK_SECONDS = 60


def landing_fingerprint(settings: Settings) -> tuple[str, int]:
    """A digest of the landing folder's listing (path, size, mtime) and of the rules files are
    read by (the catalogue and sources/: a new declaration lets a refused file in), and the
    number of files.

    Reads no file contents and does not open the warehouse, so it never contends for DuckDB's
    single-writer lock with a running job.
    """
    digest = hashlib.sha256(load_catalog().rules_fingerprint.encode())
    files = landing_files(settings.landing)
    for path in files:
        stat = path.stat()
        digest.update(
            f"{path.relative_to(settings.landing)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
        )
    return digest.hexdigest(), len(files)


def build_landing_sensor(job) -> dg.SensorDefinition:
    @dg.sensor(
        job=job,
        minimum_interval_seconds=LANDING_CHECK_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "Runs the pipeline when the landing folder's listing changes, or the catalogue or "
            "the survey declarations (sources/) do."
        ),
    )
    def landing_sensor(context: dg.SensorEvaluationContext, finsam: FinsamSettings):
        fingerprint, count = landing_fingerprint(finsam.settings())
        if count == 0 or fingerprint == context.cursor:
            return dg.SkipReason(f"No change in the landing folder ({count} files).")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=fingerprint, tags={"finsam/landing_files": str(count)})

    return landing_sensor


def build_nightly_schedule(job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_refresh",
        job=job,
        cron_schedule="30 5 * * *",
        execution_timezone="Europe/Stockholm",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="A full run every morning, for when files arrive without the sensor running.",
    )
