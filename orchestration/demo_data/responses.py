"""Completed questionnaires of one association, survey form and measurement year."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime
from random import Random

from orchestration.catalog import Question, RespondentGroup

from .answers import answer, respondent_level
from .dirt import Cell, count_comment, soiled
from .profiles import ForbundProfile
from .summary import DirtCounts
from .texts import comment
from .timing import submission_times

KON = ("Kvinna", "Man", "Annat", "Vill ej svara", "")
KON_WEIGHTS_PARTICIPANTS = (55, 40, 1.5, 2, 1.5)
KON_WEIGHTS_OTHERS = (52, 32, 1, 5, 10)
STAFF = "personal"
TOKEN_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Response:
    svar_id: str
    submitted: datetime
    kon: str
    insats: str
    fritext: str
    answers: dict[str, Cell]


class ResponseIds:
    """svar_id values, unique per association and survey form across all years."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], int] = {}
        self._used: set[str] = set()

    def new(self, rng: Random, profile: ForbundProfile, group: str) -> str:
        if profile.numeric_ids:
            key = (profile.forbund_id, group)
            number = self._next.get(key, profile.id_start)
            self._next[key] = number + rng.randint(1, 3)
            return str(number)
        while True:
            token = "R_" + "".join(rng.choices(TOKEN_ALPHABET, k=15))
            if (key_token := f"{profile.forbund_id}|{group}|{token}") not in self._used:
                self._used.add(key_token)
                return token


def _intervention(rng: Random, profile: ForbundProfile, group: RespondentGroup) -> str:
    works_in_one = group.is_participant or group.code == STAFF
    return rng.choice(profile.interventions) if profile.has_insats and works_in_one else ""


def build_responses(
    rng: Random,
    year: int,
    profile: ForbundProfile,
    group: RespondentGroup,
    questions: list[Question],
    count: int,
    indicator_effect: dict[int, float],
    ids: ResponseIds,
    counts: DirtCounts,
) -> list[Response]:
    kon_weights = KON_WEIGHTS_PARTICIPANTS if group.is_participant else KON_WEIGHTS_OTHERS
    responses = []
    for moment in submission_times(rng, year, count):
        kon = rng.choices(KON, weights=kon_weights)[0]
        level = respondent_level(rng, year, group.code, profile.effect)
        answers = {
            q.question_id: soiled(
                rng, q, answer(rng, q, level, kon, indicator_effect[q.indicator_number]), counts
            )
            for q in questions
        }
        fritext = comment(rng, group.is_participant) if profile.has_fritext else ""
        count_comment(fritext, counts)
        counts.blank_kon += kon == ""
        responses.append(
            Response(
                svar_id=ids.new(rng, profile, group.code),
                submitted=moment,
                kon=kon,
                insats=_intervention(rng, profile, group),
                fritext=fritext,
                answers=answers,
            )
        )
    return responses
