"""The report's selection: which bounced addresses a listing, an export or a mass delete covers.

One definition, three users (report API, CSV export, mass-delete plans), so "the same filters as
the report" means the very same code. Parsed from query parameters (strings) or from a job's
stored JSON, validated with messages that say what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chalicelib.bounces import AddressCounter, AddressState
from chalicelib.classification.reasons import Category, Reason
from chalicelib.errors import BadRequest
from chalicelib.tenancy.ids import Source

FILTER_PARAMS = frozenset(
    {
        "category",
        "reason",
        "hard",
        "source",
        "domain",
        "q",
        "first_from",
        "first_to",
        "last_from",
        "last_to",
        "min_count",
        "state",
        "send_id",
    }
)
_DOMAIN_RE = re.compile(r"^[a-z0-9.-]{1,253}$")


@dataclass(frozen=True, slots=True)
class BounceFilter:
    """All conditions must hold (AND); a list value matches any of its members (OR)."""

    category: tuple[Category, ...] = ()
    reason: tuple[Reason, ...] = ()
    hard: bool | None = None
    source: tuple[Source, ...] = ()
    domain: str = ""
    q: str = ""
    first_from: date | None = None
    first_to: date | None = None
    last_from: date | None = None
    last_to: date | None = None
    min_count: int = 0
    state: tuple[AddressState, ...] = ()
    send_id: str = ""  # the send of the address's latest bounce

    @property
    def is_empty(self) -> bool:
        return self == BounceFilter()

    def matches(self, c: AddressCounter) -> bool:
        return (
            (not self.category or c.category in self.category)
            and (not self.reason or c.reason in self.reason)
            and (self.hard is None or c.hard is self.hard)
            and (not self.source or c.source in self.source)
            and (not self.domain or c.domain == self.domain or c.domain.endswith("." + self.domain))
            and (not self.q or self.q in c.address)
            and _within(c.first_bounce_at, self.first_from, self.first_to)
            and _within(c.last_bounce_at, self.last_from, self.last_to)
            and c.bounce_count >= self.min_count
            and (not self.state or c.state in self.state)
            and (not self.send_id or c.send_id == self.send_id)
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in ((), None, "", 0):
                continue
            if isinstance(value, tuple):
                out[f.name] = [str(v) for v in value]
            elif isinstance(value, date):
                out[f.name] = value.isoformat()
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BounceFilter:
        params = {
            k: ",".join(v)
            if isinstance(v, list)
            else str(v).lower()
            if isinstance(v, bool)
            else str(v)
            for k, v in data.items()
        }
        return cls.from_params(params)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> BounceFilter:
        """Parse query parameters; unknown names are the caller's business (see check)."""
        p = {k: v.strip() for k, v in params.items() if k in FILTER_PARAMS and v.strip()}
        f = cls(
            category=_enum_list(p, "category", Category),
            reason=_enum_list(p, "reason", Reason),
            hard=_bool(p, "hard"),
            source=_enum_list(p, "source", Source),
            domain=_domain(p.get("domain", "")),
            q=p.get("q", "").lower()[:320],
            first_from=_date(p, "first_from"),
            first_to=_date(p, "first_to"),
            last_from=_date(p, "last_from"),
            last_to=_date(p, "last_to"),
            min_count=_count(p),
            state=_enum_list(p, "state", AddressState),
            send_id=p.get("send_id", "")[:64],
        )
        for lo, hi in (("first_from", "first_to"), ("last_from", "last_to")):
            a, b = getattr(f, lo), getattr(f, hi)
            if a and b and a > b:
                raise BadRequest(f"{lo} ({a}) is after {hi} ({b}); swap them")
        return f


def _within(moment: datetime, lo: date | None, hi: date | None) -> bool:
    if lo and moment < datetime.combine(lo, time.min, UTC):
        return False
    return not (hi and moment >= datetime.combine(hi + timedelta(days=1), time.min, UTC))


def _enum_list(p: Mapping[str, str], name: str, enum: Any) -> tuple[Any, ...]:
    if name not in p:
        return ()
    values = []
    for raw in (part.strip().lower() for part in p[name].split(",")):
        try:
            values.append(enum(raw))
        except ValueError:
            choices = ", ".join(str(e) for e in enum)
            raise BadRequest(f"{name} {raw!r} is not one of: {choices}") from None
    return tuple(dict.fromkeys(values))


def _bool(p: Mapping[str, str], name: str) -> bool | None:
    if name not in p:
        return None
    value = p[name].lower()
    if value not in {"true", "false"}:
        raise BadRequest(f"{name} must be true or false, got {p[name]!r}")
    return value == "true"


def _date(p: Mapping[str, str], name: str) -> date | None:
    if name not in p:
        return None
    try:
        return date.fromisoformat(p[name])
    except ValueError:
        raise BadRequest(f"{name} must be a date as YYYY-MM-DD, got {p[name]!r}") from None


def _count(p: Mapping[str, str]) -> int:
    text = p.get("min_count", "0")
    if not text.isdigit() or int(text) > 1_000_000:
        raise BadRequest(f"min_count must be a whole number from 0 to 1000000, got {text!r}")
    return int(text)


def _domain(value: str) -> str:
    value = value.lower().lstrip("@")
    if value and not _DOMAIN_RE.fullmatch(value):
        raise BadRequest(f"domain {value!r} is not a domain name like example.net")
    return value
