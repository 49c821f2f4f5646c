"""`finsam run` prints one line per stage and a summary; the full output of Dagster, dbt and GX
goes to a log file under HOME/logs, whose path the run prints; --verbose shows it live."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.run_log import open_run_log
from orchestration.settings import EXPECTATIONS_DIR, load_settings
from tests.conftest import run_finsam, run_with_a_touched_file

LOG_LINE = re.compile(r"^  log of this run \(Dagster, dbt, GX\): (\S+)$", re.MULTILINE)
NOISE = ("Calculating Metrics", "STEP_", "dagster - DEBUG", "dagster - INFO", "OK created")


def printed_log(stdout: str) -> Path:
    found = LOG_LINE.findall(stdout)
    assert len(found) == 1, stdout[-3000:]
    return Path(found[0])


def test_a_run_prints_one_line_per_stage_and_the_summary(pipeline_run):
    out = pipeline_run.result.stdout
    lines = out.splitlines()
    assert len(lines) < 60, out
    for noise in NOISE:
        assert noise not in out, noise
    assert pipeline_run.result.stderr == ""
    stages = [line for line in lines if line[:2] in ("✓ ", "✗ ", "– ")]
    assert [line.split("  ")[0] for line in stages] == [
        "✓ ingest",
        "✓ dbt build",
        "✓ GX checks",
        "✓ publish",
    ], out
    run_id = re.search(r"finsam: run (\S+) succeeded", out).group(1)
    files, questionnaires = pipeline_run.query(
        "select count(*), sum(rows_loaded) from audit.file_loads where run_id = ?", [run_id]
    )[0]
    assert re.fullmatch(
        rf"✓ ingest     {files:,} files read, {questionnaires:,} questionnaires loaded  "
        r"[\d.]+ s",
        stages[0],
    ), stages[0]
    checks, warned = pipeline_run.query(
        "select count(*), count(*) filter (where not passed and severity = 'warn') "
        "from audit.check_results where source = 'gx' and run_id = ?",
        [run_id],
    )[0]
    suites = len(list(EXPECTATIONS_DIR.glob("*.json")))
    warnings = {0: "", 1: ", 1 warning"}.get(warned, f", {warned} warnings")
    assert re.fullmatch(
        rf"✓ GX checks  {suites} suites, {checks} checks{warnings}  [\d.]+ s", stages[2]
    ), stages[2]
    assert re.fullmatch(r"✓ dbt build  \d+ models and seeds, \d+ tests  [\d.]+ s", stages[1])
    # the summary of today follows the stage lines
    assert lines.index(stages[-1]) < next(
        i for i, line in enumerate(lines) if line.startswith("Files this run: ")
    )
    assert "succeeded" in out and str(pipeline_run.warehouse) in out


def test_the_full_log_is_in_a_file_under_home_whose_path_is_printed(pipeline_run):
    out = pipeline_run.result.stdout
    log = printed_log(out)
    run_id = re.search(r"finsam: run (\S+) succeeded", out).group(1)
    assert log.parent == pipeline_run.home / "logs"
    assert re.fullmatch(rf"run-\d{{8}}T\d{{6}}Z-{run_id}\.log", log.name), log.name
    text = log.read_text(encoding="utf-8")
    # dbt's lines, Dagster's events and log lines, the stage lines and the summary
    assert re.search(r"OK created sql table model marts\.fct_indicator_results", text)
    assert "STEP_SUCCESS" in text and "dagster - DEBUG" in text
    assert " - raw_survey_data - Reading the landing folder" in text
    assert "✓ publish" in text and f"finsam: run {run_id} succeeded" in text
    # GX's progress bars are switched off, not only hidden
    assert "Calculating Metrics" not in text


def test_verbose_shows_the_log_live_and_still_writes_it(pipeline_run, tmp_path):
    """A run that goes through the job (a touched landing file) on a copy of the home."""
    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    result = run_with_a_touched_file(pipeline_run, home, "--verbose")
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert " - raw_survey_data - Reading the landing folder" in out
    assert "raw_survey_data - STEP_START" in out and "dagster - DEBUG" in out
    assert "✓ ingest     no new files" in out
    assert "– dbt build  skipped: nothing new" in out
    log = printed_log(out)
    assert log.parent == home / "logs"
    assert "raw_survey_data - STEP_START" in log.read_text(encoding="utf-8")


def test_a_run_with_nothing_to_do_has_a_log_too(pipeline_run, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(pipeline_run.home, home, symlinks=True)
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(pipeline_run.landing), "--no-site", home=home
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "No Dagster run was needed" in result.stdout
    log = printed_log(result.stdout)
    assert log.parent == home / "logs" and log.name.endswith("-noop.log")
    assert "No Dagster run was needed" in log.read_text(encoding="utf-8")


def test_the_newest_logs_are_kept(tmp_path):
    settings = load_settings(home=tmp_path)
    settings.logs_dir.mkdir(parents=True)
    for day in range(1, 36):
        (settings.logs_dir / f"run-202601{day:02d}T000000Z-noop.log").write_text("old")
    with open_run_log(settings, "abc", keep=30) as log:
        log.note("hello")
    kept = sorted(path.name for path in settings.logs_dir.iterdir())
    assert len(kept) == 30
    assert kept[0] == "run-20260107T000000Z-noop.log"  # 29 old ones and the new one
    assert kept[-1] == log.path.name and log.path.read_text() == "hello\n"


CAPTURE_WITH_A_SEMAPHORE = """
import multiprocessing, os, sys, time
from pathlib import Path
from orchestration.run_log import RunLog, captured_output

log = RunLog(Path(sys.argv[1]))
with captured_output(log):
    print("inside the block", flush=True)
    # the first semaphore of the spawn context starts the resource tracker, which outlives
    # the block
    lock = multiprocessing.get_context("spawn").Lock()
    os.system("echo from a child process")
    ended = time.perf_counter()
print(f"{time.perf_counter() - ended:.2f}")
"""


def test_the_end_of_the_captured_block_does_not_wait_for_processes_that_outlive_it(tmp_path):
    # On every run the block waited out the pump's 10 s timeout: the resource tracker, started
    # inside it, held the pipe to the log open until finsam itself ended.
    log = tmp_path / "run.log"
    result = subprocess.run(
        [sys.executable, "-c", CAPTURE_WITH_A_SEMAPHORE, str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert float(result.stdout.strip().splitlines()[-1]) < 3
    assert log.read_text().splitlines() == ["inside the block", "from a child process"]
