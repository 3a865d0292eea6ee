"""Fakes for the re-check's ports: a resolver answering from a dict, a hosted verifier, a
clock, and the hosted verification service behind HttpJsonVerifier (served by conftest)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

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


class FakeVerificationService:
    """Answers each address by its local part: gone@ undeliverable, maybe@ risky, odd@ a status
    word it does not know, everyone else deliverable. `mode` breaks it on purpose."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.mode = "ok"

    def answer(self, headers: dict[str, str], body: Any) -> tuple[int, bytes]:
        self.requests.append((headers, body))
        if self.mode == "500":
            return 500, b"{}"
        if self.mode == "not-json":
            return 200, b"<html>"
        if self.mode == "no-results":
            return 200, b'{"data": []}'
        status = {"gone": "undeliverable", "maybe": "risky", "odd": "catch-all"}
        results = [
            {"address": a, "status": status.get(a.split("@")[0], "deliverable"), "reason": "r"}
            for a in body["addresses"]
        ]
        results.append({"address": "stranger@example.org", "status": "undeliverable"})
        return 200, json.dumps({"results": results}).encode()
