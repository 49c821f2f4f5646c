"""A run with nothing new does no transformation, no checks, no publishing and no site build,
and says so; a change of data or code makes the next run do the work again."""

import hashlib
import time

from orchestration import fingerprints
from orchestration.publish import publications
from orchestration.settings import load_settings
from tests.conftest import run_finsam, run_with_a_touched_file


def test_a_run_with_nothing_new_does_nothing_and_says_so(pipeline_run):
    home = pipeline_run.home
    settings = load_settings(home=home, landing=pipeline_run.landing)
    current_before = publications.current(settings)
    snapshot_before = hashlib.sha256(pipeline_run.snapshot.read_bytes()).hexdigest()
    checks_before = pipeline_run.query("select count(*) from audit.check_results")

    started = time.perf_counter()
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(pipeline_run.landing), "--no-site", home=home
    )
    elapsed = time.perf_counter() - started

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (
        f"Nothing new since the current publication: no transformation, no checks, no "
        f"publishing and no site build: {current_before.name} stays current." in result.stdout
    )
    assert "Running dbt command" not in result.stdout + result.stderr
    # answered before Dagster starts: no run is launched at all
    assert "No Dagster run was needed" in result.stdout
    assert "finsam: running" not in result.stdout
    assert publications.current(settings) == current_before
    assert hashlib.sha256(pipeline_run.snapshot.read_bytes()).hexdigest() == snapshot_before
    assert pipeline_run.query("select count(*) from audit.check_results") == checks_before
    print(f"no-op run: {elapsed:.1f} s")


def test_the_publication_is_out_of_date_when_data_code_or_pages_change(pipeline_run, monkeypatch):
    settings = load_settings(home=pipeline_run.home, landing=pipeline_run.landing)
    current = publications.current(settings)
    assert publications.is_up_to_date(settings, with_site=False) == current

    monkeypatch.setattr(fingerprints, "site_inputs", lambda: "other pages")
    if (current / "site").is_dir():
        assert publications.is_up_to_date(settings, with_site=True) is None
    monkeypatch.setattr(fingerprints, "pipeline_inputs", lambda settings: "other data or code")
    assert publications.is_up_to_date(settings, with_site=False) is None


def test_the_data_fingerprint_follows_every_load_and_reload(pipeline_run, tmp_path):
    settings = load_settings(home=pipeline_run.home, landing=pipeline_run.landing)
    first = fingerprints.data_fingerprint(settings)
    assert fingerprints.data_fingerprint(settings) == first
    empty = load_settings(home=tmp_path / "home")
    empty.ensure_dirs()
    assert fingerprints.data_fingerprint(empty) != first


def test_a_touched_file_goes_through_the_job_which_then_skips_the_work(pipeline_run):
    """A file whose modification time changed but whose content did not is looked at by the
    ingest step (it hashes the content); it finds nothing new, so dbt, the checks, publishing and
    the site are skipped inside the Dagster run."""
    home = pipeline_run.home
    settings = load_settings(home=home, landing=pipeline_run.landing)
    current_before = publications.current(settings)
    result = run_with_a_touched_file(pipeline_run, home)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "finsam: running finsam_job_without_site" in result.stdout
    assert "stays current" in result.stdout and current_before.name in result.stdout
    assert "Running dbt command" not in result.stdout + result.stderr
    assert publications.current(settings) == current_before
