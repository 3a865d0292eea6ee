"""The scheduled staff summary: new bounces per tenant since the last run, as plain text, sent
from the no-reply address (never GroupMessaging@, so nothing can loop back into the report)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chalicelib.bounces import BOUNCE_DATE_MAX_LAG, AddressCounter
from chalicelib.ports import BounceStore, Mailer, StateStore, TenantStore
from chalicelib.timefmt import iso, parse_iso

STATE_NAME = "summary.last_run"
FIRST_RUN_WINDOW = timedelta(days=1)
MAX_LISTED = 50


class MisconfiguredSender(ValueError):
    """The summary would be sent from the address bounces come back to."""


@dataclass(frozen=True, slots=True)
class TenantSummary:
    tenant: str
    counters: tuple[AddressCounter, ...]


@dataclass(frozen=True, slots=True)
class SummaryOutcome:
    since: datetime
    until: datetime
    tenants: int
    addresses: int
    sent_to: tuple[str, ...]
    message_id: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "since": iso(self.since),
            "until": iso(self.until),
            "tenants": self.tenants,
            "addresses": self.addresses,
            "sent_to": list(self.sent_to),
            "message_id": self.message_id,
        }


def render_summary(since: datetime, until: datetime, summaries: Sequence[TenantSummary]) -> str:
    """The plain-text body: one section per tenant with new bounces, worst first."""
    lines = [
        f"Rebound bounce summary, {since:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC",
        "",
    ]
    active = [s for s in summaries if s.counters]
    if not active:
        lines.append("No new bounces in this period.")
    for summary in sorted(active, key=lambda s: -len(s.counters)):
        hard = sum(1 for c in summary.counters if c.hard)
        lines.append(f"{summary.tenant}: {len(summary.counters)} address(es) bounced, {hard} hard")
        for c in sorted(summary.counters, key=lambda c: -c.bounce_count)[:MAX_LISTED]:
            lines.append(
                f"  {c.address}  {c.reason}  last bounced {c.last_bounce_at:%Y-%m-%d}, "
                f"{c.bounce_count} time(s)"
            )
        if len(summary.counters) > MAX_LISTED:
            lines.append(f"  ... and {len(summary.counters) - MAX_LISTED} more in the report")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


class SummaryService:
    def __init__(
        self,
        *,
        store: BounceStore,
        tenants: TenantStore,
        state: StateStore,
        mailer: Mailer,
        sender: str,
        recipients: Sequence[str],
        inbound_address: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if inbound_address.lower().split("@")[0] in sender.lower():
            raise MisconfiguredSender(f"summaries must not be sent from {inbound_address}")
        self._store, self._tenants, self._state, self._mailer = store, tenants, state, mailer
        self._sender, self._recipients, self._clock = sender, tuple(recipients), clock

    def run(self) -> SummaryOutcome:
        until = self._clock()
        last = self._state.get_state(STATE_NAME)
        since = parse_iso(last) if last else until - FIRST_RUN_WINDOW
        summaries = [
            TenantSummary(t, self._arrived_since(t, since)) for t in self._tenants.list_tenants()
        ]
        addresses = sum(len(s.counters) for s in summaries)
        message_id = None
        if self._recipients:
            message_id = self._mailer.send(
                sender=self._sender,
                to=self._recipients,
                subject=f"Rebound: {addresses} bounced address(es) since {since:%Y-%m-%d %H:%M}",
                text=render_summary(since, until, summaries),
            )
        self._state.put_state(STATE_NAME, iso(until))
        return SummaryOutcome(
            since,
            until,
            sum(1 for s in summaries if s.counters),
            addresses,
            self._recipients,
            message_id,
        )

    def _arrived_since(self, tenant: str, since: datetime) -> tuple[AddressCounter, ...]:
        # Bounce times lag arrival by at most BOUNCE_DATE_MAX_LAG, so looking that far back on
        # the last-bounce index and keeping what *arrived* since the last run misses nothing.
        candidates = self._store.counters_since(tenant, since - BOUNCE_DATE_MAX_LAG)
        return tuple(c for c in candidates if c.last_received_at > since)
