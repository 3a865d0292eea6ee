"""The counting rule: counts rise, first/last only move outward, last details follow the latest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.bounces import AddressState, BounceEvent, apply_bounce
from chalicelib.classification.reasons import Category, Reason

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def event(at: datetime, reason: Reason = Reason.MAILBOX_FULL, hard: bool = False) -> BounceEvent:
    return BounceEvent(
        tenant="riverside",
        address="ann@example.net",
        message_id=f"m-{at.isoformat()}",
        bounce_at=at,
        received_at=at + timedelta(minutes=1),
        source="broadcast",
        send_id="s1",
        status="5.2.2" if not hard else "5.1.1",
        reply_code="552",
        reason=reason,
        category=Category.HARD if hard else Category.MAILBOX_FULL,
        hard=hard,
        blacklisted=False,
        diagnostic=f"diag {at.isoformat()}",
        explanation="",
        remote_mta="mx.example.net",
    )


def test_first_bounce_creates_the_record() -> None:
    c = apply_bounce(None, event(T0))
    assert (c.bounce_count, c.first_bounce_at, c.last_bounce_at, c.version) == (1, T0, T0, 1)
    assert c.state is AddressState.ACTIVE


def test_out_of_order_bounce_counts_but_never_moves_last_backwards() -> None:
    newer = apply_bounce(None, event(T0 + timedelta(days=2)))
    both = apply_bounce(newer, event(T0, Reason.USER_UNKNOWN, hard=True))
    assert both.bounce_count == 2
    assert both.first_bounce_at == T0
    assert both.last_bounce_at == T0 + timedelta(days=2)
    assert both.reason is Reason.MAILBOX_FULL  # the latest bounce's details stay
    assert both.diagnostic.endswith((T0 + timedelta(days=2)).isoformat())
    assert both.hard_count == 1
    assert both.state is AddressState.SUPPRESSED  # a hard bounce suppresses whenever it happened


def test_newer_bounce_replaces_the_last_details() -> None:
    later = event(T0 + timedelta(hours=1), Reason.USER_UNKNOWN, hard=True)
    c = apply_bounce(apply_bounce(None, event(T0)), later)
    assert c.reason is Reason.USER_UNKNOWN
    assert c.status == "5.1.1"
    assert c.last_bounce_at == T0 + timedelta(hours=1)
    assert c.hard and c.state is AddressState.SUPPRESSED
    assert c.version == 2
