"""Processor time per test, beside pytest's wall-clock --durations.

`make test` runs two workers on two cores and keeps both busy, so what makes it slow is processor
time, not waiting: this plugin adds, at the end of a run, the tests that used most of it, split
into the test process itself and the child processes it waited for (pipeline runs, dbt, Node).
A child counts once it has been reaped, which subprocess.run and Popen.wait do.
"""

from __future__ import annotations

import resource
from collections import defaultdict
from pathlib import Path

import pytest

SHOWN = 15
# every test's figures, for finding what to make cheaper
LISTING = Path(__file__).resolve().parent.parent / "test-artefacts" / "processor-time.tsv"
PHASES = ("setup", "call", "teardown")


def _seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _measured(item: pytest.Item, phase: str):
    own, children = _seconds(resource.RUSAGE_SELF), _seconds(resource.RUSAGE_CHILDREN)
    yield
    item.user_properties.append(
        (
            f"cpu_{phase}",
            (
                _seconds(resource.RUSAGE_SELF) - own,
                _seconds(resource.RUSAGE_CHILDREN) - children,
            ),
        )
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    yield from _measured(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    yield from _measured(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item):
    yield from _measured(item, "teardown")


def pytest_terminal_summary(terminalreporter) -> None:
    # every phase's report carries the properties recorded so far: take each phase's own
    spent: dict[tuple[str, str], tuple[float, float]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name.startswith("cpu_") and getattr(report, "when", None) == name[4:]:
                    spent[report.nodeid, report.when] = tuple(value)
    if not spent:
        return
    by_test: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (nodeid, _phase), (own, children) in spent.items():
        by_test[nodeid][0] += own
        by_test[nodeid][1] += children
    total_own = sum(own for own, _ in by_test.values())
    total_children = sum(children for _, children in by_test.values())
    shown = min(SHOWN, len(by_test))
    terminalreporter.write_sep("=", f"most processor time: {shown} of {len(by_test)} tests")
    terminalreporter.write_line(
        f"all tests: {total_own + total_children:.0f} s "
        f"({total_own:.0f} s in the test processes, {total_children:.0f} s in their children)"
    )
    ranked = sorted(by_test.items(), key=lambda entry: -sum(entry[1]))
    for nodeid, (own, children) in ranked[:SHOWN]:
        terminalreporter.write_line(
            f"{own + children:8.1f}s  (own {own:6.1f}s, children {children:6.1f}s)  {nodeid}"
        )
    by_module: dict[str, float] = defaultdict(float)
    for nodeid, (own, children) in by_test.items():
        by_module[nodeid.split("::")[0]] += own + children
    modules = sorted(by_module.items(), key=lambda entry: -entry[1])[:SHOWN]
    terminalreporter.write_line("by module: " + ", ".join(f"{m} {s:.0f} s" for m, s in modules))
    LISTING.parent.mkdir(exist_ok=True)
    LISTING.write_text(
        "seconds\town\tchildren\ttest\n"
        + "".join(
            f"{own + children:.1f}\t{own:.1f}\t{children:.1f}\t{nodeid}\n"
            for nodeid, (own, children) in ranked
        )
    )
    terminalreporter.write_line(f"every test's processor time: {LISTING}")
