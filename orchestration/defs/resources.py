"""Settings as a Dagster resource: how assets, checks and sensors learn the home folder, the
landing folder and DuckDB's limits. Each field left empty falls back to the environment and then
to the embedded defaults (orchestration.settings.load_settings), so `dagster dev` needs no config
while `finsam run --home DIR` passes its folders as run config."""

from contextlib import ExitStack

import dagster as dg
from pydantic import PrivateAttr

from orchestration.lock import writer_lock
from orchestration.settings import Settings, keep_years_text, load_settings


class FinsamSettings(dg.ConfigurableResource):
    """Paths and DuckDB limits of one pipeline home."""

    home: str | None = None
    landing: str | None = None
    memory_limit: str | None = None
    threads: int | None = None
    # Named on every page of the site (FINSAM_PUBLISHER, FINSAM_CONTACT).
    publisher: str | None = None
    contact: str | None = None
    # Retention rules (FINSAM_KEEP_OPEN_TEXT_YEARS, FINSAM_KEEP_RAW_FILES_YEARS): whole years
    # after the measurement year, or "forever".
    keep_open_text_years: str | None = None
    keep_raw_files_years: str | None = None
    # Where the warehouse is kept (FINSAM_WAREHOUSE_MODE: embedded, lake or motherduck), and the
    # lake's catalog (a file, or postgres:<libpq string>) and data path (a folder or s3://...).
    # The object store's key is read from FINSAM_S3_* only, never from run config.
    warehouse_mode: str | None = None
    lake_catalog: str | None = None
    lake_data_path: str | None = None
    motherduck_database: str | None = None
    # How long to wait for another writer (FINSAM_LOCK_WAIT_SECONDS), how many publications to keep
    # (FINSAM_KEEP_PUBLICATIONS), the largest landing file read (FINSAM_MAX_FILE_MB, in MB) and how
    # long a landing file must be unchanged to be read (FINSAM_SETTLE_SECONDS).
    lock_wait_seconds: float | None = None
    keep_publications: int | None = None
    max_file_mb: float | None = None
    settle_seconds: float | None = None
    hold_writer_lock: bool = True
    # Rebuild and republish even when nothing is new (a run otherwise skips the work then).
    rebuild: bool = False

    _stack: ExitStack | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        return load_settings(
            home=self.home,
            landing=self.landing,
            memory_limit=self.memory_limit,
            threads=self.threads,
            publisher=self.publisher,
            contact=self.contact,
            keep_open_text_years=self.keep_open_text_years,
            keep_raw_files_years=self.keep_raw_files_years,
            warehouse_mode=self.warehouse_mode,
            lake_catalog=self.lake_catalog,
            lake_data_path=self.lake_data_path,
            motherduck_database=self.motherduck_database,
            lock_wait_seconds=self.lock_wait_seconds,
            keep_publications=self.keep_publications,
            max_file_mb=self.max_file_mb,
            settle_seconds=self.settle_seconds,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Once at the start of a run: the settings go into the environment, where dbt
        (profiles.yml) and Evidence read them in the processes the run starts. A run that writes
        the warehouse holds the home's writer lock from start to end: a run started from the UI
        waits for `finsam run` (and the other way round) instead of failing on DuckDB's lock or
        interleaving with it."""
        if context.run is None:
            return  # a sensor or schedule evaluation only reads the landing folder
        settings = self.settings()
        # Dagster does not tear down a resource whose setup raised: when the lock is not granted,
        # the block puts the environment back itself.
        with ExitStack() as stack:
            stack.enter_context(settings.environment_exported())
            if self.hold_writer_lock:
                stack.enter_context(writer_lock(settings, log=context.log.info))
            self._stack = stack.pop_all()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


def run_config_for(
    settings: Settings, rebuild: bool = False, hold_writer_lock: bool = True
) -> dict:
    """Run config that points the resource at the given settings (for in-process runs)."""
    return {
        "resources": {
            "finsam": {
                "config": {
                    "home": str(settings.home),
                    "landing": str(settings.landing),
                    "memory_limit": settings.memory_limit,
                    "threads": settings.threads,
                    "publisher": settings.publisher,
                    "contact": settings.contact,
                    "keep_open_text_years": keep_years_text(settings.keep_open_text_years),
                    "keep_raw_files_years": keep_years_text(settings.keep_raw_files_years),
                    "rebuild": rebuild,
                    "hold_writer_lock": hold_writer_lock,
                    "warehouse_mode": settings.warehouse_mode,
                    "lake_catalog": settings.lake_catalog,
                    "lake_data_path": settings.lake_data_path,
                    "motherduck_database": settings.motherduck_database,
                    "lock_wait_seconds": settings.lock_wait_seconds,
                    "keep_publications": settings.keep_publications,
                    "max_file_mb": settings.max_file_mb,
                    "settle_seconds": settings.settle_seconds,
                }
            }
        }
    }
