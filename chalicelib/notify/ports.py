"""The interfaces notifications need: their own storage (settings, digest markers, send sizes,
alert state), a mailer that sends text + HTML, an event bus and queue depths. Implemented by
chalicelib/storage/notify.py and chalicelib/aws/; tests may pass fakes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.bounces import BounceEvent
from chalicelib.notify.model import (
    DigestSnapshot,
    DigestState,
    DomainVolume,
    NotificationSettings,
    SendVolume,
)


class NotifyStore(Protocol):
    # -- settings ---------------------------------------------------------------------------
    def get_notification_settings(self, tenant: str) -> NotificationSettings | None: ...

    def put_notification_settings(self, settings: NotificationSettings) -> None: ...

    # -- digests: one marker per (scope, period) --------------------------------------------
    def claim_digest(self, scope: str, period: str, now: datetime, stale_after: timedelta) -> bool:
        """Take the period for this run: True when nobody sent it and no live run holds it."""

    def finish_digest(
        self, scope: str, period: str, state: DigestState, message_id: str = ""
    ) -> None: ...

    def release_digest(self, scope: str, period: str, claimed_at: datetime) -> None:
        """Give a claimed period back after a failed send (only this run's claim)."""

    def digest_state(self, scope: str, period: str) -> DigestState | None: ...

    def get_snapshot(self, scope: str) -> DigestSnapshot | None: ...

    def put_snapshot(self, scope: str, snapshot: DigestSnapshot) -> None: ...

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
    ) -> SendVolume: ...

    def send_for(self, event: BounceEvent) -> SendVolume:
        """The send of a bounce counted just now, its tallies including that bounce (they are
        derived off the counting path; this is a read)."""

    def get_send_volume(self, tenant: str, send_id: str) -> SendVolume | None: ...

    def recent_sends(self, tenant: str, since: datetime) -> Sequence[SendVolume]: ...

    def domain_volumes(self, tenant: str) -> Sequence[DomainVolume]:
        """Recipients and bounces per domain over every reported send (domain bounce rates)."""

    # -- alerts -----------------------------------------------------------------------------
    def claim_alert(self, scope: str, key: str, now: datetime, cooldown: timedelta) -> bool:
        """True when this alert was not raised within its cool-down (and now is recorded)."""

    def release_alert(self, scope: str, key: str, claimed_at: datetime) -> None: ...

    def take_alert_budget(self, scope: str, window: str, limit: int) -> bool:
        """One more alert email in this window, when fewer than `limit` went out in it."""


class RichMailer(Protocol):
    def send_multipart(
        self,
        *,
        sender: str,
        to: Sequence[str],
        subject: str,
        text: str,
        html: str,
        headers: Mapping[str, str],
    ) -> str:
        """Send one text + HTML email; returns the provider's message id."""


class AlertEvents(Protocol):
    def put_alert(self, detail_type: str, detail: Mapping[str, Any]) -> None: ...


class QueueDepths(Protocol):
    def depth(self, queue_url: str) -> int:
        """Messages waiting in one queue (visible + in flight + delayed)."""
