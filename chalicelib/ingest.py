"""Ingest: one inbound message from the bucket becomes counted bounces, a quarantine entry, an
unparsed entry or an ignored notice. Nothing is ever dropped: the raw message stays in the
bucket, and every message is on record: a bounce counted for one address by its history entry
(which names the stored message: the page shows it as `raw_key`, forget erases it through it),
every other message by an InboundRecord (needs_inbound_record says which).

Attribution: a bounce counts only when its return-path tag verifies; the tag names the tenant,
source, send id and the recipient, so the recipient is known even when the bounce hides it. The
tag's recipient is charged only with a failure the bounce names for it, or with the bounce's only
failure (parsing.attribution); a bounce naming several other addresses goes to the quarantine.
Without a tag, a tenant that opted in to legacy mail is found from the X-Rebound-* headers the
MMS puts on every message, read from the returned original.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Protocol

from chalicelib.bounces import (
    BOUNCE_DATE_MAX_LAG,
    DEFAULT_POLICY,
    Attribution,
    BounceEvent,
    Counting,
    Disposition,
    InboundRecord,
    SuppressionPolicy,
    names_member,
)
from chalicelib.complaints import ComplaintEvent
from chalicelib.parsing import parse_message
from chalicelib.parsing.attribution import attribute
from chalicelib.parsing.model import Action, MessageKind, ParseResult, RecipientResult
from chalicelib.ports import (
    BounceStore,
    ComplaintStore,
    InboundMail,
    InboundStore,
    TenantSettings,
    TenantStore,
)
from chalicelib.tenancy.ids import Source, is_tenant_id
from chalicelib.tenancy.tags import (
    SigningKey,
    TagProblem,
    TagVerification,
    find_tags,
    normalise_address,
    verify_tag,
)

# A bounce's own Date (when the reporting MTA wrote it, normally minutes before it reaches us) is
# trusted within this window around its arrival; outside it (a broken clock, a forged date) the
# arrival time is used. The summary relies on this bound (BOUNCE_DATE_MAX_LAG).
_DATE_PAST = BOUNCE_DATE_MAX_LAG
_DATE_FUTURE = timedelta(hours=6)
_LEGACY_HEADER = re.compile(rb"(?im)^X-Rebound-(Tenant|Source|Send-Id):[ \t]*([^\r\n]{1,80})")
_HEADER_BYTES = 65536
_OWN_NOTIFICATION = re.compile(rb"(?im)^X-Rebound-Notification:")
# Header fields that the hops after the reporting MTA add or rewrite: two SMTP deliveries of one
# bounce differ only in these (and in line endings and trailing blanks), so the digest skips them.
_TRANSIT_FIELDS = frozenset(
    {
        b"received",
        b"return-path",
        b"delivered-to",
        b"x-original-to",
        b"dkim-signature",
        b"authentication-results",
        b"arc-seal",
        b"arc-message-signature",
        b"arc-authentication-results",
        b"received-spf",
    }
)
_TRANSIT_PREFIXES = (b"x-ses-", b"x-amz-", b"x-spam", b"x-virus")
POLICY_CACHE = timedelta(minutes=1)


class IngestObserver(Protocol):
    """Told about every ingested message and the bounces this delivery counted, after they
    are stored (a duplicate of a bounce counted before is not passed again). An exception makes
    the message fail and be redelivered; counting stays exactly-once (and the redelivery, whose
    bounces are then duplicates, tells observers nothing more)."""

    def observe(self, record: InboundRecord, events: Sequence[BounceEvent]) -> None: ...


class ComplaintObserver(Protocol):
    """Told about every complaint recorded (redeliveries included: observers de-duplicate),
    after it is stored. An exception makes the message fail and be redelivered."""

    def observe_complaint(self, record: InboundRecord, event: ComplaintEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class IngestConfig:
    signing_keys: tuple[SigningKey, ...]
    local_part: str
    domain: str


class IngestService:
    """Turns one stored inbound message into counters and records (idempotent)."""

    def __init__(
        self,
        store: BounceStore,
        inbound: InboundStore,
        tenants: TenantStore,
        mail: InboundMail,
        config: IngestConfig,
        *,
        parse: Callable[[bytes], ParseResult] = parse_message,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        observers: Sequence[IngestObserver] = (),
        complaints: ComplaintStore | None = None,
        complaint_observers: Sequence[ComplaintObserver] = (),
    ) -> None:
        self._store = store
        self._inbound = inbound
        self._tenants = tenants
        self._mail = mail
        self._config = config
        self._parse = parse
        self._clock = clock
        self._policies: dict[str, tuple[datetime, SuppressionPolicy]] = {}
        self._observers = tuple(observers)
        self._complaints = complaints
        self._complaint_observers = tuple(complaint_observers)

    def ingest(self, s3_key: str, received_at: datetime) -> InboundRecord:
        events: list[BounceEvent] = []
        countings: list[Counting] = []  # one per bounce counted (or counted before)
        complaint: ComplaintEvent | None = None
        raw = self._mail.read(s3_key)
        result = self._parse(raw)
        message_id = s3_key.rsplit("/", 1)[-1]
        bounce_id = bounce_identity(raw, result)
        base = _base_record(raw, result, s3_key, message_id, received_at)
        verification = self._verify(raw)
        claims = verification.claims

        if result.kind is MessageKind.UNPARSED:
            # The parser says why unreadable mail (binary, no header fields) could not be read.
            why = next((d for d in result.defects if d.startswith("unreadable:")), "")
            record = _with(
                base,
                Disposition.UNPARSED,
                claims.tenant if claims else "",
                why or "no failed recipient could be read",
            )
        elif result.kind is MessageKind.COMPLAINT and self._complaints is not None:
            record, complaint = self._complaint(raw, base, result, verification, received_at)
        elif result.kind is not MessageKind.BOUNCE:
            record = _with(
                base,
                Disposition.IGNORED,
                claims.tenant if claims else "",
                f"not a failure: {result.kind}",
            )
        elif _OWN_NOTIFICATION.search(raw, 0, 262144):
            # A digest or alert of ours bounced (a staff address went bad): never a member's
            # bounce, and never counted (our mail carries no return-path tag anyway).
            record = _with(base, Disposition.IGNORED, "", "bounce of a Rebound notification")
        elif claims is not None and (tagged := attribute(result, claims.recipient)).failure is None:
            # The bounce names other addresses than the tag's recipient: counting would charge
            # the member with someone else's failure (parsing.attribution).
            problem = f"{tagged.problem} {names_member(claims.tenant, claims.recipient)}"
            record = _with(base, Disposition.QUARANTINED, "", problem)
        elif claims is not None:
            detail = tagged.failure
            event = self._event(
                tenant=claims.tenant,
                address=claims.recipient,
                message_id=message_id,
                received_at=received_at,
                result=result,
                detail=detail,
                source=str(claims.source),
                send_id=claims.send_id,
                attribution=Attribution.TAG,
                bounce_id=bounce_id,
            )
            counting = self._store.count_bounce(event, self._policy(claims.tenant))
            countings.append(counting)
            counted = int(counting is Counting.NEW)
            events += [event] * counted
            problem = _duplicates([event], countings)
            record = _with(base, Disposition.COUNTED, claims.tenant, problem, counted)
        else:
            record = self._legacy_or_quarantine(
                raw=raw,
                base=base,
                result=result,
                message_id=message_id,
                received_at=received_at,
                verification=verification,
                events=events,
                countings=countings,
                bounce_id=bounce_id,
            )
        self._record(record, events, complaint, needs_inbound_record(record, countings))
        return record

    def _record(
        self,
        record: InboundRecord,
        events: list[BounceEvent],
        complaint: ComplaintEvent | None,
        keep: bool,
    ) -> None:
        """Keep the record (when needed) and tell the observers."""
        if keep:
            self._inbound.record_inbound(record)
        for observer in self._observers:
            observer.observe(record, tuple(events))
        if complaint is not None:
            for complaint_observer in self._complaint_observers:
                complaint_observer.observe_complaint(record, complaint)

    def _complaint(
        self,
        raw: bytes,
        base: InboundRecord,
        result: ParseResult,
        verification: TagVerification,
        received_at: datetime,
    ) -> tuple[InboundRecord, ComplaintEvent | None]:
        """A feedback report: attributed as a bounce is (the verified tag in the returned
        original, else a legacy tenant's X-Rebound-* headers), recorded as a complaint, never
        counted. The tag's recipient is the address we mailed and is the one suppressed: one tag
        names one recipient, and the report returns the message it was on; the address the
        report names (when not redacted) may be an alias that forwarded to the complainer."""
        assert self._complaints is not None
        complaint = result.complaint
        if verification.claims is None and complaint is not None:
            # A report may return only the Original-Mail-From field with our envelope sender
            # (the original itself encoded or left out): verify the tag found there.
            fields = " ".join(
                filter(None, (complaint.original_mail_from, complaint.original_return_path))
            )
            if fields and (found := self._verify(fields.encode("utf-8", "replace"))).ok:
                verification = found
        claims = verification.claims
        complainant = normalise_address(complaint.complainant or "") if complaint else ""
        if claims is not None:
            tenant, address = claims.tenant, claims.recipient
            source, send_id, attribution = str(claims.source), claims.send_id, Attribution.TAG
            settings = self._tenants.get_tenant(tenant)
        else:
            legacy = self._legacy(raw, verification)
            tenant, settings = legacy.tenant, legacy.settings
            if not legacy.accepted or not complainant:
                problem = "complaint: " + legacy.problem(verification, "mail")
                if legacy.accepted:
                    problem += "; the report does not name the complaining address"
                return _with(base, Disposition.QUARANTINED, "", problem), None
            address, source, send_id = complainant, legacy.source, legacy.send_id
            attribution = Attribution.LEGACY_HEADERS
        event = ComplaintEvent(
            tenant=tenant,
            address=address,
            message_id=base.message_id,
            complained_at=_bounce_time(
                (complaint.arrival_date if complaint else None) or result.date, received_at
            ),
            received_at=received_at,
            source=source,
            send_id=send_id,
            feedback_type=complaint.feedback_type if complaint else "abuse",
            reported_by=(complaint.reported_by if complaint else "")[:200],
            complainant=complainant,
            attribution=attribution,
        )
        suppress = _suppresses(settings)
        recorded = int(self._complaints.record_complaint(event, suppress))
        return _with(base, Disposition.COMPLAINT, tenant, "", recorded), event

    def _legacy(self, raw: bytes, verification: TagVerification) -> _Legacy:
        """The X-Rebound-* headers of untagged mail (read only when no tag was found at all)
        and the tenant they name."""
        headers = _legacy_headers(raw) if verification.problem is TagProblem.MISSING else {}
        tenant = headers.get("tenant", "")
        settings = self._tenants.get_tenant(tenant) if is_tenant_id(tenant) else None
        return _Legacy(headers, tenant, settings)

    def _policy(self, tenant: str) -> SuppressionPolicy:
        """The tenant's suppression policy, cached for a minute per process."""
        now = self._clock()
        cached = self._policies.get(tenant)
        if cached is None or now - cached[0] > POLICY_CACHE:
            settings = self._tenants.get_tenant(tenant)
            cached = (now, settings.policy if settings else DEFAULT_POLICY)
            self._policies[tenant] = cached
        return cached[1]

    def _verify(self, raw: bytes) -> TagVerification:
        tags = find_tags(raw, self._config.local_part, self._config.domain)
        if not tags:
            return TagVerification(None, TagProblem.MISSING)
        today = self._clock().date()
        results = [verify_tag(self._config.signing_keys, tag, today) for tag in tags]
        return next((r for r in results if r.ok), results[0])

    def _legacy_or_quarantine(
        self,
        *,
        raw: bytes,
        base: InboundRecord,
        result: ParseResult,
        message_id: str,
        received_at: datetime,
        verification: TagVerification,
        events: list[BounceEvent],
        countings: list[Counting],
        bounce_id: str,
    ) -> InboundRecord:
        legacy = self._legacy(raw, verification)
        tenant, settings = legacy.tenant, legacy.settings
        failed = _failed(result)
        if settings is None or not legacy.accepted or not failed:
            return _with(base, Disposition.QUARANTINED, "", legacy.problem(verification, "bounces"))
        source = legacy.source
        counted = 0
        attributed: list[BounceEvent] = []
        for detail in failed:
            address = normalise_address(detail.address)
            event = self._event(
                tenant=tenant,
                address=address,
                message_id=message_id,
                received_at=received_at,
                result=result,
                detail=detail,
                source=source,
                send_id=legacy.send_id,
                attribution=Attribution.LEGACY_HEADERS,
                bounce_id=bounce_id,
            )
            counting = self._store.count_bounce(event, settings.policy)
            countings.append(counting)
            attributed.append(event)
            if counting is Counting.NEW:
                counted += 1
                events.append(event)
        problem = "; ".join(
            filter(None, ("attributed from legacy headers", _duplicates(attributed, countings)))
        )
        return _with(base, Disposition.COUNTED, tenant, problem, counted)

    def _event(
        self,
        *,
        tenant: str,
        address: str,
        message_id: str,
        received_at: datetime,
        result: ParseResult,
        detail: RecipientResult | None,
        source: str,
        send_id: str,
        attribution: Attribution,
        bounce_id: str,
    ) -> BounceEvent:
        d = detail or RecipientResult(address=address)
        return BounceEvent(
            tenant=tenant,
            address=address,
            message_id=message_id,
            bounce_at=_bounce_time(result.date, received_at),
            received_at=received_at,
            source=source,
            send_id=send_id,
            status=d.status or "",
            reply_code=d.reply_code or "",
            reason=d.reason,
            category=d.category,
            hard=d.hard,
            blacklisted=d.blacklisted,
            diagnostic=d.diagnostic[:2000],
            explanation=d.explanation,
            remote_mta=d.remote_mta or "",
            attribution=attribution,
            bounce_id=bounce_id,
        )


@dataclass(frozen=True, slots=True)
class _Legacy:
    """Legacy attribution of untagged mail: the MMS's X-Rebound-* headers in the original."""

    headers: dict[str, str]
    tenant: str
    settings: TenantSettings | None

    @property
    def accepted(self) -> bool:
        return self.settings is not None and self.settings.accept_legacy_untagged

    @property
    def source(self) -> str:
        source = self.headers.get("source", "")
        return source if source in set(Source) else ""

    @property
    def send_id(self) -> str:
        return self.headers.get("send-id", "")

    def problem(self, verification: TagVerification, what: str) -> str:
        """Why the mail is quarantined, for staff."""
        problem = f"return-path tag {verification.problem}"
        if self.tenant and self.settings is None:
            problem += f"; X-Rebound-Tenant {self.tenant!r} is not a known tenant"
        elif self.settings is not None and not self.accepted:
            problem += f"; tenant {self.tenant!r} does not accept untagged {what}"
        return problem


def needs_inbound_record(record: InboundRecord, countings: Sequence[Counting]) -> bool:
    """Whether a message needs an InboundRecord besides the history entries of its bounces.

    Not a bounce counted for exactly one address whose history entry names this message (counted
    now, or before by this same message: an SQS redelivery): that entry says what the record
    would (which message, when, for whom), the page shows its raw mail (`raw_key`) and forget
    erases it through it. Every other message keeps its record:
    - quarantined, unparsed and ignored mail and complaints: no history entry names them;
    - an SMTP duplicate (the same bounce stored again under a new key, counted before from the
      other object): no history entry names this object, so only its record leads to it (its
      problem names the member, as a quarantined tagged bounce's does, for forget);
    - a legacy bounce counted for several addresses: one message that several histories cite,
      so forget needs the record's recipients to know whose history may still cite it (then it
      keeps the raw mail and redacts the record) without reading and parsing the raw mail.
    A tagged bounce counts at most its tag's recipient, whatever other addresses it names, so it
    is never cited twice; the raw mail of one that names other people is erased with the
    member's history, as it was with its record (no other history cites it).
    """
    if record.disposition is not Disposition.COUNTED:
        return True
    return len(countings) != 1 or countings[0] is Counting.DUPLICATE


def _duplicates(events: Sequence[BounceEvent], countings: Sequence[Counting]) -> str:
    """The members whose bounce this message repeats (counted before from another stored
    message), named so that forget finds the record: no history entry cites this message."""
    repeated = [
        names_member(e.tenant, e.address)
        for e, c in zip(events, countings, strict=True)
        if c is Counting.DUPLICATE
    ]
    return f"counted before from another stored message {' '.join(repeated)}" if repeated else ""


def _suppresses(settings: TenantSettings | None) -> bool:
    """The tenant policy: complainers are suppressed unless the tenant switched it off."""
    return settings.suppress_complainers if settings is not None else True


def bounce_identity(raw: bytes, result: ParseResult) -> str:
    """The bounce's identity, the same for every SMTP delivery of it: its Message-ID (RFC 5322
    section 3.6.4: unique per message, kept by every relay), or without one a digest of the
    message with the transit header fields removed and line endings normalised. Hashed, so
    a hostile Message-ID cannot make a long or odd key."""
    if result.message_id:
        text = result.message_id.strip().strip("<>").strip()
        return "m" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:40]
    return "d" + hashlib.sha256(_normalised(raw)).hexdigest()[:40]


