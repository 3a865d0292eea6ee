"""Fixed digests for rendering tests (unit snapshots and the Chromium render): every section
filled, and bounce text that tries to inject markup."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from chalicelib.bounces import AddressCounter, AddressState, Disposition, InboundRecord
from chalicelib.classification.reasons import Category, Reason
from chalicelib.notify.digest import (
    InvalidShare,
    ReasonLine,
    StaffDigest,
    TenantDigest,
    TenantLine,
    blocklist_lines,
    explain,
)
from chalicelib.notify.model import DomainVolume, SendVolume

UNTIL = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=1)
REPORT_URL = "https://rebound.example.com/api/"
HOSTILE = '550 5.1.1 <script>alert(1)</script> <img src=x onerror="alert(2)"> user unknown'
ZEN = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"


def counter(address: str, count: int = 1, **kw: object) -> AddressCounter:
    base = AddressCounter(
        tenant="riverside",
        address=address,
        bounce_count=count,
        first_bounce_at=UNTIL - timedelta(days=10),
        last_bounce_at=UNTIL - timedelta(hours=3),
        last_received_at=UNTIL - timedelta(hours=3),
        status="5.1.1",
        reply_code="550",
        reason=Reason.USER_UNKNOWN,
        category=Category.HARD,
        hard=True,
        blacklisted=False,
        diagnostic=f"550 5.1.1 <{address}>: Recipient address rejected: User unknown",
        explanation="",
        remote_mta="mx.example.net",
        source="broadcast",
        send_id="s-42",
        daily=(("2026-11-18", max(count - 2, 0)), ("2026-11-19", 1), ("2026-11-20", 1)),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def tenant_digest() -> TenantDigest:
    ann = counter("ann@example.net", 4)
    bob = counter(
        "bob@example.org",
        3,
        reason=Reason.MAILBOX_FULL,
        category=Category.MAILBOX_FULL,
        hard=False,
        status="4.2.2",
        diagnostic="452 4.2.2 Mailbox full",
    )
    mallory = counter("mallory@example.org", 1, diagnostic=HOSTILE, state=AddressState.SUPPRESSED)
    carol = counter("carol@example.com", 1, state=AddressState.SUPPRESSED)
    new = (ann, bob, mallory, carol)
    return TenantDigest(
        tenant="riverside",
        name='Riverside <b>Chamber</b> & "Co"',
        since=SINCE,
        until=UNTIL,
        timezone="Europe/Berlin",
        new_total=4,
        new_hard=3,
        new=new,
        suppressed_total=2,
        suppressed=(mallory, carol),
        rising=((ann, 3), (bob, 2)),
        reasons=tuple(
            ReasonLine(r, n, explain(r))
            for r, n in ((Reason.USER_UNKNOWN, 3), (Reason.MAILBOX_FULL, 1))
        ),
        invalid=InvalidShare(invalid=36, contacts=1200, previous=0.025),
        domains=(
            DomainVolume("example.org", 400, 14, 9),
            DomainVolume("example.net", 600, 6, 6),
        ),
        domains_have_rates=True,
        sends=(
            SendVolume(
                "riverside", "s-42", "broadcast", 1000, (), bounces=70, hard=61, reported_at=SINCE
            ),
        ),
        warn_rate=0.02,
        critical_rate=0.05,
        today=date(2026, 11, 20),
        blocklisted=tuple(blocklist_lines(blocked())),
    )


def blocked() -> list[AddressCounter]:
    """Blocks naming Spamhaus ZEN (two addresses at one domain) and an unnamed blocklist."""
    block = {"reason": Reason.BLOCKED, "category": Category.BLOCK, "hard": False, "status": "5.7.1"}
    return [
        counter("dan@example.com", blacklisted=True, diagnostic=ZEN, **block),
        counter("eve@example.com", blacklisted=True, diagnostic=ZEN, **block),
        counter(
            "fay@example.org", blacklisted=True, diagnostic="554 5.7.1 listed at a DNSBL", **block
        ),
        counter("gus@example.org", diagnostic="550 5.7.1 rejected by policy", **block),
    ]


def empty_digest() -> TenantDigest:
    d = tenant_digest()
    return replace(
        d,
        new_total=0,
        new_hard=0,
        new=(),
        suppressed_total=0,
        suppressed=(),
        rising=(),
        reasons=(),
        domains=(),
        sends=(),
        invalid=InvalidShare(36, 1200, 0.03),
        blocklisted=(),
    )


def staff_digest() -> StaffDigest:
    quarantined = InboundRecord(
        message_id="q1",
        s3_key="inbound/q1",
        received_at=UNTIL - timedelta(hours=2),
        disposition=Disposition.QUARANTINED,
        kind="bounce",
        problem="return-path tag did not verify (forged)",
        subject="Undelivered: <script>alert(3)</script>",
        sender='"Mailer" <MAILER-DAEMON@mx.example.net>',
    )
    unparsed = replace(
        quarantined,
        message_id="u1",
        disposition=Disposition.UNPARSED,
        problem="no failed recipient could be read",
        subject="Re: your message",
    )
    return StaffDigest(
        since=SINCE,
        until=UNTIL,
        tenants=(
            TenantLine(
                "riverside",
                4,
                3,
                0.03,
                SendVolume("riverside", "s-42", "broadcast", 1000, (), 70, 61),
                ("listed on Spamhaus ZEN",),
            ),
            TenantLine("hillside", 1, 0, None, None),
            TenantLine("quiet", 0, 0, None, None),
        ),
        quarantined=(quarantined,),
        quarantined_total=1,
        unparsed=(unparsed,),
        unparsed_total=1,
    )
