"""The calendar of the measurement: measurement year Y runs from 1 November Y-1 to 31 October Y,
in Swedish wall-clock time, and the first national measurement was 2017.

Beside the catalogue (orchestration/catalog.py), which says what is asked in which year, this
says which year a moment belongs to and which years have ended. (No project module imports the
standard library's `calendar`; this one is always imported as `orchestration.calendar`.)
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

FIRST_MEASUREMENT_YEAR = 2017
LOCAL_TIME = ZoneInfo("Europe/Stockholm")


def swedish_now() -> datetime:
    """The wall-clock time in Sweden, whatever time zone the machine runs in: submission times
    are Swedish, so "in the future" must be judged in Swedish time too."""
    return datetime.now(LOCAL_TIME).replace(tzinfo=None)


def measurement_year_of(moment: datetime | date) -> int:
    """Measurement year Y runs from 1 November Y-1 to 31 October Y."""
    return moment.year + 1 if moment.month >= 11 else moment.year


def first_moment_of(year: int) -> datetime:
    """When measurement year ``year`` begins: 1 November of the year before."""
    return datetime(year - 1, 11, 1)


def latest_completed_year(now: datetime | date | None = None) -> int:
    """Measurement year Y ends on 31 October Y: the latest year that has ended by ``now``."""
    return measurement_year_of(now or swedish_now()) - 1
