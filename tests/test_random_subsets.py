"""Shapes nobody thought of: random subsets of a demo landing folder, each run through the real job.

Hypothesis draws measurement years, associations, respondent groups and files from nine years of
demo exports (empty selections included). On each subset `finsam run --no-site` must succeed, the
marts must agree with the independent reading of the raw files (tests/reference.py), and the
outsider's attack on the published snapshot must recover nothing (tests/disclosure_attack.py).

`make test` runs FINSAM_SUBSETS (default 3) subsets with a fixed seed. `make test-subsets
SUBSETS=50` sweeps more (SEED=N draws others): every subset runs, two at a time, the sweep prints
one line per subset and how many ran and how many failed, and writes each one's files and
problems to test-artefacts/subset-sweep.json (the failing subsets' homes are kept for a rerun).
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from orchestration.demo_data import write_demo_exports
from tests.conftest import PROJECT_ROOT, PipelineRun, run_finsam
from tests.shapes import DemoFile, copy_into, demo_files, problems_of

pytestmark = pytest.mark.pipeline  # every test here runs `finsam run`

SUBSETS = int(os.environ.get("FINSAM_SUBSETS", "3"))
SWEEP = os.environ.get("FINSAM_SUBSET_SWEEP") == "1"
SWEEP_SEED = os.environ.get("FINSAM_SUBSET_SEED")
REPORT = PROJECT_ROOT / "test-artefacts" / "subset-sweep.json"


@dataclass(frozen=True)
class Subset:
    years: tuple[int, ...]
    associations: tuple[str, ...] | None  # None: every association
    groups: tuple[str, ...] | None  # None: every respondent group
    files: tuple[DemoFile, ...]

    def describe(self) -> str:
        associations = "all" if self.associations is None else len(self.associations)
        groups = "all" if self.groups is None else ", ".join(self.groups)
        return (
            f"{len(self.files)} files; years {', '.join(map(str, self.years))}; associations "
            f"{associations}; groups {groups}"
        )


@st.composite
def subsets(draw, files: list[DemoFile]) -> Subset:
    years = draw(st.sets(st.sampled_from(sorted({f.year for f in files})), min_size=1, max_size=4))
    associations = draw(
        st.none()
        | st.sets(st.sampled_from(sorted({f.forbund for f in files})), min_size=1, max_size=8)
    )
    groups = draw(
        st.none() | st.sets(st.sampled_from(sorted({f.group for f in files})), min_size=1)
    )
    candidates = [
        f
        for f in files
        if f.year in years
        and (associations is None or f.forbund in associations)
        and (groups is None or f.group in groups)
    ]
    how = draw(st.sampled_from(["every file", "some files", "one file"]))
    if how == "one file" and candidates:
        chosen = [draw(st.sampled_from(candidates))]
    elif how == "some files" and candidates:
        keep = draw(st.lists(st.booleans(), min_size=len(candidates), max_size=len(candidates)))
        chosen = [f for f, kept in zip(candidates, keep, strict=True) if kept]
    else:
        chosen = candidates
    return Subset(
        tuple(sorted(years)),
        None if associations is None else tuple(sorted(associations)),
        None if groups is None else tuple(sorted(groups)),
        tuple(chosen),
    )


@pytest.fixture(scope="module")
def nine_years(tmp_path_factory, catalog) -> list[DemoFile]:
    """The demo's nine measurement years at a quarter of the volume (about 2,500 files)."""
    landing = tmp_path_factory.mktemp("nine-years")
    write_demo_exports(
        landing, seed=31, first_year=2017, last_year=2025, scale=0.25, catalog=catalog
    )
    return demo_files(landing)


def run_subset(subset: Subset, home: Path) -> dict:
    """The real job on the subset in its own home; what came of it."""
    started = time.monotonic()
    landing = copy_into(list(subset.files), home / "landing")
    result = run_finsam(
        "run", "--home", str(home), "--landing", str(landing), "--no-site", home=home
    )
    return {
        "subset": subset.describe(),
        "files": [file.path.name for file in subset.files],
        "home": str(home),
        "seconds": round(time.monotonic() - started, 1),
        "problems": problems_of(PipelineRun(home, landing, result))[:20],
    }


def drawn_subsets(files: list[DemoFile], count: int) -> list[Subset]:
    """`count` subsets drawn by Hypothesis: the same ones every time unless FINSAM_SUBSET_SEED
    is set. They are drawn first and run afterwards, two at a time (the machine has two cores and
    a run uses about one); nothing is shrunk, since every example is a whole pipeline run."""
    drawn: list[Subset] = []

    @settings(
        max_examples=2 * count,  # Hypothesis may draw a subset twice: draw more, keep `count`
        deadline=None,
        database=None,
        derandomize=SWEEP_SEED is None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(subset=subsets(files))
    def draw(subset: Subset) -> None:
        if subset not in drawn and len(drawn) < count:
            drawn.append(subset)

    if SWEEP_SEED is not None:
        draw = seed(int(SWEEP_SEED))(draw)
    draw()
    return drawn


def test_random_subsets_of_the_demo_run_and_publish_nothing_small(nine_years, tmp_path_factory):
    chosen = drawn_subsets(nine_years, SUBSETS)
    assert len(chosen) == SUBSETS
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(run_subset, subset, tmp_path_factory.mktemp("subset")) for subset in chosen
        ]
        outcomes = []
        for number, run in enumerate(runs, start=1):
            outcome = run.result()
            outcomes.append(outcome)
            verdict = (
                "ok" if not outcome["problems"] else f"FAILED ({len(outcome['problems'])} problems)"
            )
            print(f"subset {number}: {outcome['subset']}: {verdict} in {outcome['seconds']} s")
    failed = [outcome for outcome in outcomes if outcome["problems"]]
    print(f"\nRandom subsets: {len(outcomes)} run, {len(failed)} failed.")
    if SWEEP:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(json.dumps(outcomes, indent=2, ensure_ascii=False))
        print(f"Each subset's files and problems: {REPORT}")
    assert not failed, "\n\n".join(
        f"{o['subset']} ({o['home']}):\n" + "\n".join(o["problems"][:10]) for o in failed
    )
