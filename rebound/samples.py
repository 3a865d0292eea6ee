"""Samples written by us (example.com/.net/.org only): bounces for the local stack's --demo mail
and the tests' inbound messages, each a plausible RFC 3464 report as a receiving MTA writes it;
and domain records (bounce events, address counters) for tests and benchmarks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from chalicelib.bounces import AddressCounter, BounceEvent
from chalicelib.classification.reasons import Category, Reason


@dataclass(frozen=True, slots=True)
class SampleFailure:
    recipient: str
    status: str
    diagnostic: str
    remote_mta: str = "mx1.example.net"
    action: str = "failed"


def dsn(
    *,
    return_path: str,
    failures: list[SampleFailure],
    date: datetime | None = None,
    message_id: str | None = None,
    reporting_mta: str = "mail.example.org",
    original_subject: str = "Spring newsletter",
    extra_headers: str = "",
) -> bytes:
    """A multipart/report delivery-status notification returned to `return_path`."""
    when = format_datetime(date or datetime(2026, 11, 20, 9, 30, tzinfo=UTC))
    if message_id is None:
        # Each distinct bounce gets its own Message-ID (a real MTA's are unique), the same one
        # for the same arguments: rebuilding a sample rebuilds the very same bounce.
        seed = repr((return_path, failures, when, reporting_mta)).encode()
        message_id = f"<dsn-{hashlib.sha256(seed).hexdigest()[:16]}@{reporting_mta}>"
    boundary = "=_rebound_sample_boundary"
    human = "\n".join(
        f"<{f.recipient}>: host {f.remote_mta} said: {f.diagnostic}" for f in failures
    )
    per_recipient = "\n".join(
        f"Final-Recipient: rfc822; {f.recipient}\n"
        f"Original-Recipient: rfc822; {f.recipient}\n"
        f"Action: {f.action}\n"
        f"Status: {f.status}\n"
        f"Remote-MTA: dns; {f.remote_mta}\n"
        f"Diagnostic-Code: smtp; {f.diagnostic}\n"
        for f in failures
    )
    first = failures[0].recipient if failures else "nobody@example.net"
    text = f"""Return-Path: <>
Received: from {reporting_mta} by inbound-smtp.us-east-1.amazonaws.com with SMTP id sample
 for {return_path}; {when}
Date: {when}
From: Mail Delivery System <MAILER-DAEMON@{reporting_mta}>
To: {return_path}
Subject: Undelivered Mail Returned to Sender
Message-ID: {message_id}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
{extra_headers}
This is a MIME-encapsulated message.

--{boundary}
Content-Type: text/plain; charset=us-ascii

This is the mail system at host {reporting_mta}.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

{human}

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; {reporting_mta}
Arrival-Date: {when}

{per_recipient}
--{boundary}
Content-Type: text/rfc822-headers

Return-Path: <{return_path}>
From: Riverside Chamber <news@example.com>
To: {first}
Subject: {original_subject}
Message-ID: <original-1@example.com>
X-Rebound-Source: broadcast

--{boundary}--
"""
    return text.replace("\n", "\r\n").encode()


def auto_reply(*, return_path: str, sender: str = "ann@example.net") -> bytes:
    """An RFC 3834 vacation reply: never a bounce."""
    text = f"""Date: Fri, 20 Nov 2026 10:00:00 +0000
From: Ann Example <{sender}>
To: {return_path}
Subject: Out of office: Spring newsletter
Auto-Submitted: auto-replied
Message-ID: <ooo-1@example.net>

I am away until Monday and will read your message when I return.
"""
    return text.replace("\n", "\r\n").encode()


# The demo set: one of each kind of failure a member organisation meets.
DEMO_FAILURES = [
    SampleFailure(
        "ann.smith@example.net",
        "5.1.1",
        "550 5.1.1 <ann.smith@example.net>: "
        "Recipient address rejected: User unknown in virtual mailbox table",
    ),
    SampleFailure(
        "bob@example.org", "5.2.2", "552 5.2.2 <bob@example.org>: Mailbox full, quota exceeded"
    ),
    SampleFailure(
        "carol@example.net",
        "5.7.1",
        "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org",
    ),
    SampleFailure(
        "dave@example.com", "5.7.1", "550 5.7.1 Message refused: content rejected as spam"
    ),
    SampleFailure("erin@example.org", "4.4.7", "Message expired: could not deliver for 5 days"),
    SampleFailure("frank@example.net", "5.4.4", "550 5.4.4 Host or domain name not found"),
]


# -- domain samples for tests and benchmarks --------------------------------------------------

SAMPLE_TIME = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def sample_event(**overrides: Any) -> BounceEvent:
    """One hard "user unknown" bounce of ann@example.net for riverside; override any field."""
    at = overrides.pop("bounce_at", SAMPLE_TIME)
    fields: dict[str, Any] = {
        "tenant": "riverside",
        "address": "ann@example.net",
        "message_id": f"m-{at.isoformat()}",
        "bounce_at": at,
        "received_at": at,
        "source": "broadcast",
        "send_id": "s1",
        "status": "5.1.1",
        "reply_code": "550",
        "reason": Reason.USER_UNKNOWN,
        "category": Category.HARD,
        "hard": True,
        "blacklisted": False,
        "diagnostic": "550 5.1.1 user unknown",
        "explanation": "The address does not exist.",
        "remote_mta": "mx.example.net",
    }
    fields.update(overrides)
    return BounceEvent(**fields)


def sample_counter(**overrides: Any) -> AddressCounter:
    """An address record with the fields of `sample_event` and a count of one, still active;
    override any field."""
    e = sample_event()
    fields: dict[str, Any] = {
        "tenant": e.tenant,
        "address": e.address,
        "bounce_count": 1,
        "first_bounce_at": e.bounce_at,
        "last_bounce_at": e.bounce_at,
        "last_received_at": e.received_at,
        "status": e.status,
        "reply_code": e.reply_code,
        "reason": e.reason,
        "category": e.category,
        "hard": e.hard,
        "blacklisted": e.blacklisted,
        "diagnostic": e.diagnostic,
        "explanation": e.explanation,
        "remote_mta": e.remote_mta,
        "source": e.source,
        "send_id": e.send_id,
        "version": 1,
    }
    fields.update(overrides)
    return AddressCounter(**fields)
