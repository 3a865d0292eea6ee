"""The messages Rebound received, as records staff can list: quarantined (tag missing, expired
or forged), unparsed, ignored, complaints, and the counted ones no single history entry stands
for (SMTP duplicates, legacy bounces counted for several addresses: ingest.needs_inbound_record;
a bounce counted for one address has no record, its history entry names its raw mail).
Implements the InboundStore port."""

from __future__ import annotations

from chalicelib.bounces import Disposition, InboundRecord
from chalicelib.config import RetentionSettings
from chalicelib.ports import Page
from chalicelib.storage import keys
from chalicelib.storage.core import DEFAULT_RETENTION, expires_at, newest_first_page
from chalicelib.storage.items import InboundMessageItem
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import iso, parse_iso


class InboundRepository:
    """InboundStore on the single table."""

    def __init__(self, retention: RetentionSettings = DEFAULT_RETENTION) -> None:
        self._retention = retention

    def record_inbound(self, record: InboundRecord) -> None:
        # Attributed mail (a counted bounce, a recorded complaint) is the tenant's; the rest is
        # for staff.
        attributed = record.disposition in {Disposition.COUNTED, Disposition.COMPLAINT}
        scope = record.tenant if attributed else SYSTEM_SCOPE
        InboundMessageItem(
            keys.inbound_pk(scope, str(record.disposition)),
            keys.inbound_sk(record.received_at, record.message_id),
            message_id=record.message_id,
            s3_key=record.s3_key,
            received_at=iso(record.received_at),
            disposition=str(record.disposition),
            kind=record.kind,
            tenant=record.tenant,
            problem=record.problem,
            subject=record.subject[:500],
            sender=record.sender[:320],
            recipients=list(record.recipients[:50]),
            counted=record.counted,
            mta=record.mta,
            defects=list(record.defects[:20]),
            # As long as the raw mail it points at (the bucket's lifecycle, same days).
            expires_at=expires_at(record.received_at, self._retention.inbound_days),
        ).save()

    def list_inbound(
        self, scope: str, disposition: str, limit: int, cursor: str | None
    ) -> Page[InboundRecord]:
        pk = keys.inbound_pk(scope, disposition)
        return newest_first_page(
            InboundMessageItem,
            pk,
            sk_prefix=None,
            limit=limit,
            cursor=cursor,
            convert=_inbound_from_item,
        )


def _inbound_from_item(i: InboundMessageItem) -> InboundRecord:
    return InboundRecord(
        message_id=i.message_id,
        s3_key=i.s3_key,
        received_at=parse_iso(i.received_at),
        disposition=Disposition(i.disposition),
        kind=i.kind,
        tenant=i.tenant,
        problem=i.problem,
        subject=i.subject,
        sender=i.sender,
        recipients=tuple(str(r) for r in i.recipients),
        counted=int(i.counted),
        mta=i.mta,
        defects=tuple(str(d) for d in i.defects),
    )
