"""Storage semantics of the repository, run on moto AND on the real DynamoDB Local: exactly-once
counting, optimistic concurrency under real transaction conflicts, time ordering, index order and
cursors. moto is not trusted alone for these (it is lax about transactions and limits)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.bounces import BounceEvent, Counting, Disposition, InboundRecord
from chalicelib.classification.reasons import Category, Reason
from chalicelib.errors import CursorError
from chalicelib.ports import CounterOrder, CounterScan, Facet, TenantSettings
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.inbound import InboundRepository
from chalicelib.storage.tenants import StateRepository, TenantRepository
from rebound.samples import sample_event
from tests.integration.helpers import aggregate, run_concurrently

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["moto", pytest.param("dynamodb_local", marks=pytest.mark.dynamodb_local)])
def repo(request: pytest.FixtureRequest) -> CounterRepository:
    request.getfixturevalue("aws" if request.param == "moto" else "dynamodb_local_table")
    return CounterRepository()


def event(
    message_id: str, at: datetime = T0, address: str = "ann@example.net", **kw: Any
) -> BounceEvent:
    return sample_event(message_id=message_id, bounce_at=at, received_at=at, address=address, **kw)


def test_the_same_message_counts_once(repo: CounterRepository) -> None:
    assert repo.record_bounce(event("m1")) is True
    assert repo.record_bounce(event("m1")) is False
    assert repo.record_bounce(event("m2")) is True
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == 2


def test_a_bounce_counted_before_says_whether_its_history_names_this_message(
    repo: CounterRepository,
) -> None:
    """The same stored message again (an SQS redelivery) is REDELIVERED, the same bounce under
    another stored message (an SMTP duplicate: one bounce_id, another object) is DUPLICATE: on
    an address's first bounce (guarded by the counter) and on a later one (by the marker)."""
    for bounce_id, at in (("b-first", T0), ("b-later", T0 + timedelta(hours=1))):
        first = event(f"{bounce_id}-object", at, bounce_id=bounce_id)
        assert repo.count_bounce(first) is Counting.NEW
        assert repo.count_bounce(first) is Counting.REDELIVERED
        duplicate = replace(first, message_id=f"{bounce_id}-smtp-again")
        assert repo.count_bounce(duplicate) is Counting.DUPLICATE
        # Dated otherwise (its Date outside the trusted window): still not this object's.
        assert repo.count_bounce(replace(duplicate, bounce_at=at + timedelta(minutes=5))) is (
            Counting.DUPLICATE
        )
        assert repo.count_bounce(first) is Counting.REDELIVERED
    history = repo.history("riverside", "ann@example.net", 10, None).items
    assert sorted(h.message_id for h in history) == ["b-first-object", "b-later-object"]
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None and counter.bounce_count == 2


@pytest.mark.dynamodb_local
@pytest.mark.usefixtures("dynamodb_local_table")
def test_concurrent_writers_on_one_address_lose_nothing() -> None:
    # DynamoDB Local only: moto does not isolate concurrent conditional transactions (two
    # writers can both pass the same version check), so concurrency is only provable here.
    repo = CounterRepository()
    n = 12

    def write(i: int) -> None:
        repo.record_bounce(event(f"m{i}", T0 + timedelta(minutes=i)))
        repo.record_bounce(event(f"m{i}", T0 + timedelta(minutes=i)))  # a duplicate too

    assert run_concurrently(write, n) == []
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == n
    assert counter.first_bounce_at == T0
    assert counter.last_bounce_at == T0 + timedelta(minutes=n - 1)


def test_late_older_bounce_never_moves_last_backwards(repo: CounterRepository) -> None:
    repo.record_bounce(event("new", T0 + timedelta(days=1), reason=Reason.MAILBOX_FULL))
    repo.record_bounce(event("old", T0))
    counter = repo.get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.first_bounce_at == T0
    assert counter.last_bounce_at == T0 + timedelta(days=1)
    assert counter.reason is Reason.MAILBOX_FULL


def _take(repo: CounterRepository, scan: CounterScan, n: int) -> tuple[list[str], str]:
    taken: list[str] = []
    resume = ""
    for counter, cursor in repo.scan_counters(scan):
        taken.append(counter.address)
        resume = cursor()
        if len(taken) == n:
            break
    return taken, resume


