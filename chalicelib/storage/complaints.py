"""Complaints on the single table: recorded exactly once, listed newest first. Implements the
ComplaintStore port.

One TransactWriteItems per (report message, address) puts the "applied" marker (condition:
absent), the complaint, the day's complaint tally, the send's complaint tally and, when the
tenant suppresses complainers and the address is not suppressed yet, the suppression (condition:
absent, so a suppression made meanwhile, by a hard bounce or by staff, is never overwritten).
A redelivered report fails on the marker and is reported as a duplicate; a suppression that
appeared meanwhile cancels on its condition and the write is tried again without it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.bounces import SuppressionReason
from chalicelib.complaints import ComplaintEvent, ComplaintRecord
from chalicelib.config import RetentionSettings
from chalicelib.errors import RetryLater
from chalicelib.ports import Page
from chalicelib.storage import keys
from chalicelib.storage.core import (
    DEFAULT_RETENTION,
    DEFAULT_RETRY,
    RetryPolicy,
    cancellation_reasons,
    connection,
    expires_at,
    newest_first_page,
    worth_retrying,
)
from chalicelib.storage.items import (
    AppliedMarkerItem,
    ComplaintItem,
    DailyStatsItem,
    SendVolumeItem,
    SuppressionItem,
)
from chalicelib.timefmt import iso, parse_iso

UNKNOWN_SEND = "unknown"  # as storage.notify: complaints of legacy mail without a send id
SEND_TTL = timedelta(days=120)


class ComplaintRepository:
    """ComplaintStore on the single table."""

    def __init__(
        self, retry: RetryPolicy = DEFAULT_RETRY, retention: RetentionSettings = DEFAULT_RETENTION
    ) -> None:
        self._retry = retry
        self._retention = retention

    def record_complaint(self, event: ComplaintEvent, suppress: bool) -> bool:
        for attempt in range(self._retry.attempts):
            suppress_now = suppress and not _suppressed(event.tenant, event.address)
            try:
                self._write(event, suppress_now)
                return True
            except TransactWriteError as error:
                reasons = cancellation_reasons(error)
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return False  # this (report, address) was recorded before
                raced = suppress_now and reasons[-1:] == ["ConditionalCheckFailed"]
                if not raced and not worth_retrying(error):
                    raise
                # Someone suppressed the address meanwhile (or the service throttled): re-read.
                self._retry.pause(attempt)
        raise RetryLater(f"complaint for {event.address} stayed contended; will be redelivered")

    def _write(self, event: ComplaintEvent, suppress: bool) -> None:
        moment = datetime.now(UTC)
        marker = AppliedMarkerItem(
            keys.address_pk(event.tenant, event.address),
            keys.complaint_marker_sk(event.message_id),
            applied_at=iso(moment),
            expires_at=expires_at(moment, self._retention.marker_days),
        )
        item = ComplaintItem(
            keys.complaint_pk(event.tenant),
            keys.complaint_sk(event.complained_at, event.message_id),
            address=event.address,
            message_id=event.message_id,
            complained_at=iso(event.complained_at),
            received_at=iso(event.received_at),
            source=event.source,
            send_id=event.send_id,
            feedback_type=event.feedback_type,
            reported_by=event.reported_by,
            complainant=event.complainant,
            attribution=str(event.attribution),
            suppressed=suppress,
            expires_at=expires_at(event.received_at, self._retention.history_days),
        )
        day = event.complained_at.astimezone(UTC).strftime("%Y-%m-%d")
        send = SendVolumeItem(keys.send_pk(event.tenant), event.send_id or UNKNOWN_SEND)
        expires = int((event.received_at + SEND_TTL).timestamp())
        with TransactWrite(connection=connection()) as tx:
            tx.save(marker, condition=AppliedMarkerItem.pk.does_not_exist())
            tx.save(item)
            tx.update(
                DailyStatsItem(keys.stats_pk(event.tenant), keys.stats_sk(day)),
                [DailyStatsItem.complaints.add(1)],
            )
            tx.update(
                send,
                [
                    SendVolumeItem.send_id.set(event.send_id or UNKNOWN_SEND),
                    SendVolumeItem.complaints.add(1),
                    # The send's version guards put_send_volume's read-modify-write.
                    SendVolumeItem.version.add(1),
                    SendVolumeItem.expires_at.set(SendVolumeItem.expires_at | expires),
                ],
            )
            if suppress:
                tx.save(
                    SuppressionItem(
                        keys.suppression_pk(event.tenant),
                        event.address,
                        address=event.address,
                        reason=str(SuppressionReason.COMPLAINT),
                        since=iso(event.complained_at),
                        actor="rebound",
                    ),
                    condition=SuppressionItem.pk.does_not_exist(),
                )

    def list_complaints(self, tenant: str, limit: int, cursor: str | None) -> Page[ComplaintRecord]:
        return newest_first_page(
            ComplaintItem,
            keys.complaint_pk(tenant),
            sk_prefix=None,
            limit=limit,
            cursor=cursor,
            convert=lambda i: _record(tenant, i),
        )


def _suppressed(tenant: str, address: str) -> bool:
    try:
        SuppressionItem.get(keys.suppression_pk(tenant), address, consistent_read=True)
    except DoesNotExist:
        return False
    return True


def _record(tenant: str, i: ComplaintItem) -> ComplaintRecord:
    return ComplaintRecord(
        tenant=tenant,
        address=i.address,
        message_id=i.message_id,
        complained_at=parse_iso(i.complained_at),
        received_at=parse_iso(i.received_at),
        source=i.source,
        send_id=i.send_id,
        feedback_type=i.feedback_type,
        reported_by=i.reported_by,
        suppressed=bool(i.suppressed),
    )
