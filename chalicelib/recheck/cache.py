"""DNS answers kept per domain: for the whole of one run, and across runs for their TTL.

CachingResolver wraps any MailDomainResolver. Within a run (one CachingResolver) every domain
is asked once, whatever its answer; a timeout is not asked again 1,000 times. Across runs (a
DomainAnswerStore) only conclusive answers are kept, for their TTL but never longer than
`max_ttl` (a domain that stops taking mail must be seen within a day) and never for less than
`min_ttl` (a TTL of a few seconds would make the cache useless for the nightly run); a
timeout or SERVFAIL is never kept, so the next run asks again.

MemoryDomainCache is the store until the cross-run cache lives in DynamoDB: a dict with a
bound on its entries (the soonest to expire go first).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

from chalicelib.recheck.model import DomainAnswer
from chalicelib.recheck.ports import CachedAnswer, Clock, DomainAnswerStore, MailDomainResolver

DEFAULT_MAX_TTL = 24 * 3600
DEFAULT_MIN_TTL = 60


class SystemClock:
    def now(self) -> float:
        return time.time()


class CachingResolver:
    def __init__(
        self,
        resolver: MailDomainResolver,
        store: DomainAnswerStore | None = None,
        clock: Clock | None = None,
        *,
        max_ttl: int = DEFAULT_MAX_TTL,
        min_ttl: int = DEFAULT_MIN_TTL,
    ) -> None:
        self._resolver = resolver
        self._store = store
        self._clock = clock or SystemClock()
        self._max_ttl = max_ttl
        self._min_ttl = min(min_ttl, max_ttl)
        self._run: dict[str, DomainAnswer] = {}
        self.asked = 0  # domains sent to the resolver (for tests and the benchmark)
        self.from_store = 0  # domains answered by the cross-run store

    def lookup(self, domains: Sequence[str]) -> Mapping[str, DomainAnswer]:
        wanted = [d for d in dict.fromkeys(domains) if d not in self._run]
        if wanted and self._store is not None:
            kept = self._store.get_many(wanted, self._clock.now())
            for domain, entry in kept.items():
                self._run[domain] = entry.answer
            self.from_store += len(kept)
            wanted = [d for d in wanted if d not in kept]
        if wanted:
            fresh = self._resolver.lookup(wanted)
            self.asked += len(wanted)
            self._run.update(fresh)
            self._keep(fresh.values())
        return {d: self._run[d] for d in domains}

    def ttl_kept(self, answer: DomainAnswer) -> int:
        """How long the cross-run store keeps `answer` (0: not at all)."""
        if answer.status.inconclusive:
            return 0
        return max(self._min_ttl, min(answer.ttl, self._max_ttl))

    def _keep(self, answers: Iterable[DomainAnswer]) -> None:
        if self._store is None:
            return
        now = self._clock.now()
        entries = [
            CachedAnswer(answer, now + ttl)
            for answer in answers
            if (ttl := self.ttl_kept(answer)) > 0
        ]
        if entries:
            self._store.put_many(entries)


class MemoryDomainCache:
    """A DomainAnswerStore in this process's memory."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[str, CachedAnswer] = {}
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def get_many(self, domains: Sequence[str], now: float) -> Mapping[str, CachedAnswer]:
        found = {}
        for domain in domains:
            entry = self._entries.get(domain)
            if entry is None:
                continue
            if entry.expires_at <= now:
                del self._entries[domain]
                continue
            found[domain] = entry
        return found

    def put_many(self, entries: Sequence[CachedAnswer]) -> None:
        for entry in entries:
            self._entries[entry.answer.domain] = entry
        overflow = len(self._entries) - self._max_entries
        if overflow > 0:
            soonest = sorted(self._entries.values(), key=lambda e: e.expires_at)[:overflow]
            for entry in soonest:
                del self._entries[entry.answer.domain]
