"""Landing folders shaped like real first deployments, and what every run over one must satisfy.

A shape is a selection of demo export files (by measurement year, association, respondent group,
or one by one) or a small hand-made folder. Whatever the shape, a run must succeed, its marts must
agree with the independent reading of the raw files (tests/reference.py), and an outsider attacking
the published snapshot (tests/disclosure_attack.py) must recover no group of fewer than five.
"""

from __future__ import annotations

import csv
import math
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tests.disclosure_attack import attack, disclosures
from tests.reference import Questionnaire, Reference

GENDERS = ("alla", "kvinna", "man")
MART_COLUMNS = ("n_respondents", "n_answers", "n_dont_know", "mean_score", "share_positive")


@dataclass(frozen=True)
class DemoFile:
    """A file `finsam demo-data` wrote: <year>_<association>_<survey form>_<n>.<format>."""

    path: Path
    year: int
    forbund: str
    group: str

    @classmethod
    def parse(cls, path: Path) -> DemoFile:
        year, forbund, *group, _number = path.stem.split("_")
        return cls(path, int(year), forbund, "_".join(group))


def demo_files(landing: Path) -> list[DemoFile]:
    return sorted(
        (DemoFile.parse(path) for path in landing.iterdir() if path.is_file()),
        key=lambda file: file.path.name,
    )


def copy_into(files: list[DemoFile], landing: Path) -> Path:
    """Copies the files with their modification times, which decide the order of versions."""
    landing.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copy2(file.path, landing / file.path.name)
    return landing


def write_csv(path: Path, headers: list[str], rows: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers)
        writer.writeheader()
        writer.writerows(rows)
    return path


def expected_cells(landing: Path, reference: Reference | None = None) -> dict[tuple, tuple]:
    """Every cell fct_indicator_results should hold, computed from the raw files alone: for each
    year and scope (riket, and each association that sent the group's questionnaire), every
    question asked of the group that year, in each gender. Key (year, scope, forbund_id, group,
    question_id, gender); value n_respondents, n_answers, n_dont_know, mean_score,
    share_positive."""
    reference = reference or Reference()
    questionnaires = reference.questionnaires(landing)
    owners: dict[tuple, list[Questionnaire]] = defaultdict(list)
    for q in questionnaires:
        owners[(q.year, "riket", None, q.group)].append(q)
        owners[(q.year, "forbund", q.forbund_id, q.group)].append(q)
    cells = {}
    for (year, scope, forbund_id, group), members in owners.items():
        for question_id, question in reference.questions.items():
            if question["respondent_group"] != group or not asked(question, year):
                continue
            positive_min = int(question["positive_min"])
            for gender in GENDERS:
                chosen = [q for q in members if gender == "alla" or q.gender == gender]
                values = [
                    q.answers[question_id] for q in chosen if q.answers.get(question_id) is not None
                ]
                dont_know = sum(
                    1 for q in chosen if question_id in q.answers and q.answers[question_id] is None
                )
                cells[(year, scope, forbund_id, group, question_id, gender)] = (
                    len(chosen),
                    len(values),
                    dont_know,
                    sum(values) / len(values) if values else None,
                    sum(v >= positive_min for v in values) / len(values) if values else None,
                )
    return cells


def asked(question: dict[str, str], year: int) -> bool:
    first = int(question["first_year"])
    last = int(question["last_year"]) if question["last_year"] else 9999
    return first <= year <= last


def mart_cells(run) -> dict[tuple, tuple]:
    rows = run.query(
        f"""
        select measurement_year, scope, forbund_id, respondent_group, question_id, gender,
               {", ".join(MART_COLUMNS)}
        from marts.fct_indicator_results
        """
    )
    return {tuple(row[:6]): tuple(row[6:]) for row in rows}


def differences(expected: dict[tuple, tuple], actual: dict[tuple, tuple]) -> list[str]:
    """Cells missing from either side, and cells whose values differ (floats to 1e-9)."""
    problems = [
        f"missing from the marts: {key}" for key in sorted(set(expected) - set(actual), key=str)
    ]
    problems += [
        f"not in the raw files: {key}" for key in sorted(set(actual) - set(expected), key=str)
    ]
    for key in sorted(set(expected) & set(actual), key=str):
        for name, want, got in zip(MART_COLUMNS, expected[key], actual[key], strict=True):
            if not same(want, got):
                problems.append(f"{key} {name}: raw files give {want}, the marts {got}")
    return problems


def same(want: object, got: object) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return math.isclose(float(want), float(got), rel_tol=0, abs_tol=1e-9)


def problems_of(run, reference: Reference | None = None) -> list[str]:
    """Everything wrong with a finished run: a failure, marts that disagree with the raw files,
    a group of fewer than five that the published snapshot gives away (by the project's measure,
    tests/disclosure_attack.py `disclosures`)."""
    if run.result.returncode != 0:
        return [f"the run failed:\n{run.result.stdout[-3000:]}\n{run.result.stderr[-2000:]}"]
    problems = differences(expected_cells(run.landing, reference), mart_cells(run))
    con = duckdb.connect(str(run.snapshot), read_only=True)
    try:
        disclosed = disclosures(attack(con), con)
    finally:
        con.close()
    problems += [f"disclosed: {finding}" for finding in disclosed]
    return problems
