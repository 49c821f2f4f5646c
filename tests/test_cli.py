"""The command line refuses wrong settings and arguments with one clear sentence."""

import gc
import os

import pytest
from click.testing import CliRunner

from orchestration.cli import main
from orchestration.settings import SettingsError, environment_set, load_settings


@pytest.fixture
def runner():
    return CliRunner()


def test_run_refuses_a_landing_folder_that_does_not_exist(runner, tmp_path):
    result = runner.invoke(
        main, ["run", "--home", str(tmp_path), "--landing", str(tmp_path / "missing"), "--no-site"]
    )
    assert result.exit_code == 2
    assert f"--landing {tmp_path / 'missing'} is not a folder" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FINSAM_DUCKDB_THREADS", "many", "FINSAM_DUCKDB_THREADS must be a whole number"),
        ("FINSAM_DUCKDB_THREADS", "0", "FINSAM_DUCKDB_THREADS must be a whole number"),
        ("FINSAM_DUCKDB_MEMORY_LIMIT", "lots", "FINSAM_DUCKDB_MEMORY_LIMIT must be a size"),
    ],
)
def test_run_refuses_wrong_duckdb_settings(runner, tmp_path, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    result = runner.invoke(main, ["run", "--home", str(tmp_path), "--no-site"])
    assert result.exit_code == 2
    assert message in result.output
    assert repr(value) in result.output


def test_settings_default_to_data_under_the_project(monkeypatch):
    for variable in (
        "FINSAM_HOME",
        "FINSAM_LANDING",
        "FINSAM_DUCKDB_THREADS",
        "FINSAM_DUCKDB_MEMORY_LIMIT",
    ):
        monkeypatch.delenv(variable, raising=False)
    settings = load_settings()
    assert settings.home.name == "data"
    assert settings.landing == settings.home / "landing"
    assert settings.warehouse_path == settings.home / "warehouse.duckdb"
    assert settings.published_path == settings.home / "published" / "finsam.duckdb"
    assert (settings.threads, settings.memory_limit) == (2, "1.5GB")
    environment = settings.environment()
    assert environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert environment["FINSAM_DUCKDB_TEMP_DIR"] == str(settings.home / "tmp")


def test_environment_set_puts_back_only_the_names_it_set(monkeypatch):
    monkeypatch.setenv("FINSAM_HOME", "/before")
    monkeypatch.delenv("FINSAM_LANDING", raising=False)
    with environment_set({"FINSAM_HOME": "/during", "FINSAM_LANDING": "/during/landing"}):
        assert (os.environ["FINSAM_HOME"], os.environ["FINSAM_LANDING"]) == (
            "/during",
            "/during/landing",
        )
        os.environ["FINSAM_PUBLISHER"] = "set in the block"
    assert os.environ["FINSAM_HOME"] == "/before"
    assert "FINSAM_LANDING" not in os.environ
    assert os.environ["FINSAM_PUBLISHER"] == "set in the block"


def test_an_environment_block_never_left_changes_nothing_when_collected(monkeypatch):
    """A run whose resource was set up but never torn down leaves its environment, and its
    garbage collection does not take it back in the middle of another run."""
    monkeypatch.delenv("FINSAM_WAREHOUSE", raising=False)
    block = environment_set({"FINSAM_WAREHOUSE": "/old-run/warehouse.duckdb"})
    block.__enter__()
    os.environ["FINSAM_WAREHOUSE"] = "/current-run/warehouse.duckdb"
    del block
    gc.collect()
    assert os.environ["FINSAM_WAREHOUSE"] == "/current-run/warehouse.duckdb"


def test_memory_limit_accepts_duckdb_sizes(monkeypatch):
    monkeypatch.setenv("FINSAM_DUCKDB_MEMORY_LIMIT", "512MiB")
    assert load_settings().memory_limit == "512MiB"
    monkeypatch.setenv("FINSAM_DUCKDB_MEMORY_LIMIT", "-1GB")
    with pytest.raises(SettingsError):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FINSAM_LOCK_WAIT_SECONDS", "-1", "FINSAM_LOCK_WAIT_SECONDS must be a number of seconds"),
        ("FINSAM_KEEP_PUBLICATIONS", "0", "FINSAM_KEEP_PUBLICATIONS must be a whole number"),
        ("FINSAM_MAX_FILE_MB", "mycket", "FINSAM_MAX_FILE_MB must be a number, 0 or more"),
        ("FINSAM_SETTLE_SECONDS", "-2", "FINSAM_SETTLE_SECONDS must be a number, 0 or more"),
    ],
)
def test_run_refuses_wrong_limits_before_anything_runs(
    runner, tmp_path, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    result = runner.invoke(main, ["run", "--home", str(tmp_path), "--no-site"])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_the_limits_come_from_arguments_then_the_environment_then_defaults(monkeypatch):
    """The Dagster resource passes its run config as arguments (orchestration/defs/resources.py)."""
    for variable in (
        "FINSAM_LOCK_WAIT_SECONDS",
        "FINSAM_KEEP_PUBLICATIONS",
        "FINSAM_MAX_FILE_MB",
        "FINSAM_SETTLE_SECONDS",
    ):
        monkeypatch.delenv(variable, raising=False)
    defaults = load_settings()
    assert (defaults.lock_wait_seconds, defaults.keep_publications) == (600, 10)
    assert (defaults.max_file_bytes, defaults.settle_seconds) == (200 * 1024 * 1024, 2.0)
    monkeypatch.setenv("FINSAM_KEEP_PUBLICATIONS", "3")
    monkeypatch.setenv("FINSAM_SETTLE_SECONDS", "0")
    assert (load_settings().keep_publications, load_settings().settle_seconds) == (3, 0)
    given = load_settings(keep_publications=5, max_file_mb=0.5, lock_wait_seconds=1)
    assert (given.keep_publications, given.max_file_bytes, given.lock_wait_seconds) == (
        5,
        512 * 1024,
        1,
    )
    with pytest.raises(SettingsError, match="FINSAM_KEEP_PUBLICATIONS must be a whole number"):
        load_settings(keep_publications=0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--first-year", "2010"], "2017"),
        (["--first-year", "2022", "--last-year", "2021"], "2021"),
        (["--scale", "0"], "scale"),
    ],
)
def test_demo_data_refuses_impossible_arguments(runner, tmp_path, arguments, message):
    result = runner.invoke(main, ["demo-data", "--out", str(tmp_path), *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_demo_data_writes_files_and_reports_them(runner, tmp_path):
    result = runner.invoke(
        main,
        [
            "demo-data",
            "--out",
            str(tmp_path / "out"),
            "--first-year",
            "2023",
            "--last-year",
            "2023",
            "--scale",
            "0.1",
        ],
    )
    assert result.exit_code == 0, result.output
    written = list((tmp_path / "out").iterdir())
    assert len(written) > 20
    assert f"Wrote {len(written)} files" in result.output
