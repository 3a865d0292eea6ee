"""The notification-settings and send-size documents of the API: validation with messages that
say what to fix, and their JSON shapes."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.errors import BadRequest
from chalicelib.notify.model import (
    WEEKDAYS,
    AlertLevels,
    Cadence,
    NotificationSettings,
    SendVolume,
)
from chalicelib.tenancy.ids import Source
from chalicelib.tenancy.tags import MAX_SEND_ID

MAX_RECIPIENTS = 20
MAX_DOMAINS = 5000
MAX_SEND_RECIPIENTS = 10_000_000
_ADDRESS_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_DOMAIN_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_SEND_ID_RE = re.compile(r"^[A-Za-z0-9._:-]+$")
_SETTINGS_FIELDS = frozenset(
    {"cadence", "hour", "weekday", "timezone", "recipients", "send_empty", "alert_levels"}
)
_LEVEL_FIELDS = frozenset({"warn_rate", "critical_rate", "min_recipients"})


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def settings_json(s: NotificationSettings) -> dict[str, Any]:
    return {
        "tenant": s.tenant,
        "cadence": str(s.cadence),
        "hour": s.hour,
        "weekday": s.weekday,
        "timezone": s.timezone,
        "recipients": list(s.recipients),
        "send_empty": s.send_empty,
        "alert_levels": {
            "warn_rate": s.levels.warn,
            "critical_rate": s.levels.critical,
            "min_recipients": s.levels.min_recipients,
        },
    }


def apply_settings(
    current: NotificationSettings, body: Any, inbound_domain: str
) -> NotificationSettings:
    """The settings after a PUT: the fields sent replace the current ones, the rest stay."""
    if not isinstance(body, dict):
        raise BadRequest('send a JSON object such as {"cadence": "daily", "hour": 7}')
    unknown = sorted(set(body) - _SETTINGS_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(_SETTINGS_FIELDS))
        raise BadRequest(f"unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
    s = current
    if "cadence" in body:
        try:
            s = replace(s, cadence=Cadence(body["cadence"]))
        except ValueError:
            raise BadRequest("cadence must be one of: off, daily, weekly") from None
    if "hour" in body:
        if not _whole(body["hour"]) or not 0 <= body["hour"] <= 23:
            raise BadRequest("hour must be a whole number from 0 to 23 (local time)")
        s = replace(s, hour=body["hour"])
    if "weekday" in body:
        day = body["weekday"]
        if not isinstance(day, str) or day.lower() not in WEEKDAYS:
            raise BadRequest(f"weekday must be one of: {', '.join(WEEKDAYS)}")
        s = replace(s, weekday=day.lower())
    if "timezone" in body:
        s = replace(s, timezone=_timezone(body["timezone"]))
    if "recipients" in body:
        s = replace(s, recipients=_recipients(body["recipients"], inbound_domain))
    if "send_empty" in body:
        if not isinstance(body["send_empty"], bool):
            raise BadRequest("send_empty must be true or false")
        s = replace(s, send_empty=body["send_empty"])
    if "alert_levels" in body:
        s = replace(s, levels=_levels(s.levels, body["alert_levels"]))
    if s.cadence is not Cadence.OFF and not s.recipients:
        raise BadRequest(
            f"a {s.cadence} digest needs recipients: add one or more staff addresses, "
            'e.g. "recipients": ["office@example.org"]'
        )
    return s


def _timezone(value: Any) -> str:
    hint = "an IANA time zone name such as Europe/Berlin, America/New_York or UTC"
    if not isinstance(value, str) or not 0 < len(value) <= 64 or ".." in value:
        raise BadRequest(f"timezone must be {hint}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"timezone {value!r} is not known; use {hint}") from None
    return value


def _recipients(value: Any, inbound_domain: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_RECIPIENTS:
        raise BadRequest(f"recipients must be a list of at most {MAX_RECIPIENTS} email addresses")
    out: list[str] = []
    for entry in value:
        address = entry.strip().lower() if isinstance(entry, str) else ""
        if not _ADDRESS_RE.fullmatch(address):
            raise BadRequest(f"recipient {entry!r} is not an email address like name@example.org")
        if address.rpartition("@")[2] == inbound_domain:
            # Mail to the bounce domain would land in Rebound's own intake.
            raise BadRequest(f"recipient {address} is on the bounce domain; use a staff mailbox")
        if address not in out:
            out.append(address)
    return tuple(out)


def _levels(current: AlertLevels, value: Any) -> AlertLevels:
    if not isinstance(value, dict):
        raise BadRequest(
            'alert_levels must be an object like {"warn_rate": 0.02, "critical_rate": 0.05}'
        )
    unknown = sorted(set(value) - _LEVEL_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(_LEVEL_FIELDS))
        raise BadRequest(f"unknown alert_levels field(s) {', '.join(unknown)}; allowed: {allowed}")
    warn = value.get("warn_rate", current.warn)
    critical = value.get("critical_rate", current.critical)
    minimum = value.get("min_recipients", current.min_recipients)
    for name, rate in (("warn_rate", warn), ("critical_rate", critical)):
        if not _number(rate) or not 0 < rate < 1:
            raise BadRequest(f"{name} must be a fraction between 0 and 1 (0.02 means 2%)")
    if warn >= critical:
        raise BadRequest(f"warn_rate ({warn}) must be below critical_rate ({critical})")
    if not _whole(minimum) or not 1 <= minimum <= 1_000_000:
        raise BadRequest("min_recipients must be a whole number from 1 to 1000000")
    return AlertLevels(float(warn), float(critical), minimum)


def parse_send_volume(send_id: str, body: Any) -> tuple[str, int, dict[str, int]]:
    """(source, recipients, per_domain) of a PUT /sends/{send_id} body."""
    if not send_id or len(send_id) > MAX_SEND_ID or not _SEND_ID_RE.fullmatch(send_id):
        raise BadRequest(
            f"send id must be 1-{MAX_SEND_ID} characters of letters, digits and . _ : -"
        )
    example = '{"source": "broadcast", "recipients": 1200, "per_domain": {"example.net": 300}}'
    if not isinstance(body, dict):
        raise BadRequest(f"send a JSON object such as {example}")
    unknown = sorted(set(body) - {"source", "recipients", "per_domain"})
    if unknown:
        raise BadRequest(
            f"unknown field(s) {', '.join(unknown)}; allowed: per_domain, recipients, source"
        )
    source = body.get("source")
    if source not in {s.value for s in Source}:
        raise BadRequest(f"source must be one of: {', '.join(s.value for s in Source)}")
    recipients: Any = body.get("recipients")
    if not _whole(recipients) or not 1 <= recipients <= MAX_SEND_RECIPIENTS:
        raise BadRequest(f"recipients must be a whole number from 1 to {MAX_SEND_RECIPIENTS}")
    per_domain_raw = body.get("per_domain", {})
    if not isinstance(per_domain_raw, dict) or len(per_domain_raw) > MAX_DOMAINS:
        raise BadRequest(f"per_domain must be an object of at most {MAX_DOMAINS} domains")
    per_domain: dict[str, int] = {}
    for raw_domain, count in per_domain_raw.items():
        domain = str(raw_domain).strip().lower().lstrip("@")
        if not _DOMAIN_RE.fullmatch(domain) or len(domain) > 253:
            raise BadRequest(f"per_domain key {raw_domain!r} is not a domain like example.net")
        if not _whole(count) or count < 0:
            raise BadRequest(f"per_domain[{domain!r}] must be a whole number of recipients")
        per_domain[domain] = per_domain.get(domain, 0) + count
    if sum(per_domain.values()) > recipients:
        raise BadRequest(
            f"per_domain adds up to {sum(per_domain.values())}, more than recipients ({recipients})"
        )
    return str(source), recipients, per_domain


def send_json(s: SendVolume) -> dict[str, Any]:
    rate = s.hard_rate
    return {
        "tenant": s.tenant,
        "send_id": s.send_id,
        "source": s.source,
        "recipients": s.recipients,
        "per_domain": dict(s.per_domain),
        "bounces": s.bounces,
        "hard_bounces": s.hard,
        "hard_bounce_rate": None if rate is None else round(rate, 6),
    }
