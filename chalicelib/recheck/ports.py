"""The interfaces the re-check needs from the outside world. Adapters: chalicelib/net/ (DNS
with dnspython, a hosted verifier over HTTP); cache.py's MemoryDomainCache for the cross-run
cache until it lives in DynamoDB; tests pass fakes.

Never a port for SMTP: Rebound does not probe mail servers (port 25 gets senders blocklisted,
and Lambda's network blocks it). Only DNS, and optionally a hosted service that does its own
probing from its own network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.recheck.model import DomainAnswer, HostedAnswer, RecheckChange


class MailDomainResolver(Protocol):
    """Asks DNS about many mail domains at once (A-labels); one answer for every domain asked.

    Never raises for a domain's failure: a timeout, SERVFAIL or refusal is an answer with an
    inconclusive status."""

    def lookup(self, domains: Sequence[str]) -> Mapping[str, DomainAnswer]: ...


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    answer: DomainAnswer
    expires_at: float  # seconds since the epoch


class DomainAnswerStore(Protocol):
    """The cache that outlives a run (in memory now; a DynamoDB table with a TTL attribute
    later). Returns only entries that have not expired at `now`."""

    def get_many(self, domains: Sequence[str], now: float) -> Mapping[str, CachedAnswer]: ...

    def put_many(self, entries: Sequence[CachedAnswer]) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""


class HostedVerifier(Protocol):
    """A hosted email-verification service (off by default). Answers what it can; an address
    missing from the answer is treated as not verified. Raises HostedVerifierError when the
    service cannot be used at all; the re-check then goes on on DNS alone."""

    def verify(self, addresses: Sequence[str]) -> Mapping[str, HostedAnswer]: ...


class HostedVerifierError(Exception):
    """The hosted service failed (network, status, malformed answer)."""


class RecheckChanges(Protocol):
    """The nightly re-checks' changed verdicts of one tenant since a moment (for its digest)."""

    def changes(self, tenant: str, since: datetime) -> Sequence[RecheckChange]: ...
