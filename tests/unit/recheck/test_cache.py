"""DNS answers kept per domain: once per run whatever the answer, across runs for the TTL
within [min_ttl, max_ttl], never a timeout or SERVFAIL across runs; the memory store's bound."""

from __future__ import annotations

from chalicelib.recheck.cache import CachingResolver, MemoryDomainCache
from chalicelib.recheck.model import DomainAnswer, DomainStatus
from chalicelib.recheck.ports import CachedAnswer

from .fakes import FakeClock, FakeResolver, mx


def test_within_a_run_each_domain_is_asked_once() -> None:
    resolver = FakeResolver({"example.com": mx("example.com")})
    caching = CachingResolver(resolver)
    caching.lookup(["example.com", "nosuch.example.com"])
    answers = caching.lookup(["example.com", "nosuch.example.com", "example.com"])
    assert resolver.batches == [["example.com", "nosuch.example.com"]]
    assert answers["nosuch.example.com"].status is DomainStatus.NXDOMAIN
    assert caching.asked == 2


def test_within_a_run_a_timeout_is_not_asked_again() -> None:
    slow = DomainAnswer("slow.example.net", DomainStatus.TIMEOUT)
    resolver = FakeResolver({"slow.example.net": slow})
    caching = CachingResolver(resolver, MemoryDomainCache())
    caching.lookup(["slow.example.net"])
    caching.lookup(["slow.example.net"])
    assert len(resolver.batches) == 1


def test_across_runs_an_answer_is_kept_for_its_ttl() -> None:
    clock, store = FakeClock(), MemoryDomainCache()
    resolver = FakeResolver({"example.com": mx("example.com", ttl=600)})
    CachingResolver(resolver, store, clock).lookup(["example.com"])
    clock.value += 599
    second = CachingResolver(resolver, store, clock)
    second.lookup(["example.com"])
    assert len(resolver.batches) == 1 and second.from_store == 1
    clock.value += 2  # past the TTL
    CachingResolver(resolver, store, clock).lookup(["example.com"])
    assert len(resolver.batches) == 2


def test_a_long_ttl_is_capped() -> None:
    clock, store = FakeClock(), MemoryDomainCache()
    resolver = FakeResolver({"example.com": mx("example.com", ttl=7 * 86400)})
    first = CachingResolver(resolver, store, clock, max_ttl=3600)
    first.lookup(["example.com"])
    assert first.ttl_kept(resolver.answers["example.com"]) == 3600
    clock.value += 3601
    CachingResolver(resolver, store, clock, max_ttl=3600).lookup(["example.com"])
    assert len(resolver.batches) == 2


def test_a_tiny_ttl_is_raised_to_the_floor_and_nxdomain_is_kept_too() -> None:
    clock, store = FakeClock(), MemoryDomainCache()
    resolver = FakeResolver({"short.example.com": mx("short.example.com", ttl=5)})
    CachingResolver(resolver, store, clock, min_ttl=60).lookup(
        ["short.example.com", "nosuch.example.com"]
    )
    clock.value += 30
    CachingResolver(resolver, store, clock, min_ttl=60).lookup(
        ["short.example.com", "nosuch.example.com"]
    )
    assert len(resolver.batches) == 1


def test_timeouts_and_servfail_are_never_kept_across_runs() -> None:
    store = MemoryDomainCache()
    answers = {
        "slow.example.net": DomainAnswer("slow.example.net", DomainStatus.TIMEOUT, ttl=600),
        "broken.example.net": DomainAnswer("broken.example.net", DomainStatus.SERVFAIL),
    }
    resolver = FakeResolver(answers)
    CachingResolver(resolver, store, FakeClock()).lookup(list(answers))
    assert len(store) == 0
    CachingResolver(resolver, store, FakeClock()).lookup(list(answers))
    assert len(resolver.batches) == 2


def test_memory_store_drops_the_soonest_to_expire_past_its_bound() -> None:
    store = MemoryDomainCache(max_entries=2)
    store.put_many([CachedAnswer(mx(f"d{i}.example.com"), 100.0 + i) for i in range(3)])
    assert len(store) == 2
    kept = store.get_many(["d0.example.com", "d1.example.com", "d2.example.com"], now=0)
    assert sorted(kept) == ["d1.example.com", "d2.example.com"]
    assert store.get_many(["d1.example.com"], now=101.0) == {}  # expired, and dropped
    assert len(store) == 1


def test_answers_round_trip_through_plain_items_for_the_dynamodb_store() -> None:
    from decimal import Decimal

    answers = [
        mx("example.com", ttl=600),
        DomainAnswer("a-only.example.net", DomainStatus.ADDRESS_FALLBACK, (), ("192.0.2.4",), 60),
        DomainAnswer("nomail.example.org", DomainStatus.NULL_MX, ttl=3600),
    ]
    for answer in answers:
        item = answer.as_item()
        assert DomainAnswer.from_item(item) == answer
        as_dynamodb = {
            **item,
            "ttl": Decimal(item["ttl"]),
            "mx": [[Decimal(p), h] for p, h in item["mx"]],
        }
        assert DomainAnswer.from_item(as_dynamodb) == answer
