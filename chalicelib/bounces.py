"""The bounce domain: one counted failure (BounceEvent), an address's running record
(AddressCounter), and the pure rule that folds one into the other.

Storage applies `apply_bounce` inside one conditional transaction, so these rules are the whole
truth about counting: the count rises by one per (message, recipient), the first bounce time only
moves earlier, the last bounce time only moves later, and the "last bounce" details always
describe the latest bounce even when events arrive out of order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

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


class Attribution(StrEnum):
    """How a counted bounce was tied to its tenant."""

    TAG = "tag"  # a verified signed return path
    LEGACY_HEADERS = "legacy-headers"  # headers of the returned original (opt-in per tenant)


@dataclass(frozen=True, slots=True)
class BounceEvent:
    """One failure of one recipient, attributed to a tenant: the unit of counting."""

    tenant: str
    address: str
    message_id: str  # the inbound object's id: with `address`, the exactly-once key
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

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def apply_bounce(counter: AddressCounter | None, event: BounceEvent) -> AddressCounter:
    """Fold one bounce into an address's record (pure; storage makes it exactly-once)."""
    hard_bounce = 1 if event.hard else 0
    if counter is None:
        return AddressCounter(
            tenant=event.tenant,
            address=event.address,
            bounce_count=1,
            first_bounce_at=event.bounce_at,
            last_bounce_at=event.bounce_at,
            last_received_at=event.received_at,
            status=event.status,
            reply_code=event.reply_code,
            reason=event.reason,
            category=event.category,
            hard=event.hard,
            blacklisted=event.blacklisted,
            diagnostic=event.diagnostic,
            explanation=event.explanation,
            remote_mta=event.remote_mta,
            source=event.source,
            send_id=event.send_id,
            state=_state_after(AddressState.ACTIVE, event),
            hard_count=hard_bounce,
            version=1,
        )
    updated = replace(
        counter,
        bounce_count=counter.bounce_count + 1,
        hard_count=counter.hard_count + hard_bounce,
        first_bounce_at=min(counter.first_bounce_at, event.bounce_at),
        last_received_at=max(counter.last_received_at, event.received_at),
        state=_state_after(counter.state, event),
        version=counter.version + 1,
    )
    if event.bounce_at < counter.last_bounce_at:
        return updated  # an older bounce arriving late: counted, but not the "last" one
    return replace(
        updated,
        last_bounce_at=event.bounce_at,
        status=event.status,
        reply_code=event.reply_code,
        reason=event.reason,
        category=event.category,
        hard=event.hard,
        blacklisted=event.blacklisted,
        diagnostic=event.diagnostic,
        explanation=event.explanation,
        remote_mta=event.remote_mta,
        source=event.source,
        send_id=event.send_id,
    )


def _state_after(state: AddressState, event: BounceEvent) -> AddressState:
    # Default policy: one hard bounce suppresses; blocks, spam and policy rejections never do
    # (they are about our server or content, not the address). Per-tenant policy comes later.
    if event.hard:
        return AddressState.SUPPRESSED
    return state


@dataclass(frozen=True, slots=True)
class InboundRecord:
    """What happened to one inbound message: kept for every message, whatever it was."""

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
