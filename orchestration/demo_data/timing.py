"""When questionnaires were submitted and when exports were made."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from random import Random
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestration.calendar import FIRST_MEASUREMENT_YEAR

HOURS = tuple(range(7, 23))
HOUR_WEIGHTS = (2, 6, 10, 11, 10, 8, 9, 10, 9, 7, 5, 4, 4, 3, 2, 1)
HOUR_CUMULATIVE = tuple(accumulate(HOUR_WEIGHTS))
MONTH_WEIGHTS = {7: 0.3, 8: 0.8, 12: 0.7, 1: 0.9}
WEEKEND_WEIGHT = 0.25


def _stockholm() -> ZoneInfo | None:
    try:
        return ZoneInfo("Europe/Stockholm")
    except ZoneInfoNotFoundError:
        return None


STOCKHOLM = _stockholm()


def collection_days(year: int) -> tuple[date, ...]:
    """Days on which questionnaires of measurement year ``year`` could be submitted."""
    if year == FIRST_MEASUREMENT_YEAR:
        start, end = date(year, 10, 1), date(year, 10, 31)
    else:
        start, end = date(year - 1, 11, 1), date(year, 10, 31)
    return tuple(start + timedelta(days=offset) for offset in range((end - start).days + 1))


@lru_cache(maxsize=32)
def _days_and_weights(year: int) -> tuple[tuple[date, ...], tuple[float, ...]]:
    days = collection_days(year)
    weights = [
        MONTH_WEIGHTS.get(day.month, 1.0) * (WEEKEND_WEIGHT if day.weekday() >= 5 else 1.0)
        for day in days
    ]
    return days, tuple(accumulate(weights))


def submission_times(rng: Random, year: int, count: int) -> list[datetime]:
    """``count`` submission moments in measurement year ``year``, in order."""
    days, cumulative = _days_and_weights(year)
    picked_days = rng.choices(days, cum_weights=cumulative, k=count)
    hours = rng.choices(HOURS, cum_weights=HOUR_CUMULATIVE, k=count)
    moments = [
        datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
        for day, hour in zip(picked_days, hours, strict=True)
    ]
    return sorted(moments)


def export_time(rng: Random, last_submission: datetime, latest: datetime) -> datetime:
    """Shortly after the last submission an export holds, during office hours, never after
    ``latest`` (the start of today)."""
    day = last_submission.date() + timedelta(days=rng.randint(0, 9))
    moment = datetime(day.year, day.month, day.day, rng.randint(8, 16), rng.randrange(60), 0)
    if moment <= last_submission:
        moment = last_submission + timedelta(minutes=rng.randint(5, 90))
    return min(moment, latest)


def later_time(rng: Random, earlier: datetime, latest: datetime, max_days: int) -> datetime:
    """A moment one to ``max_days`` days after ``earlier``, capped at ``latest`` but always
    after ``earlier``."""
    moment = earlier + timedelta(days=rng.randint(1, max_days), minutes=rng.randint(0, 300))
    return max(min(moment, latest), earlier + timedelta(seconds=1))


def to_timestamp(moment: datetime) -> float:
    """Epoch seconds of a Swedish wall-clock moment (UTC if no time zone data is installed)."""
    if STOCKHOLM is None:
        return moment.replace(tzinfo=UTC).timestamp()
    return moment.replace(tzinfo=STOCKHOLM).timestamp()
