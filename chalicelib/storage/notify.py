"""Notification items on the single table: tenants' notification settings, digest "sent"
markers and snapshots, send sizes reported by the MMS with their bounce tallies, and alert
de-duplication / rate-limit state. Implements chalicelib.notify.ports.NotifyStore.

Key shapes: chalicelib/storage/keys.py, with every other key of the table.

Digest periods are "D2026-11-20" (daily, the tenant's local date) or "W2026-47" (ISO week);
alert windows are UTC hours "2026-11-20T09" (the block-burst windows are counted by the stream
aggregator, chalicelib/storage/aggregate.py). TTL (`expires_at`, epoch seconds, the table's TTL
attribute) keeps the per-send and per-window partitions bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import (
    DeleteError,
    DoesNotExist,
    PutError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.bounces import BounceEvent
from chalicelib.errors import RetryLater
from chalicelib.notify.model import (
    AlertLevels,
    Cadence,
    DigestSnapshot,
    DigestState,
    DomainVolume,
    NotificationSettings,
    SendVolume,
)
from chalicelib.storage import keys
from chalicelib.storage.core import (
    DEFAULT_RETRY,
    VERSION_CHECK,
    RetryPolicy,
    condition_failed,
    connection,
    worth_retrying,
)
from chalicelib.storage.items import (
    AlertBudgetItem,
    AlertStateItem,
    DigestMarkerItem,
    DigestSnapshotItem,
    NotificationSettingsItem,
    SendDomainItem,
    SendRecipientsItem,
    SendVolumeItem,
    _Item,
)
from chalicelib.storage.keys import (
    alert_pk,
    notify_pk,
    send_domain_pk,
    send_pk,
)
from chalicelib.timefmt import iso, parse_iso

UNKNOWN_SEND = "unknown"
# Each changed domain is two items of a transaction (its own, and the tenant's total).
DOMAINS_PER_TRANSACTION = 50
SEND_TTL = timedelta(days=120)  # a send's bounce rate stops mattering long before this
MARKER_TTL = timedelta(days=400)
WINDOW_TTL = timedelta(days=2)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _save_if(item: _Item, condition: Condition) -> bool:
    """Put when the condition holds; False when it does not (someone else got there)."""
    try:
        item.save(condition=condition)
    except PutError as error:
        if condition_failed(error):
            return False
        raise
    return True


def _delete_if(item: _Item, condition: Condition) -> None:
    """Delete when the condition holds (only our own claim); otherwise leave it."""
    try:
        item.delete(condition=condition)
    except DeleteError as error:
        if not condition_failed(error):
            raise


class NotifyRepository:
    """NotifyStore on the single table."""

    def __init__(self, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self._retry = retry

    # -- settings ---------------------------------------------------------------------------

    def get_notification_settings(self, tenant: str) -> NotificationSettings | None:
        try:
            i = NotificationSettingsItem.get(notify_pk(tenant), keys.SETTINGS_SK)
        except DoesNotExist:
            return None
        return NotificationSettings(
            tenant=tenant,
            cadence=Cadence(i.cadence),
            hour=int(i.hour),
            weekday=i.weekday,
            timezone=i.timezone,
            recipients=tuple(str(r) for r in i.recipients),
            send_empty=bool(i.send_empty),
            levels=AlertLevels(
                float(i.warn_rate),
                float(i.critical_rate),
                int(i.min_recipients),
                float(i.complaint_warn_rate),
                float(i.complaint_critical_rate),
                int(i.complaint_min_recipients),
            ),
        )

    def put_notification_settings(self, settings: NotificationSettings) -> None:
        NotificationSettingsItem(
            notify_pk(settings.tenant),
            keys.SETTINGS_SK,
            cadence=str(settings.cadence),
            hour=settings.hour,
            weekday=settings.weekday,
            timezone=settings.timezone,
            recipients=list(settings.recipients),
            send_empty=settings.send_empty,
            warn_rate=settings.levels.warn,
            critical_rate=settings.levels.critical,
            min_recipients=settings.levels.min_recipients,
            complaint_warn_rate=settings.levels.complaint_warn,
            complaint_critical_rate=settings.levels.complaint_critical,
            complaint_min_recipients=settings.levels.complaint_min_recipients,
            updated_at=iso(datetime.now(UTC)),
        ).save()

    # -- digests ----------------------------------------------------------------------------

    def claim_digest(self, scope: str, period: str, now: datetime, stale_after: timedelta) -> bool:
        item = DigestMarkerItem(
            notify_pk(scope),
            keys.digest_sk(period),
            state=str(DigestState.SENDING),
            claimed_at=iso(now),
            expires_at=_epoch(now + MARKER_TTL),
        )
        # Free, or claimed by a run that died mid-send longer ago than any run can last.
        condition = DigestMarkerItem.pk.does_not_exist() | (
            (DigestMarkerItem.state == str(DigestState.SENDING))
            & (DigestMarkerItem.claimed_at < iso(now - stale_after))
        )
        return _save_if(item, condition)

    def finish_digest(
        self, scope: str, period: str, state: DigestState, message_id: str = ""
    ) -> None:
        DigestMarkerItem(notify_pk(scope), keys.digest_sk(period)).update(
            actions=[
                DigestMarkerItem.state.set(str(state)),
                DigestMarkerItem.message_id.set(message_id),
            ]
        )

    def release_digest(self, scope: str, period: str, claimed_at: datetime) -> None:
        _delete_if(
            DigestMarkerItem(notify_pk(scope), keys.digest_sk(period)),
            (DigestMarkerItem.state == str(DigestState.SENDING))
            & (DigestMarkerItem.claimed_at == iso(claimed_at)),
        )

    def digest_state(self, scope: str, period: str) -> DigestState | None:
        try:
            item = DigestMarkerItem.get(
                notify_pk(scope), keys.digest_sk(period), consistent_read=True
            )
        except DoesNotExist:
            return None
        return DigestState(item.state)

    def get_snapshot(self, scope: str) -> DigestSnapshot | None:
        try:
            i = DigestSnapshotItem.get(notify_pk(scope), keys.SNAPSHOT_SK, consistent_read=True)
        except DoesNotExist:
            return None
        contacts = None if i.contacts is None else int(i.contacts)
        return DigestSnapshot(parse_iso(i.until), int(i.invalid), contacts)

    def put_snapshot(self, scope: str, snapshot: DigestSnapshot) -> None:
        DigestSnapshotItem(
            notify_pk(scope),
            keys.SNAPSHOT_SK,
            until=iso(snapshot.until),
            invalid=snapshot.invalid,
            contacts=snapshot.contacts,
        ).save()

    # -- sends ------------------------------------------------------------------------------

    def put_send_volume(
        self,
        tenant: str,
        send_id: str,
        *,
        source: str,
        recipients: int,
        per_domain: Mapping[str, int],
        now: datetime,
    ) -> SendVolume:
        """Store (or correct) a send's size. Each domain's recipients are an item of their own;
        a domain whose figure changed moves its tenant total by the difference in the same
        transaction as its own item (condition: unchanged since read), DOMAINS_PER_TRANSACTION
        domains a transaction. A repeated PUT changes nothing; a PUT cut short is completed by
        the next one (the differences are taken afresh); a concurrent one re-reads and retries.
        """
        expires = _epoch(now + SEND_TTL)
        before = self._send_recipients(tenant, send_id)
        wanted = {d: int(n) for d, n in per_domain.items()}
        changed = sorted(d for d in set(before) | set(wanted) if before.get(d) != wanted.get(d))
        for start in range(0, len(changed), DOMAINS_PER_TRANSACTION):
            chunk = changed[start : start + DOMAINS_PER_TRANSACTION]
            self._move_domains(tenant, send_id, {d: before.get(d) for d in chunk}, wanted, expires)
        SendVolumeItem(send_pk(tenant), send_id).update(
            actions=[
                SendVolumeItem.send_id.set(send_id),
                SendVolumeItem.source.set(source),
                SendVolumeItem.recipients.set(recipients),
                SendVolumeItem.reported_at.set(iso(now)),
                SendVolumeItem.expires_at.set(expires),
            ]
        )
        stored = self.get_send_volume(tenant, send_id)
        assert stored is not None
        return replace(stored, per_domain=tuple(sorted((d, n) for d, n in wanted.items() if n)))

    def _move_domains(
        self,
        tenant: str,
        send_id: str,
        old: dict[str, int | None],
        wanted: Mapping[str, int],
        expires: int,
    ) -> None:
        for attempt in range(self._retry.attempts):
            try:
                with TransactWrite(connection=connection()) as tx:
                    for domain, before in old.items():
                        _move_domain(
                            tx,
                            tenant=tenant,
                            send_id=send_id,
                            domain=domain,
                            before=before,
                            after=wanted.get(domain),
                            expires=expires,
                        )
                return
            except TransactWriteError as error:
                if not worth_retrying(error, VERSION_CHECK):
                    raise
                # Another PUT of this send moved a domain meanwhile: take the differences afresh.
                self._retry.pause(attempt)
                current = self._send_recipients(tenant, send_id)
                old = {d: current.get(d) for d in old if current.get(d) != wanted.get(d)}
                if not old:
                    return
        raise RetryLater(f"send {send_id} stayed contended; report it again")

    def _send_recipients(self, tenant: str, send_id: str) -> dict[str, int]:
        """A send's recipients per domain, as last reported (consistent: a PUT reads its own
        previous one)."""
        return {
            i.sk.removeprefix(keys.SEND_RECIPIENTS_SK_PREFIX): int(i.recipients)
            for i in SendRecipientsItem.query(
                keys.send_recipients_pk(tenant, send_id), consistent_read=True
            )
        }

    def get_send_volume(self, tenant: str, send_id: str) -> SendVolume | None:
        item = self._get_send_item(tenant, send_id)
        return None if item is None else _send_from_item(tenant, item)

    def _get_send_item(self, tenant: str, send_id: str) -> SendVolumeItem | None:
        try:
            return SendVolumeItem.get(send_pk(tenant), send_id, consistent_read=True)
        except DoesNotExist:
            return None

    def send_for(self, event: BounceEvent) -> SendVolume:
        """The send of a bounce counted just now, with that bounce included. A send's tallies
        are derived from the table's stream (chalicelib/storage/aggregate.py) and lag by a
        batch; this read adds the bounce in hand, so a rate crosses its level with the bounce
        that crossed it (at worst one bounce early, when the aggregator was faster)."""
        # Legacy untagged bounces may lack a send id: they count under one "unknown" send that
        # never has a size.
        send_id = event.send_id or UNKNOWN_SEND
        stored = self.get_send_volume(event.tenant, send_id) or SendVolume(event.tenant, send_id)
        first = stored.first_bounce_at or event.received_at
        return replace(
            stored,
            bounces=stored.bounces + 1,
            hard=stored.hard + int(event.hard),
            first_bounce_at=min(first, event.received_at),
        )

    def recent_sends(self, tenant: str, since: datetime) -> Sequence[SendVolume]:
        out = []
        for item in SendVolumeItem.query(send_pk(tenant), limit=2000):
            send = _send_from_item(tenant, item)
            moments = [m for m in (send.reported_at, send.first_bounce_at) if m is not None]
            if moments and max(moments) >= since:
                out.append(send)
        return out

    def domain_volumes(self, tenant: str) -> Sequence[DomainVolume]:
        return [
            DomainVolume(i.sk, int(i.recipients or 0), int(i.bounces or 0), int(i.hard or 0))
            for i in SendDomainItem.query(send_domain_pk(tenant), limit=5000)
        ]

    # -- alerts -----------------------------------------------------------------------------

    def claim_alert(self, scope: str, key: str, now: datetime, cooldown: timedelta) -> bool:
        # Read first: in a storm nearly every claim falls in the cool-down, and a Put refused by
        # its condition is billed as a write; the conditional Put below still decides.
        try:
            held = AlertStateItem.get(alert_pk(scope), keys.alert_state_sk(key))
            if held.last_at >= iso(now - cooldown):
                return False
        except DoesNotExist:
            pass
        item = AlertStateItem(
            alert_pk(scope),
            keys.alert_state_sk(key),
            last_at=iso(now),
            expires_at=_epoch(now + cooldown),
        )
        condition = AlertStateItem.pk.does_not_exist() | (
            AlertStateItem.last_at < iso(now - cooldown)
        )
        return _save_if(item, condition)

    def release_alert(self, scope: str, key: str, claimed_at: datetime) -> None:
        _delete_if(
            AlertStateItem(alert_pk(scope), keys.alert_state_sk(key)),
            AlertStateItem.last_at == iso(claimed_at),
        )

    def take_alert_budget(self, scope: str, window: str, limit: int) -> bool:
        item = AlertBudgetItem(alert_pk(scope), keys.alert_budget_sk(window))
        expires = _epoch(datetime.now(UTC) + WINDOW_TTL)
        try:
            item.update(
                actions=[AlertBudgetItem.sent.add(1), AlertBudgetItem.expires_at.set(expires)],
                condition=AlertBudgetItem.sent.does_not_exist() | (AlertBudgetItem.sent < limit),
            )
        except UpdateError as error:
            if condition_failed(error):
                return False
            raise
        return True


def _move_domain(
    tx: TransactWrite,
    *,
    tenant: str,
    send_id: str,
    domain: str,
    before: int | None,
    after: int | None,
    expires: int,
) -> None:
    """One domain of a send from `before` to `after` recipients (None: not reported), and the
    tenant's total for the domain by the difference, in the caller's transaction."""
    item = SendRecipientsItem(
        keys.send_recipients_pk(tenant, send_id), keys.send_recipients_sk(domain)
    )
    condition = (
        SendRecipientsItem.pk.does_not_exist()
        if before is None
        else SendRecipientsItem.recipients == before
    )
    if after is None:
        tx.delete(item, condition=condition)
    else:
        actions: list[Action] = [
            SendRecipientsItem.recipients.set(after),
            SendRecipientsItem.expires_at.set(expires),
        ]
        tx.update(item, actions, condition=condition)
    delta = (after or 0) - (before or 0)
    if delta:
        tx.update(
            SendDomainItem(send_domain_pk(tenant), domain), [SendDomainItem.recipients.add(delta)]
        )


def _send_from_item(tenant: str, i: SendVolumeItem) -> SendVolume:
    return SendVolume(
        tenant=tenant,
        send_id=i.send_id or i.sk,
        source=i.source or "",
        recipients=None if i.recipients is None else int(i.recipients),
        bounces=int(i.bounces or 0),
        hard=int(i.hard or 0),
        complaints=int(i.complaints or 0),
        reported_at=parse_iso(i.reported_at) if i.reported_at else None,
        first_bounce_at=parse_iso(i.first_bounce_at) if i.first_bounce_at else None,
    )
