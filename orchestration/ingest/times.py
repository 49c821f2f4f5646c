"""Submission times: Swedish wall-clock time, and the check of one submission time."""

from __future__ import annotations

from datetime import datetime

from orchestration.calendar import FIRST_MEASUREMENT_YEAR, LOCAL_TIME, first_moment_of
from orchestration.ingest.readers import as_text, cell_moment

EARLIEST_SUBMISSION = first_moment_of(FIRST_MEASUREMENT_YEAR)


def parse_submission_time(raw: object, now: datetime) -> tuple[datetime | None, str | None]:
    """A naive local (Swedish) timestamp, or None and the reason it is refused.

    Text is ISO 8601 (``T`` or a space, seconds optional, a UTC offset or ``Z`` converted to
    Swedish time); spreadsheet cells may also hold a date or datetime.
    """
    now = local_naive(now)
    moment = cell_moment(raw)
    if moment is None:
        text = as_text(raw)
        if not text:
            return None, "tiden då enkäten skickades in saknas"
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None, (
                f"tiden {text!r} går inte att läsa som datum och tid; skriv den som "
                "ÅÅÅÅ-MM-DD TT:MM, till exempel 2024-03-05 14:22"
            )
    moment = local_naive(moment)
    if moment > now:
        return None, f"tiden {moment:%Y-%m-%d %H:%M} ligger i framtiden"
    if moment < EARLIEST_SUBMISSION:
        return None, (
            f"datumet {moment:%Y-%m-%d} ligger före det första mätåret, "
            f"{FIRST_MEASUREMENT_YEAR}, som börjar den 1 november {FIRST_MEASUREMENT_YEAR - 1}"
        )
    return moment, None


def local_naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(LOCAL_TIME).replace(tzinfo=None)
