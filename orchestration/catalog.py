"""The instrument catalogue (``seeds/*.csv``) as Python lookups for ingestion and demo data.

dbt loads the same CSV files as seeds, so the warehouse and the loader share one source of truth.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from orchestration.settings import SEEDS_DIR, SOURCES_DIR


# Every answer cell's label is folded (700,000 calls at demo scale 10), from a few hundred
# distinct texts: the cache makes that a lookup.
@functools.lru_cache(maxsize=1 << 16)
def normalise_label(text: str) -> str:
    """Fold a header, name or label for matching: case, Unicode form, inner and outer spaces,
    and a trailing question mark do not matter."""
    folded = unicodedata.normalize("NFC", text).casefold().strip()
    folded = re.sub(r"\s+", " ", folded)
    return folded.rstrip("?").rstrip()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _optional_int(value: str) -> int | None:
    return int(value) if value else None


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "yes", "ja"}


@dataclass(frozen=True)
class Question:
    question_id: str
    respondent_group: str
    indicator_number: int
    question_text: str
    first_year: int
    last_year: int | None
    comparability_key: str
    scale_min: int
    scale_max: int
    positive_min: int
    dont_know_label: str
    illustrative: bool

    def is_asked_in(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class RespondentGroup:
    code: str
    label_sv: str
    is_participant: bool
    first_year: int


@dataclass(frozen=True)
class Forbund:
    forbund_id: str
    forbund_name: str
    county: str
    founded_year: int | None
    dissolved_year: int | None
    in_2024_report: bool

    def is_active_in(self, year: int) -> bool:
        return (self.founded_year is None or self.founded_year <= year) and (
            self.dissolved_year is None or year <= self.dissolved_year
        )


@dataclass(frozen=True)
class Merger:
    """One row of forbund_mergers.csv: ``predecessor_id`` reports as part of ``successor_id``
    from measurement year ``merged_year``."""

    predecessor_id: str
    successor_id: str
    merged_year: int


class Catalog:
    """Read-only lookups over the seed files in one folder."""

    def __init__(self, seeds_dir: Path = SEEDS_DIR, sources_dir: Path | None = None) -> None:
        self.seeds_dir = seeds_dir
        self.sources_dir = Path(sources_dir or os.environ.get("FINSAM_SOURCES") or SOURCES_DIR)
        self.questions = [
            Question(
                question_id=row["question_id"],
                respondent_group=row["respondent_group"],
                indicator_number=int(row["indicator_number"]),
                question_text=row["question_text"],
                first_year=int(row["first_year"]),
                last_year=_optional_int(row["last_year"]),
                comparability_key=row["comparability_key"],
                scale_min=int(row["scale_min"]),
                scale_max=int(row["scale_max"]),
                positive_min=int(row["positive_min"]),
                dont_know_label=row["dont_know_label"],
                illustrative=_bool(row["illustrative"]),
            )
            for row in _read_csv(seeds_dir / "questions.csv")
        ]
        self.respondent_groups = [
            RespondentGroup(
                code=row["respondent_group"],
                label_sv=row["label_sv"],
                is_participant=_bool(row["is_participant"]),
                first_year=int(row["first_year"]),
            )
            for row in _read_csv(seeds_dir / "respondent_groups.csv")
        ]
        self.forbund = [
            Forbund(
                forbund_id=row["forbund_id"],
                forbund_name=row["forbund_name"],
                county=row["county"],
                founded_year=_optional_int(row["founded_year"]),
                dissolved_year=_optional_int(row["dissolved_year"]),
                in_2024_report=_bool(row["in_2024_report"]),
            )
            for row in _read_csv(seeds_dir / "forbund.csv")
        ]
        self.group_aliases = _read_csv(seeds_dir / "respondent_group_aliases.csv")
        self.forbund_aliases = _read_csv(seeds_dir / "forbund_aliases.csv")
        self.mergers = _read_csv(seeds_dir / "forbund_mergers.csv")

    @cached_property
    def sources(self):
        """The survey tools' layouts and the survey declarations (sources/), validated against
        this catalogue; RegistryError lists every problem."""
        from orchestration.ingest.sources.registry import load_registry  # imports this module

        return load_registry(self.sources_dir, self, builtin=SOURCES_DIR)

    def check_sources(self) -> None:
        """Stop (RegistryError, every problem in a sentence) before any file is read, when a
        declaration or tool layout is broken: that is a wrong setting, not a bad file."""
        self.sources  # noqa: B018 (loading is the check)

    @cached_property
    def rules_fingerprint(self) -> str:
        """A hash of everything a file may be refused against besides its own bytes: the seed
        files and the tool layouts and declarations. A file refused for a rule is read again
        once this changes (orchestration/ingest/loader.py)."""
        digest = hashlib.sha256()
        roots = [(self.seeds_dir, "*.csv"), (SOURCES_DIR / "tools", "*.y*ml")]
        roots += [(self.sources_dir / "tools", "*.y*ml"), (self.sources_dir / "surveys", "*.y*ml")]
        for folder, pattern in roots:
            for path in sorted(folder.glob(pattern)) if folder.is_dir() else []:
                digest.update(f"{folder.name}/{path.name}\0".encode())
                digest.update(path.read_bytes())
        return digest.hexdigest()

    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {question.question_id: question for question in self.questions}

    @cached_property
    def forbund_by_id(self) -> dict[str, Forbund]:
        return {forbund.forbund_id: forbund for forbund in self.forbund}

    @cached_property
    def group_by_code(self) -> dict[str, RespondentGroup]:
        return {group.code: group for group in self.respondent_groups}

    @cached_property
    def _forbund_lookup(self) -> dict[str, str]:
        lookup = {normalise_label(f.forbund_id): f.forbund_id for f in self.forbund}
        lookup.update({normalise_label(f.forbund_name): f.forbund_id for f in self.forbund})
        lookup.update(
            {normalise_label(row["alias"]): row["forbund_id"] for row in self.forbund_aliases}
        )
        return lookup

    @cached_property
    def _group_lookup(self) -> dict[str, str]:
        lookup = {normalise_label(g.code): g.code for g in self.respondent_groups}
        lookup.update({normalise_label(g.label_sv): g.code for g in self.respondent_groups})
        lookup.update(
            {normalise_label(row["alias"]): row["respondent_group"] for row in self.group_aliases}
        )
        return lookup

    @cached_property
    def _question_lookup(self) -> dict[str, dict[str, str]]:
        """Normalised code or text -> {respondent group -> question_id}."""
        lookup: dict[str, dict[str, str]] = {}
        for question in self.questions:
            for key in (question.question_id, question.question_text):
                lookup.setdefault(normalise_label(key), {})[question.respondent_group] = (
                    question.question_id
                )
        return lookup

    def resolve_forbund(self, name: str) -> str | None:
        """The forbund_id for a name, alias or id, or None when it is unknown."""
        return self._forbund_lookup.get(normalise_label(name))

    def resolve_respondent_group(self, label: str) -> str | None:
        """The respondent group code for a code, Swedish label or alias, or None."""
        return self._group_lookup.get(normalise_label(label))

    def question_candidates(self, header: str) -> dict[str, str]:
        """Every question a column header can mean, by respondent group (empty when none)."""
        return self._question_lookup.get(normalise_label(header), {})

    def questions_for(self, respondent_group: str, year: int) -> list[Question]:
        return [
            q
            for q in self.questions
            if q.respondent_group == respondent_group and q.is_asked_in(year)
        ]

    @cached_property
    def merger_by_predecessor(self) -> dict[str, Merger]:
        return {
            row["predecessor_id"]: Merger(
                row["predecessor_id"], row["successor_id"], int(row["merged_year"])
            )
            for row in self.mergers
        }

    def mergers_in_effect(self, forbund_id: str, measurement_year: int) -> list[Merger]:
        """The mergers through which a questionnaire naming ``forbund_id`` in
        ``measurement_year`` counts for another association, in order: the association's own
        merger if it took effect by that year (``measurement_year >= merged_year``), then its
        successor's, and so on. Empty when the questionnaire counts for ``forbund_id`` itself
        (no merger, a later one, or an association the catalogue does not know)."""
        chain: list[Merger] = []
        seen = {forbund_id}
        merger = self.merger_by_predecessor.get(forbund_id)
        while merger is not None and merger.merged_year <= measurement_year:
            chain.append(merger)
            if merger.successor_id in seen:  # a cycle in the seed: stop rather than loop
                break
            seen.add(merger.successor_id)
            merger = self.merger_by_predecessor.get(merger.successor_id)
        return chain

    def counting_forbund(self, forbund_id: str, measurement_year: int) -> str:
        """The association a questionnaire naming ``forbund_id`` counts for in
        ``measurement_year``: the final successor it had merged into by then, else itself."""
        chain = self.mergers_in_effect(forbund_id, measurement_year)
        return chain[-1].successor_id if chain else forbund_id

    def successor_of(self, forbund_id: str) -> str | None:
        for merger in self.mergers:
            if merger["predecessor_id"] == forbund_id:
                return merger["successor_id"]
        return None


def load_catalog(seeds_dir: Path = SEEDS_DIR, sources_dir: Path | None = None) -> Catalog:
    return Catalog(seeds_dir, sources_dir)
