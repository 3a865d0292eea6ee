"""The re-check's vocabulary: verdicts, what DNS said about a mail domain, and one address's
answer with its checks. Frozen dataclasses and StrEnums; `as_json` gives the outside contract
`{"results": [{"address", "verdict", "explanation", "suggestion", "checks": {...}}]}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_ADDRESSES = 1000  # one call re-checks at most this many addresses


class Verdict(StrEnum):
    """valid: mail can be delivered as far as DNS can tell; invalid: it cannot (bad syntax, no
    such domain, a domain that accepts no mail); risky: deliverable, but disposable, a role
    account or a likely typo; unknown: DNS did not answer in time, ask again later."""

    VALID = "valid"
    INVALID = "invalid"
    RISKY = "risky"
    UNKNOWN = "unknown"


class DomainStatus(StrEnum):
    """What DNS said about the domain of an address (RFC 5321 §5.1, RFC 7505)."""

    MX = "mx"  # one or more MX records
    ADDRESS_FALLBACK = "a_fallback"  # no MX, but A/AAAA: the implicit MX of RFC 5321 §5.1
    NULL_MX = "null_mx"  # RFC 7505: a single MX "." of preference 0, the domain takes no mail
    NO_MAIL_HOST = "no_mail_host"  # the name exists but has no MX, A or AAAA
    NXDOMAIN = "nxdomain"  # the domain does not exist
    TIMEOUT = "timeout"  # no answer in time: unknown, never invalid
    SERVFAIL = "servfail"  # the resolver failed: unknown, never invalid
    ERROR = "error"  # any other DNS failure (refused, malformed answer): unknown

    @property
    def accepts_mail(self) -> bool:
        return self in {DomainStatus.MX, DomainStatus.ADDRESS_FALLBACK}

    @property
    def rejects_mail(self) -> bool:
        """DNS said for sure that no mail can be delivered to this domain."""
        return self in {DomainStatus.NULL_MX, DomainStatus.NO_MAIL_HOST, DomainStatus.NXDOMAIN}

    @property
    def inconclusive(self) -> bool:
        return self in {DomainStatus.TIMEOUT, DomainStatus.SERVFAIL, DomainStatus.ERROR}


@dataclass(frozen=True, slots=True)
class MailExchanger:
    preference: int
    host: str  # A-label host name without the trailing dot


@dataclass(frozen=True, slots=True)
class DomainAnswer:
    """DNS's answer for one mail domain (A-labels), with the TTL it may be kept for."""

    domain: str
    status: DomainStatus
    mx: tuple[MailExchanger, ...] = ()
    addresses: tuple[str, ...] = ()  # A/AAAA of the domain itself, for the fallback
    ttl: int = 0  # seconds; 0 for answers that must not be kept across runs
    detail: str = ""  # the resolver's words on a failure, for logs and the checks

    def mx_hosts(self) -> list[str]:
        return [m.host for m in sorted(self.mx, key=lambda m: (m.preference, m.host))]

    def as_item(self) -> dict[str, Any]:
        """Plain JSON types, for the cross-run store (a DynamoDB map later)."""
        return {
            "domain": self.domain,
            "status": self.status.value,
            "mx": [[m.preference, m.host] for m in self.mx],
            "addresses": list(self.addresses),
            "ttl": self.ttl,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> DomainAnswer:
        """The inverse of as_item (numbers may come back as Decimal from DynamoDB)."""
        return cls(
            domain=str(item["domain"]),
            status=DomainStatus(item["status"]),
            mx=tuple(MailExchanger(int(p), str(h)) for p, h in item.get("mx", ())),
            addresses=tuple(str(a) for a in item.get("addresses", ())),
            ttl=int(item.get("ttl", 0)),
        )


class HostedStatus(StrEnum):
    """What a hosted verification service said about one address (it may probe mail servers
    from its own network; Rebound never does)."""

    DELIVERABLE = "deliverable"
    UNDELIVERABLE = "undeliverable"
    RISKY = "risky"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class HostedAnswer:
    status: HostedStatus
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Checks:
    """Each check made on one address; None where a check could not run (bad syntax)."""

    syntax: bool
    syntax_problem: str = ""
    domain: str | None = None  # A-label form
    unicode_domain: str | None = None  # as written, when it was an IDN
    dns: DomainStatus | None = None
    mx: tuple[str, ...] = ()
    fallback_addresses: tuple[str, ...] = ()
    disposable: bool = False
    role: bool = False
    typo_of: str | None = None  # the big provider's domain this one is likely a typo of
    hosted: HostedAnswer | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "syntax": "ok" if self.syntax else "invalid",
            "syntax_problem": self.syntax_problem or None,
            "domain": self.domain,
            "unicode_domain": self.unicode_domain,
            "dns": None if self.dns is None else self.dns.value,
            "mx": list(self.mx),
            "fallback_addresses": list(self.fallback_addresses),
            "disposable": self.disposable,
            "role": self.role,
            "typo_of": self.typo_of,
            "hosted": None
            if self.hosted is None
            else {"status": self.hosted.status.value, "reason": self.hosted.reason or None},
        }


@dataclass(frozen=True, slots=True)
class RecheckResult:
    address: str  # as asked
    verdict: Verdict
    explanation: str
    suggestion: str | None
    checks: Checks

    def as_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "verdict": self.verdict.value,
            "explanation": self.explanation,
            "suggestion": self.suggestion,
            "checks": self.checks.as_json(),
        }


@dataclass(frozen=True, slots=True)
class RecheckReport:
    results: tuple[RecheckResult, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"results": [r.as_json() for r in self.results]}


@dataclass(frozen=True, slots=True)
class RecheckChange:
    """A nightly re-check whose verdict changed (what the tenant's digest lists)."""

    address: str
    verdict: Verdict
    previous: Verdict | None
    explanation: str
    checked_at: datetime
