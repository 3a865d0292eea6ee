"""The listings that the sparse by_count and by_first_bounce serve together with the
once-bounced addresses' stream (by_last_bounce filtered on bounce_count = 1), on moto AND the
real DynamoDB Local: every order and direction paged through with small pages, compared with
the same sort done here in Python; an address's second bounce moving it into both indexes;
the active facet and its count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import islice, product
from typing import Any

import pytest

from chalicelib.bounces import AddressCounter
from chalicelib.classification.reasons import Category, Reason
from chalicelib.errors import CursorError
from chalicelib.ports import CounterOrder, CounterScan, Facet
from chalicelib.storage import keys
from chalicelib.storage.core import client
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.items import AddressCounterItem
from rebound.samples import sample_event

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
TENANT = "riverside"


@pytest.fixture(params=["moto", pytest.param("dynamodb_local", marks=pytest.mark.dynamodb_local)])
def repo(request: pytest.FixtureRequest) -> CounterRepository:
    request.getfixturevalue("aws" if request.param == "moto" else "dynamodb_local_table")
    return CounterRepository()


def bounce(repo: CounterRepository, address: str, at: datetime, hard: bool = False) -> None:
    kw: dict[str, Any] = {}
    if not hard:  # stays active: soft bounces within one day never suppress
        kw = {"reason": Reason.MAILBOX_FULL, "category": Category.MAILBOX_FULL, "hard": False}
    message = f"{address}-{at.isoformat()}"
    event = sample_event(message_id=message, address=address, bounce_at=at, received_at=at, **kw)
    assert repo.record_bounce(event) is True


def seed_mix(repo: CounterRepository) -> None:
    """17 once-bounced and 13 repeated bouncers, interleaved in time, with ties: equal counts,
    and a once-bounced address whose bounce is at the very moment of a repeated bouncer's first
    (and of another once-bounced one)."""
    for i in range(17):
        at = T0 + timedelta(minutes=37 * i)
        bounce(repo, f"once{i:02d}@example.net", at, hard=i % 4 == 0)
    for i in range(13):
        first = T0 + timedelta(minutes=53 * i + 5)
        for n in range(2 + i % 3):
            bounce(repo, f"many{i:02d}@example.org", first + timedelta(minutes=n), hard=i % 5 == 0)
    tie = T0 + timedelta(minutes=53 * 7 + 5)  # many07's first bounce
    bounce(repo, "tie-once@example.com", tie)
    bounce(repo, "tie-once2@example.com", T0 + timedelta(minutes=37 * 3))  # once03's


def read_all(repo: CounterRepository, scan: CounterScan, page: int) -> list[AddressCounter]:
    """Every row, `page` at a time: each page a fresh read from the previous page's cursor."""
    rows: list[AddressCounter] = []
    cursor: str | None = None
    while True:
        taken = 0
        fresh = CounterScan(scan.tenant, scan.order, scan.descending, scan.facet, cursor=cursor)
        for counter, resume in repo.scan_counters(fresh, page_size=page):
            rows.append(counter)
            cursor, taken = resume(), taken + 1
            if taken == page:
                break
        if taken < page:
            return rows
        assert len(rows) < 1000, "the listing does not end"


def row(c: AddressCounter) -> tuple[Any, ...]:
    """What a listing shows of a row."""
    return c.address, c.bounce_count, c.first_bounce_at, c.last_bounce_at, c.state, c.reason


def count_key(c: AddressCounter) -> tuple[int, datetime | None]:
    """What count order decides: the count, and among once-bounced addresses the newest first
    (the order among repeated bouncers of one count is DynamoDB's own)."""
    return c.bounce_count, c.last_bounce_at if c.bounce_count == 1 else None


def first_key(c: AddressCounter) -> tuple[datetime, bool]:
    """First bounce; at the same moment a repeated bouncer before a once-bounced address."""
    return c.first_bounce_at, c.bounce_count == 1


