"""Forgetting one address on the single table: finding what cites it and deleting its items.
Implements chalicelib.forget's ErasureStore.

Every item of an address is found by key, never by a scan of the table: its counter and
suppression by their keys, its partition (history, markers, re-check history) by one Query, its
complaints, re-check changes and audit lines by a Query of the tenant's partition of that kind
with a filter, quarantined mail that its tag named by a filtered Query of the staff's
quarantine partition (every quarantined message of the retention period: the one read whose
cost grows with all tenants' mail; a forget is rare), SMTP duplicates of its bounces by a
filtered Query of the tenant's partition of counted records (which holds only the records no
history entry stands for: duplicates and legacy bounces counted for several addresses; and,
until they expire, the records of every counted bounce ingested before counted bounces went
without one), and its mass-delete markers by key in each of the tenant's jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chalicelib.bounces import AddressState, Disposition, names_member
from chalicelib.forget import CitedMessage, Erased, redacted, scrubbed, without_recipient
from chalicelib.massdelete.states import JobState
from chalicelib.ports import AddressTotals
from chalicelib.storage import keys
from chalicelib.storage.core import client, table_name
from chalicelib.storage.jobs import batch_write
from chalicelib.storage.totals import add_to_totals
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import parse_iso

_PARTITION_KINDS = {
    keys.HISTORY_SK_PREFIX: Erased.HISTORY,
    "M#": Erased.MARKERS,  # keys.marker_sk: a bounce's exactly-once marker
    "C#": Erased.MARKERS,  # keys.complaint_marker_sk
    "R#": Erased.RECHECKS,  # keys.recheck_history_sk
}
_ACTIVE = frozenset({str(JobState.APPROVED), str(JobState.RUNNING)})


class ErasureRepository:
    """ErasureStore on the single table (see chalicelib/forget.py for what and why)."""

    def __init__(self, inbound_prefix: str = "inbound/") -> None:
        self._inbound_prefix = inbound_prefix  # where ingest found each message (its id follows)

    # -- what cites the address -------------------------------------------------------------

    def cited_messages(self, tenant: str, address: str) -> list[CitedMessage]:
        found: dict[tuple[str, str], CitedMessage] = {}
        history = _query(
            keys.address_pk(tenant, address),
            begins_with=keys.HISTORY_SK_PREFIX,
            projection="#m, #r",
            names={"#m": "message_id", "#r": "received_at"},
        )
        complaints = _query(
            keys.complaint_pk(tenant),
            where=("address", address),
            or_equal="complainant",  # the address the report named, when not the one we mailed
            projection="#m, #r",
            names={"#m": "message_id", "#r": "received_at"},
        )
        for item in history:
            counted = self.counted_message(
                tenant, parse_iso(_s(item, "received_at")), _s(item, "message_id")
            )
            found.setdefault(_inbound_key(counted), counted)
        for item in complaints:
            received_at = parse_iso(_s(item, "received_at"))
            complaint = str(Disposition.COMPLAINT)
            message = self.inbound_message(tenant, complaint, received_at, _s(item, "message_id"))
            if message is not None:
                found.setdefault(_inbound_key(message), message)
        # Mail no history entry cites names the member in its record's problem (ingest): a
        # tagged bounce quarantined because it named other addresses too, and an SMTP duplicate
        # of one of the address's bounces (counted before from another stored message).
        marker = names_member(tenant, address)
        for scope, disposition in (
            (SYSTEM_SCOPE, Disposition.QUARANTINED),
            (tenant, Disposition.COUNTED),
        ):
            records = _query(keys.inbound_pk(scope, str(disposition)), contains=("problem", marker))
            for item in records:
                found.setdefault((_s(item, "pk"), _s(item, "sk")), _cited(scope, item))
        return list(found.values())

    def counted_message(self, tenant: str, received_at: datetime, message_id: str) -> CitedMessage:
        counted = str(Disposition.COUNTED)
        record = self.inbound_message(tenant, counted, received_at, message_id)
        if record is not None:  # ingested before counted bounces went without one, or shared
            return record
        # The history entry names the stored message (ingest read it from <prefix><id>), and a
        # counted message without a record is cited by this one entry (ingest).
        raw_key = self._inbound_prefix + message_id
        return CitedMessage(tenant, counted, received_at, message_id, raw_key, (), recorded=False)

    def inbound_message(
        self, scope: str, disposition: str, received_at: datetime, message_id: str
    ) -> CitedMessage | None:
        """One inbound record by its key (None when there is none)."""
        key = keys.item_key(
            keys.inbound_pk(scope, disposition), keys.inbound_sk(received_at, message_id)
        )
        record = client().get_item(TableName=table_name(), Key=key, ConsistentRead=True)
        return _cited(scope, record["Item"]) if "Item" in record else None

    def cites(self, tenant: str, address: str, message_id: str) -> bool:
        pk = keys.address_pk(tenant, address)
        hits = _query(
            pk, begins_with=keys.HISTORY_SK_PREFIX, where=("message_id", message_id), limit=1
        )
        return any(True for _ in hits)

    # -- erasing ----------------------------------------------------------------------------

    def erase_address(self, tenant: str, address: str) -> dict[str, int]:
        erased = dict.fromkeys((str(k) for k in Erased), 0)
        erased[Erased.COUNTERS] += _delete_counter(tenant, address)
        erased[Erased.SUPPRESSIONS] += _delete(keys.suppression_pk(tenant), address)
        doomed: list[dict[str, Any]] = []
        for item in _query(keys.address_pk(tenant, address), projection="pk, sk"):
            kind = _PARTITION_KINDS.get(_s(item, "sk")[:2], Erased.HISTORY)
            erased[kind] += 1
            doomed.append(item)
        complaints = _query(
            keys.complaint_pk(tenant), where=("address", address), or_equal="complainant"
        )
        for item in complaints:
            erased[Erased.COMPLAINTS] += 1
            doomed.append(item)
        rechecks = keys.recheck_pk(tenant)
        erased[Erased.RECHECKS] += _delete(rechecks, keys.recheck_latest_sk(address))
        changes = _query(
            rechecks, begins_with=keys.RECHECK_CHANGE_PREFIX, where=("address", address)
        )
        for item in changes:
            erased[Erased.RECHECKS] += 1
            doomed.append(item)
        requests = [
            {"DeleteRequest": {"Key": keys.item_key(_s(i, "pk"), _s(i, "sk"))}} for i in doomed
        ]
        batch_write(client(), table_name(), requests)
        for job in self._jobs(tenant):
            job_id = _s(job, "job_id")
            marker = _delete(keys.job_markers_pk(tenant, job_id), keys.job_marker_sk(address))
            erased[Erased.MASS_DELETE_MARKERS] += marker
            erased[Erased.JOBS] += _redact_job(job, address)
        lines = _query(
            keys.jobs_pk(tenant), begins_with=keys.AUDIT_SK_PREFIX, contains=("detail", address)
        )
        for line in lines:
            erased[Erased.AUDIT_LINES] += 1
            detail = scrubbed(json.loads(_s(line, "detail")), address)
            client().update_item(
                TableName=table_name(),
                Key=keys.item_key(_s(line, "pk"), _s(line, "sk")),
                UpdateExpression="SET #d = :d",
                ExpressionAttributeNames={"#d": "detail"},
                ExpressionAttributeValues={":d": {"S": json.dumps(detail, sort_keys=True)}},
            )
        return erased

    def delete_inbound(self, message: CitedMessage) -> int:
        pk, sk = _inbound_key(message)
        return _delete(pk, sk)

    def redact_inbound(self, message: CitedMessage, address: str) -> None:
        pk, sk = _inbound_key(message)
        found = client().get_item(TableName=table_name(), Key=keys.item_key(pk, sk))
        item = found.get("Item")
        if item is None:
            return
        recipients = without_recipient([str(r["S"]) for r in item["recipients"]["L"]], address)
        client().update_item(
            TableName=table_name(),
            Key=keys.item_key(pk, sk),
            UpdateExpression="SET #r = :r, #s = :s, #p = :p",
            ExpressionAttributeNames={"#r": "recipients", "#s": "subject", "#p": "problem"},
            ExpressionAttributeValues={
                ":r": {"L": [{"S": r} for r in recipients]},
                ":s": {"S": redacted(_s(item, "subject"), address)},
                ":p": {"S": redacted(_s(item, "problem"), address)},
            },
        )

    # -- mass delete ------------------------------------------------------------------------

    def job_ids(self, tenant: str) -> list[str]:
        return [_s(job, "job_id") for job in self._jobs(tenant)]

    def mass_delete_running(self, tenant: str) -> bool:
        return any(_s(job, "state") in _ACTIVE for job in self._jobs(tenant))

    @staticmethod
    def _jobs(tenant: str) -> Iterator[dict[str, Any]]:
        return _query(
            keys.jobs_pk(tenant),
            begins_with=keys.JOB_SK_PREFIX,
            projection="pk, sk, #job, #state, #sample, #selection",
            names={
                "#job": "job_id",
                "#state": "state",
                "#sample": "sample",
                "#selection": "selection",
            },
        )


def _redact_job(job: dict[str, Any], address: str) -> int:
    """Take the address out of a job's sample and explicit selection; 1 when it was in one."""
    sample = [str(s["S"]) for s in job.get("sample", {}).get("L", [])]
    selection = json.loads(_s(job, "selection") or "{}")
    listed = selection.get("addresses") if isinstance(selection, dict) else None
    listed = listed if isinstance(listed, list) else []
    if address not in sample and address not in listed:
        return 0
    if address in listed:
        selection["addresses"] = [a for a in listed if a != address]
    client().update_item(
        TableName=table_name(),
        Key=keys.item_key(_s(job, "pk"), _s(job, "sk")),
        UpdateExpression="SET #sample = :sample, #selection = :selection",
        ExpressionAttributeNames={"#sample": "sample", "#selection": "selection"},
        ExpressionAttributeValues={
            ":sample": {"L": [{"S": s} for s in sample if s != address]},
            ":selection": {"S": json.dumps(selection, sort_keys=True)},
        },
    )
    return 1


