"""Derived figures end up exact, on the real DynamoDB Local: thousands of bounces counted from
several threads, with duplicates (the same bounce again) and with the stream delivered again,
through an aggregate function that crashes now and then (before applying, and after applying
part of a batch); afterwards every figure equals a full recount of the history items."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.classification.reasons import Category, Reason
from chalicelib.storage import keys
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.items import AddressCounterItem, BounceHistoryItem
from chalicelib.storage.notify import NotifyRepository
from rebound.local.streams import StreamPump
from rebound.samples import sample_event
from tests.integration.helpers import CrashingAggregate

pytestmark = pytest.mark.dynamodb_local
TENANT = "riverside"
T0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
DOMAINS = ("example.com", "example.net", "example.org")
KINDS = [
    (Reason.USER_UNKNOWN, Category.HARD, True, False),
    (Reason.MAILBOX_FULL, Category.MAILBOX_FULL, False, False),
    (Reason.BLOCKED, Category.BLOCK, False, True),
    (Reason.EXPIRED, Category.SOFT, False, False),
]


def count_everything(n: int, threads: int, seed: int) -> int:
    """n bounce events (a tenth of them repeats of earlier ones) from `threads` threads."""
    rng = random.Random(seed)
    events = []
    for i in range(n):
        j = rng.randrange(i) if i and rng.random() < 0.1 else i  # a repeat of bounce j
        reason, category, hard, blacklisted = KINDS[j % len(KINDS)]
        events.append(
            sample_event(
                tenant=TENANT,
                address=f"m{j % (n // 2):05d}@{DOMAINS[j % 3]}",
                message_id=f"msg-{j}",
                bounce_at=T0 + timedelta(hours=j % 50),
                received_at=T0 + timedelta(hours=j % 50),
                reason=reason,
                category=category,
                hard=hard,
                blacklisted=blacklisted,
                send_id=f"s{j % 3}",
                source=["broadcast", "event"][j % 2],
            )
        )
    repo = CounterRepository()
    counted: list[int] = []
    lock = threading.Lock()

    def work(mine: list[Any]) -> None:
        done = sum(int(repo.record_bounce(e)) for e in mine)
        with lock:
            counted.append(done)

    workers = [threading.Thread(target=work, args=(events[t::threads],)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counted)


def recount() -> dict[str, Counter[str]]:
    """Every figure, recomputed from the history items (the counted bounces themselves)."""
    figures: dict[str, Counter[str]] = {n: Counter() for n in ("day", "reason", "domain", "send")}
    for item in BounceHistoryItem.scan(BounceHistoryItem.sk.startswith(keys.HISTORY_SK_PREFIX)):
        _, address = keys.split_address_pk(item.pk)
        figures["day"][item.bounce_at[:10]] += 1
        figures["reason"][item.reason] += 1
        figures["domain"][address.rpartition("@")[2]] += 1
        figures["send"][item.send_id] += 1
    return figures


def derived() -> dict[str, Counter[str]]:
    repo, notify = CounterRepository(), NotifyRepository()
    return {
        "day": Counter(
            {d.day: d.bounces for d in repo.daily_totals(TENANT, "2026-01-01", "2026-12-31")}
        ),
        "reason": Counter({t.value: t.bounces for t in repo.dimension_totals(TENANT, "reason")}),
        "domain": Counter({t.value: t.bounces for t in repo.dimension_totals(TENANT, "domain")}),
        "send": Counter(
            {s: v.bounces for s in ("s0", "s1", "s2") if (v := notify.get_send_volume(TENANT, s))}
        ),
    }


@pytest.mark.usefixtures("dynamodb_local_table")
def test_derived_figures_equal_a_recount_after_duplicates_redeliveries_and_crashes(
    dynamodb_local_endpoint: str,
) -> None:
    counted = count_everything(2000, threads=8, seed=5)
    table = AddressCounterItem.Meta.table_name
    crashing = CrashingAggregate(seed=3, share=0.3)
    StreamPump(table, crashing, endpoint_url=dynamodb_local_endpoint, batch_size=50).drain()
    assert crashing.crashes > 0
    # The whole stream delivered once more (a retried shard): nothing changes.
    StreamPump(
        table, crashing.__class__(seed=4, share=0.0), endpoint_url=dynamodb_local_endpoint
    ).drain()
    truth = recount()
    assert sum(truth["day"].values()) == counted
    assert counted == sum(c.bounce_count for c in CounterRepository().iter_counters(TENANT))
    assert derived() == truth
