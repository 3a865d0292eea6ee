"""The notification-settings and send-size documents of the API: validation with messages that
say what to fix, and their JSON shapes."""

from __future__ import annotations

import re
import typing
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import UNSET, UnsetType

from chalicelib.api import models
from chalicelib.errors import BadRequest
from chalicelib.notify.model import (
    AlertLevels,
    Cadence,
    NotificationSettings,
    SendVolume,
)
from chalicelib.tenancy.tags import MAX_SEND_ID

T = typing.TypeVar("T")
_ADDRESS_RE = re.compile(r"^[^@\s<>,;\"]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_DOMAIN_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_SEND_ID_RE = re.compile(r"^[A-Za-z0-9._:-]+$")


def settings_json(s: NotificationSettings) -> models.NotificationSettings:
    return models.NotificationSettings(
        tenant=s.tenant,
        cadence=s.cadence,
        hour=s.hour,
        weekday=typing.cast(models.Weekday, s.weekday),
        timezone=s.timezone,
        recipients=list(s.recipients),
        send_empty=s.send_empty,
        alert_levels=models.AlertLevels(
            warn_rate=s.levels.warn,
            critical_rate=s.levels.critical,
            min_recipients=s.levels.min_recipients,
            complaint_warn_rate=s.levels.complaint_warn,
            complaint_critical_rate=s.levels.complaint_critical,
            complaint_min_recipients=s.levels.complaint_min_recipients,
        ),
    )


def apply_settings(
    current: NotificationSettings, body: models.NotificationSettingsPut, inbound_domain: str
) -> NotificationSettings:
    """The settings after a PUT: the fields sent replace the current ones, the rest stay."""
    s = current
    if body.cadence is not UNSET:
        s = replace(s, cadence=body.cadence)
    if body.hour is not UNSET:
        s = replace(s, hour=body.hour)
    if body.weekday is not UNSET:
        s = replace(s, weekday=body.weekday)
    if body.timezone is not UNSET:
        s = replace(s, timezone=_timezone(body.timezone))
    if body.recipients is not UNSET:
        s = replace(s, recipients=_recipients(body.recipients, inbound_domain))
    if body.send_empty is not UNSET:
        s = replace(s, send_empty=body.send_empty)
    if body.alert_levels is not UNSET:
        s = replace(s, levels=_levels(s.levels, body.alert_levels))
    if s.cadence is not Cadence.OFF and not s.recipients:
        raise BadRequest(
            f"a {s.cadence} digest needs recipients: add one or more staff addresses, "
            'e.g. "recipients": ["office@example.org"]'
        )
    return s


def _timezone(value: str) -> str:
    hint = "an IANA time zone name such as Europe/Berlin, America/New_York or UTC"
    if ".." in value or value.startswith("/"):
        raise BadRequest(f"timezone must be {hint}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadRequest(f"timezone {value!r} is not known; use {hint}") from None
    return value


def _recipients(value: list[str], inbound_domain: str) -> tuple[str, ...]:
    out: list[str] = []
    for entry in value:
        address = entry.strip().lower()
        if not _ADDRESS_RE.fullmatch(address):
            raise BadRequest(f"recipient {entry!r} is not an email address like name@example.org")
        if address.rpartition("@")[2] == inbound_domain:
            # Mail to the bounce domain would land in Rebound's own intake.
            raise BadRequest(f"recipient {address} is on the bounce domain; use a staff mailbox")
        if address not in out:
            out.append(address)
    return tuple(out)


def _levels(current: AlertLevels, value: models.AlertLevelsPatch) -> AlertLevels:
    warn = current.warn if value.warn_rate is UNSET else value.warn_rate
    critical = current.critical if value.critical_rate is UNSET else value.critical_rate
    minimum = current.min_recipients if value.min_recipients is UNSET else value.min_recipients
    if warn >= critical:
        raise BadRequest(f"warn_rate ({warn}) must be below critical_rate ({critical})")
    c_warn = _unset_or(value.complaint_warn_rate, current.complaint_warn)
    c_critical = _unset_or(value.complaint_critical_rate, current.complaint_critical)
    c_minimum = _unset_or(value.complaint_min_recipients, current.complaint_min_recipients)
    if c_warn >= c_critical:
        raise BadRequest(
            f"complaint_warn_rate ({c_warn}) must be below complaint_critical_rate ({c_critical})"
        )
    return AlertLevels(
        float(warn), float(critical), minimum, float(c_warn), float(c_critical), int(c_minimum)
    )


def _unset_or(value: T | UnsetType, current: T) -> T:
    return current if isinstance(value, UnsetType) else value


def parse_send_volume(send_id: str, body: models.SendPut) -> tuple[str, int, dict[str, int]]:
    """(source, recipients, per_domain) of a PUT /sends/{send_id} body."""
    if not send_id or len(send_id) > MAX_SEND_ID or not _SEND_ID_RE.fullmatch(send_id):
        raise BadRequest(
            f"send id must be 1-{MAX_SEND_ID} characters of letters, digits and . _ : -"
        )
    per_domain: dict[str, int] = {}
    for raw_domain, count in body.per_domain.items():
        domain = raw_domain.strip().lower().lstrip("@")
        if not _DOMAIN_RE.fullmatch(domain) or len(domain) > 253:
            raise BadRequest(f"per_domain key {raw_domain!r} is not a domain like example.net")
        per_domain[domain] = per_domain.get(domain, 0) + count
    if sum(per_domain.values()) > body.recipients:
        raise BadRequest(
            f"per_domain adds up to {sum(per_domain.values())}, "
            f"more than recipients ({body.recipients})"
        )
    return str(body.source), body.recipients, per_domain


def send_json(s: SendVolume) -> models.Send:
    rate = s.hard_rate
    return models.Send(
        tenant=s.tenant,
        send_id=s.send_id,
        source=s.source,
        recipients=s.recipients,
        per_domain=dict(s.per_domain),
        bounces=s.bounces,
        hard_bounces=s.hard,
        hard_bounce_rate=None if rate is None else round(rate, 6),
        complaints=s.complaints,
        complaint_rate=None if s.complaint_rate is None else round(s.complaint_rate, 6),
    )
