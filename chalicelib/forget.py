"""Forgetting one person: erase everything Rebound holds about one address of one tenant, on
request (staff only; docs/retention.md "Erasure of one person's data").

What goes, for the tenant asked about:
- the address's counter, its whole partition (bounce history, exactly-once markers of bounces
  and complaints, re-check history), its suppression, its complaints, its latest re-check
  verdict and the re-check changes that name it;
- mass delete: the address's progress marker in every job, its archive (S3 `archives/`: each
  address has a prefix of its own, so "the archive without that address" is that prefix
  deleted), its entries in every plan (S3 `plans/`: the chunk objects, rewritten without
  them), and its place in a job's sample and explicit selection;
- the raw mail in S3 of the messages that bounced for it and their inbound records (found
  through its history entries and complaints, before they are erased; a bounce counted for one
  address has no record: its history entry names the stored message, `<inbound prefix><id>`,
  and nothing else cites it) — except a message that another address's bounce still cites (a
  legacy DSN counted for several recipients, which ingest keeps a record of for this): its raw
  mail is kept for that other person's history (until the bucket's lifecycle expires it, or
  until the last address it cites is forgotten too) and its record is redacted: the forgotten
  address leaves its recipients, subject and problem;
- mail no history entry cites whose record names the address in its problem: a tagged bounce
  quarantined because it named other addresses too, and an SMTP duplicate of one of its bounces
  (the same bounce stored again, counted before from the first copy): raw mail and record;
- every current CSV export of the tenant (S3 `exports/`): an export is a snapshot of the whole
  report, its link lives 15 minutes and the object 7 days; reading each export to find the
  address would cost more than another export, so all of them go and the count says so.

What stays: the tenant's figures (daily, per reason, domain, source, send): they are counts,
never an address, and a person's erasure does not rewrite history's totals. The audit trail
gets one line naming the actor, with the address replaced by a keyed one-way hash
(HMAC-SHA256 with a key derived from the tag-signing key and the tenant, so the hash of one
address differs per tenant and cannot be computed by someone who only has a list of
addresses); staff who know an address can compute it again to answer "was it forgotten?".

Forgetting twice is harmless: the second call finds nothing and says so (every count zero).
The raw mail goes first and the table's items last, so a forget cut short (an address with
thousands of bounces and API Gateway's 29 seconds) is completed by asking again. Measured on
moto: an address with 200 counted bounces is 10 Queries, 200 GetItems (an inbound record per
bounce, kept for mail ingested before counted bounces went without one, or shared), 16
BatchWriteItems and 3 DeleteItems, plus per message one HeadObject and one DeleteObjects (and
one DeleteItem when it has a record).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.errors import BadRequest, Conflict, UnknownTenant
from chalicelib.massdelete.plan import archive_prefix, plan_key
from chalicelib.ports import TenantSettings
from chalicelib.report.export import exports_prefix
from chalicelib.tenancy.ids import is_tenant_id
from chalicelib.tenancy.tags import SigningKey, normalise_address
from chalicelib.timefmt import parse_iso

AUDIT_ACTION = "forgotten"
REDACTED = "[forgotten]"


class Erased(StrEnum):
    """What a forget erased, one count per kind (the API's `erased` object)."""

    COUNTERS = "counters"
    HISTORY = "history"
    MARKERS = "markers"
    SUPPRESSIONS = "suppressions"
    COMPLAINTS = "complaints"
    RECHECKS = "rechecks"
    INBOUND_RECORDS = "inbound_records"
    RAW_MAIL = "raw_mail"
    RAW_MAIL_KEPT = "raw_mail_kept"  # shared with another address's bounce: record redacted
    EXPORTS = "exports"
    ARCHIVES = "archives"  # archive objects (head and pages) deleted
    PLANS = "plans"  # plans rewritten without the address
    MASS_DELETE_MARKERS = "mass_delete_markers"
    JOBS = "jobs"  # job items whose sample or explicit selection named the address
    AUDIT_LINES = "audit_lines"  # earlier audit lines that named it: the address replaced


@dataclass(frozen=True, slots=True)
class CitedMessage:
    """An inbound message that names the address: where its record is (scope and disposition,
    received_at and message id make the key) and where its raw mail is. `recorded` False: a
    bounce counted for this address alone, whose history entry is its only record."""

    scope: str
    disposition: str
    received_at: datetime
    message_id: str
    s3_key: str
    recipients: tuple[str, ...]
    recorded: bool = True


@dataclass(frozen=True, slots=True)
class ForgetOutcome:
    tenant: str
    address_sha256: str
    erased: dict[Erased, int] = field(default_factory=dict)

    def count(self, kind: Erased) -> int:
        return self.erased.get(kind, 0)


class ErasureStore(Protocol):
    """The table's side of forgetting (storage/erasure.py)."""

    def cited_messages(self, tenant: str, address: str) -> list[CitedMessage]:
        """The messages that bounced (or complained) for the address."""

    def counted_message(self, tenant: str, received_at: datetime, message_id: str) -> CitedMessage:
        """The message a history entry cites: its inbound record, or without one (a bounce
        counted for one address) the message the entry names."""

    def cites(self, tenant: str, address: str, message_id: str) -> bool:
        """Does this address's history (or a complaint) still cite this message?"""

    def erase_address(self, tenant: str, address: str) -> dict[str, int]:
        """Delete the address's items (counter, partition, suppression, complaints, re-checks,
        mass-delete markers; job samples and selections and audit lines that named it
        rewritten): counts per Erased kind."""

    def delete_inbound(self, message: CitedMessage) -> int: ...

    def redact_inbound(self, message: CitedMessage, address: str) -> None: ...

    def job_ids(self, tenant: str) -> list[str]: ...

    def mass_delete_running(self, tenant: str) -> bool: ...


class ObjectEraser(Protocol):
    """The bucket's side (aws/s3.py)."""

    def delete_under(self, prefix: str) -> int:
        """Delete every object under a prefix; how many there were."""

    def read_under(self, prefix: str) -> list[bytes]:
        """Every object under a prefix (a mass-delete archive: a head and a few pages)."""

    def delete(self, keys: Sequence[str]) -> int:
        """Delete these objects; how many existed."""

    def read_if_any(self, key: str) -> bytes | None: ...

    def write(self, key: str, raw: bytes) -> None: ...


class TenantLookup(Protocol):
    def get_tenant(self, tenant: str) -> TenantSettings | None: ...


class AuditTrail(Protocol):
    def record(self, tenant: str, action: str, actor: str, detail: dict[str, Any]) -> None: ...


def address_hash(key: SigningKey, tenant: str, address: str) -> str:
    """The one-way stand-in for an address in the audit trail: HMAC-SHA256 over the normalised
    address, keyed per tenant with a key derived from the tag-signing key."""
    tenant_key = hmac.new(key.secret, f"rebound forget {tenant}".encode(), hashlib.sha256)
    return hmac.new(tenant_key.digest(), address.encode(), hashlib.sha256).hexdigest()


class ForgetService:
    """Erases one address of one tenant everywhere Rebound holds it (see the module docstring)."""

    def __init__(
        self,
        store: ErasureStore,
        objects: ObjectEraser,
        tenants: TenantLookup,
        audit: AuditTrail,
        hash_key: SigningKey,
    ) -> None:
        self._store = store
        self._objects = objects
        self._tenants = tenants
        self._audit = audit
        self._key = hash_key

    def forget(self, tenant: str, address: str, actor: str) -> ForgetOutcome:
        address = normalise_address(address)
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise BadRequest("give the address to forget, e.g. ann@example.net")
        if not is_tenant_id(tenant) or self._tenants.get_tenant(tenant) is None:
            raise UnknownTenant(f"no tenant {tenant!r}")
        if self._store.mass_delete_running(tenant):
            # A running job holds the address's keys in its plan and state: wait for it.
            raise Conflict("a mass delete is approved or running for this tenant; forget after it")
        erased: dict[Erased, int] = dict.fromkeys(Erased, 0)
        # Read before erasing: the history entries and complaints say which mail cited it, in
        # the table and in the archives of mass deletes that removed them.
        job_ids = self._store.job_ids(tenant)
        cited = self._store.cited_messages(tenant, address)
        known = {(c.scope, c.disposition, c.message_id) for c in cited}
        for message in self._archived_citations(tenant, address, job_ids):
            if (message.scope, message.disposition, message.message_id) not in known:
                known.add((message.scope, message.disposition, message.message_id))
                cited.append(message)
        for message in cited:
            self._forget_message(tenant, address, message, erased)
        self._forget_mass_delete_objects(tenant, address, job_ids, erased)
        # Last: the history entries and archives are what lead to the raw mail, so a forget
        # cut short (a timeout) is finished by asking again.
        for kind, n in self._store.erase_address(tenant, address).items():
            erased[Erased(kind)] += n
        erased[Erased.EXPORTS] += self._objects.delete_under(exports_prefix(tenant))
        outcome = ForgetOutcome(tenant, address_hash(self._key, tenant, address), erased)
        detail: dict[str, Any] = {
            "address_sha256": outcome.address_sha256,
            "hash_key": self._key.kid,
            "erased": {str(k): v for k, v in erased.items() if v},
        }
        self._audit.record(tenant, AUDIT_ACTION, actor, detail)
        return outcome

    def _forget_message(
        self, tenant: str, address: str, message: CitedMessage, erased: dict[Erased, int]
    ) -> None:
        """The raw mail goes unless another address's bounce in this tenant still cites it."""
        others = {normalise_address(r) for r in message.recipients} - {address, ""}
        if any(self._store.cites(tenant, other, message.message_id) for other in others):
            self._store.redact_inbound(message, address)
            erased[Erased.RAW_MAIL_KEPT] += 1
            return
        erased[Erased.RAW_MAIL] += self._objects.delete([message.s3_key])
        if message.recorded:
            erased[Erased.INBOUND_RECORDS] += self._store.delete_inbound(message)

    def _archived_citations(
        self, tenant: str, address: str, job_ids: Sequence[str]
    ) -> list[CitedMessage]:
        """The messages an address's archived history entries cite (the archive pages hold the
        entries as DynamoDB JSON: sk H#..., message_id, received_at)."""
        found: list[CitedMessage] = []
        for job_id in job_ids:
            for raw in self._objects.read_under(archive_prefix(tenant, job_id, address)):
                for message_id, received_at in history_citations(json.loads(raw)):
                    when = parse_iso(received_at)
                    found.append(self._store.counted_message(tenant, when, message_id))
        return found

    def _forget_mass_delete_objects(
        self, tenant: str, address: str, job_ids: Sequence[str], erased: dict[Erased, int]
    ) -> None:
        for job_id in job_ids:
            archive = archive_prefix(tenant, job_id, address)
            erased[Erased.ARCHIVES] += self._objects.delete_under(archive)
            key = plan_key(tenant, job_id)
            raw = self._objects.read_if_any(key)
            if raw is None:
                continue
            # The plan lists its chunks' objects (massdelete/plan.py map_item), which hold the
            # entries; an older plan held the entries itself.
            plan = json.loads(raw)
            chunks = [i["key"] for i in plan if isinstance(i, dict) and "key" in i]
            removed = False
            for document in chunks or [key]:
                removed |= self._rewrite_without(document, address)
            erased[Erased.PLANS] += removed

    def _rewrite_without(self, key: str, address: str) -> bool:
        raw = self._objects.read_if_any(key)
        if raw is None:
            return False
        document, removed = without_address(json.loads(raw), address)
        if removed:
            self._objects.write(key, json.dumps(document, separators=(",", ":")).encode())
        return removed


def without_address(plan: Any, address: str) -> tuple[Any, bool]:
    """A plan (a JSON document of chunks of entries) without the entries of one address, and
    whether any was removed; a chunk left without entries is dropped. Read by shape, not by
    field list: every object naming the address under "address" is an entry of it."""
    if isinstance(plan, list):
        kept: list[Any] = []
        removed = False
        for element in plan:
            if isinstance(element, dict) and element.get("address") == address:
                removed = True
                continue
            rest, gone = without_address(element, address)
            if gone and isinstance(rest, dict) and rest.get("entries") == []:
                removed = True
                continue
            removed |= gone
            kept.append(rest)
        return kept, removed
    if isinstance(plan, dict):
        changed = False
        result: dict[str, Any] = {}
        for name, value in plan.items():
            result[name], gone = without_address(value, address)
            changed |= gone
        return result, changed
    return plan, False


def history_citations(document: Any) -> list[tuple[str, str]]:
    """(message_id, received_at) of every history entry in a DynamoDB-JSON document, at any
    depth (read by shape, so a change of the archive's envelope does not hide an entry)."""
    found: list[tuple[str, str]] = []
    if isinstance(document, list):
        for element in document:
            found += history_citations(element)
    elif isinstance(document, dict):
        sk = document.get("sk")
        if isinstance(sk, dict) and str(sk.get("S", "")).startswith("H#"):
            message_id = document.get("message_id", {}).get("S")
            received_at = document.get("received_at", {}).get("S")
            if message_id and received_at:
                found.append((str(message_id), str(received_at)))
        else:
            for value in document.values():
                found += history_citations(value)
    return found


def scrubbed(value: Any, address: str) -> Any:
    """A JSON value with the address replaced in every string (an audit line's detail)."""
    if isinstance(value, str):
        return redacted(value, address)
    if isinstance(value, list):
        return [scrubbed(v, address) for v in value]
    if isinstance(value, dict):
        return {k: scrubbed(v, address) for k, v in value.items()}
    return value


def redacted(text: str, address: str) -> str:
    """Text with every spelling of the address (any case) replaced."""
    lowered = text.lower()
    if address not in lowered:
        return text
    out, start = [], 0
    while (found := lowered.find(address, start)) >= 0:
        out += [text[start:found], REDACTED]
        start = found + len(address)
    out.append(text[start:])
    return "".join(out)


def without_recipient(recipients: Sequence[str], address: str) -> list[str]:
    return [r for r in recipients if normalise_address(r) != address]