def by_count(rows: list[AddressCounter], descending: bool) -> list[tuple[int, datetime | None]]:
    ordered = sorted(
        rows, key=lambda c: (c.bounce_count, c.last_bounce_at.timestamp()), reverse=descending
    )
    return [count_key(c) for c in ordered]


def by_first(rows: list[AddressCounter], descending: bool) -> list[tuple[datetime, bool]]:
    sign = -1 if descending else 1
    ordered = sorted(
        rows, key=lambda c: (sign * c.first_bounce_at.timestamp(), c.bounce_count == 1)
    )
    return [first_key(c) for c in ordered]


def test_every_order_and_direction_pages_exactly_as_python_sorts(repo: CounterRepository) -> None:
    seed_mix(repo)
    everyone = list(repo.iter_counters(TENANT))
    assert len(everyone) == 32
    assert {c.bounce_count for c in everyone} == {1, 2, 3, 4}
    active = [c for c in everyone if c.state == "active"]
    assert 0 < len(active) < len(everyone)
    cases: list[tuple[CounterScan, list[AddressCounter], Callable[..., list[Any]], Any]] = [
        (CounterScan(TENANT), everyone, by_count, count_key),
        (CounterScan(TENANT, descending=False), everyone, by_count, count_key),
        (CounterScan(TENANT, CounterOrder.FIRST_BOUNCE), everyone, by_first, first_key),
        (CounterScan(TENANT, CounterOrder.FIRST_BOUNCE, False), everyone, by_first, first_key),
        (CounterScan(TENANT, facet=(Facet.STATE, "active")), active, by_count, count_key),
    ]
    for (scan, expected, python_sort, key), page in product(cases, [1, 2, 3, 7, 100]):
        got = read_all(repo, scan, page)
        name = f"{scan.order} descending={scan.descending} facet={scan.facet} page={page}"
        assert sorted(c.address for c in got) == sorted(c.address for c in expected), name
        assert [key(c) for c in got] == python_sort(expected, scan.descending), name
        # Whole rows, whichever index they came from.
        assert sorted(map(row, got)) == sorted(map(row, expected)), name
    assert repo.count_counters(TENANT) == len(everyone)
    assert repo.count_counters(TENANT, (Facet.STATE, "active")) == len(active)
    assert repo.count_counters(TENANT, (Facet.STATE, "suppressed")) == len(everyone) - len(active)
    hard = [c for c in everyone if c.category == Category.HARD]
    assert repo.count_counters(TENANT, (Facet.CATEGORY, "hard")) == len(hard)


def index_entries(index: str) -> set[str]:
    found = client().query(
        TableName=AddressCounterItem.Meta.table_name,
        IndexName=index,
        KeyConditionExpression="pk = :h",
        ExpressionAttributeValues={":h": {"S": keys.tenant_pk(TENANT)}},
    )
    return {i["sk"]["S"].removeprefix(keys.COUNTER_SK_PREFIX) for i in found["Items"]}


