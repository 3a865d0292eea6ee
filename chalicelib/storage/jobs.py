"""Mass-delete jobs on the single table: job items, the audit trail, the tenant's policy, the
workflow's per-address progress markers, and the batched writes that undo uses.

Key shapes (every pk starts with the tenant; built in chalicelib/massdelete/plan.py):

    pk                              sk                              item
    T#<tenant>#MD                   J#<job>                         MassDeleteJobItem
    T#<tenant>#MD                   L#<at>#<job>#<action>           MassDeleteAuditItem
    T#<tenant>#MD                   POLICY                          MassDeletePolicyItem
    T#<tenant>#MD#<job>             A#<address>                     MassDeleteMarkerItem

The job item's progress counters (archived, deleted, removed, skipped, addresses_done) and the
markers are written by the state machine itself (DynamoDB integrations), never by Python.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.massdelete.model import (
    AuditAction,
    AuditEntry,
    Job,
    Marker,
    Policy,
    Progress,
)
from chalicelib.massdelete.plan import (
    POLICY_SK,
    audit_sk,
    job_sk,
    jobs_pk,
    marker_sk,
    markers_pk,
)
from chalicelib.massdelete.states import JobState
from chalicelib.ports import Page
from chalicelib.storage.items import _Item
from chalicelib.storage.repository import newest_first_page
from chalicelib.timefmt import iso

BATCH_SIZE = 25  # BatchWriteItem's limit
MAX_BATCH_ATTEMPTS = 10
THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
    }
)


class MassDeleteJobItem(_Item):
    """One job: what was asked, by whom, its state and (written by the workflow) progress."""

    tenant = UnicodeAttribute()
    job_id = UnicodeAttribute()
    state = UnicodeAttribute()
    created_at = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    selection = UnicodeAttribute()  # JSON
    remove_emails = BooleanAttribute(default=False)
    dry_run = BooleanAttribute(default=False)
    addresses = NumberAttribute(default=0)
    records = NumberAttribute(default=0)
    sample = ListAttribute(of=UnicodeAttribute, default=list)
    plan_key = UnicodeAttribute(default="")
    chunks = NumberAttribute(default=0)
    not_found = NumberAttribute(default=0)
    oversized = NumberAttribute(default=0)
    note = UnicodeAttribute(default="")
    staff_required = UnicodeAttribute(default="")
    approved_by = UnicodeAttribute(default="")
    approved_at = UnicodeAttribute(default="")
    started_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(default="")
    execution_arn = UnicodeAttribute(default="")
    runs = NumberAttribute(default=0)
    cancel_requested = BooleanAttribute(default=False)
    cancelled_by = UnicodeAttribute(default="")
    undone_by = UnicodeAttribute(default="")
    undone_at = UnicodeAttribute(default="")
    restored = NumberAttribute(default=0)
    restore_conflicts = NumberAttribute(default=0)
    error = UnicodeAttribute(null=True)
    # Written by the state machine with ADD.
    addresses_done = NumberAttribute(null=True)
    archived = NumberAttribute(null=True)
    deleted = NumberAttribute(null=True)
    removed = NumberAttribute(null=True)
    skipped = NumberAttribute(null=True)


class MassDeleteAuditItem(_Item):
    """One audit line; kept after the job (and its archive) are gone."""

    at = UnicodeAttribute()
    job_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    detail = UnicodeAttribute(default="{}")  # JSON


class MassDeletePolicyItem(_Item):
    require_second_person = BooleanAttribute(default=False)
    max_share = NumberAttribute()
    max_addresses = NumberAttribute()


class MassDeleteMarkerItem(_Item):
    """The workflow's progress for one address of one job: stage deleting -> done."""

    address = UnicodeAttribute()
    stage = UnicodeAttribute()
    outcome = UnicodeAttribute(null=True)
    pages = NumberAttribute(null=True)
    records = NumberAttribute(null=True)
    archive_prefix = UnicodeAttribute(null=True)


JOB_ITEM_CLASSES = (
    MassDeleteJobItem,
    MassDeleteAuditItem,
    MassDeletePolicyItem,
    MassDeleteMarkerItem,
)


