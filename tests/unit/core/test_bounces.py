"""The counting rule: counts rise, first/last only move outward, last details follow the latest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.bounces import AddressState, BounceEvent, apply_bounce
from chalicelib.classification.reasons import Category, Reason
from rebound.samples import sample_event

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def event(at: datetime, reason: Reason = Reason.MAILBOX_FULL, hard: bool = False) -> BounceEvent:
    return sample_event(
        bounce_at=at,
        received_at=at + timedelta(minutes=1),
        status="5.2.2" if not hard else "5.1.1",
        reply_code="552",
        reason=reason,
        category=Category.HARD if hard else Category.MAILBOX_FULL,
        hard=hard,
        diagnostic=f"diag {at.isoformat()}",
        explanation="",
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


def test_soft_bounces_suppress_only_when_spread_over_enough_days() -> None:
    from chalicelib.bounces import SuppressionPolicy

    policy = SuppressionPolicy(hard_bounces=1, soft_bounces=3, soft_days=2)
    same_day = None
    for minutes in range(3):
        same_day = apply_bounce(same_day, event(T0 + timedelta(minutes=minutes)), policy)
    assert same_day is not None
    assert same_day.active_soft == 3
    assert same_day.state is AddressState.ACTIVE  # three on one day: maybe a full mailbox today
    later = apply_bounce(same_day, event(T0 + timedelta(days=1)), policy)
    assert later.state is AddressState.SUPPRESSED


def test_blocks_never_suppress_and_reactivation_restarts_the_count() -> None:
    from dataclasses import replace

    from chalicelib.bounces import reactivate

    block = replace(event(T0), reason=Reason.BLOCKED, category=Category.BLOCK)
    c = None
    for day in range(5):
        c = apply_bounce(c, replace(block, bounce_at=T0 + timedelta(days=day)))
    assert c is not None
    assert c.state is AddressState.ACTIVE
    hard = apply_bounce(c, event(T0 + timedelta(days=6), Reason.USER_UNKNOWN, hard=True))
    assert hard.state is AddressState.SUPPRESSED
    good = reactivate(hard, T0 + timedelta(days=6, hours=1))
    assert good.state is AddressState.REACTIVATED
    assert good.reactivated_at == T0 + timedelta(days=6, hours=1)
    assert (good.bounce_count, good.active_hard) == (6, 0)
    again = apply_bounce(good, event(T0 + timedelta(days=7), Reason.USER_UNKNOWN, hard=True))
    assert again.state is AddressState.SUPPRESSED


def test_daily_histogram_feeds_the_rising_measure() -> None:
    c = None
    for day in (0, 0, 5, 9):
        c = apply_bounce(c, event(T0 + timedelta(days=day, minutes=len(str(c)))))
    assert c is not None
    assert c.daily == (("2026-11-20", 2), ("2026-11-25", 1), ("2026-11-29", 1))
    today = (T0 + timedelta(days=9)).date()
    assert c.recent_count(today, 1) == 1
    assert c.recent_count(today, 5) == 2
    assert c.recent_count(today, 90) == 4
