"""Two homes on one machine share reports/ for their site builds: the second build waits."""

from __future__ import annotations

import subprocess
import sys
import time

from orchestration.publish import site

HOLD = """
import fcntl, sys, time
with open(sys.argv[1], "w") as handle:
    fcntl.flock(handle, fcntl.LOCK_EX)
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_build_waits_for_the_first_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "BUILD_LOCK", tmp_path / ".evidence" / "build.lock")
    site.BUILD_LOCK.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(site.BUILD_LOCK), "1.5"], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    said, entered = [], []
    start = time.monotonic()
    with site.one_build_at_a_time(said.append):
        entered.append(time.monotonic() - start)
    holder.wait(timeout=10)
    assert entered[0] >= 1.0
    assert len(said) == 1 and "waiting" in said[0]


def test_a_build_alone_goes_ahead_without_a_word(tmp_path, monkeypatch):
    monkeypatch.setattr(site, "BUILD_LOCK", tmp_path / "new" / "build.lock")
    said = []
    with site.one_build_at_a_time(said.append):
        assert site.BUILD_LOCK.exists()
    assert said == []