def _job_from_item(i: MassDeleteJobItem) -> Job:
    return Job(
        tenant=i.tenant,
        job_id=i.job_id,
        state=JobState(i.state),
        created_at=i.created_at,
        requested_by=i.requested_by,
        selection=json.loads(i.selection),
        remove_emails=bool(i.remove_emails),
        dry_run=bool(i.dry_run),
        addresses=int(i.addresses),
        records=int(i.records),
        sample=tuple(str(s) for s in i.sample),
        plan_key=i.plan_key,
        chunks=int(i.chunks),
        not_found=int(i.not_found),
        oversized=int(i.oversized or 0),
        note=i.note,
        staff_required=i.staff_required,
        approved_by=i.approved_by,
        approved_at=i.approved_at,
        started_at=i.started_at or "",
        finished_at=i.finished_at,
        execution_arn=i.execution_arn,
        runs=int(i.runs),
        cancel_requested=bool(i.cancel_requested),
        cancelled_by=i.cancelled_by,
        undone_by=i.undone_by,
        undone_at=i.undone_at,
        restored=int(i.restored),
        restore_conflicts=int(i.restore_conflicts),
        error=i.error or "",
        progress=Progress(
            addresses_done=int(i.addresses_done or 0),
            archived=int(i.archived or 0),
            deleted=int(i.deleted or 0),
            removed=int(i.removed or 0),
            skipped=int(i.skipped or 0),
        ),
    )


# Job fields Python may change after creation (the workflow owns the progress counters).
_MUTABLE = frozenset(
    {
        "state",
        "approved_by",
        "approved_at",
        "started_at",
        "finished_at",
        "execution_arn",
        "runs",
        "cancel_requested",
        "cancelled_by",
        "undone_by",
        "undone_at",
        "restored",
        "restore_conflicts",
        "error",
    }
)


