"""Digest periods (daily, weekly, time zones, DST), the notification-settings and send-size
documents' validation, and the sender that must never be GroupMessaging@."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.api.codec import decode_body
from chalicelib.api.models import NotificationSettingsPut, SendPut
from chalicelib.errors import BadRequest
from chalicelib.notify.model import Cadence, NotificationSettings, current_period
from chalicelib.notify.service import MailPolicy, MisconfiguredSender
from chalicelib.notify.settings import apply_settings, parse_send_volume, settings_json

BERLIN = NotificationSettings(
    "riverside", Cadence.DAILY, hour=7, timezone="Europe/Berlin", recipients=("a@example.org",)
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "key"),
    [
        ("2026-11-20T05:59:00", "D2026-11-19"),  # 06:59 in Berlin: today's not due yet
        ("2026-11-20T06:00:00", "D2026-11-20"),  # 07:00 in Berlin
        ("2026-11-20T23:30:00", "D2026-11-21"),  # already the 21st in Berlin, after 00:30 ...
    ],
)
def test_daily_periods_follow_the_tenants_local_hour(now: str, key: str) -> None:
    settings = (
        BERLIN
        if key != "D2026-11-21"
        else NotificationSettings(
            "riverside", Cadence.DAILY, hour=0, timezone="Europe/Berlin", recipients=("a@x.org",)
        )
    )
    period = current_period(settings, at(now))
    assert period is not None and period.key == key


def test_every_tick_of_one_day_names_the_same_period_across_a_dst_change() -> None:
    # Berlin leaves summer time on 2026-10-25: 07:00 local is 05:00 UTC before, 06:00 after.
    keys = {current_period(BERLIN, at(f"2026-10-25T{h:02d}:10:00")).key for h in range(6, 24)}  # type: ignore[union-attr]
    assert keys == {"D2026-10-25"}
    assert current_period(BERLIN, at("2026-10-25T05:30:00")).key == "D2026-10-24"  # type: ignore[union-attr]


def test_weekly_periods_are_iso_weeks_from_the_chosen_weekday() -> None:
    weekly = NotificationSettings(
        "riverside", Cadence.WEEKLY, hour=9, weekday="friday", recipients=("a@example.org",)
    )
    friday = current_period(weekly, at("2026-11-20T09:00:00"))
    thursday = current_period(weekly, at("2026-11-19T23:00:00"))
    assert friday is not None and thursday is not None
    assert friday.key == "W2026-47" and thursday.key == "W2026-46"
    assert current_period(NotificationSettings("t"), at("2026-11-20T09:00:00")) is None


def apply(body: Any) -> NotificationSettings:
    """A PUT as the API receives it: JSON bytes through the API's decoder, then applied."""
    put = decode_body(json.dumps(body).encode(), NotificationSettingsPut)
    return apply_settings(NotificationSettings("riverside"), put, "bounces.example.com")


def send(send_id: str, body: Any) -> tuple[str, int, dict[str, int]]:
    return parse_send_volume(send_id, decode_body(json.dumps(body).encode(), SendPut))


def test_valid_settings_are_stored_normalised() -> None:
    s = apply(
        {
            "cadence": "weekly",
            "weekday": "monday",
            "hour": 8,
            "timezone": "America/New_York",
            "recipients": [" Office@Example.org ", "office@example.org"],
            "alert_levels": {"warn_rate": 0.03},
        }
    )
    assert settings_json(s).recipients == ["office@example.org"]
    assert (s.weekday, s.levels.warn, s.levels.critical) == ("monday", 0.03, 0.05)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "send a JSON object"),
        ({"colour": "red"}, "unknown field 'colour'; allowed: cadence, hour"),
        ({"cadence": "hourly"}, "cadence: invalid enum value 'hourly'; one of: daily, off, weekly"),
        ({"hour": 24}, "hour: expected `int` <= 23"),
        ({"hour": True}, "hour: expected `int`, got `bool`"),
        ({"weekday": "someday"}, "weekday: invalid enum value 'someday'; one of: friday"),
        ({"timezone": "Mars/Olympus"}, "is not known; use an IANA time zone name"),
        ({"recipients": ["not-an-address"]}, "is not an email address"),
        (
            {"recipients": ["groupmessaging@bounces.example.com"]},
            "is on the bounce domain; use a staff mailbox",
        ),
        ({"cadence": "daily"}, "a daily digest needs recipients"),
        ({"alert_levels": {"warn_rate": 5}}, "alert_levels.warn_rate: expected `float` < 1"),
        ({"alert_levels": {"warn_rate": 0.06}}, "must be below critical_rate"),
        ({"send_empty": "yes"}, "send_empty: expected `bool`, got `str`"),
    ],
)
def test_invalid_settings_say_what_to_fix(body: Any, message: str) -> None:
    with pytest.raises(BadRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        apply(body)


def test_send_sizes_are_checked() -> None:
    assert send("s-1", {"source": "broadcast", "recipients": 10}) == (
        "broadcast",
        10,
        {},
    )
    with pytest.raises(BadRequest, match="per_domain adds up to 12, more than recipients"):
        send("s-1", {"source": "survey", "recipients": 10, "per_domain": {"example.net": 12}})
    with pytest.raises(BadRequest, match="source: invalid enum value 'fax'; one of: broadcast"):
        send("s-1", {"source": "fax", "recipients": 10})
    with pytest.raises(BadRequest, match="source: expected `str`, got `array`"):
        send("s-1", {"source": ["broadcast"], "recipients": 10})
    many = {f"d{n}.example.net": 1 for n in range(5001)}
    with pytest.raises(BadRequest, match="per_domain: expected `object` of length <= 5000"):
        send("s-1", {"source": "event", "recipients": 10_000, "per_domain": many})
    with pytest.raises(BadRequest, match="send id must be"):
        send("s/1", {"source": "event", "recipients": 10})


def test_notifications_are_never_sent_from_the_bounce_address() -> None:
    with pytest.raises(MisconfiguredSender):
        MailPolicy("Rebound <groupmessaging@example.com>", "groupmessaging", "bounces.example.com")
    policy = MailPolicy("Rebound <no-reply@example.com>", "groupmessaging", "bounces.example.com")
    assert policy.deliverable(["a@example.org", "x@BOUNCES.example.com"]) == ("a@example.org",)
    assert policy.headers("digest", "riverside", "D2026-11-20")["Auto-Submitted"] == (
        "auto-generated"
    )
