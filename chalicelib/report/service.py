"""The Bounced Email report: listings, an address's history, CSV export, statistics,
suppression checks and "mark as good".

Every listing reads one key or index of the tenant's partition (ports.CounterScan) and stops
after a bounded number of items, so the cost of a page depends on the page, not on the tenant's
size. Filters that have an index of their own (one category, one domain, one state) drive the
read when sorting by count; other filters are applied to the ordered stream, and a page may then
come back short with a cursor to continue.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from chalicelib import cursors
from chalicelib.api import models
from chalicelib.api.models import MAX_LIMIT, BounceQuery
from chalicelib.bounces import AddressCounter, AddressState, InboundRecord
from chalicelib.classification.explanations import EXPLANATIONS
from chalicelib.classification.labels import blocklist_name
from chalicelib.classification.reasons import Category, Reason
from chalicelib.complaints import ComplaintRecord, tally
from chalicelib.errors import BadRequest, CursorError, NotFound
from chalicelib.ports import (
    ComplaintStore,
    CounterOrder,
    CounterScan,
    DayTotals,
    ExportSink,
    Facet,
    HistoryEntry,
    InboundStore,
    ReportStore,
    TenantSettings,
    TenantStore,
)
from chalicelib.report.export import csv_chunks, exports_prefix
from chalicelib.report.filters import BounceFilter
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.tenancy.tags import normalise_address
from chalicelib.timefmt import iso

MAX_READS_PER_PAGE = 2000  # items read to fill one filtered page before answering short
RISING_CANDIDATES = 5000  # recently bounced addresses considered for the "rising" order
STATS_DAYS = 90
INLINE_EXPORT_ROWS = 5000  # ~1.5 MB of CSV: beyond this the export goes to S3
BLOCKING_MIN_BLOCKS = 3  # blocks from one receiving domain before it is called a sign
# The blocklists the statistics name are read from the last bounces of this many recently
# blocked addresses (one index page; the daily figures count blacklistings, not their names).
BLOCKLIST_SAMPLE = 200
COMPLAINT_RATE_DAYS = 30  # the tenant's complaint rate: sends reported in this many days
MAX_COMPLAINT_SENDS = 20  # sends listed with their complaint rate in the statistics
COMPLAINT_EXPLANATION = (
    "The recipient reported this message as spam in their mailbox (a feedback-loop "
    "complaint). It is not a bounce: the address works. Do not mail it again unless the "
    "person subscribes again; many complaints per send make Gmail and Yahoo filter our mail."
)
_ADDRESS_RE = re.compile(r"^[^@\s<>]{1,64}@[a-z0-9.-]{1,253}$")


@dataclass(frozen=True, slots=True)
class ExportResult:
    rows: int
    csv_text: str | None = None
    download_url: str | None = None
    expires_at: str | None = None


# The most addresses one count reads (a mass delete selects at most this many too).
COUNT_LIMIT = models.MAX_JOB_ADDRESSES


class Sort(StrEnum):
    COUNT = "count"
    LAST_BOUNCE = "last_bounce"
    FIRST_BOUNCE = "first_bounce"
    ADDRESS = "address"
    RISING = "rising"


@dataclass(frozen=True, slots=True)
class Listing:
    """A validated listing request."""

    filter: BounceFilter
    sort: Sort
    descending: bool
    rising_days: int
    limit: int
    cursor: str | None

    @classmethod
    def of(cls, query: BounceQuery, export: bool = False) -> Listing:
        sort = Sort(query.sort)
        order = query.order or ("asc" if sort is Sort.ADDRESS else "desc")
        return cls(
            filter=BounceFilter.of(query),
            sort=sort,
            descending=order == "desc",
            rising_days=query.rising_days,
            limit=MAX_LIMIT if export else query.limit,
            cursor=query.cursor,
        )


def parse_address(text: str) -> str:
    address = normalise_address(text)
    if not _ADDRESS_RE.fullmatch(address):
        raise BadRequest(f"{text!r} is not an email address like name@example.net")
    return address


class DomainVolume(Protocol):
    """Recipients the MMS reported per domain and the bounces of those sends."""

    @property
    def domain(self) -> str: ...

    @property
    def rate(self) -> float | None: ...


class AuditTrail(Protocol):
    def record(self, tenant: str, action: str, actor: str, detail: dict[str, Any]) -> None: ...


class DomainVolumes(Protocol):
    def domain_volumes(self, tenant: str) -> Sequence[DomainVolume]: ...


class SendTally(Protocol):
    """A reported send's size and its complaints (notify.model.SendVolume)."""

    @property
    def send_id(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def recipients(self) -> int | None: ...

    @property
    def complaints(self) -> int: ...

    @property
    def complaint_rate(self) -> float | None: ...


class RecentSends(Protocol):
    def recent_sends(self, tenant: str, since: datetime) -> Sequence[SendTally]: ...


class ReportService:
    def __init__(
        self,
        store: ReportStore,
        inbound: InboundStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        volumes: DomainVolumes | None = None,
        audit: AuditTrail | None = None,
        *,
        complaints: ComplaintStore | None = None,
        sends: RecentSends | None = None,
        inbound_prefix: str = "inbound/",
    ) -> None:
        self._store = store
        self._inbound_prefix = inbound_prefix  # where ingest found each message (its id follows)
        self._inbound = inbound
        self._clock = clock
        self._volumes = volumes
        self._audit = audit
        self._complaints = complaints
        self._sends = sends

    # -- listings ---------------------------------------------------------------------------

    def bounces(self, tenant: str, query: BounceQuery) -> models.BounceList:
        listing = Listing.of(query)
        if listing.filter.category == (Category.COMPLAINT,):
            return self._complaint_page(tenant, listing)
        counters, cursor = self.page(tenant, listing)
        today = self._clock().date()
        rows = [bounce_row(c, today, listing.rising_days) for c in counters]
        # The number is known for free only when the list fits on one page. Counting a large
        # tenant's partition on every first page read all its counters (a 100,000-address
        # tenant: ~80 MB per page view); the page asks /bounce-count, bounded, instead.
        total = len(rows) if listing.cursor is None and cursor is None else None
        return models.BounceList(items=rows, next_cursor=cursor, total=total)

    def _complaint_page(self, tenant: str, listing: Listing) -> models.BounceList:
        """The `complaint` category: one row per complaint, newest first, in the report's row
        shape (the complaint's date in both date columns). Complaints are kept apart from the
        bounce counters, so they never change a bounce count, rate or suppression rule."""
        if self._complaints is None:
            return models.BounceList(items=[], next_cursor=None)
        page = self._complaints.list_complaints(tenant, listing.limit, listing.cursor)
        rows = [complaint_row(c) for c in page.items if _complaint_matches(listing.filter, c)]
        return models.BounceList(items=rows, next_cursor=page.next_cursor)

    def page(self, tenant: str, listing: Listing) -> tuple[list[AddressCounter], str | None]:
        if listing.sort is Sort.RISING:
            return self._rising_page(tenant, listing)
        scan = _scan_for(tenant, listing)
        found: list[AddressCounter] = []
        stream = self._store.scan_counters(scan, page_size=listing.limit)
        for reads, (counter, resume) in enumerate(stream, start=1):
            if listing.filter.matches(counter):
                found.append(counter)
            if len(found) >= listing.limit or reads >= MAX_READS_PER_PAGE:
                return found, resume()
        return found, None

    def iter_all(self, tenant: str, listing: Listing) -> Iterator[AddressCounter]:
        """Every matching counter (exports and mass-delete plans), page after page."""
        while True:
            counters, cursor = self.page(tenant, listing)
            yield from counters
            if cursor is None:
                return
            listing = Listing(
                listing.filter,
                listing.sort,
                listing.descending,
                listing.rising_days,
                listing.limit,
                cursor,
            )

    def _rising_page(
        self, tenant: str, listing: Listing
    ) -> tuple[list[AddressCounter], str | None]:
        today = self._clock().date()
        offset = _decode_offset(listing.cursor, listing.rising_days, today)
        since = datetime.combine(today - timedelta(days=listing.rising_days - 1), time.min, UTC)
        scan = CounterScan(tenant, CounterOrder.LAST_BOUNCE, since=since)
        candidates: list[AddressCounter] = []
        for counter, _ in self._store.scan_counters(scan, page_size=500):
            if listing.filter.matches(counter) and counter.recent_count(today, listing.rising_days):
                candidates.append(counter)
            if len(candidates) >= RISING_CANDIDATES:
                break
        candidates.sort(
            key=lambda c: (-c.recent_count(today, listing.rising_days), -c.bounce_count, c.address)
        )
        page = candidates[offset : offset + listing.limit]
        more = offset + listing.limit < len(candidates)
        cursor = (
            _encode_offset(offset + listing.limit, listing.rising_days, today) if more else None
        )
        return page, cursor

    def overview(self, tenants: TenantStore) -> models.TenantOverview:
        """Every tenant at a glance, for staff (issue 10): a few reads per tenant."""
        items = []
        for tenant in tenants.list_tenants():
            settings = tenants.get_tenant(tenant)
            if settings is None:
                continue
            stats = self.stats(tenant, settings)
            newest = next(
                iter(self._store.scan_counters(CounterScan(tenant, CounterOrder.LAST_BOUNCE), 1)),
                None,
            )
            items.append(
                models.TenantGlance(
                    tenant=tenant,
                    name=settings.name or tenant,
                    addresses=stats.totals.addresses,
                    invalid_share=stats.invalid_share,
                    blocked_suspected=stats.blocking.suspected,
                    blacklisted=stats.totals.blacklisted,
                    last_bounce_at=iso(newest[0].last_bounce_at) if newest else None,
                    blocklists=stats.blocking.blocklists,
                )
            )
        return models.TenantOverview(items=items)

    def inbound(self, disposition: str, query: models.PageQuery) -> models.InboundList:
        page = self._inbound.list_inbound(SYSTEM_SCOPE, disposition, query.limit, query.cursor)
        items = [inbound_row(r) for r in page.items]
        return models.InboundList(items=items, next_cursor=page.next_cursor)

    # -- export -----------------------------------------------------------------------------

    def count(self, tenant: str, query: BounceQuery) -> models.BounceCount:
        """How many addresses match the filters (what "everything matching" selects), read
        up to COUNT_LIMIT; past it the answer says it is at least that many."""
        listing = Listing.of(query, export=True)
        if listing.cursor:
            raise BadRequest("a count always starts at the beginning; drop cursor")
        found = 0
        for _ in self.iter_all(tenant, listing):
            found += 1
            if found >= COUNT_LIMIT:
                return models.BounceCount(addresses=found, at_least=True)
        return models.BounceCount(addresses=found, at_least=False)

    def export(self, tenant: str, query: BounceQuery, sink: ExportSink) -> ExportResult:
        """Small exports come back inline; larger ones stream to S3 behind a time-limited link
        (API Gateway answers at most ~6 MB)."""
        listing = Listing.of(query, export=True)
        if listing.cursor:
            raise BadRequest("exports always start at the beginning; drop cursor")
        stream = self.iter_all(tenant, listing)
        head = list(itertools.islice(stream, INLINE_EXPORT_ROWS + 1))
        if len(head) <= INLINE_EXPORT_ROWS:
            return ExportResult(csv_text="".join(csv_chunks(head)), rows=len(head))
        now = self._clock()
        key = f"{exports_prefix(tenant)}{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}.csv"
        rows = {"n": 0}

        def counted() -> Iterator[AddressCounter]:
            for counter in itertools.chain(head, stream):
                rows["n"] += 1
                yield counter

        sink.put_stream(key, (c.encode() for c in csv_chunks(counted())), "text/csv")
        expires = now + timedelta(seconds=sink.link_seconds)
        return ExportResult(download_url=sink.link(key), rows=rows["n"], expires_at=iso(expires))

    # -- one address ------------------------------------------------------------------------

    def detail(
        self, tenant: str, address_text: str, query: models.PageQuery, *, raw_keys: bool = False
    ) -> models.BounceDetail:
        """One address and a page of its history; `raw_keys` (staff) names each entry's stored
        message, which only staff may read (it may quote other people's mail)."""
        address = parse_address(address_text)
        counter = self._store.get_counter(tenant, address)
        if counter is None:
            raise NotFound(f"{address} has no bounces for tenant {tenant!r}")
        return self._detail(counter, query, raw_keys=raw_keys)

    def _detail(
        self, counter: AddressCounter, query: models.PageQuery, *, raw_keys: bool = False
    ) -> models.BounceDetail:
        history = self._store.history(counter.tenant, counter.address, query.limit, query.cursor)
        row = bounce_row(counter, self._clock().date(), 7)
        items = [history_row(h) for h in history.items]
        if raw_keys:
            # A history entry's message_id is the inbound object's name (ingest reads the
            # message from <prefix><message_id>), so the key needs no attribute of its own.
            items = [
                msgspec.structs.replace(i, raw_key=self._inbound_prefix + i.message_id)
                for i in items
            ]
        return models.BounceDetail(
            **msgspec.structs.asdict(row),
            suppression=self._suppression_info(counter.tenant, counter.address),
            history=models.HistoryPage(items=items, next_cursor=history.next_cursor),
        )

    def reactivate(self, tenant: str, address_text: str, actor: str) -> models.BounceDetail:
        address = parse_address(address_text)
        counter = self._store.reactivate(tenant, address)
        if counter is None:
            raise NotFound(f"{address} has no bounces for tenant {tenant!r}")
        if self._audit is not None:
            # Who marked it good and when, beside the mass-delete jobs in the tenant's trail.
            detail = {"address": address, "bounce_count": counter.bounce_count}
            self._audit.record(tenant, "reactivated", actor, detail)
        return self._detail(counter, models.PageQuery())

    # -- suppression ------------------------------------------------------------------------

    def suppression(self, tenant: str, address_text: str) -> models.Suppression:
        return self._suppression(tenant, parse_address(address_text))

    def check(self, tenant: str, body: models.AddressList) -> models.SuppressionCheck:
        addresses = [parse_address(text) for text in body.addresses]
        return models.SuppressionCheck(results=[self._suppression(tenant, a) for a in addresses])

    def _suppression(self, tenant: str, address: str) -> models.Suppression:
        found = self._suppression_info(tenant, address)
        if found is None:
            return models.Suppression(address=address, suppressed=False)
        return models.Suppression(
            address=address,
            suppressed=True,
            reason=found.reason,
            since=found.since,
            actor=found.actor,
            job_id=found.job_id,
        )

    def _suppression_info(self, tenant: str, address: str) -> models.SuppressionInfo | None:
        s = self._store.get_suppression(tenant, address)
        if s is None:
            return None
        return models.SuppressionInfo(
            reason=str(s.reason), since=iso(s.since), actor=s.actor, job_id=s.job_id
        )

    # -- statistics -------------------------------------------------------------------------

    def stats(self, tenant: str, settings: TenantSettings) -> models.Stats:
        today = self._clock().date()
        first = today - timedelta(days=STATS_DAYS - 1)
        days = {
            d.day: d for d in self._store.daily_totals(tenant, first.isoformat(), today.isoformat())
        }
        daily = []
        for n in range(STATS_DAYS):
            day = (first + timedelta(days=n)).isoformat()
            d = days.get(day, DayTotals(day))
            daily.append(
                models.DayRow(
                    date=day,
                    bounces=d.bounces,
                    hard=d.hard,
                    soft=d.soft,
                    block=d.block,
                    spam_content=d.spam_content,
                    mailbox_full=d.mailbox_full,
                    complaints=d.complaints,
                )
            )

        kept = self._store.address_totals(tenant)  # one item read, not a COUNT per figure
        totals = models.Totals(
            addresses=kept.addresses,
            hard=kept.category(Category.HARD),
            soft=kept.category(Category.SOFT),
            block=kept.category(Category.BLOCK),
            spam_content=kept.category(Category.SPAM_CONTENT),
            mailbox_full=kept.category(Category.MAILBOX_FULL),
            suppressed=kept.suppressed,
            blacklisted=sum(d.blacklisted for d in days.values()),
        )
        domains, reasons, sources = (
            sorted(self._store.dimension_totals(tenant, name), key=lambda t: (-t.bounces, t.value))
            for name in ("domain", "reason", "source")
        )
        named = self._blocklists(tenant) if totals.blacklisted else {}
        hosts = [
            models.BlockingHost(
                domain=t.value,
                blocks=t.blocks,
                blacklisted=t.blacklisted,
                blocklists=[name for name, _ in named.get(t.value, Counter()).most_common()],
            )
            for t in domains
            if t.blacklisted or t.blocks >= BLOCKING_MIN_BLOCKS
        ]
        everywhere = sum(named.values(), Counter[str]())
        contacts = settings.contact_count
        rates = (
            {v.domain: v.rate for v in self._volumes.domain_volumes(tenant)}
            if self._volumes
            else {}
        )
        return models.Stats(
            totals=totals,
            contact_count=contacts,
            invalid_share=round(totals.hard / contacts, 6) if contacts else None,
            per_domain=[
                models.DomainRow(
                    domain=t.value,
                    bounces=t.bounces,
                    hard=t.hard,
                    blocks=t.blocks,
                    # bounces of reported sends / recipients the MMS reported for the domain
                    rate=None if rates.get(t.value) is None else round(rates[t.value] or 0, 6),
                )
                for t in domains[:50]
            ],
            per_source=[models.SourceRow(source=t.value, bounces=t.bounces) for t in sources],
            per_reason=[
                models.ReasonRow(reason=t.value, bounces=t.bounces, explanation=explain(t.value))
                for t in reasons
            ],
            daily=daily,
            blocking=models.Blocking(
                suspected=bool(hosts),
                hosts=hosts[:20],
                blocklists=[name for name, _ in everywhere.most_common()],
            ),
            complaints=self._complaint_stats(tenant, sum(d.complaints for d in days.values())),
        )

    def _blocklists(self, tenant: str) -> dict[str, Counter[str]]:
        """Per receiving domain, the blocklists (by name) that the last bounces of recently
        blocked addresses named, and how many addresses each."""
        query = BounceQuery(category=[Category.BLOCK], sort="last_bounce", limit=BLOCKLIST_SAMPLE)
        counters, _ = self.page(tenant, Listing.of(query))
        named: dict[str, Counter[str]] = {}
        for c in counters:
            name = blocklist_name(c.diagnostic) if c.blacklisted else None
            if name:
                named.setdefault(c.domain, Counter())[name] += 1
        return named

    def _complaint_stats(self, tenant: str, last_90_days: int) -> models.Complaints:
        since = self._clock() - timedelta(days=COMPLAINT_RATE_DAYS)
        sends = self._sends.recent_sends(tenant, since) if self._sends else ()
        t = tally((s.recipients, s.complaints) for s in sends)
        complained = sorted(
            (s for s in sends if s.complaints),
            key=lambda s: (-(s.complaint_rate or 0.0), -s.complaints, s.send_id),
        )
        return models.Complaints(
            per_send=[
                models.SendComplaints(
                    send_id=s.send_id,
                    source=s.source,
                    recipients=s.recipients,
                    complaints=s.complaints,
                    rate=None if s.complaint_rate is None else round(s.complaint_rate, 6),
                )
                for s in complained[:MAX_COMPLAINT_SENDS]
            ],
            last_90_days=last_90_days,
            recent_sends=t.sends,
            recent_recipients=t.recipients,
            recent_complaints=t.complaints,
            rate=None if t.rate is None else round(t.rate, 6),
        )


def _scan_for(tenant: str, listing: Listing) -> CounterScan:
    f = listing.filter
    if listing.sort is Sort.COUNT and listing.descending:
        # A filter with an index of its own drives the read (count order inside it).
        if len(f.category) == 1:
            return CounterScan(
                tenant, facet=(Facet.CATEGORY, str(f.category[0])), cursor=listing.cursor
            )
        if f.domain:
            return CounterScan(tenant, facet=(Facet.DOMAIN, f.domain), cursor=listing.cursor)
        if len(f.state) == 1:
            return CounterScan(tenant, facet=(Facet.STATE, str(f.state[0])), cursor=listing.cursor)
    order = {
        Sort.COUNT: CounterOrder.COUNT,
        Sort.LAST_BOUNCE: CounterOrder.LAST_BOUNCE,
        Sort.FIRST_BOUNCE: CounterOrder.FIRST_BOUNCE,
        Sort.ADDRESS: CounterOrder.ADDRESS,
    }[listing.sort]
    since = None
    if order is CounterOrder.LAST_BOUNCE and f.last_from and listing.descending:
        since = datetime.combine(f.last_from, time.min, UTC)
    return CounterScan(tenant, order, listing.descending, since=since, cursor=listing.cursor)


def _encode_offset(offset: int, days: int, today: date) -> str:
    return "r." + cursors.encode({"rising": offset, "days": days, "day": today.isoformat()})


def _decode_offset(cursor: str | None, days: int, today: date) -> int:
    if not cursor:
        return 0
    if not cursor.startswith("r."):
        raise CursorError("cursor is not one this API issued for this listing; start again")
    data = cursors.decode(cursor[2:])
    offset = data.get("rising")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise CursorError("cursor is not one this API issued for this listing; start again")
    if data.get("days") != days or data.get("day") != today.isoformat():
        raise CursorError("the rising listing changed (new day or days); start again")
    return offset


def bounce_row(c: AddressCounter, today: date, rising_days: int) -> models.Bounce:
    times = "time" if c.bounce_count == 1 else "times"
    return models.Bounce(
        address=c.address,
        count=c.bounce_count,
        first_bounce_at=iso(c.first_bounce_at),
        last_bounce_at=iso(c.last_bounce_at),
        status=c.status,
        reply_code=c.reply_code,
        reason=c.reason,
        category=c.category,
        hard=c.hard,
        blacklisted=c.blacklisted,
        blocklist=blocklist_name(c.diagnostic) if c.blacklisted else None,
        diagnostic=c.diagnostic,
        explanation=c.explanation or explain(str(c.reason)),
        remote_mta=c.remote_mta,
        source=c.source,
        send_id=c.send_id,
        state=c.state,
        summary=f"last bounced {c.last_bounce_at:%Y-%m-%d}, {c.bounce_count} {times}",
        recent_count=c.recent_count(today, rising_days),
    )


def complaint_row(c: ComplaintRecord) -> models.Bounce:
    """A complaint as a row of the report: category `complaint`, reason `feedback`, its date in
    both date columns, suppressed when the tenant's policy suppressed the address for it."""
    day = f"{c.complained_at:%Y-%m-%d}"
    return models.Bounce(
        address=c.address,
        count=1,
        first_bounce_at=iso(c.complained_at),
        last_bounce_at=iso(c.complained_at),
        status="",
        reply_code="",
        reason=Reason.FEEDBACK,
        category=Category.COMPLAINT,
        hard=False,
        blacklisted=False,
        blocklist=None,
        diagnostic=f"Feedback-Type: {c.feedback_type}; reported by {c.reported_by or 'unknown'}",
        explanation=COMPLAINT_EXPLANATION,
        remote_mta="",
        source=c.source,
        send_id=c.send_id,
        state=AddressState.SUPPRESSED if c.suppressed else AddressState.ACTIVE,
        summary=f"complained {day} ({c.feedback_type})",
        recent_count=0,
    )


def _complaint_matches(f: BounceFilter, c: ComplaintRecord) -> bool:
    domain = c.address.rpartition("@")[2]
    day = c.complained_at.date()
    return (
        (not f.q or f.q in c.address)
        and (not f.domain or domain == f.domain or domain.endswith("." + f.domain))
        and (not f.source or c.source in f.source)
        and (not f.send_id or c.send_id == f.send_id)
        and (f.last_from is None or day >= f.last_from)
        and (f.last_to is None or day <= f.last_to)
    )


def history_row(h: HistoryEntry) -> models.HistoryEntry:
    return models.HistoryEntry(
        bounce_at=iso(h.bounce_at),
        received_at=iso(h.received_at),
        source=h.source,
        send_id=h.send_id,
        status=h.status,
        reply_code=h.reply_code,
        reason=h.reason,
        category=h.category,
        hard=h.hard,
        blacklisted=h.blacklisted,
        blocklist=blocklist_name(h.diagnostic) if h.blacklisted else None,
        diagnostic=h.diagnostic,
        remote_mta=h.remote_mta,
        message_id=h.message_id,
    )


def inbound_row(r: InboundRecord) -> models.Inbound:
    return models.Inbound(
        message_id=r.message_id,
        s3_key=r.s3_key,
        received_at=iso(r.received_at),
        disposition=str(r.disposition),
        kind=r.kind,
        tenant=r.tenant or None,
        problem=r.problem,
        subject=r.subject,
        sender=r.sender,
        recipients=list(r.recipients),
        mta=r.mta,
        defects=list(r.defects),
    )


def explain(reason: str) -> str:
    """The classifier's explanation of a reason, for rows and totals that carry only the name."""
    try:
        return EXPLANATIONS.get(Reason(reason), EXPLANATIONS[Reason.UNDEFINED])
    except ValueError:
        return EXPLANATIONS[Reason.UNDEFINED]