class JobRepository:
    """The JobStore port on the single table."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

    # -- jobs -------------------------------------------------------------------------------

    def create_job(self, job: Job) -> None:
        item = MassDeleteJobItem(
            jobs_pk(job.tenant),
            job_sk(job.job_id),
            tenant=job.tenant,
            job_id=job.job_id,
            state=str(job.state),
            created_at=job.created_at,
            requested_by=job.requested_by,
            selection=json.dumps(job.selection, sort_keys=True),
            remove_emails=job.remove_emails,
            dry_run=job.dry_run,
            addresses=job.addresses,
            records=job.records,
            sample=list(job.sample),
            plan_key=job.plan_key,
            chunks=job.chunks,
            not_found=job.not_found,
            oversized=job.oversized,
            note=job.note,
            staff_required=job.staff_required,
        )
        item.save(condition=MassDeleteJobItem.pk.does_not_exist())

    def get_job(self, tenant: str, job_id: str) -> Job | None:
        try:
            item = MassDeleteJobItem.get(jobs_pk(tenant), job_sk(job_id), consistent_read=True)
        except DoesNotExist:
            return None
        return _job_from_item(item)

    def update_job(
        self, tenant: str, job_id: str, expected: Sequence[JobState], **changes: Any
    ) -> bool:
        """Set fields when the job is in one of the expected states; False when it is not."""
        unknown = set(changes) - _MUTABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        item = MassDeleteJobItem(jobs_pk(tenant), job_sk(job_id))
        actions: list[Action] = []
        for name, value in changes.items():
            attribute = getattr(MassDeleteJobItem, name)
            if value is None:
                actions.append(attribute.remove())
            else:
                actions.append(attribute.set(str(value) if isinstance(value, JobState) else value))
        condition = MassDeleteJobItem.pk.exists() & MassDeleteJobItem.state.is_in(
            *[str(s) for s in expected]
        )
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def list_jobs(self, tenant: str, limit: int, cursor: str | None) -> Page[Job]:
        return newest_first_page(
            MassDeleteJobItem,
            jobs_pk(tenant),
            sk_prefix="J#",
            limit=limit,
            cursor=cursor,
            convert=_job_from_item,
        )

    def active_jobs(self, tenant: str) -> list[Job]:
        """Jobs approved or running (a tenant runs one at a time)."""
        results = MassDeleteJobItem.query(
            jobs_pk(tenant),
            MassDeleteJobItem.sk.startswith("J#"),
            filter_condition=MassDeleteJobItem.state.is_in(
                str(JobState.APPROVED), str(JobState.RUNNING)
            ),
            consistent_read=True,
        )
        return [_job_from_item(i) for i in results]

    # -- audit and policy -------------------------------------------------------------------

    def put_audit(self, entry: AuditEntry) -> None:
        MassDeleteAuditItem(
            jobs_pk(entry.tenant),
            audit_sk(entry.at, entry.job_id, str(entry.action)),
            at=entry.at,
            job_id=entry.job_id,
            action=str(entry.action),
            actor=entry.actor,
            detail=json.dumps(entry.detail, sort_keys=True),
        ).save()

    def record(self, tenant: str, action: str, actor: str, detail: dict[str, Any]) -> None:
        """An audit line not tied to a job (the report's "mark as good")."""
        at = iso(datetime.now(UTC))
        self.put_audit(AuditEntry(tenant, at, "", AuditAction(action), actor, detail))

    def list_audit(self, tenant: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        def entry(i: MassDeleteAuditItem) -> AuditEntry:
            detail = json.loads(i.detail)
            return AuditEntry(tenant, i.at, i.job_id, AuditAction(i.action), i.actor, detail)

        return newest_first_page(
            MassDeleteAuditItem,
            jobs_pk(tenant),
            sk_prefix="L#",
            limit=limit,
            cursor=cursor,
            convert=entry,
        )

    def get_policy(self, tenant: str, default: Policy) -> Policy:
        try:
            item = MassDeletePolicyItem.get(jobs_pk(tenant), POLICY_SK)
        except DoesNotExist:
            return default
        return Policy(
            require_second_person=bool(item.require_second_person),
            max_share=float(item.max_share),
            max_addresses=int(item.max_addresses),
        )

    def put_policy(self, tenant: str, policy: Policy) -> None:
        MassDeletePolicyItem(
            jobs_pk(tenant),
            POLICY_SK,
            require_second_person=policy.require_second_person,
            max_share=policy.max_share,
            max_addresses=policy.max_addresses,
        ).save()

    # -- the workflow's markers -------------------------------------------------------------

    def iter_markers(self, tenant: str, job_id: str) -> Iterator[Marker]:
        for item in MassDeleteMarkerItem.query(markers_pk(tenant, job_id), consistent_read=True):
            yield Marker(
                address=item.address,
                stage=item.stage,
                outcome=item.outcome or "",
                pages=int(item.pages or 0),
                records=int(item.records or 0),
                archive_prefix=item.archive_prefix or "",
            )

    def mark_restored(self, tenant: str, job_id: str, address: str) -> None:
        """Undo finished this address: a repeated undo skips it."""
        MassDeleteMarkerItem(markers_pk(tenant, job_id), marker_sk(address)).update(
            actions=[MassDeleteMarkerItem.stage.set("restored")]
        )

    # -- undo: raw items from the archive ---------------------------------------------------

    def put_records(self, items: Sequence[dict[str, Any]]) -> int:
        """Write archived items (DynamoDB JSON) back, 25 per BatchWriteItem."""
        client = _client()
        requests = [{"PutRequest": {"Item": item}} for item in items]
        return batch_write(client, _table(), requests, self._sleep)

    def put_record_if_absent(self, item: dict[str, Any]) -> bool:
        """Restore one item unless a newer one took its key; False when one did."""
        try:
            _client().put_item(
                TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put_record(self, item: dict[str, Any]) -> None:
        _client().put_item(TableName=_table(), Item=item)

    def delete_record_if(self, key: dict[str, Any], attribute: str, value: str) -> bool:
        """Delete one item when `attribute` equals `value` (e.g. the suppression this job
        wrote, not one written since)."""
        try:
            _client().delete_item(
                TableName=_table(),
                Key=key,
                ConditionExpression="#a = :v",
                ExpressionAttributeNames={"#a": attribute},
                ExpressionAttributeValues={":v": {"S": value}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _is_condition_failure(error: PutError | UpdateError | DeleteError) -> bool:
    cause = error.cause
    return isinstance(cause, ClientError) and (
        cause.response["Error"]["Code"] == "ConditionalCheckFailedException"
    )


def _client() -> Any:
    # The table's own botocore client (PynamoDB's connection): no second client per process.
    return MassDeleteJobItem._get_connection().connection.client


def _table() -> str:
    name: str = MassDeleteJobItem.Meta.table_name
    return name


def batch_write(
    client: Any,
    table: str,
    requests: Sequence[dict[str, Any]],
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """BatchWriteItem in chunks of 25; UnprocessedItems and throttling errors are retried with
    exponential backoff and full jitter. Returns how many requests were written."""
    written = 0
    for start in range(0, len(requests), BATCH_SIZE):
        pending = list(requests[start : start + BATCH_SIZE])
        for attempt in range(MAX_BATCH_ATTEMPTS):
            try:
                response = client.batch_write_item(RequestItems={table: pending})
            except ClientError as error:
                if error.response["Error"]["Code"] not in THROTTLING_CODES:
                    raise
                sleep(_backoff(attempt))
                continue
            unprocessed = response.get("UnprocessedItems", {}).get(table, [])
            written += len(pending) - len(unprocessed)
            if not unprocessed:
                break
            pending = unprocessed
            sleep(_backoff(attempt))
        else:
            raise RuntimeError(f"{len(pending)} items stayed unprocessed; run undo again")
    return written


def _backoff(attempt: int) -> float:
    jitter: float = random.uniform(0.5, 1.0)  # noqa: S311 - backoff jitter, not security
    return min(0.05 * (1 << attempt), 5.0) * jitter
