"""Immediate alerts: what threatens the sending server's reputation, told to staff at once by
email and as EventBridge events on the rebound bus.

- AlertObserver hears every bounce counted at ingest (an IngestObserver) and checks it: a
  blacklisted flag from the parser (our server is blocked: told at once, from the ingest path),
  a send's hard-bounce rate over the tenant's warn or critical level.
- It also hears the block-burst windows (block / policy rejections from one receiving domain
  within a UTC hour): the stream aggregator counts them in batches, off the counting path, and
  tells the observer each window a run of records touched with its count so far (seconds after
  the write; chalicelib/storage/aggregate.py). A window at or over `block_burst` raises the
  alert; the claim below makes it one per cool-down, however many runs (concurrent shards,
  redelivered batches) see the window over the level.
- It also hears every recorded complaint (a ComplaintObserver): the send's complaint tally was
  added in the complaint's own transaction, so the check reads the send and compares its
  complaint rate with the tenant's complaint levels (Gmail's and Yahoo's published 0.1% and
  0.3% by default; chalicelib.complaints).
- AlertsCheck runs on a schedule: dead-letter queues that grew, unparsed mail that grew.
- AlertDispatcher de-duplicates (one alert per condition key per cool-down, a conditional put)
  and rate-limits (a budget of emails per scope and hour; events still go out so machines see
  everything). A failed email gives the claim back, so the next bounce (or aggregation run) that
  proves the same condition raises it again; a failed event is logged and never blocks ingest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from chalicelib.bounces import BounceEvent, InboundRecord
from chalicelib.classification.labels import blocklist_name, blocklist_phrase, reason_label
from chalicelib.complaints import ComplaintEvent
from chalicelib.config import NotifySettings
from chalicelib.notify.model import (
    Alert,
    AlertKind,
    AlertLevels,
    BlockWindow,
    NotificationSettings,
    SendVolume,
    Severity,
)
from chalicelib.notify.ports import AlertEvents, NotifyStore, QueueDepths, RichMailer
from chalicelib.notify.render import render_alert, report_link
from chalicelib.notify.service import MailPolicy
from chalicelib.ports import InboundStore, StateStore
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import hour_window, iso, parse_iso

log = logging.getLogger("rebound.notify.alerts")

EVENT_DETAIL_TYPE = "Rebound alert"
BLOCK_COOLDOWN = timedelta(hours=6)
SEND_COOLDOWN = timedelta(days=30)  # once per send and level: a send does not recover
CHECK_COOLDOWN = timedelta(hours=1)
SETTINGS_CACHE = timedelta(minutes=1)


class AlertOutcome(StrEnum):
    SENT = "sent"  # email and event
    DUPLICATE = "duplicate"  # the same condition was alerted within its cool-down
    HELD_BACK = "held-back"  # event only: the scope's email budget for this hour is spent
    FAILED = "failed"  # the email failed; the claim was given back


class AlertDispatcher:
    def __init__(
        self,
        *,
        store: NotifyStore,
        mailer: RichMailer,
        events: AlertEvents,
        policy: MailPolicy,
        staff_recipients: Sequence[str],
        emails_per_hour: int,
        tenant_recipients: Callable[[str], Sequence[str]] = lambda tenant: (),
    ) -> None:
        self._store, self._mailer, self._events, self._policy = store, mailer, events, policy
        self._staff = tuple(staff_recipients)
        self._budget = emails_per_hour
        self._tenant_recipients = tenant_recipients

    def dispatch(self, alert: Alert) -> AlertOutcome:
        now = alert.raised_at
        if not self._store.claim_alert(alert.scope, alert.key, now, alert.cooldown):
            return AlertOutcome.DUPLICATE
        self._publish(alert)
        if not self._store.take_alert_budget(alert.scope, hour_window(now), self._budget):
            log.warning("alert email held back (budget spent): %s %s", alert.scope, alert.key)
            return AlertOutcome.HELD_BACK
        recipients = list(self._staff)
        if alert.scope != SYSTEM_SCOPE:
            recipients += [r for r in self._tenant_recipients(alert.scope) if r not in recipients]
        recipients = list(self._policy.deliverable(recipients))
        if not recipients:
            return AlertOutcome.SENT  # the event went out; nobody to email
        mail = render_alert(alert)
        try:
            self._mailer.send_multipart(
                sender=self._policy.sender,
                to=recipients,
                subject=mail.subject,
                text=mail.text,
                html=mail.html,
                headers=self._policy.headers("alert", alert.scope),
            )
        except Exception:
            log.exception("alert email failed: %s %s", alert.scope, alert.key)
            self._store.release_alert(alert.scope, alert.key, now)
            return AlertOutcome.FAILED
        return AlertOutcome.SENT

    def _publish(self, alert: Alert) -> None:
        detail: dict[str, object] = {
            "kind": str(alert.kind),
            "severity": str(alert.severity),
            "scope": alert.scope,
            "key": alert.key,
            "title": alert.title,
            "lines": list(alert.lines),
            "link": alert.link,
            "raised_at": iso(alert.raised_at),
            **dict(alert.detail),
        }
        try:
            self._events.put_alert(EVENT_DETAIL_TYPE, detail)
        except Exception:  # the email still goes; ingest must not fail on the bus
            log.exception("alert event failed: %s %s", alert.scope, alert.key)


@dataclass(frozen=True, slots=True)
class ObservedAlert:
    alert: Alert
    outcome: AlertOutcome


class AlertObserver:
    """The IngestObserver that raises alerts from counted bounces, and the listener of the
    stream aggregator's block-burst windows."""

    def __init__(
        self,
        *,
        store: NotifyStore,
        dispatcher: AlertDispatcher,
        config: NotifySettings,
        report_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store, self._dispatcher, self._config = store, dispatcher, config
        self._report_url, self._clock = report_url, clock
        self._levels: dict[str, tuple[datetime, AlertLevels]] = {}
        self.raised: list[ObservedAlert] = []  # this process's alerts (tests and logs)

    def observe(self, record: InboundRecord, events: Sequence[BounceEvent]) -> None:
        for event in events:
            send = self._store.send_for(event)
            for alert in self.alerts_for(event, send):
                self.raised.append(ObservedAlert(alert, self._dispatcher.dispatch(alert)))

    def alerts_for(self, event: BounceEvent, send: SendVolume) -> list[Alert]:
        now = self._clock()
        domain = event.address.rpartition("@")[2]
        alerts = []
        if event.blacklisted:
            alerts.append(self._blacklisted(event, domain, now))
        levels = self._levels_for(event.tenant, now)
        rate = send.hard_rate
        if rate is not None and (send.recipients or 0) >= levels.min_recipients:
            if rate >= levels.critical:
                alerts.append(self._send_rate(send, Severity.CRITICAL, levels.critical, now))
            elif rate >= levels.warn:
                alerts.append(self._send_rate(send, Severity.WARNING, levels.warn, now))
        return alerts

    def observe_block_windows(self, windows: Sequence[BlockWindow]) -> None:
        """The windows a run of counted bounces added to (the stream aggregator's listener)."""
        for alert in self.block_alerts_for(windows):
            self.raised.append(ObservedAlert(alert, self._dispatcher.dispatch(alert)))

    def block_alerts_for(self, windows: Sequence[BlockWindow]) -> list[Alert]:
        """A burst alert for each window at or over the level. Not only the run that crossed
        it: a run that saw the window over the level raises it again, and the claim keeps it
        to one (so two shards' runs that cross the level together, or a batch delivered again
        after its alert failed, still alert once)."""
        now = self._clock()
        return [self._burst(w, now) for w in windows if w.hits >= self._config.block_burst]

    def observe_complaint(self, record: InboundRecord, event: ComplaintEvent) -> None:
        if not event.send_id:
            return  # legacy mail without a send id: no size, no rate
        send = self._store.get_send_volume(event.tenant, event.send_id)
        if send is None:
            return
        for alert in self.complaint_alerts_for(send):
            self.raised.append(ObservedAlert(alert, self._dispatcher.dispatch(alert)))

    def complaint_alerts_for(self, send: SendVolume) -> list[Alert]:
        now = self._clock()
        levels = self._levels_for(send.tenant, now)
        rate = send.complaint_rate
        if rate is None or (send.recipients or 0) < levels.complaint_min_recipients:
            return []
        if rate >= levels.complaint_critical:
            return [self._complaint_rate(send, Severity.CRITICAL, levels.complaint_critical, now)]
        if rate >= levels.complaint_warn:
            return [self._complaint_rate(send, Severity.WARNING, levels.complaint_warn, now)]
        return []

    def _complaint_rate(
        self, send: SendVolume, severity: Severity, level: float, now: datetime
    ) -> Alert:
        rate = send.complaint_rate or 0.0
        action = (
            "Gmail and Yahoo filter or refuse bulk mail at this spam rate: pause sends to this "
            "list and review how its members subscribed."
            if severity is Severity.CRITICAL
            else "Gmail asks bulk senders to stay below this spam rate: review the list and the "
            "content before the next send."
        )
        return Alert(
            kind=AlertKind.COMPLAINT_RATE,
            severity=severity,
            scope=send.tenant,
            key=f"complaint-rate#{send.send_id}#{severity}",
            title=(
                f"{send.tenant}: send {send.send_id} complaint rate {rate * 100:.2f}% "
                f"(at or over {level * 100:.1f}%)"
            ),
            lines=(
                f"Send {send.send_id} ({send.source or 'unknown source'}) of {send.tenant} has "
                f"{send.complaints} spam complaints among {send.recipients} recipients.",
                action,
                "Complainers are suppressed unless the tenant switched suppress_complainers off.",
            ),
            cooldown=SEND_COOLDOWN,
            link=report_link(self._report_url, tenant=send.tenant, category="complaint"),
            detail=(
                ("tenant", send.tenant),
                ("send_id", send.send_id),
                ("recipients", send.recipients or 0),
                ("complaints", send.complaints),
                ("rate", round(rate, 6)),
                ("level", level),
            ),
            raised_at=now,
        )

    def _levels_for(self, tenant: str, now: datetime) -> AlertLevels:
        cached = self._levels.get(tenant)
        if cached is None or now - cached[0] > SETTINGS_CACHE:
            settings = self._store.get_notification_settings(tenant) or NotificationSettings(tenant)
            cached = (now, settings.levels)
            self._levels[tenant] = cached
        return cached[1]

    def _blacklisted(self, event: BounceEvent, domain: str, now: datetime) -> Alert:
        named = blocklist_name(event.diagnostic)
        return Alert(
            kind=AlertKind.BLACKLISTED,
            severity=Severity.CRITICAL,
            scope=SYSTEM_SCOPE,
            key=f"blacklisted#{domain}",
            title=(
                f"Our sending server is listed on {named} ({domain} refused our mail)"
                if named
                else f"Our sending server appears blacklisted by {domain}"
            ),
            lines=(
                f"{domain} refused mail to {event.address} ({event.tenant}): our sending server "
                f"is {blocklist_phrase(event.diagnostic)}.",
                f"Diagnostic: {event.diagnostic[:300]}",
                f"Reporting server: {event.remote_mta or 'unknown'}",
                "Check the listing and request delisting; consider pausing sends to this domain.",
            ),
            cooldown=BLOCK_COOLDOWN,
            link=report_link(self._report_url, tenant=event.tenant, view="stats"),
            detail=(("tenant", event.tenant), ("domain", domain), ("send_id", event.send_id)),
            raised_at=now,
        )

    def _burst(self, window: BlockWindow, now: datetime) -> Alert:
        domain, hits = window.domain, window.hits
        return Alert(
            kind=AlertKind.BLOCK_BURST,
            severity=Severity.WARNING,
            scope=SYSTEM_SCOPE,
            key=f"block-burst#{domain}",
            title=f"{hits} block or policy rejections from {domain} within the hour",
            lines=(
                f"{domain} keeps refusing our mail for reasons about our server or content "
                f"(latest: {reason_label(window.reason)}"
                f"{', ' + blocklist_phrase(window.diagnostic) if window.blacklisted else ''}, "
                f"tenant {window.tenant}).",
                f"Diagnostic: {window.diagnostic[:300]}",
                "These never mark addresses invalid. Check our server's reputation, SPF, DKIM "
                "and DMARC, and the content of the latest sends.",
            ),
            cooldown=BLOCK_COOLDOWN,
            link=report_link(self._report_url, tenant=window.tenant, domain=domain),
            detail=(("tenant", window.tenant), ("domain", domain), ("hits", hits)),
            raised_at=now,
        )

    def _send_rate(
        self, send: SendVolume, severity: Severity, level: float, now: datetime
    ) -> Alert:
        rate = send.hard_rate or 0.0
        action = (
            "SES reviews or pauses accounts near this rate: stop further sends to this list "
            "and clean it first."
            if severity is Severity.CRITICAL
            else "Mailbox providers start filtering near this rate: clean the list before the "
            "next send."
        )
        day = (send.first_bounce_at or now).date().isoformat()
        return Alert(
            kind=AlertKind.SEND_RATE,
            severity=severity,
            scope=send.tenant,
            key=f"send-rate#{send.send_id}#{severity}",
            title=(
                f"{send.tenant}: send {send.send_id} hard-bounce rate {rate * 100:.1f}% "
                f"(over {level * 100:.0f}%)"
            ),
            lines=(
                f"Send {send.send_id} ({send.source or 'unknown source'}) of {send.tenant} has "
                f"{send.hard} hard bounces among {send.recipients} recipients.",
                action,
            ),
            cooldown=SEND_COOLDOWN,
            link=report_link(
                self._report_url, tenant=send.tenant, hard="true", last_from=day, sort="last_bounce"
            ),
            detail=(
                ("tenant", send.tenant),
                ("send_id", send.send_id),
                ("recipients", send.recipients or 0),
                ("hard_bounces", send.hard),
                ("rate", round(rate, 6)),
                ("level", level),
            ),
            raised_at=now,
        )


class AlertsCheck:
    """The scheduled check: dead-letter queues and unparsed mail that grew since last time."""

    def __init__(
        self,
        *,
        dispatcher: AlertDispatcher,
        queues: QueueDepths,
        state: StateStore,
        inbound: InboundStore,
        config: NotifySettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._dispatcher, self._queues, self._state = dispatcher, queues, state
        self._inbound, self._config, self._clock = inbound, config, clock

    def run(self) -> dict[str, object]:
        now = self._clock()
        result: dict[str, object] = {"checked_at": iso(now), "alerts": []}
        alerts: list[tuple[Alert, AlertOutcome]] = []
        depths: dict[str, int] = {}
        for url in self._config.dlq_urls:
            name = url.rstrip("/").rsplit("/", 1)[-1]
            depth = self._queues.depth(url)
            depths[name] = depth
            state_name = f"alerts.dlq.{name}"
            before = int(self._state.get_state(state_name) or 0)
            self._state.put_state(state_name, str(depth))
            if depth > before:
                alert = self._dlq_alert(name, before, depth, now)
                alerts.append((alert, self._dispatcher.dispatch(alert)))
        new_unparsed = self._unparsed_since_last(now)
        if new_unparsed >= self._config.unparsed_alert:
            alert = self._unparsed_alert(new_unparsed, now)
            alerts.append((alert, self._dispatcher.dispatch(alert)))
        result["dead_letter_queues"] = depths
        result["new_unparsed"] = new_unparsed
        result["alerts"] = [{"key": a.key, "outcome": str(o)} for a, o in alerts]
        return result

    def _unparsed_since_last(self, now: datetime) -> int:
        state_name = "alerts.unparsed.checked_at"
        last = self._state.get_state(state_name)
        since = parse_iso(last) if last else now - timedelta(hours=1)
        self._state.put_state(state_name, iso(now))
        page = self._inbound.list_inbound(SYSTEM_SCOPE, "unparsed", 100, None)
        return sum(1 for r in page.items if since < r.received_at <= now)

    def _dlq_alert(self, name: str, before: int, depth: int, now: datetime) -> Alert:
        return Alert(
            kind=AlertKind.DLQ,
            severity=Severity.CRITICAL if depth >= 100 else Severity.WARNING,
            scope=SYSTEM_SCOPE,
            key=f"dlq#{name}",
            title=f"Dead-letter queue {name} grew to {depth} message(s)",
            lines=(
                f"{name} held {before} message(s) at the last check and {depth} now.",
                "These failed every retry. Read the ingest function's errors, fix the cause, "
                "then redrive the queue (SQS StartMessageMoveTask).",
            ),
            cooldown=CHECK_COOLDOWN,
            detail=(("queue", name), ("depth", depth), ("previous", before)),
            raised_at=now,
        )

    def _unparsed_alert(self, count: int, now: datetime) -> Alert:
        return Alert(
            kind=AlertKind.UNPARSED,
            severity=Severity.WARNING,
            scope=SYSTEM_SCOPE,
            key="unparsed",
            title=f"{count} messages the parser could not read since the last check",
            lines=(
                f"{count} inbound messages were kept as unparsed since the last check.",
                "A new mail server format, or mail that is not a bounce: look at them in the "
                "Staff view of the report page and add the format to the parser.",
            ),
            cooldown=CHECK_COOLDOWN * 6,
            detail=(("count", count),),
            raised_at=now,
        )
