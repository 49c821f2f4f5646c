"""Each association's stable export habits: survey tool format, headers, labels, id style."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from random import Random

from orchestration.catalog import Catalog

from .decks import dealt
from .formats import FORMAT_BY_NAME, FORMAT_WEIGHTS, FORMATS, FileFormat
from .texts import intervention_names

HEADER_STYLES = {"codes": 5, "swedish": 5}
QUESTION_HEADER_STYLES = {"code": 4, "text": 3, "text_no_mark": 2, "text_lower": 1}
GROUP_LABEL_STYLES = {"code": 3, "label": 4, "alias": 3}
FORMAT_CHANGE_RATE = 0.2


@dataclass(frozen=True)
class ForbundProfile:
    forbund_id: str
    base_format: FileFormat
    changed_format: FileFormat
    format_change_year: int | None
    header_style: str
    question_header_style: str
    forbund_label: str
    group_labels: dict[str, str]
    minute_timestamps: bool
    numeric_ids: bool
    id_start: int
    has_insats: bool
    has_fritext: bool
    interventions: tuple[str, ...]
    exports_per_form: int
    size: float
    effect: float

    def format_in(self, year: int) -> FileFormat:
        if self.format_change_year is not None and year >= self.format_change_year:
            return self.changed_format
        return self.base_format


def _forbund_label(rng: Random, catalog: Catalog, forbund_id: str) -> str:
    forbund = catalog.forbund_by_id[forbund_id]
    aliases = sorted(
        row["alias"] for row in catalog.forbund_aliases if row["forbund_id"] == forbund_id
    )
    choices = [forbund.forbund_name] * 3 + aliases
    return rng.choice(choices)


def _group_labels(rng: Random, catalog: Catalog, style: str) -> dict[str, str]:
    labels = {}
    for group in catalog.respondent_groups:
        aliases = sorted(
            row["alias"] for row in catalog.group_aliases if row["respondent_group"] == group.code
        )
        if style == "code":
            labels[group.code] = group.code
        elif style == "alias" and aliases:
            labels[group.code] = rng.choice(aliases)
        else:
            labels[group.code] = group.label_sv
    return labels


def build_profiles(catalog: Catalog, seed: int) -> dict[str, ForbundProfile]:
    """One profile per association in the catalogue, the same for the same seed."""
    ids = sorted(forbund.forbund_id for forbund in catalog.forbund)
    rng = Random(f"{seed}:profiles")
    formats = dealt(rng, FORMAT_WEIGHTS, len(ids))
    header_styles = dealt(rng, HEADER_STYLES, len(ids))
    question_styles = dealt(rng, QUESTION_HEADER_STYLES, len(ids))
    group_styles = dealt(rng, GROUP_LABEL_STYLES, len(ids))
    profiles = {}
    for index, forbund_id in enumerate(ids):
        own = Random(f"{seed}:profile:{forbund_id}")
        base = FORMAT_BY_NAME[formats[index]]
        changes = own.random() < FORMAT_CHANGE_RATE
        others = [fmt for fmt in FORMATS if fmt != base]
        profiles[forbund_id] = ForbundProfile(
            forbund_id=forbund_id,
            base_format=base,
            changed_format=own.choice(others),
            format_change_year=own.randint(2019, 2025) if changes else None,
            header_style=header_styles[index],
            question_header_style=question_styles[index],
            forbund_label=_forbund_label(own, catalog, forbund_id),
            group_labels=_group_labels(own, catalog, group_styles[index]),
            minute_timestamps=own.random() < 0.4,
            numeric_ids=own.random() < 0.6,
            id_start=own.randrange(1000, 90000, 100),
            has_insats=own.random() < 0.6,
            has_fritext=own.random() < 0.75,
            interventions=intervention_names(own),
            exports_per_form=own.choice((2, 3)),
            size=math.exp(own.gauss(0.0, 0.45)),
            effect=own.gauss(0.0, 0.35),
        )
    return _predecessors_share_successor_size(catalog, seed, profiles)


def _predecessors_share_successor_size(
    catalog: Catalog, seed: int, profiles: dict[str, ForbundProfile]
) -> dict[str, ForbundProfile]:
    """Merged associations were smaller parts of their successor."""
    for merger in sorted(catalog.mergers, key=lambda row: row["predecessor_id"]):
        predecessor, successor = merger["predecessor_id"], merger["successor_id"]
        if predecessor not in profiles or successor not in profiles:
            continue
        parts = sum(row["successor_id"] == successor for row in catalog.mergers)
        jitter = math.exp(Random(f"{seed}:merger:{predecessor}").gauss(0.0, 0.3))
        size = 1.2 * profiles[successor].size * jitter / parts
        profiles[predecessor] = replace(profiles[predecessor], size=size)
    return profiles
