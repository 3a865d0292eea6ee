"""Fakes for the re-check's ports: a resolver answering from a dict, a hosted verifier, a
clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chalicelib.recheck.model import DomainAnswer, DomainStatus, HostedAnswer, MailExchanger
from chalicelib.recheck.ports import HostedVerifierError


def mx(domain: str, ttl: int = 3600) -> DomainAnswer:
    return DomainAnswer(domain, DomainStatus.MX, (MailExchanger(10, f"mx1.{domain}"),), ttl=ttl)


class FakeResolver:
    """Answers from `answers`; any other domain is NXDOMAIN. Records every batch asked."""

    def __init__(self, answers: Mapping[str, DomainAnswer] | None = None) -> None:
        self.answers = dict(answers or {})
        self.batches: list[list[str]] = []

    def lookup(self, domains: Sequence[str]) -> Mapping[str, DomainAnswer]:
        self.batches.append(list(domains))
        return {
            d: self.answers.get(d, DomainAnswer(d, DomainStatus.NXDOMAIN, ttl=300)) for d in domains
        }


class FakeHosted:
    def __init__(self, answers: Mapping[str, HostedAnswer], fail: bool = False) -> None:
        self.answers = answers
        self.fail = fail
        self.asked: list[list[str]] = []

    def verify(self, addresses: Sequence[str]) -> Mapping[str, HostedAnswer]:
        self.asked.append(list(addresses))
        if self.fail:
            raise HostedVerifierError("down")
        return {a: self.answers[a] for a in addresses if a in self.answers}


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.value = now

    def now(self) -> float:
        return self.value
