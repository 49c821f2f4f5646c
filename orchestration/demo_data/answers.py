"""Substantive answers: positive skew, drift over years, association, group and gender effects.

A respondent's latent level is drawn once; each answer adds an indicator effect and item noise,
then is rounded and clipped to 1..10 (which skews the distribution as real ones are) and mapped
onto the question's own scale.
"""

from __future__ import annotations

from random import Random

from orchestration.calendar import FIRST_MEASUREMENT_YEAR
from orchestration.catalog import Question

BASE_MEAN = 7.35
DRIFT_PER_YEAR = 0.06
PERSON_SD = 0.9
ITEM_SD = 1.45
INDICATOR_SD = 0.3
# Referrers rate collaboration higher than staff; managers and the board lower than participants.
GROUP_EFFECT = {
    "deltagare_pagaende": 0.0,
    "deltagare_avslutade": 0.15,
    "personal": -0.3,
    "remittent": 0.25,
    "styrelse": -0.45,
    "chefsgrupp": -0.8,
}
READY_FOR_WORK = 7
MEN_READY_FOR_WORK_GAP = 0.6
MEN_ELSEWHERE_GAP = 0.1


def indicator_effects(seed: int) -> dict[int, float]:
    rng = Random(f"{seed}:indicators")
    return {number: rng.gauss(0.0, INDICATOR_SD) for number in range(1, 17)}


def respondent_level(rng: Random, year: int, group: str, forbund_effect: float) -> float:
    drift = DRIFT_PER_YEAR * (year - FIRST_MEASUREMENT_YEAR)
    return (
        BASE_MEAN
        + drift
        + GROUP_EFFECT.get(group, 0.0)
        + forbund_effect
        + rng.gauss(0.0, PERSON_SD)
    )


def gender_gap(kon: str, indicator: int) -> float:
    """Men's answers sit a little higher; clearly so on feeling ready for work (indicator 7)."""
    gap = MEN_READY_FOR_WORK_GAP if indicator == READY_FOR_WORK else MEN_ELSEWHERE_GAP
    if kon == "Man":
        return gap / 2
    if kon == "Kvinna":
        return -gap / 2
    return 0.0


def answer(rng: Random, question: Question, level: float, kon: str, effect: float) -> int:
    mean = level + effect + gender_gap(kon, question.indicator_number)
    on_ten = min(10, max(1, round(rng.gauss(mean, ITEM_SD))))
    if (question.scale_min, question.scale_max) == (1, 10):
        return on_ten
    span = question.scale_max - question.scale_min
    return question.scale_min + round((on_ten - 1) * span / 9)
