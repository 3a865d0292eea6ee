"""What a digest says, gathered from the stores: the per-tenant digest (new bounces, newly
suppressed and rising addresses, reasons with what to do, invalid share and its trend, domains
by bounce rate, sends over the alert levels, spam complaints per send and the tenant's complaint
rate, the blocklists receiving servers named) and the staff-wide digest (tenants with the worst
rates and the blocklists named for each, quarantine, unparsed mail). Rendering is
chalicelib/notify/render.py.

Every read is bounded (one ordered index read of a tenant's recently bounced addresses, capped),
so a tenant's digest costs the same whatever the tenant's size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chalicelib.bounces import BOUNCE_DATE_MAX_LAG, AddressCounter, AddressState, InboundRecord
from chalicelib.classification.explanations import EXPLANATIONS
from chalicelib.classification.labels import blocklist_phrase
from chalicelib.classification.reasons import Category, Reason
from chalicelib.complaints import (
    COMPLAINT_CRITICAL_RATE,
    COMPLAINT_WARN_RATE,
    NO_COMPLAINTS,
    ComplaintTally,
    tally,
)
from chalicelib.notify.model import DomainVolume, SendVolume
from chalicelib.notify.ports import NotifyStore
from chalicelib.ports import CounterOrder, CounterScan, InboundStore, ReportStore
from chalicelib.recheck.model import RecheckChange, Verdict
from chalicelib.recheck.ports import RecheckChanges
from chalicelib.tenancy.ids import SYSTEM_SCOPE

RISING_DAYS = 7  # the report's default rising window: the digest's link opens the same list
MAX_SCANNED = 5000  # recently bounced addresses read for one digest
MAX_SUPPRESSION_READS = 200
MAX_LISTED = 15
MAX_DOMAINS = 5
MIN_DOMAIN_RECIPIENTS = 20  # fewer and one bounce makes a frightening, meaningless rate
MAX_INBOUND = 100
COMPLAINT_RATE_DAYS = 30  # as the report's statistics: the tenant's complaint rate window


@dataclass(frozen=True, slots=True)
class ReasonLine:
    reason: Reason
    addresses: int
    explanation: str


@dataclass(frozen=True, slots=True)
class BlocklistLine:
    """A receiving domain that refused our mail naming a blocklist that lists our server."""

    domain: str
    listed: str  # "listed on Spamhaus ZEN" (classification.labels.blocklist_phrase)
    addresses: int  # addresses of the period whose last bounce said so


def blocklist_lines(counters: Sequence[AddressCounter]) -> list[BlocklistLine]:
    """Per receiving domain and blocklist, the addresses whose last bounce named it; most first."""
    named = Counter((c.domain, blocklist_phrase(c.diagnostic)) for c in counters if c.blacklisted)
    return [
        BlocklistLine(domain, listed, n)
        for (domain, listed), n in sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


@dataclass(frozen=True, slots=True)
class InvalidShare:
    invalid: int
    contacts: int | None
    previous: float | None  # the share the last digest reported

    @property
    def share(self) -> float | None:
        return self.invalid / self.contacts if self.contacts else None


@dataclass(frozen=True, slots=True)
class TenantDigest:
    tenant: str
    name: str
    since: datetime
    until: datetime
    timezone: str
    new_total: int
    new_hard: int
    new: tuple[AddressCounter, ...]  # the most-bounced of them, up to MAX_LISTED
    suppressed_total: int
    suppressed: tuple[AddressCounter, ...]
    rising: tuple[tuple[AddressCounter, int], ...]  # (address, bounces in the rising window)
    reasons: tuple[ReasonLine, ...]
    invalid: InvalidShare
    domains: tuple[DomainVolume, ...]
    domains_have_rates: bool
    sends: tuple[SendVolume, ...]  # sends whose hard-bounce rate is at or over the warn level
    warn_rate: float
    critical_rate: float
    today: date
    # Addresses whose nightly re-check (DNS) changed verdict since the last digest.
    rechecks_total: int = 0
    rechecks: tuple[RecheckChange, ...] = ()
    # Spam complaints: the last 30 days' sends that drew any (complaints trickle in for days
    # after a send), each with its complaint rate, and the tenant's rate over those sends.
    complaint_sends: tuple[SendVolume, ...] = ()
    complaints: ComplaintTally = NO_COMPLAINTS
    complaint_warn: float = COMPLAINT_WARN_RATE
    complaint_critical: float = COMPLAINT_CRITICAL_RATE
    # Signs of being blocked: the blocklists the period's bounces named, per receiving domain.
    blocklisted: tuple[BlocklistLine, ...] = ()

    @property
    def is_empty(self) -> bool:
        over = any((s.complaint_rate or 0.0) >= self.complaint_warn for s in self.complaint_sends)
        return not (
            self.new_total or self.suppressed_total or self.sends or self.rechecks_total or over
        )


@dataclass(frozen=True, slots=True)
class TenantLine:
    tenant: str
    new: int
    hard: int
    invalid_share: float | None
    worst_send: SendVolume | None
    listed: tuple[str, ...] = ()  # "listed on Spamhaus ZEN": what the period's bounces named

    @property
    def worst_rate(self) -> float:
        send_rate = self.worst_send.hard_rate if self.worst_send else None
        return max(send_rate or 0.0, self.invalid_share or 0.0)


@dataclass(frozen=True, slots=True)
class StaffDigest:
    since: datetime
    until: datetime
    tenants: tuple[TenantLine, ...]  # worst first
    quarantined: tuple[InboundRecord, ...]
    quarantined_total: int  # MAX_INBOUND means "at least"
    unparsed: tuple[InboundRecord, ...]
    unparsed_total: int

    @property
    def is_empty(self) -> bool:
        return not (
            any(t.new or t.worst_send for t in self.tenants)
            or self.quarantined_total
            or self.unparsed_total
        )


def _touched(send: SendVolume, since: datetime) -> bool:
    """Reported or bounced since `since` (recent_sends' own rule, for a longer read)."""
    moments = [m for m in (send.reported_at, send.first_bounce_at) if m is not None]
    return bool(moments) and max(moments) >= since


def explain(reason: Reason) -> str:
    return EXPLANATIONS.get(reason, EXPLANATIONS[Reason.UNDEFINED])


class DigestBuilder:
    def __init__(
        self,
        report: ReportStore,
        received: InboundStore,
        notify: NotifyStore,
        rechecks: RecheckChanges | None = None,
    ) -> None:
        self._report, self._received, self._notify = report, received, notify
        self._rechecks = rechecks

    def recent(self, tenant: str, since: datetime, today: date) -> list[AddressCounter]:
        """Addresses whose last bounce falls in the rising window or after `since` (less the
        bounce-date lag, so nothing that *arrived* since is missed), newest first, capped."""
        window = datetime.combine(today - timedelta(days=RISING_DAYS - 1), time.min, UTC)
        start = min(since - BOUNCE_DATE_MAX_LAG, window)
        scan = CounterScan(tenant, CounterOrder.LAST_BOUNCE, since=start)
        out: list[AddressCounter] = []
        for counter, _ in self._report.scan_counters(scan, page_size=500):
            out.append(counter)
            if len(out) >= MAX_SCANNED:
                break
        return out

    def tenant_digest(
        self,
        tenant: str,
        *,
        name: str,
        contacts: int | None,
        since: datetime,
        until: datetime,
        timezone: str,
        warn_rate: float,
        critical_rate: float,
        complaint_warn: float = COMPLAINT_WARN_RATE,
        complaint_critical: float = COMPLAINT_CRITICAL_RATE,
    ) -> TenantDigest:
        today = until.date()
        recent = self.recent(tenant, since, today)
        new = [c for c in recent if since < c.last_received_at <= until]
        new.sort(key=lambda c: (-c.bounce_count, c.address))
        suppressed = self._newly_suppressed(tenant, new, since)
        rising = [(c, c.recent_count(today, RISING_DAYS)) for c in recent]
        rising = [(c, n) for c, n in rising if n >= 2]
        rising.sort(key=lambda pair: (-pair[1], -pair[0].bounce_count, pair[0].address))
        reasons = Counter(c.reason for c in new)
        invalid = self._report.address_totals(tenant).category(Category.HARD)
        snapshot = self._notify.get_snapshot(tenant)
        previous = snapshot.invalid / snapshot.contacts if snapshot and snapshot.contacts else None
        domains, have_rates = self._domains(tenant)
        recent_sends = self._notify.recent_sends(
            tenant, min(since, until - timedelta(days=COMPLAINT_RATE_DAYS))
        )
        sends = [
            s
            for s in recent_sends
            if s.hard_rate is not None and s.hard_rate >= warn_rate and _touched(s, since)
        ]
        complained = [s for s in recent_sends if s.complaints]
        complained.sort(key=lambda s: (-(s.complaint_rate or 0.0), -s.complaints, s.send_id))
        sends.sort(key=lambda s: (-(s.hard_rate or 0.0), s.send_id))
        rechecks = list(self._rechecks.changes(tenant, since)) if self._rechecks else []
        rechecks = [r for r in rechecks if r.checked_at <= until]
        rechecks.sort(key=lambda r: (r.verdict is not Verdict.INVALID, r.address))
        return TenantDigest(
            tenant=tenant,
            name=name,
            since=since,
            until=until,
            timezone=timezone,
            new_total=len(new),
            new_hard=sum(1 for c in new if c.hard),
            new=tuple(new[:MAX_LISTED]),
            suppressed_total=len(suppressed),
            suppressed=tuple(suppressed[:MAX_LISTED]),
            rising=tuple(rising[:MAX_LISTED]),
            reasons=tuple(
                ReasonLine(reason, n, explain(reason))
                for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], str(kv[0])))
            ),
            invalid=InvalidShare(invalid, contacts, previous),
            domains=tuple(domains),
            domains_have_rates=have_rates,
            sends=tuple(sends[:MAX_LISTED]),
            warn_rate=warn_rate,
            critical_rate=critical_rate,
            today=today,
            rechecks_total=len(rechecks),
            rechecks=tuple(rechecks[:MAX_LISTED]),
            complaint_sends=tuple(complained[:MAX_LISTED]),
            complaints=tally((s.recipients, s.complaints) for s in recent_sends),
            complaint_warn=complaint_warn,
            complaint_critical=complaint_critical,
            blocklisted=tuple(blocklist_lines(new)[:MAX_DOMAINS]),
        )

    def _newly_suppressed(
        self, tenant: str, new: Sequence[AddressCounter], since: datetime
    ) -> list[AddressCounter]:
        # A suppression is dated by the bounce that caused it, which may precede its arrival
        # by up to the bounce-date lag.
        out = []
        for counter in [c for c in new if c.state is AddressState.SUPPRESSED][
            :MAX_SUPPRESSION_READS
        ]:
            found = self._report.get_suppression(tenant, counter.address)
            if found is not None and found.since >= since - BOUNCE_DATE_MAX_LAG:
                out.append(counter)
        return out

    def _domains(self, tenant: str) -> tuple[list[DomainVolume], bool]:
        volumes = [
            v for v in self._notify.domain_volumes(tenant) if v.recipients >= MIN_DOMAIN_RECIPIENTS
        ]
        if volumes:
            volumes.sort(key=lambda v: (-(v.rate or 0.0), -v.bounces, v.domain))
            return [v for v in volumes if v.bounces][:MAX_DOMAINS], True
        # No send sizes reported yet: the domains with the most bounces, without a rate.
        totals = sorted(
            self._report.dimension_totals(tenant, "domain"), key=lambda t: (-t.bounces, t.value)
        )
        return [DomainVolume(t.value, 0, t.bounces, t.hard) for t in totals[:MAX_DOMAINS]], False

    def staff_digest(
        self, tenants: Sequence[tuple[str, int | None]], since: datetime, until: datetime
    ) -> StaffDigest:
        lines = []
        for tenant, contacts in tenants:
            new = [
                c for c in self.recent(tenant, since, until.date()) if c.last_received_at > since
            ]
            invalid = self._report.address_totals(tenant).category(Category.HARD)
            sends = [s for s in self._notify.recent_sends(tenant, since) if s.hard_rate is not None]
            worst = max(sends, key=lambda s: s.hard_rate or 0.0, default=None)
            lines.append(
                TenantLine(
                    tenant,
                    len(new),
                    sum(1 for c in new if c.hard),
                    invalid / contacts if contacts else None,
                    worst,
                    tuple(dict.fromkeys(line.listed for line in blocklist_lines(new))),
                )
            )
        lines.sort(key=lambda t: (-t.worst_rate, -t.new, t.tenant))
        quarantined = self._inbound("quarantined", since)
        unparsed = self._inbound("unparsed", since)
        return StaffDigest(
            since=since,
            until=until,
            tenants=tuple(lines),
            quarantined=tuple(quarantined[:MAX_LISTED]),
            quarantined_total=len(quarantined),
            unparsed=tuple(unparsed[:MAX_LISTED]),
            unparsed_total=len(unparsed),
        )

    def _inbound(self, disposition: str, since: datetime) -> list[InboundRecord]:
        page = self._received.list_inbound(SYSTEM_SCOPE, disposition, MAX_INBOUND, None)
        return [r for r in page.items if r.received_at > since]
