"""The digest scheduler: every hourly tick sends the digests that are due (each tenant's on its
own schedule, and the staff-wide one daily), each exactly once per period.

Once per period: before sending, a run claims the period with a conditional put of a marker
keyed by scope and period (chalicelib/storage/notify.py). A retried or duplicated tick finds the
marker and sends nothing. When sending fails, the run deletes its own claim, so the next tick
(or EventBridge Scheduler's retry: the handler raises at the end) tries again. A run that dies
between SES accepting the mail and marking it sent leaves a claim that becomes takeable after
CLAIM_STALE_AFTER (longer than the Lambda can run): that one case may send twice, never zero
times.

Loops: digests go from the no-reply sender (never GroupMessaging@); SES sends bounces of mail
with a Source to that Source, so a recipient that bounces reaches the no-reply mailbox, not
Rebound's intake. Recipients on the inbound (bounce) domain are refused. The messages carry no
return-path tag, so even a bounce that did reach the intake could never verify and be counted;
they carry `Auto-Submitted: auto-generated` (RFC 3834) so auto-responders stay quiet, and an
`X-Rebound-Notification` header that names them as Rebound's own mail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chalicelib.notify.digest import DigestBuilder
from chalicelib.notify.model import (
    Cadence,
    DigestSnapshot,
    DigestState,
    NotificationSettings,
    Period,
    current_period,
)
from chalicelib.notify.ports import NotifyStore, RichMailer
from chalicelib.notify.render import (
    RenderedMail,
    render_staff_digest,
    render_tenant_digest,
)
from chalicelib.ports import TenantStore
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import iso

# What a digest builder returns: the mail, whether it has nothing to say, what it reported.
Built = tuple[RenderedMail, bool, DigestSnapshot]
CLAIM_STALE_AFTER = timedelta(minutes=15)  # the summary Lambda times out after 5 minutes
NOTIFICATION_HEADER = "X-Rebound-Notification"


class MisconfiguredSender(ValueError):
    """Notifications would be sent from the address bounces come back to."""


@dataclass(frozen=True, slots=True)
class MailPolicy:
    sender: str
    inbound_local_part: str
    inbound_domain: str

    def __post_init__(self) -> None:
        if self.inbound_local_part.lower() in self.sender.lower().split("@")[0]:
            raise MisconfiguredSender(
                f"notifications must not be sent from {self.inbound_local_part}@; "
                "set REBOUND_MAIL_FROM to a no-reply address"
            )

    def deliverable(self, recipients: Sequence[str]) -> tuple[str, ...]:
        """Recipients minus any on the bounce domain (mail there would come back as input)."""
        suffix = "@" + self.inbound_domain.lower()
        return tuple(r for r in recipients if not r.lower().endswith(suffix))

    def headers(self, kind: str, scope: str, period: str = "") -> dict[str, str]:
        value = f"{kind}; scope={scope}" + (f"; period={period}" if period else "")
        return {
            "Auto-Submitted": "auto-generated",  # RFC 3834 section 5: no automatic replies
            "X-Auto-Response-Suppress": "All",  # Exchange: no out-of-office replies either
            NOTIFICATION_HEADER: value,
        }


@dataclass(frozen=True, slots=True)
class DigestResult:
    scope: str
    period: str
    outcome: str  # sent, skipped-empty, already-done, claimed-elsewhere, no-recipients, failed
    message_id: str = ""
    error: str = ""


@dataclass
class DigestRun:
    started_at: datetime
    results: list[DigestResult] = field(default_factory=list)

    @property
    def failed(self) -> list[DigestResult]:
        return [r for r in self.results if r.outcome == "failed"]

    def as_dict(self) -> dict[str, object]:
        return {
            "started_at": iso(self.started_at),
            "sent": sum(1 for r in self.results if r.outcome == "sent"),
            "results": [
                {
                    "scope": r.scope,
                    "period": r.period,
                    "outcome": r.outcome,
                    **({"message_id": r.message_id} if r.message_id else {}),
                    **({"error": r.error} if r.error else {}),
                }
                for r in self.results
            ],
        }


class DigestFailed(RuntimeError):
    """Some digests could not be sent; their periods were released for the retry."""


class DigestService:
    def __init__(
        self,
        *,
        builder: DigestBuilder,
        notify: NotifyStore,
        tenants: TenantStore,
        mailer: RichMailer,
        policy: MailPolicy,
        staff_recipients: Sequence[str],
        staff_digest_hour: int,
        report_url: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._builder, self._notify, self._tenants = builder, notify, tenants
        self._mailer, self._policy, self._clock = mailer, policy, clock
        self._staff = NotificationSettings(
            tenant=SYSTEM_SCOPE,
            cadence=Cadence.DAILY,
            hour=staff_digest_hour,
            recipients=tuple(staff_recipients),
        )
        self._report_url = report_url

    # -- the scheduled run ------------------------------------------------------------------

    def run(self) -> DigestRun:
        """Send every digest that is due now. Raises DigestFailed after trying all of them
        when any failed (so the scheduler retries; the sent ones are not sent again)."""
        now = self._clock()
        run = DigestRun(now)
        run.results.append(self._due(self._staff, now, self._staff_mail))
        for tenant in self._tenants.list_tenants():
            settings = self._notify.get_notification_settings(tenant)
            if settings is None or settings.cadence is Cadence.OFF:
                continue
            run.results.append(self._due(settings, now, self._tenant_mail))
        if run.failed:
            names = ", ".join(f"{r.scope} {r.period}: {r.error}" for r in run.failed)
            raise DigestFailed(f"{len(run.failed)} digest(s) failed: {names}")
        return run

    def _due(
        self,
        settings: NotificationSettings,
        now: datetime,
        build: Callable[[NotificationSettings, Period, datetime], Built],
    ) -> DigestResult:
        scope = settings.tenant
        period = current_period(settings, now)
        assert period is not None  # callers skip cadence off
        recipients = self._policy.deliverable(settings.recipients)
        if not recipients:
            return DigestResult(scope, period.key, "no-recipients")
        if self._notify.digest_state(scope, period.key) in {DigestState.SENT, DigestState.SKIPPED}:
            return DigestResult(scope, period.key, "already-done")
        if not self._notify.claim_digest(scope, period.key, now, CLAIM_STALE_AFTER):
            return DigestResult(scope, period.key, "claimed-elsewhere")
        try:
            mail, empty, snapshot = build(settings, period, now)
            if empty and not settings.send_empty:
                self._notify.finish_digest(scope, period.key, DigestState.SKIPPED)
                self._notify.put_snapshot(scope, snapshot)
                return DigestResult(scope, period.key, "skipped-empty")
            message_id = self._mailer.send_multipart(
                sender=self._policy.sender,
                to=recipients,
                subject=mail.subject,
                text=mail.text,
                html=mail.html,
                headers=self._policy.headers("digest", scope, period.key),
            )
        except Exception as error:  # any failure: give the period back for the retry
            self._notify.release_digest(scope, period.key, now)
            return DigestResult(scope, period.key, "failed", error=f"{type(error).__name__}")
        self._notify.finish_digest(scope, period.key, DigestState.SENT, message_id)
        # Only now: a failed send leaves "since" where it was, so the retry covers it all.
        self._notify.put_snapshot(scope, snapshot)
        return DigestResult(scope, period.key, "sent", message_id)

    def _since(self, scope: str, length: timedelta, until: datetime) -> datetime:
        """Since the last digest (sent or skipped as empty), or one period back."""
        snapshot = self._notify.get_snapshot(scope)
        if snapshot is not None and snapshot.until < until:
            return snapshot.until
        return until - length

    def _tenant_mail(self, settings: NotificationSettings, period: Period, now: datetime) -> Built:
        since = self._since(settings.tenant, period.length, now)
        return self.tenant_digest(settings, since, now)

    def _staff_mail(self, settings: NotificationSettings, period: Period, now: datetime) -> Built:
        mail, empty = self.staff_digest(self._since(SYSTEM_SCOPE, period.length, now), now)
        return mail, empty, DigestSnapshot(now, 0, None)

    # -- building (also used by `rebound summary`) ------------------------------------------

    def tenant_digest(
        self, settings: NotificationSettings, since: datetime, until: datetime
    ) -> tuple[RenderedMail, bool, DigestSnapshot]:
        tenant = self._tenants.get_tenant(settings.tenant)
        contacts = tenant.contact_count if tenant else None
        digest = self._builder.tenant_digest(
            settings.tenant,
            name=tenant.name if tenant else "",
            contacts=contacts,
            since=since,
            until=until,
            timezone=settings.timezone,
            warn_rate=settings.levels.warn,
            critical_rate=settings.levels.critical,
            complaint_warn=settings.levels.complaint_warn,
            complaint_critical=settings.levels.complaint_critical,
        )
        mail = render_tenant_digest(digest, self._report_url)
        snapshot = DigestSnapshot(until, digest.invalid.invalid, contacts)
        return mail, digest.is_empty, snapshot

    def staff_digest(self, since: datetime, until: datetime) -> tuple[RenderedMail, bool]:
        tenants = []
        for tenant in self._tenants.list_tenants():
            found = self._tenants.get_tenant(tenant)
            tenants.append((tenant, found.contact_count if found else None))
        digest = self._builder.staff_digest(tenants, since, until)
        return render_staff_digest(digest, self._report_url), digest.is_empty

    def settings_for(self, tenant: str) -> NotificationSettings:
        return self._notify.get_notification_settings(tenant) or NotificationSettings(tenant)

    def send_now(self, mail: RenderedMail, recipients: Sequence[str], scope: str) -> str:
        """Send one digest outside the schedule (no period marker: `rebound summary --send`)."""
        deliverable = self._policy.deliverable(recipients)
        if not deliverable:
            raise ValueError("no recipients: set the tenant's notification settings or staff")
        return self._mailer.send_multipart(
            sender=self._policy.sender,
            to=deliverable,
            subject=mail.subject,
            text=mail.text,
            html=mail.html,
            headers=self._policy.headers("digest", scope, "manual"),
        )
