"""Notification values: a tenant's notification settings, digest periods, reported send sizes
and alerts. Pure (standard library only); storage and rendering take and return these.

A digest period is named by the local date its scheduled moment falls on (daily) or by the
ISO week (weekly), so every tick of the hourly schedule inside one period names the same period:
that name is the key of the "sent" marker that makes a digest go out once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Cadence(StrEnum):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class AlertLevels:
    """Bounce rates of one send at which staff hear at once (SES reviews an account near 5%
    hard bounces; mailbox providers act from about 2%). Below `min_recipients` one bounce
    would already cross them, so small sends never alert."""

    warn: float = 0.02
    critical: float = 0.05
    min_recipients: int = 50
    # Complaints per recipient of one send: the spam rates Gmail and Yahoo publish for bulk
    # senders (chalicelib.complaints). Below `complaint_min_recipients` a single complaint
    # already crosses 0.1%, so small sends never alert on complaints.
    complaint_warn: float = 0.001
    complaint_critical: float = 0.003
    complaint_min_recipients: int = 1000


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    tenant: str
    cadence: Cadence = Cadence.OFF
    hour: int = 7  # local hour the digest goes out
    weekday: str = "monday"  # weekly only
    timezone: str = "UTC"  # IANA name
    recipients: tuple[str, ...] = ()
    send_empty: bool = False
    levels: AlertLevels = field(default_factory=AlertLevels)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class Period:
    """One digest period: its key, and the local moment it was scheduled for."""

    key: str
    scheduled_at: datetime  # timezone-aware (the tenant's zone)
    length: timedelta


def current_period(settings: NotificationSettings, now: datetime) -> Period | None:
    """The latest period whose scheduled moment is at or before `now`, or None when off.

    Only the latest period is ever considered: a schedule that missed ticks (an outage) sends
    one digest covering everything since the last one, never a backlog of stale digests.
    """
    if settings.cadence is Cadence.OFF:
        return None
    local = now.astimezone(settings.zone)
    moment = local.replace(hour=settings.hour, minute=0, second=0, microsecond=0)
    if settings.cadence is Cadence.DAILY:
        if moment > local:
            moment -= timedelta(days=1)
        return Period(f"D{moment:%Y-%m-%d}", moment, timedelta(days=1))
    target = WEEKDAYS.index(settings.weekday)
    moment -= timedelta(days=(moment.weekday() - target) % 7)
    if moment > local:
        moment -= timedelta(days=7)
    year, week, _ = moment.isocalendar()
    return Period(f"W{year}-{week:02d}", moment, timedelta(days=7))


class DigestState(StrEnum):
    SENDING = "sending"  # claimed by one run; a stale claim (a crash) may be taken over
    SENT = "sent"
    SKIPPED = "skipped"  # nothing to tell and the tenant did not ask for empty digests


@dataclass(frozen=True, slots=True)
class DigestSnapshot:
    """What the last digest reported, so the next one can show a trend."""

    until: datetime
    invalid: int  # hard-bounced addresses at that time
    contacts: int | None


@dataclass(frozen=True, slots=True)
class SendVolume:
    """How many recipients one send had (reported by the MMS), and its bounces so far."""

    tenant: str
    send_id: str
    source: str = ""
    recipients: int | None = None
    per_domain: tuple[tuple[str, int], ...] = ()
    bounces: int = 0
    hard: int = 0
    reported_at: datetime | None = None
    first_bounce_at: datetime | None = None
    complaints: int = 0  # feedback-loop complaints about this send (never counted as bounces)

    @property
    def hard_rate(self) -> float | None:
        """Hard bounces per recipient (the rate SES and mailbox providers judge)."""
        if not self.recipients:
            return None
        return self.hard / self.recipients

    @property
    def complaint_rate(self) -> float | None:
        """Complaints per recipient the MMS reported (the spam rate providers judge)."""
        if not self.recipients:
            return None
        return self.complaints / self.recipients


@dataclass(frozen=True, slots=True)
class DomainVolume:
    """One recipient domain of a tenant over every reported send: recipients the MMS reported
    and the bounces of those sends (the two halves of a domain's bounce rate)."""

    domain: str
    recipients: int = 0
    bounces: int = 0
    hard: int = 0

    @property
    def rate(self) -> float | None:
        return self.bounces / self.recipients if self.recipients else None


@dataclass(frozen=True, slots=True)
class BlockWindow:
    """Block or policy rejections from one receiving domain within one UTC hour, as counted so
    far (`hits`), with the latest of them: a burst over the configured level is an alert."""

    domain: str
    window: str  # the UTC hour, "2026-11-20T09"
    hits: int
    tenant: str  # the latest rejection's
    reason: str
    blacklisted: bool
    diagnostic: str


class AlertKind(StrEnum):
    BLACKLISTED = "blacklisted"  # a receiving server named a blocklist that lists us
    BLOCK_BURST = "block-burst"  # many block/policy rejections from one receiving domain
    SEND_RATE = "send-bounce-rate"  # one send's hard-bounce rate crossed a level
    COMPLAINT_RATE = "send-complaint-rate"  # one send's complaint rate crossed a level
    DLQ = "dead-letter-queue"  # messages waiting in a dead-letter queue grew
    UNPARSED = "unparsed-mail"  # mail the parser could not read grew


class Severity(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. `key` identifies the condition: the same key inside its cool-down is one alert
    (de-duplication), whatever number of bounces keep proving it."""

    kind: AlertKind
    severity: Severity
    scope: str  # a tenant, or "_system" for our server's problems
    key: str
    title: str
    lines: tuple[str, ...]
    cooldown: timedelta
    link: str = ""
    detail: tuple[tuple[str, str | int | float], ...] = ()
    raised_at: datetime = field(default_factory=lambda: datetime.now(UTC))
