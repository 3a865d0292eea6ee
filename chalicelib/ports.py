"""The small interfaces services need from the outside world. Adapters in storage/ and aws/
implement them; tests may pass fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from chalicelib.bounces import (
    DEFAULT_POLICY,
    AddressCounter,
    BounceEvent,
    Counting,
    InboundRecord,
    Suppression,
    SuppressionPolicy,
)
from chalicelib.complaints import ComplaintEvent, ComplaintRecord
from chalicelib.tenancy.access import ApiKeyRecord

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class TenantSettings:
    tenant: str
    name: str = ""
    accept_legacy_untagged: bool = False
    contact_count: int | None = None  # how many contacts the tenant has, when the MMS tells us
    policy: SuppressionPolicy = DEFAULT_POLICY
    # An address marked good is re-checked by DNS (the nightly re-check) after this many days.
    regood_after_days: int = 90
    suppress_complainers: bool = True  # a recipient who reports our mail as spam is suppressed


class CounterOrder(StrEnum):
    """Orders a tenant's bounced addresses can be read in, each backed by a key or index."""

    COUNT = "count"
    LAST_BOUNCE = "last_bounce"
    FIRST_BOUNCE = "first_bounce"
    ADDRESS = "address"


class Facet(StrEnum):
    """Filters with an index of their own (partition per value, highest count first)."""

    CATEGORY = "C"
    DOMAIN = "D"
    STATE = "S"


@dataclass(frozen=True, slots=True)
class CounterScan:
    """One ordered read of a tenant's counters: by an order, or by a facet value (count order)."""

    tenant: str
    order: CounterOrder = CounterOrder.COUNT
    descending: bool = True
    facet: tuple[Facet, str] | None = None
    since: datetime | None = None  # LAST_BOUNCE only: last bounce at or after this moment
    cursor: str | None = None


# The cursor that resumes a scan after one of its rows, signed only when asked for (a page
# needs its last row's; a digest or an export reading on needs none).
Resume = Callable[[], str]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One counted bounce of one address."""

    message_id: str
    bounce_at: datetime
    received_at: datetime
    source: str
    send_id: str
    status: str
    reply_code: str
    reason: str
    category: str
    hard: bool
    blacklisted: bool
    diagnostic: str
    remote_mta: str
    attribution: str


@dataclass(frozen=True, slots=True)
class DayTotals:
    day: str
    bounces: int = 0
    hard: int = 0
    soft: int = 0
    block: int = 0
    spam_content: int = 0
    mailbox_full: int = 0
    blacklisted: int = 0
    complaints: int = 0  # complaints recorded that day (not bounces)


@dataclass(frozen=True, slots=True)
class DimensionTotals:
    dimension: str  # reason, domain, source
    value: str
    bounces: int = 0
    hard: int = 0
    blocks: int = 0
    blacklisted: int = 0


@dataclass(frozen=True, slots=True)
class AddressTotals:
    """A tenant's bounced addresses at a glance: how many, how many per category (an address's
    category is its last bounce's) and how many are suppressed. Also a change to them (the
    fields may then be negative): what one bounce, mark as good, mass delete or forget did."""

    addresses: int = 0
    categories: tuple[tuple[str, int], ...] = ()  # (category, n), sorted, no zeros
    suppressed: int = 0

    @classmethod
    def of(cls, category: str, suppressed: bool, addresses: int = 1) -> AddressTotals:
        """One address counted in (addresses=1) or out (addresses=-1)."""
        return cls(addresses, ((category, addresses),), addresses if suppressed else 0)

    @classmethod
    def moved(cls, before: str, after: str) -> AddressTotals:
        """An address whose category changed."""
        return cls() if before == after else cls(0, ((before, -1), (after, 1)))

    def category(self, name: str) -> int:
        return dict(self.categories).get(name, 0)

    def __add__(self, other: AddressTotals) -> AddressTotals:
        merged = dict(self.categories)
        for name, n in other.categories:
            merged[name] = merged.get(name, 0) + n
        return AddressTotals(
            self.addresses + other.addresses,
            tuple(sorted((k, v) for k, v in merged.items() if v)),
            self.suppressed + other.suppressed,
        )

    def __neg__(self) -> AddressTotals:
        return AddressTotals(
            -self.addresses, tuple((k, -v) for k, v in self.categories), -self.suppressed
        )

    def __bool__(self) -> bool:
        """Does it change anything?"""
        return bool(self.addresses or self.suppressed or any(n for _, n in self.categories))


class BounceStore(Protocol):
    def count_bounce(
        self, event: BounceEvent, policy: SuppressionPolicy = DEFAULT_POLICY
    ) -> Counting:
        """Count one bounce exactly once: NEW, or (counted before) whether the history entry
        that counted it names this event's stored message."""


