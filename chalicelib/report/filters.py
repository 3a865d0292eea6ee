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

import msgspec
from msgspec import UNSET

from chalicelib.api.codec import convert, decode_query
from chalicelib.api.models import BounceQuery, FilterBody
from chalicelib.bounces import AddressCounter, AddressState
from chalicelib.classification.reasons import Category, Reason
from chalicelib.errors import BadRequest
from chalicelib.tenancy.ids import Source

FILTER_PARAMS = frozenset(f.name for f in msgspec.structs.fields(FilterBody))
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
        """From JSON (a mass delete's selection, as sent or as stored with its job)."""
        return cls.of(convert(dict(data), FilterBody))

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> BounceFilter:
        """From a query string (lists comma-separated): the report's own parameters."""
        return cls.of(decode_query(params, BounceQuery))

    @classmethod
    def of(cls, source: BounceQuery | FilterBody) -> BounceFilter:
        """From a validated request: the report's query or a mass delete's filter body."""

        def get(name: str) -> Any:
            value = getattr(source, name)
            return None if value is UNSET else value

        def many(name: str) -> tuple[Any, ...]:
            value = get(name)
            values = value if isinstance(value, list) else [] if value is None else [value]
            return tuple(dict.fromkeys(values))

        f = cls(
            category=many("category"),
            reason=many("reason"),
            hard=get("hard"),
            source=many("source"),
            domain=_domain(get("domain") or ""),
            q=(get("q") or "").strip().lower(),
            first_from=get("first_from"),
            first_to=get("first_to"),
            last_from=get("last_from"),
            last_to=get("last_to"),
            min_count=get("min_count") or 0,
            state=many("state"),
            send_id=(get("send_id") or "").strip(),
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


def _domain(value: str) -> str:
    value = value.lower().lstrip("@")
    if value and not _DOMAIN_RE.fullmatch(value):
        raise BadRequest(f"domain {value!r} is not a domain name like example.net")
    return value