def _inbound_key(message: CitedMessage) -> tuple[str, str]:
    return (
        keys.inbound_pk(message.scope, message.disposition),
        keys.inbound_sk(message.received_at, message.message_id),
    )


def _cited(scope: str, item: dict[str, Any]) -> CitedMessage:
    return CitedMessage(
        scope=scope,
        disposition=_s(item, "disposition"),
        received_at=parse_iso(_s(item, "received_at")),
        message_id=_s(item, "message_id"),
        s3_key=_s(item, "s3_key"),
        recipients=tuple(str(r["S"]) for r in item.get("recipients", {}).get("L", [])),
    )


def _s(item: dict[str, Any], name: str) -> str:
    value = item.get(name)
    return str(value.get("S", "")) if value else ""


def _delete(pk: str, sk: str) -> int:
    """Delete one item; 1 when it existed."""
    return 1 if _delete_returning(pk, sk) else 0


def _delete_returning(pk: str, sk: str) -> dict[str, Any]:
    """Delete one item; what it held (empty when there was none)."""
    response = client().delete_item(
        TableName=table_name(), Key=keys.item_key(pk, sk), ReturnValues="ALL_OLD"
    )
    found: dict[str, Any] = response.get("Attributes") or {}
    return found


def _delete_counter(tenant: str, address: str) -> int:
    """Delete the address's counter and take it off the tenant's address totals (one update,
    after the delete that says what it was: a forget run again deletes nothing and takes
    nothing off; one stopped in between leaves it to the totals' reconcile)."""
    old = _delete_returning(keys.tenant_pk(tenant), keys.counter_sk(address))
    if not old:
        return 0
    suppressed = _s(old, "state") == AddressState.SUPPRESSED
    add_to_totals(tenant, -AddressTotals.of(_s(old, "category"), suppressed))
    return 1


