"""One timestamp format everywhere (storage keys, API, CSV): fixed-width UTC ISO 8601, so that
string order is time order."""

from __future__ import annotations

from datetime import UTC, datetime

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def hour_window(moment: datetime) -> str:
    """The UTC hour a moment falls in, "2026-11-20T09": the name of an hourly alert window."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H")
