"""RFC 5322 section 3.3 date-times (and their obsolete forms, section 4.3) as aware datetimes.

A small parser of its own: `email.utils.parsedate_to_datetime` would cost `rebound parse` the
start-up of `email.utils` (socket, charsets) for one header. Accepts an optional day name, one-
or two-digit days, three-letter months in any case, two- or four-digit years (RFC 5322 4.3:
00-49 are 2000s, 50-99 1900s), optional seconds, numeric zones and the obsolete names (UT, GMT,
EST/EDT, CST/CDT, MST/MDT, PST/PDT, military Z). "-0000" (UTC, local zone unknown) is UTC.
A date without a zone, or impossible, is None.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

# Letters of either case spelled out: IGNORECASE would cost `rebound parse` ~1.5 ms of start-up
# compiling Unicode case folding for a pattern that only ever meets ASCII names.
_DATE = re.compile(
    r"(?:[A-Za-z]{3},?\s*)?(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{2,4})\s+"
    r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[A-Za-z]{1,3})?"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
_ZONES = {
    "ut": 0,
    "gmt": 0,
    "z": 0,
    "utc": 0,
    "est": -5,
    "edt": -4,
    "cst": -6,
    "cdt": -5,
    "mst": -7,
    "mdt": -6,
    "pst": -8,
    "pdt": -7,
}


def parse_date(value: str) -> datetime | None:
    # Runs once per message: the first 200 characters searched in place (no copy), a zone
    # already built read without a call, the datetime's arguments by position (its keyword
    # parsing cost as much as the rest).
    match = _DATE.search(value, 0, 200)
    if match is None:
        return None
    day, month_name, year_text, hour, minute, second, zone = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None or zone is None:
        return None
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 50 else 1900
    tz = _TIMEZONES.get(zone) or _zone(zone)
    if tz is None:
        return None
    try:
        return datetime(year, month, int(day), int(hour), int(minute), int(second or 0), 0, tz)
    except (ValueError, OverflowError):
        return None


# The few zones mail carries, each built once (a bounded table, not a cache of results).
_TIMEZONES: dict[str, timezone] = {}


def _zone(text: str) -> timezone | None:
    tz = _TIMEZONES.get(text)
    if tz is not None:
        return tz
    if text[0] in "+-":
        minutes = int(text[1:3]) * 60 + int(text[3:5])
        offset = timedelta(minutes=minutes if text[0] == "+" else -minutes)
    elif text.lower() in _ZONES:
        offset = timedelta(hours=_ZONES[text.lower()])
    else:
        return None
    try:
        tz = timezone(offset)
    except ValueError:  # beyond a day: no zone
        return None
    if len(_TIMEZONES) < 512:
        _TIMEZONES[text] = tz
    return tz