def _query(
    pk: str,
    *,
    begins_with: str | None = None,
    where: tuple[str, str] | None = None,
    contains: tuple[str, str] | None = None,
    or_equal: str | None = None,
    projection: str | None = None,
    names: dict[str, str] | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of one partition (optionally one sk prefix, one attribute equal to or
    containing a value), page after page; strongly consistent, so a forget sees its own
    writes and everything counted before it."""
    values: dict[str, Any] = {":pk": {"S": pk}}
    condition = "pk = :pk"
    if begins_with is not None:
        condition += " AND begins_with(sk, :prefix)"
        values[":prefix"] = {"S": begins_with}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": condition,
        "ConsistentRead": True,
    }
    attribute_names = dict(names or {})
    if where is not None or contains is not None:
        name, value = where or contains  # type: ignore[misc]
        attribute_names["#f"] = name
        values[":f"] = {"S": value}
        request["FilterExpression"] = "#f = :f" if where is not None else "contains(#f, :f)"
        if or_equal is not None:
            attribute_names["#g"] = or_equal
            request["FilterExpression"] += " OR #g = :f"
    if projection is not None:
        request["ProjectionExpression"] = projection
    if attribute_names:
        request["ExpressionAttributeNames"] = attribute_names
    request["ExpressionAttributeValues"] = values
    yielded = 0
    while True:
        page = client().query(**request)
        for item in page.get("Items", []):
            yield item
            yielded += 1
            if limit is not None and yielded >= limit:
                return
        start = page.get("LastEvaluatedKey")
        if not start:
            return
        request["ExclusiveStartKey"] = start