class ComplaintStore(Protocol):
    def record_complaint(self, event: ComplaintEvent, suppress: bool) -> bool:
        """Record one complaint exactly once (and suppress the address when `suppress` and it
        is not suppressed already); False when it had already been recorded."""

    def list_complaints(
        self, tenant: str, limit: int, cursor: str | None
    ) -> Page[ComplaintRecord]: ...


class InboundStore(Protocol):
    """The messages received, as records (quarantined, unparsed, ignored, complaints, and the
    counted ones no single history entry stands for: ingest.needs_inbound_record)."""

    def record_inbound(self, record: InboundRecord) -> None: ...

    def list_inbound(
        self, scope: str, disposition: str, limit: int, cursor: str | None
    ) -> Page[InboundRecord]: ...


class ReportStore(Protocol):
    """What the report reads (and the one change it makes: reactivation)."""

    def scan_counters(
        self, scan: CounterScan, page_size: int = 100
    ) -> Iterator[tuple[AddressCounter, Resume]]: ...

    def get_counter(self, tenant: str, address: str) -> AddressCounter | None: ...

    def history(
        self, tenant: str, address: str, limit: int, cursor: str | None
    ) -> Page[HistoryEntry]: ...

    def reactivate(self, tenant: str, address: str) -> AddressCounter | None: ...

    def get_suppression(self, tenant: str, address: str) -> Suppression | None: ...

    def daily_totals(self, tenant: str, first_day: str, last_day: str) -> Sequence[DayTotals]: ...

    def dimension_totals(
        self, tenant: str, dimension: str, max_items: int = 5000
    ) -> Sequence[DimensionTotals]: ...

    def count_counters(self, tenant: str, facet: tuple[Facet, str] | None = None) -> int: ...

    def address_totals(self, tenant: str) -> AddressTotals:
        """The tenant's address totals as kept (one read), or recounted when none are kept yet."""
        ...


class TenantStore(Protocol):
    def get_tenant(self, tenant: str) -> TenantSettings | None: ...

    def tenant_exists(self, tenant: str) -> bool:
        """Is there such a tenant? (May answer from memory: a tenant is never deleted.)"""
        ...

    def put_tenant(self, settings: TenantSettings) -> None: ...

    def list_tenants(self) -> Sequence[str]: ...

    def get_key(self, scope: str, key_id: str) -> ApiKeyRecord | None: ...

    def put_key(self, record: ApiKeyRecord) -> None: ...

    def touch_key(self, scope: str, key_id: str, at: str) -> None: ...

    def list_keys(self, scope: str) -> list[ApiKeyRecord]: ...

    def revoke_key(self, scope: str, key_id: str) -> bool: ...


class StateStore(Protocol):
    def get_state(self, name: str) -> str | None: ...

    def put_state(self, name: str, value: str) -> None: ...


class InboundMail(Protocol):
    def read(self, key: str) -> bytes:
        """The raw message stored under one key (bounded size)."""


class ExportSink(Protocol):
    """Where exports too large for an API response go (S3), and the link handed out."""

    link_seconds: int

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> None: ...

    def link(self, key: str) -> str: ...
