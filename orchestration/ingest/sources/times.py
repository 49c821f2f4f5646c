"""Response times as survey tools write them, read into the warehouse's Swedish local time.

Tools write times in their own ways: "2024/03/15 10:23:45 fm CET" (Google Forms in Swedish),
"3/15/2024 10:23:45 AM GMT+1", "03/15/2024 10:23:45 AM" (SurveyMonkey), spreadsheet date cells
(Microsoft Forms), ISO text with or without an offset. A tool layout lists its formats
(``time_formats``, :func:`datetime.strptime` codes); this module takes what is common to all of
them: Swedish "fm"/"em", a time-zone suffix, a cell that already is a date, and a time without a
zone, which is read in the survey's zone (its declaration, or the zone the export names).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from orchestration.ingest.readers import as_text, cell_moment

WAREHOUSE_ZONE = ZoneInfo("Europe/Stockholm")

# Abbreviations tools append; each stands for one fixed offset from UTC, in hours.
ZONE_ABBREVIATIONS = {
    "utc": 0, "gmt": 0, "z": 0, "wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2,
    "met": 1, "mest": 2, "eet": 2, "eest": 3, "msk": 3,
    "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}  # fmt: skip
_SUFFIX = re.compile(
    r"\s*(?:(?P<abbr>[A-Za-z]{1,5})(?P<offset>[+-]\d{1,2}(?::?\d{2})?)?|(?P<bare>[+-]\d{2}:?\d{2}))$"
)
# Swedish and English markers of the half day, in the forms tools and locales print them.
_HALF_DAY = re.compile(r"(?<=\d)\s*(f\.?\s?m\.?|e\.?\s?m\.?|a\.?\s?m\.?|p\.?\s?m\.?)(?=\s|$)", re.I)


def _offset(sign_hours: str) -> timedelta:
    sign = -1 if sign_hours.startswith("-") else 1
    digits = sign_hours.lstrip("+-").replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    return sign * timedelta(hours=int(hours), minutes=int(minutes))


def split_zone(text: str) -> tuple[str, timezone | None]:
    """The text without a trailing zone ("GMT+1", "CET", "+01:00", "UTC"), and that zone."""
    match = _SUFFIX.search(text)
    if match is None:
        return text, None
    if match.group("bare"):
        return text[: match.start()].rstrip(), timezone(_offset(match.group("bare")))
    abbreviation = match.group("abbr").lower()
    if abbreviation not in ZONE_ABBREVIATIONS:
        return text, None  # a word such as "AM" or "em", not a zone
    zone = timedelta(hours=ZONE_ABBREVIATIONS[abbreviation])
    if match.group("offset"):
        zone += _offset(match.group("offset"))
    return text[: match.start()].rstrip(), timezone(zone)


def _half_day(text: str) -> str:
    """'10:23:45 em' -> '10:23:45 PM': strptime's %p only knows the C locale's AM/PM."""

    def english(match: re.Match) -> str:
        letter = match.group(1).lower().lstrip()[0]
        return " AM" if letter in "fa" else " PM"

    return _HALF_DAY.sub(english, text)


def parse_tool_time(
    raw: object, formats: list[str], zone: ZoneInfo
) -> tuple[datetime | None, str | None]:
    """(naive Swedish local time, None), (None, None) for a blank cell, or (None, why not)."""
    moment = cell_moment(raw)
    if moment is None:
        text = as_text(raw)
        if not text:
            return None, None
        moment = _parse_text(text, formats)
        if moment is None:
            shown = ", ".join(_example(f) for f in formats[:3])
            return (
                None,
                f"tiden {text!r} har inget format som verktyget skriver (till exempel {shown})",
            )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(WAREHOUSE_ZONE).replace(tzinfo=None), None


def _parse_text(text: str, formats: list[str]) -> datetime | None:
    body, zone = split_zone(text.strip())
    body = _half_day(body)
    try:
        moment = datetime.fromisoformat(body.replace("Z", "+00:00"))
    except ValueError:
        moment = None
        for pattern in formats:
            try:
                moment = datetime.strptime(body, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    if zone is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _example(pattern: str) -> str:
    return datetime(2024, 3, 15, 14, 5, 9).strftime(pattern)