def test_a_second_bounce_enters_both_sparse_indexes_and_every_writer_keeps_them_right(
    repo: CounterRepository,
) -> None:
    bounce(repo, "ann@example.net", T0 + timedelta(hours=2), hard=True)
    bounce(repo, "bob@example.net", T0 + timedelta(hours=1))
    bounce(repo, "bob@example.net", T0 + timedelta(hours=3))
    assert index_entries("by_count") == {"bob@example.net"}
    assert index_entries("by_first_bounce") == {"bob@example.net"}
    assert index_entries("by_last_bounce") == {"ann@example.net", "bob@example.net"}
    count = [c.address for c, _ in repo.scan_counters(CounterScan(TENANT))]
    first = [
        c.address for c, _ in repo.scan_counters(CounterScan(TENANT, CounterOrder.FIRST_BOUNCE))
    ]
    assert count == ["bob@example.net", "ann@example.net"]
    assert first == ["ann@example.net", "bob@example.net"]
    # Marking as good rewrites the counter: still once-bounced, still in neither index.
    repo.reactivate(TENANT, "ann@example.net")
    assert index_entries("by_count") == index_entries("by_first_bounce") == {"bob@example.net"}
    assert repo.count_counters(TENANT, (Facet.STATE, "active")) == 1
    # The 1 -> 2 transition (an earlier bounce arriving late moves the first bounce back).
    bounce(repo, "ann@example.net", T0)
    assert index_entries("by_count") == {"ann@example.net", "bob@example.net"}
    item = AddressCounterItem.get(keys.tenant_pk(TENANT), keys.counter_sk("ann@example.net"))
    assert (item.repeat_count, item.repeat_first_at) == (2, item.first_bounce_at)
    assert item.first_bounce_at.startswith("2026-11-02T08:00")
    first = [
        c.address for c, _ in repo.scan_counters(CounterScan(TENANT, CounterOrder.FIRST_BOUNCE))
    ]
    assert first == ["bob@example.net", "ann@example.net"]
    assert repo.count_counters(TENANT, (Facet.STATE, "reactivated")) == 1


def test_cursors_resume_only_their_own_listing(repo: CounterRepository) -> None:
    seed_mix(repo)
    cursors = {}
    for name, scan in {
        "count": CounterScan(TENANT),
        "first": CounterScan(TENANT, CounterOrder.FIRST_BOUNCE),
        "active": CounterScan(TENANT, facet=(Facet.STATE, "active")),
    }.items():
        cursors[name] = next(iter(repo.scan_counters(scan, page_size=1)))[1]()
    for scan in [
        CounterScan(TENANT, CounterOrder.FIRST_BOUNCE, cursor=cursors["count"]),
        CounterScan(TENANT, cursor=cursors["first"]),
        CounterScan(TENANT, cursor=cursors["active"]),
        CounterScan("hillside", cursor=cursors["count"]),  # another tenant's
        CounterScan(TENANT, cursor=cursors["count"][:-3] + "abc"),  # garbled
        CounterScan(TENANT, cursor="not-a-cursor"),
        CounterScan(TENANT, CounterOrder.LAST_BOUNCE, cursor=cursors["count"]),
    ]:
        with pytest.raises(CursorError):
            list(repo.scan_counters(scan))


def test_merging_by_first_bounce_reads_the_once_bounced_stream_only_as_far_as_the_page(
    repo: CounterRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Repeated bouncers whose last bounce is near their first, then once-bounced addresses
    older than all of them: the first pages read only the entries near their own times, not
    every entry of by_last_bounce until the first once-bounced address."""
    for i in range(4):
        bounce(repo, f"old{i}@example.net", T0 + timedelta(minutes=i))
    for i in range(60):
        first = T0 + timedelta(days=1, hours=i)
        bounce(repo, f"many{i:02d}@example.org", first)
        bounce(repo, f"many{i:02d}@example.org", first + timedelta(minutes=1))
    examined: list[int] = []
    real = client().query

    def query(**request: Any) -> Any:
        answer = real(**request)
        if request.get("IndexName") == "by_last_bounce":
            examined.append(int(answer["ScannedCount"]))
        return answer

    monkeypatch.setattr(client(), "query", query)
    scan = CounterScan(TENANT, CounterOrder.FIRST_BOUNCE)
    page = [c.address for c, _ in islice(repo.scan_counters(scan, page_size=5), 5)]
    assert page == [f"many{i:02d}@example.org" for i in range(59, 54, -1)]
    # The page's 5 repeated bouncers span 4 hours; the once-bounced stream is read only past the
    # last one's first bounce: their own 5 entries, not the 60 before the first old address.
    assert sum(examined) <= 10, examined
    everything = read_all(repo, scan, 5)
    assert [c.address for c in everything[-4:]] == [f"old{i}@example.net" for i in range(3, -1, -1)]
