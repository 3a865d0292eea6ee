"""The parser's output types: what one inbound message is, and every recipient it reports.

These frozen records (`chalicelib.record`, the dataclass subset without the `dataclasses`
module) are the contract between the pure core and the services: ingest stores them, the report
shows them, `rebound parse` prints them. The parser never raises on input; what it could not
understand is recorded in `defects`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from chalicelib.classification.reasons import Category, Reason
from chalicelib.record import field, record


class MessageKind(StrEnum):
    """What an inbound message is. Only BOUNCE ever changes an address's counters."""

    BOUNCE = "bounce"  # a permanent or temporary delivery failure
    DELAY = "delay"  # "still trying" notices (Action: delayed)
    DELIVERY_NOTICE = "delivery-notice"  # delivered / relayed / expanded DSNs
    AUTO_REPLY = "auto-reply"  # RFC 3834 and the common vacation forms
    COMPLAINT = "complaint"  # a recipient reported our message: RFC 5965 abuse, fraud, virus,
    # other, or a provider's own loop format; never a bounce (see `ParseResult.complaint`)
    FEEDBACK = "feedback"  # other feedback reports: not-spam (RFC 6430), auth-failure (RFC 6591)
    CHALLENGE = "challenge"  # challenge-response "please confirm you are human"
    READ_RECEIPT = "read-receipt"  # RFC 8098 MDNs and vendor read receipts
    NOT_BOUNCE = "not-bounce"  # anything else (a person replying, spam, ...)
    UNPARSED = "unparsed"  # looks like a bounce but no failed recipient could be read


class Action(StrEnum):
    """RFC 3464 section 2.3.3 action values."""

    FAILED = "failed"
    DELAYED = "delayed"
    DELIVERED = "delivered"
    RELAYED = "relayed"
    EXPANDED = "expanded"


@record(frozen=True)
class RecipientResult:
    """One recipient a message reports on, parsed and classified."""

    address: str  # the final recipient, lower-cased domain, VERP-decoded
    original_address: str | None = None  # RFC 3464 Original-Recipient when it differs
    action: Action = Action.FAILED
    status: str | None = None  # RFC 3463 enhanced status, e.g. "5.1.1"
    reply_code: str | None = None  # SMTP reply code, e.g. "550"
    remote_mta: str | None = None  # the receiving host that reported the failure
    diagnostic: str = ""  # the server's own words, whitespace folded, bounded length
    reason: Reason = Reason.UNDEFINED
    category: Category = Category.SOFT
    hard: bool = False  # True only when the address itself is bad
    blacklisted: bool = False  # the failure says our server or domain is listed/blocked
    explanation: str = ""  # one or two plain sentences: what happened, what to do


@record(frozen=True)
class Complaint:
    """What a feedback report says about one complaint (RFC 5965 section 3.1 fields)."""

    feedback_type: str  # "abuse", "fraud", "virus", "other"; "abuse" for providers' formats
    complainant: str | None  # the recipient who complained, when the provider does not redact it
    reported_by: str  # the User-Agent or Reporting-MTA field, else the report's sender
    arrival_date: datetime | None  # when the reported message reached the provider
    source_ip: str | None  # the IP the provider received our message from
    original_return_path: str | None  # the returned original's Return-Path (carries our tag)
    original_mail_from: str | None  # Original-Mail-From (our envelope sender, tag included)


@record(frozen=True)
class ParseResult:
    """Everything Rebound reads from one inbound message."""

    kind: MessageKind
    recipients: tuple[RecipientResult, ...] = ()
    mta: str | None = None  # the detector that understood it, e.g. "postfix", "rfc3464"
    message_id: str | None = None  # the bounce's own Message-ID header
    subject: str = ""
    date: datetime | None = None  # the bounce's Date header (timezone-aware), if readable
    original_message_id: str | None = None  # Message-ID of the returned original, if present
    original_headers: tuple[tuple[str, str], ...] = ()  # selected headers of the original
    defects: tuple[str, ...] = field(default=())
    complaint: Complaint | None = None  # set when kind is COMPLAINT
