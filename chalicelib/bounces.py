"""The bounce domain: one counted failure (BounceEvent), an address's running record
(AddressCounter), and the pure rule that folds one into the other.

Storage applies `apply_bounce` inside one conditional transaction, so these rules are the whole
truth about counting: the count rises by one per (message, recipient), the first bounce time only
moves earlier, the last bounce time only moves later, and the "last bounce" details always
describe the latest bounce even when events arrive out of order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from chalicelib.classification.reasons import Category, Reason

# How much earlier than its arrival a bounce may be dated (see ingest): bounded so that "what
# arrived since T" can be answered from the last-bounce index with a bounded look-back.
BOUNCE_DATE_MAX_LAG = timedelta(days=2)


class AddressState(StrEnum):
    """Whether the sending system may still mail an address."""

    ACTIVE = "active"
    SUPPRESSED = "suppressed"
    REACTIVATED = "reactivated"


class SuppressionReason(StrEnum):
    """Why an address is on the suppression list."""

    HARD_BOUNCE = "hard-bounce"  # the tenant's policy, applied at ingest
    REMOVED = "removed"  # a mass delete with email removal
    MANUAL = "manual"
    NO_MAIL_DOMAIN = "no-mail-domain"  # the nightly re-check: the domain takes no mail any more
    COMPLAINT = "complaint"  # the recipient reported our mail (tenant policy suppress_complainers)


@dataclass(frozen=True, slots=True)
class Suppression:
    tenant: str
    address: str
    reason: SuppressionReason
    since: datetime
    actor: str = ""
    job_id: str = ""


class Disposition(StrEnum):
    """What ingest did with one inbound message."""

    COUNTED = "counted"  # a verified bounce; counters changed
    QUARANTINED = "quarantined"  # a bounce whose return-path tag did not verify
    UNPARSED = "unparsed"  # could not be understood; kept for staff
    IGNORED = "ignored"  # not a failure: auto-reply, delay, feedback report, receipt...
    COMPLAINT = "complaint"  # a verified complaint (feedback report): recorded, never counted


class Counting(StrEnum):
    """What counting one bounce did (BounceStore.count_bounce), and whether the history entry
    that counted it names this stored message (then that entry is the message's record)."""

    NEW = "new"  # counted now: its history entry names this message
    REDELIVERED = "redelivered"  # counted before from this same message (an SQS redelivery)
    # Counted before from another stored message (the same bounce delivered again by SMTP), or
    # it cannot be told which: no history entry names this message.
    DUPLICATE = "duplicate"


class Attribution(StrEnum):
    """How a counted bounce was tied to its tenant."""

    TAG = "tag"  # a verified signed return path
    LEGACY_HEADERS = "legacy-headers"  # headers of the returned original (opt-in per tenant)


@dataclass(frozen=True, slots=True)
class BounceEvent:
    """One failure of one recipient, attributed to a tenant: the unit of counting."""

    tenant: str
    address: str
    message_id: str  # the inbound object's id (where the raw message is kept)
    bounce_at: datetime  # timezone-aware UTC
    received_at: datetime
    source: str
    send_id: str
    status: str
    reply_code: str
    reason: Reason
    category: Category
    hard: bool
    blacklisted: bool
    diagnostic: str
    explanation: str
    remote_mta: str
    attribution: Attribution = Attribution.TAG
    # The bounce's own identity (its Message-ID, or a digest of the normalised message): with
    # `address`, the exactly-once key. The same bounce delivered twice by SMTP is stored as two
    # objects but has one identity. Empty: the object id stands in (events built by hand).
    bounce_id: str = ""

    @property
    def once_key(self) -> str:
        """What makes this bounce of this address count once."""
        return self.bounce_id or self.message_id


@dataclass(frozen=True, slots=True)
class SuppressionPolicy:
    """When an address becomes suppressed (per tenant). Blocks, spam and policy rejections
    never count: they are about our server or our content, not the address."""

    hard_bounces: int = 1  # this many hard bounces suppress
    soft_bounces: int = 3  # or this many soft (incl. mailbox-full) bounces ...
    soft_days: int = 3  # ... on at least this many distinct days

    def __post_init__(self) -> None:
        if not (1 <= self.hard_bounces <= 100 and 1 <= self.soft_bounces <= 1000):
            raise ValueError("hard_bounces must be 1-100 and soft_bounces 1-1000")
        if not 1 <= self.soft_days <= 90:
            raise ValueError("soft_days must be 1-90")


DEFAULT_POLICY = SuppressionPolicy()
HISTOGRAM_DAYS = 90  # how many days of per-day counts an address keeps (rising, sparkline)
_SOFT_CATEGORIES = frozenset({Category.SOFT, Category.MAILBOX_FULL})


@dataclass(frozen=True, slots=True)
class AddressCounter:
    """Everything Rebound keeps about one bounced address of one tenant."""

    tenant: str
    address: str
    bounce_count: int
    first_bounce_at: datetime
    last_bounce_at: datetime
    last_received_at: datetime
    status: str
    reply_code: str
    reason: Reason
    category: Category
    hard: bool
    blacklisted: bool
    diagnostic: str
    explanation: str
    remote_mta: str
    source: str
    send_id: str
    state: AddressState = AddressState.ACTIVE
    hard_count: int = 0
    version: int = 0
    # Since the last reactivation ("mark as good"): what the suppression policy looks at.
    active_hard: int = 0
    active_soft: int = 0
    active_soft_days: tuple[str, ...] = ()
    # (yyyy-mm-dd, bounces) for the last HISTOGRAM_DAYS days with bounces, oldest first.
    daily: tuple[tuple[str, int], ...] = ()
    # When it was last marked good (the nightly re-check revisits it after a tenant-set time).
    reactivated_at: datetime | None = None

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def recent_count(self, today: date, days: int) -> int:
        """Bounces in the `days` days up to and including `today` (the "rising" measure)."""
        first = (today - timedelta(days=days - 1)).isoformat()
        return sum(n for day, n in self.daily if day >= first)


def apply_bounce(
    counter: AddressCounter | None,
    event: BounceEvent,
    policy: SuppressionPolicy = DEFAULT_POLICY,
) -> AddressCounter:
    """Fold one bounce into an address's record (pure; storage makes it exactly-once)."""
    if counter is None:
        counter = AddressCounter(
            tenant=event.tenant,
            address=event.address,
            bounce_count=0,
            first_bounce_at=event.bounce_at,
            last_received_at=event.received_at,
            **_latest(event),
        )
    day = event.bounce_at.astimezone(UTC).date().isoformat()
    soft = event.category in _SOFT_CATEGORIES and not event.hard
    soft_days = _add_day(counter.active_soft_days, day) if soft else counter.active_soft_days
    updated = replace(
        counter,
        bounce_count=counter.bounce_count + 1,
        hard_count=counter.hard_count + int(event.hard),
        first_bounce_at=min(counter.first_bounce_at, event.bounce_at),
        last_received_at=max(counter.last_received_at, event.received_at),
        active_hard=counter.active_hard + int(event.hard),
        active_soft=counter.active_soft + int(soft),
        active_soft_days=soft_days,
        daily=_count_day(counter.daily, day),
        version=counter.version + 1,
    )
    updated = replace(updated, state=_state_after(updated, policy))
    if event.bounce_at < counter.last_bounce_at:
        return updated  # an older bounce arriving late: counted, but not the "last" one
    return replace(updated, **_latest(event))


def _latest(event: BounceEvent) -> dict[str, Any]:
    """The fields that always describe an address's latest bounce."""
    return {
        "last_bounce_at": event.bounce_at,
        "status": event.status,
        "reply_code": event.reply_code,
        "reason": event.reason,
        "category": event.category,
        "hard": event.hard,
        "blacklisted": event.blacklisted,
        "diagnostic": event.diagnostic,
        "explanation": event.explanation,
        "remote_mta": event.remote_mta,
        "source": event.source,
        "send_id": event.send_id,
    }


def reactivate(counter: AddressCounter, at: datetime) -> AddressCounter:
    """ "Mark as good": the address may be mailed again and the policy starts counting afresh;
    totals and history are kept."""
    return replace(
        counter,
        state=AddressState.REACTIVATED,
        reactivated_at=at,
        active_hard=0,
        active_soft=0,
        active_soft_days=(),
        version=counter.version + 1,
    )


def _state_after(c: AddressCounter, policy: SuppressionPolicy) -> AddressState:
    if c.state is AddressState.SUPPRESSED:
        return c.state
    if c.active_hard >= policy.hard_bounces or (
        c.active_soft >= policy.soft_bounces and len(c.active_soft_days) >= policy.soft_days
    ):
        return AddressState.SUPPRESSED
    return c.state


def _add_day(days: tuple[str, ...], day: str) -> tuple[str, ...]:
    return days if day in days else tuple(sorted((*days, day)))[-HISTOGRAM_DAYS:]


def _count_day(daily: tuple[tuple[str, int], ...], day: str) -> tuple[tuple[str, int], ...]:
    counts = dict(daily)
    counts[day] = counts.get(day, 0) + 1
    return tuple(sorted(counts.items()))[-HISTOGRAM_DAYS:]


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """What happened to one inbound message, whatever it was: ingest's answer for every
    message, stored unless the history entry of its one counted bounce already says it
    (ingest.needs_inbound_record)."""

    message_id: str
    s3_key: str
    received_at: datetime
    disposition: Disposition
    kind: str  # the parser's MessageKind value
    tenant: str = ""  # empty when unattributed
    problem: str = ""  # why it was quarantined/unparsed, for staff
    subject: str = ""
    sender: str = ""
    recipients: tuple[str, ...] = ()
    counted: int = 0  # how many recipients were counted (duplicates excluded)
    mta: str = ""
    defects: tuple[str, ...] = ()


def names_member(tenant: str, address: str) -> str:
    """How a record's `problem` names the member a message is about when no history entry
    cites it (a quarantined tagged bounce, an SMTP duplicate): forget finds the record by this
    text with one filtered Query."""
    return f"({address}, tenant {tenant})"
