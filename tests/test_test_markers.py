"""The `pipeline` mark is kept true (tests/conftest.py): a test that starts `finsam run` unmarked
fails, so `make test-fast`, which leaves marked tests out, really starts no pipeline run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration import runner
from tests.conftest import FINSAM, PROCESS_GROUP, PROJECT_ROOT


def test_an_unmarked_test_cannot_start_the_pipeline():
    with pytest.raises(AssertionError, match="not marked"):
        subprocess.run([FINSAM, "run", "--help"], capture_output=True, check=False)
    with pytest.raises(AssertionError, match="not marked"):
        runner.execute(None, "finsam_job", None, "a-run-id")
    other = subprocess.run([FINSAM, "status", "--help"], capture_output=True, check=False)
    assert other.returncode == 0  # every other command is free


@pytest.mark.pipeline
def test_a_marked_test_can():
    result = subprocess.run([FINSAM, "run", "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "--no-site" in result.stdout


def test_two_processes_keep_each_module_and_each_shared_run_in_one(tmp_path):
    """`make test` runs pytest-xdist with --dist loadgroup: a module's tests, whose module-scoped
    fixtures are whole runs, must all go to one process, as must the modules of one shared run."""
    modules = ["tests/test_site_build_lock.py", "tests/test_check_names.py"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-v",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "base"),
            *modules,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    workers = {}
    for line in result.stdout.splitlines():
        found = re.match(r"\[(gw\d)\] .*PASSED (tests/test_\w+\.py)::\S+@(\S+)", line)
        if found:
            worker, module, group = found.groups()
            workers.setdefault(module, set()).add(worker)
            assert group == Path(module).name
    assert sorted(workers) == sorted(modules) and all(len(used) == 1 for used in workers.values())
    assert PROCESS_GROUP["test_published_files.py"] == PROCESS_GROUP["test_site.py"]