def _normalised(raw: bytes) -> bytes:
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):  # a folded continuation belongs to the field above
            if not skipping:
                kept.append(line.rstrip())
            continue
        name = line.split(b":", 1)[0].strip().lower()
        skipping = name in _TRANSIT_FIELDS or name.startswith(_TRANSIT_PREFIXES)
        if not skipping:
            kept.append(line.rstrip())
    lines = [line.rstrip() for line in body.split(b"\n")] if sep else []
    return b"\n".join(kept) + b"\n\n" + b"\n".join(lines).rstrip(b"\n")


def _failed(result: ParseResult) -> list[RecipientResult]:
    return [r for r in result.recipients if r.action is Action.FAILED]


def _bounce_time(date: datetime | None, received_at: datetime) -> datetime:
    if date is None or date.tzinfo is None:
        return received_at
    if received_at - _DATE_PAST <= date <= received_at + _DATE_FUTURE:
        return date.astimezone(UTC)
    return received_at


def _legacy_headers(raw: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _LEGACY_HEADER.finditer(raw, 0, 262144):
        name = match.group(1).decode("ascii").lower()
        found.setdefault(name, match.group(2).decode("utf-8", "replace").strip().lower())
    return found


def _base_record(
    raw: bytes, result: ParseResult, s3_key: str, message_id: str, received_at: datetime
) -> InboundRecord:
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw[:_HEADER_BYTES])
    sender = str(headers.get("From", "") or "")
    return InboundRecord(
        message_id=message_id,
        s3_key=s3_key,
        received_at=received_at,
        disposition=Disposition.UNPARSED,
        kind=str(result.kind),
        subject=result.subject,
        sender=" ".join(sender.split()),
        recipients=tuple(r.address for r in result.recipients),
        mta=result.mta or "",
        defects=result.defects,
    )


def _with(
    base: InboundRecord, disposition: Disposition, tenant: str, problem: str, counted: int = 0
) -> InboundRecord:
    return replace(base, disposition=disposition, tenant=tenant, problem=problem, counted=counted)
