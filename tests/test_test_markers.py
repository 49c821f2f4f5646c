"""The `pipeline` mark is kept true (tests/conftest.py): a test that starts `finsam run` unmarked
fails, so `make test-fast`, which leaves marked tests out, really starts no pipeline run."""

from __future__ import annotations

import subprocess

import pytest

from orchestration import runner
from tests.conftest import FINSAM


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
