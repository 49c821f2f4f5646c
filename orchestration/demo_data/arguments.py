"""Checks of the generator's arguments, each failure one sentence a user can act on."""

from __future__ import annotations

import math
from datetime import date

from orchestration.calendar import FIRST_MEASUREMENT_YEAR, latest_completed_year


def today() -> date:
    return date.today()


def validate_arguments(first_year: int, last_year: int, scale: float, on: date) -> None:
    if first_year < FIRST_MEASUREMENT_YEAR:
        raise ValueError(
            f"first_year must be {FIRST_MEASUREMENT_YEAR} or later (the first national "
            f"measurement), got {first_year}."
        )
    if last_year < first_year:
        raise ValueError(f"last_year ({last_year}) must not be before first_year ({first_year}).")
    finished = latest_completed_year(on)
    if last_year > finished:
        raise ValueError(
            f"last_year {last_year} has not ended yet: measurement year {last_year} runs to "
            f"31 October {last_year} and today is {on.isoformat()}, so the latest possible "
            f"last_year is {finished}."
        )
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"scale must be a number greater than 0, got {scale}.")
