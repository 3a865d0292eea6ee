"""The complaint domain: one recipient reporting our message as spam (a feedback report that
reached GroupMessaging@ and whose return-path tag verified), and the rates mailbox providers
judge bulk senders by.

A complaint is never a bounce: it does not touch an address's bounce count, its bounce
categories or the bounce suppression policy. It is recorded once per (report message, address),
added to the day's and the send's complaint tally, and (tenant policy `suppress_complainers`, on
by default) puts the address on the suppression list: mailing someone who called the mail spam
is what the providers' complaint rates punish.

Rates: complaints per recipient the MMS reported for a send (a send's rate), and complaints per
recipient over the tenant's recently reported sends (the tenant's rate). Gmail's sender
guidelines ask bulk senders to keep the spam rate reported in Postmaster Tools below 0.1% and to
never reach 0.3%; Yahoo's sender best practices name the same 0.3% ceiling. Those are the
default warning and critical levels (notify.model.AlertLevels, configurable per tenant).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.bounces import Attribution

# Gmail's email sender guidelines, https://support.google.com/a/answer/81126 (spam rate reported
# in Postmaster Tools below 0.1%, never 0.3% or more), and Yahoo's sender best practices,
# https://senders.yahooinc.com/best-practices/ (spam complaint rate below 0.3%).
COMPLAINT_WARN_RATE = 0.001
COMPLAINT_CRITICAL_RATE = 0.003


@dataclass(frozen=True, slots=True)
class ComplaintEvent:
    """One complaint about one message, attributed to a tenant: the unit of recording."""

    tenant: str
    address: str  # the recipient the verified tag names (the address we mailed)
    message_id: str  # the inbound object's id: with `address`, the exactly-once key
    complained_at: datetime  # the report's Arrival-Date or Date (bounded), else its arrival
    received_at: datetime
    source: str
    send_id: str
    feedback_type: str  # abuse, fraud, virus, other
    reported_by: str  # the feedback loop (User-Agent / Reporting-MTA)
    complainant: str = ""  # the address the report names, when not redacted (may be an alias)
    attribution: Attribution = Attribution.TAG


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """A stored complaint, as the report lists it."""

    tenant: str
    address: str
    message_id: str
    complained_at: datetime
    received_at: datetime
    source: str
    send_id: str
    feedback_type: str
    reported_by: str
    suppressed: bool  # the address was suppressed because of it (policy on, not already)


@dataclass(frozen=True, slots=True)
class ComplaintTally:
    """Complaints over the sends whose size the MMS reported (a tenant's recent rate)."""

    sends: int
    recipients: int
    complaints: int

    @property
    def rate(self) -> float | None:
        return complaint_rate(self.complaints, self.recipients)


NO_COMPLAINTS = ComplaintTally(0, 0, 0)


def tally(sends: Iterable[tuple[int | None, int]]) -> ComplaintTally:
    """Sum (recipients, complaints) over sends; a send of unknown size is left out (its
    complaints have no denominator)."""
    sized = [(r, c) for r, c in sends if r]
    return ComplaintTally(len(sized), sum(r or 0 for r, _ in sized), sum(c for _, c in sized))


def complaint_rate(complaints: int, recipients: int | None) -> float | None:
    """Complaints per recipient, or None when the size is unknown (the MMS never reported it)."""
    if not recipients:
        return None
    return complaints / recipients