def test_every_order_and_facet_reads_its_index_and_cursors_resume_exactly(
    repo: CounterRepository,
) -> None:
    addresses = ["a@example.net", "b@example.org", "c@example.net"]
    for n, address in enumerate(addresses, start=1):
        for i in range(n):
            kw: dict[str, Any] = {}
            if address.endswith(".org"):
                kw = {
                    "reason": Reason.MAILBOX_FULL,
                    "category": Category.MAILBOX_FULL,
                    "hard": False,
                }
            repo.record_bounce(event(f"{address}-{i}", T0 + timedelta(hours=n), address, **kw))
    by_count, cursor = _take(repo, CounterScan("riverside"), 2)
    assert by_count == ["c@example.net", "b@example.org"]
    rest, _ = _take(repo, CounterScan("riverside", cursor=cursor), 5)
    assert rest == ["a@example.net"]
    assert (
        _take(repo, CounterScan("riverside", CounterOrder.ADDRESS, descending=False), 5)[0]
        == addresses
    )
    assert _take(repo, CounterScan("riverside", CounterOrder.LAST_BOUNCE), 5)[0] == [
        "c@example.net",
        "b@example.org",
        "a@example.net",
    ]
    assert (
        _take(repo, CounterScan("riverside", CounterOrder.FIRST_BOUNCE, False), 5)[0] == addresses
    )
    since = CounterScan("riverside", CounterOrder.LAST_BOUNCE, since=T0 + timedelta(hours=2))
    assert _take(repo, since, 5)[0] == ["c@example.net", "b@example.org"]
    hard = CounterScan("riverside", facet=(Facet.CATEGORY, "hard"))
    assert _take(repo, hard, 5)[0] == ["c@example.net", "a@example.net"]
    _, hard_cursor = _take(repo, hard, 1)
    assert _take(repo, CounterScan("riverside", facet=hard.facet, cursor=hard_cursor), 5)[0] == [
        "a@example.net"
    ]
    domain = CounterScan("riverside", facet=(Facet.DOMAIN, "example.org"))
    assert _take(repo, domain, 5)[0] == ["b@example.org"]
    state = CounterScan("riverside", facet=(Facet.STATE, "suppressed"))
    assert _take(repo, state, 5)[0] == ["c@example.net", "a@example.net"]
    assert repo.count_counters("riverside") == 3
    assert repo.count_counters("riverside", (Facet.STATE, "suppressed")) == 2
    with pytest.raises(CursorError):
        list(repo.scan_counters(CounterScan("hillside", cursor=cursor)))
    with pytest.raises(CursorError):
        list(repo.scan_counters(CounterScan("riverside", facet=hard.facet, cursor=cursor)))
    with pytest.raises(CursorError):
        list(repo.scan_counters(CounterScan("riverside", cursor="not-a-cursor")))
    aggregate()  # the figures are derived from the table's stream
    domains = {t.value: t.bounces for t in repo.dimension_totals("riverside", "domain")}
    assert domains == {"example.net": 4, "example.org": 2}


def test_history_newest_first_and_reactivation(repo: CounterRepository) -> None:
    for i in range(3):
        repo.record_bounce(event(f"m{i}", T0 + timedelta(days=i)))
    page = repo.history("riverside", "ann@example.net", 2, None)
    assert [h.message_id for h in page.items] == ["m2", "m1"]
    more = repo.history("riverside", "ann@example.net", 2, page.next_cursor)
    assert [h.message_id for h in more.items] == ["m0"]
    assert repo.get_suppression("riverside", "ann@example.net") is not None
    counter = repo.reactivate("riverside", "ann@example.net")
    assert counter is not None
    assert counter.state == "reactivated"
    assert counter.bounce_count == 3
    assert repo.get_suppression("riverside", "ann@example.net") is None
    assert repo.reactivate("riverside", "nobody@example.net") is None


def test_inbound_records_tenants_keys_and_state(repo: CounterRepository) -> None:
    inbound, tenants, state = InboundRepository(), TenantRepository(), StateRepository()
    record = InboundRecord(
        message_id="m1",
        s3_key="inbound/m1",
        received_at=T0,
        disposition=Disposition.QUARANTINED,
        kind="bounce",
        problem="return-path tag bad-signature",
    )
    inbound.record_inbound(record)
    page = inbound.list_inbound("_system", "quarantined", 10, None)
    assert page.items == (record,)
    tenants.put_tenant(TenantSettings("riverside", "Riverside Chamber"))
    tenants.put_tenant(TenantSettings("hillside"))
    assert tenants.list_tenants() == ["hillside", "riverside"]
    assert tenants.get_tenant("riverside") == TenantSettings("riverside", "Riverside Chamber")
    assert state.get_state("x") is None
    state.put_state("x", "1")
    assert state.get_state("x") == "1"


def test_a_hard_bounce_puts_the_address_on_the_suppression_list(repo: CounterRepository) -> None:
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


def test_changing_a_tenant_keeps_when_it_was_created(repo: CounterRepository) -> None:
    from dataclasses import replace

    from chalicelib.storage import keys
    from chalicelib.storage.items import TenantItem

    tenants = TenantRepository()
    tenants.put_tenant(TenantSettings("riverside", "Riverside"))
    created = TenantItem.get(keys.tenant_pk("riverside"), keys.TENANT_SK).created_at
    assert created
    settings = tenants.get_tenant("riverside")
    assert settings is not None
    tenants.put_tenant(replace(settings, name="Riverside Chamber", contact_count=1200))
    tenants.put_tenant(replace(settings, contact_count=None))
    item = TenantItem.get(keys.tenant_pk("riverside"), keys.TENANT_SK)
    assert item.created_at == created
    assert (item.name, item.contact_count) == ("Riverside", None)
