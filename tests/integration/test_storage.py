"""Storage semantics of the repository, run on moto AND on the real DynamoDB Local: exactly-once
counting, optimistic concurrency under real transaction conflicts, time ordering, index order and
cursors. moto is not trusted alone for these (it is lax about transactions and limits)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.bounces import BounceEvent, Disposition, InboundRecord
from chalicelib.classification.reasons import Category, Reason
from chalicelib.ports import CursorError, TenantSettings
from chalicelib.storage.repository import DynamoRepository

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["moto", pytest.param("dynamodb_local", marks=pytest.mark.dynamodb_local)])
def repo(request: pytest.FixtureRequest) -> DynamoRepository:
    request.getfixturevalue("aws" if request.param == "moto" else "dynamodb_local_table")
    return DynamoRepository()


def event(
    message_id: str, at: datetime = T0, address: str = "ann@example.net", **kw: Any
) -> BounceEvent:
    base = BounceEvent(
        tenant="riverside",
        address=address,
        message_id=message_id,
        bounce_at=at,
        received_at=at,
        source="broadcast",
        send_id="s1",
        status="5.1.1",
        reply_code="550",
        reason=Reason.USER_UNKNOWN,
        category=Category.HARD,
        hard=True,
        blacklisted=False,
        diagnostic="550 5.1.1 user unknown",
        explanation="The address does not exist.",
        remote_mta="mx.example.net",
    )
    return replace(base, **kw)


def test_the_same_message_counts_once(repo: DynamoRepository) -> None:
    assert repo.record_bounce(event("m1")) is True
    assert repo.record_bounce(event("m1")) is False
    assert repo.record_bounce(event("m2")) is True
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == 2


@pytest.mark.dynamodb_local
@pytest.mark.usefixtures("dynamodb_local_table")
def test_concurrent_writers_on_one_address_lose_nothing() -> None:
    # DynamoDB Local only: moto does not isolate concurrent conditional transactions (two
    # writers can both pass the same version check), so concurrency is only provable here.
    repo = DynamoRepository()
    errors: list[BaseException] = []
    n = 12

    def write(i: int) -> None:
        try:
            repo.record_bounce(event(f"m{i}", T0 + timedelta(minutes=i)))
            repo.record_bounce(event(f"m{i}", T0 + timedelta(minutes=i)))  # a duplicate too
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == n
    assert counter.first_bounce_at == T0
    assert counter.last_bounce_at == T0 + timedelta(minutes=n - 1)


def test_late_older_bounce_never_moves_last_backwards(repo: DynamoRepository) -> None:
    repo.record_bounce(event("new", T0 + timedelta(days=1), reason=Reason.MAILBOX_FULL))
    repo.record_bounce(event("old", T0))
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.first_bounce_at == T0
    assert counter.last_bounce_at == T0 + timedelta(days=1)
    assert counter.reason is Reason.MAILBOX_FULL


def test_listing_is_by_count_and_cursors_are_bound_to_their_tenant(repo: DynamoRepository) -> None:
    for n, address in enumerate(["a@example.net", "b@example.net", "c@example.net"], start=1):
        for i in range(n):
            repo.record_bounce(event(f"{address}-{i}", address=address))
    first = repo.list_bounces("riverside", 2, None)
    assert [(c.address, c.bounce_count) for c in first.items] == [
        ("c@example.net", 3),
        ("b@example.net", 2),
    ]
    assert first.next_cursor
    rest = repo.list_bounces("riverside", 2, first.next_cursor)
    assert [c.address for c in rest.items] == ["a@example.net"]
    with pytest.raises(CursorError):
        repo.list_bounces("hillside", 2, first.next_cursor)
    with pytest.raises(CursorError):
        repo.list_bounces("riverside", 2, "not-a-cursor")
    since = repo.counters_since("riverside", T0 - timedelta(seconds=1))
    assert {c.address for c in since} == {"a@example.net", "b@example.net", "c@example.net"}
    assert repo.counters_since("riverside", T0) == []


def test_inbound_records_tenants_keys_and_state(repo: DynamoRepository) -> None:
    record = InboundRecord(
        message_id="m1",
        s3_key="inbound/m1",
        received_at=T0,
        disposition=Disposition.QUARANTINED,
        kind="bounce",
        problem="return-path tag bad-signature",
    )
    repo.record_inbound(record)
    page = repo.list_inbound("_system", "quarantined", 10, None)
    assert page.items == (record,)
    repo.put_tenant(TenantSettings("riverside", "Riverside Chamber"))
    repo.put_tenant(TenantSettings("hillside"))
    assert repo.list_tenants() == ["hillside", "riverside"]
    assert repo.get_tenant("riverside") == TenantSettings("riverside", "Riverside Chamber")
    assert repo.get_state("x") is None
    repo.put_state("x", "1")
    assert repo.get_state("x") == "1"


def test_a_hard_bounce_puts_the_address_on_the_suppression_list(repo: DynamoRepository) -> None:
    repo.record_bounce(event("soft", reason=Reason.MAILBOX_FULL, hard=False))
    assert repo.get_suppression("riverside", "ann@example.net") is None
    repo.record_bounce(event("hard", T0 + timedelta(hours=1)))
    suppression = repo.get_suppression("riverside", "ann@example.net")
    assert suppression is not None
    assert suppression.reason == "hard-bounce"
    assert suppression.since == T0 + timedelta(hours=1)
    assert [c.address for c in repo.iter_counters("riverside")] == ["ann@example.net"]
    repo.delete_suppression("riverside", "ann@example.net")
    assert repo.get_suppression("riverside", "ann@example.net") is None
