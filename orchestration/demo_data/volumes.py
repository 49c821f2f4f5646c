"""How many questionnaires each association sends per year and survey form."""

from __future__ import annotations

import math
from random import Random

from orchestration.catalog import Catalog

from .profiles import ForbundProfile

# Measurement year -> (questionnaires, associations), after the national reports.
YEAR_TARGETS: dict[int, tuple[int, int]] = {
    2017: (1000, 13),
    2018: (2300, 22),
    2019: (3000, 29),
    2020: (3400, 34),
    2021: (3759, 39),
    2022: (3970, 36),
    2023: (3900, 33),
    2024: (4000, 29),
    2025: (3850, 31),
}
LATER_YEARS_TARGET = (3900, 31)
# Shares of the large survey forms; the board and managers send a handful each.
LARGE_GROUP_SHARES = {
    "deltagare_pagaende": 0.40,
    "deltagare_avslutade": 0.25,
    "personal": 0.20,
    "remittent": 0.08,
}
SMALL_GROUP_COUNTS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 7)
SMALL_GROUP_MAX_SHARE = 0.25
REPORT_2024 = 2024


def year_target(year: int) -> tuple[int, int]:
    return YEAR_TARGETS.get(year, LATER_YEARS_TARGET)


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` by largest remainders (ties by position)."""
    if total <= 0 or not weights or sum(weights) <= 0:
        return [0] * len(weights)
    quotas = [total * weight / sum(weights) for weight in weights]
    counts = [math.floor(quota) for quota in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def merger_members(catalog: Catalog) -> set[str]:
    return {row["predecessor_id"] for row in catalog.mergers} | {
        row["successor_id"] for row in catalog.mergers
    }


def participants(catalog: Catalog, seed: int, year: int) -> list[str]:
    """Associations that take part in ``year``: in 2024 exactly those in the national report;
    otherwise associations in a merger (so predecessors and successors are both seen), then a
    stable, seeded panel that favours associations that were in the 2024 report."""
    active = [forbund for forbund in catalog.forbund if forbund.is_active_in(year)]
    if year == REPORT_2024:
        return sorted(forbund.forbund_id for forbund in active if forbund.in_2024_report)
    merged = merger_members(catalog)

    def priority(forbund_id: str) -> tuple[bool, float]:
        engagement = Random(f"{seed}:engagement:{forbund_id}").random()
        bonus = 0.6 if catalog.forbund_by_id[forbund_id].in_2024_report else 0.0
        return (forbund_id not in merged, -(engagement + bonus))

    ranked = sorted((forbund.forbund_id for forbund in active), key=priority)
    return sorted(ranked[: year_target(year)[1]])


def large_groups(groups: list[str]) -> list[str]:
    return [group for group in groups if group in LARGE_GROUP_SHARES]


def plan_year(
    catalog: Catalog,
    profiles: dict[str, ForbundProfile],
    seed: int,
    year: int,
    groups: list[str],
    scale: float,
) -> dict[str, dict[str, int]]:
    """forbund_id -> survey form -> questionnaires, summing to the year's target x scale."""
    rng = Random(f"{seed}:volumes:{year}")
    forbund_ids = participants(catalog, seed, year)
    total = round(year_target(year)[0] * scale)
    small = [group for group in groups if group not in LARGE_GROUP_SHARES]
    small_counts = {
        (forbund_id, group): round(rng.choice(SMALL_GROUP_COUNTS) * scale)
        for forbund_id in forbund_ids
        for group in small
    }
    limit = math.floor(total * SMALL_GROUP_MAX_SHARE)
    if sum(small_counts.values()) > limit:
        keys = list(small_counts)
        small_counts = dict(
            zip(keys, apportion(limit, [small_counts[k] for k in keys]), strict=True)
        )
    weights = [profiles[f].size * math.exp(rng.gauss(0.0, 0.2)) for f in forbund_ids]
    per_forbund = apportion(total - sum(small_counts.values()), weights)
    large = large_groups(groups)
    plan: dict[str, dict[str, int]] = {}
    for forbund_id, count in zip(forbund_ids, per_forbund, strict=True):
        shares = [LARGE_GROUP_SHARES[g] * math.exp(rng.gauss(0.0, 0.25)) for g in large]
        counts = dict(zip(large, apportion(count, shares), strict=True))
        counts.update({group: small_counts[(forbund_id, group)] for group in small})
        plan[forbund_id] = {group: counts[group] for group in groups}
    return plan
