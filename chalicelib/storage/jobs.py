"""Mass-delete jobs on the single table: job items, the audit trail, the tenant's policy, the
workflow's per-address progress markers, and the batched writes that undo uses.

Key shapes (every pk starts with the tenant; built in chalicelib/massdelete/plan.py):

    pk                              sk                              item
    T#<tenant>#MD                   J#<job>                         MassDeleteJobItem
    T#<tenant>#MD                   L#<at>#<job>#<action>           MassDeleteAuditItem
    T#<tenant>#MD                   POLICY                          MassDeletePolicyItem
    T#<tenant>#MD#<job>             A#<address>                     MassDeleteMarkerItem
    T#<tenant>#MD#<job>             C#<chunk>                       MassDeleteChunkItem

The markers and the chunk results are written by the chunk workers (ChunkRepository, for
chalicelib/massdelete/worker.py); nothing is incremented per address on a shared item. A job's
progress is the sum of its chunk results while it runs (or failed, to be re-run), and the
sum stored on the job item when it finished.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.bounces import AddressState
from chalicelib.config import RetentionSettings
from chalicelib.errors import RetryLater
from chalicelib.massdelete.keys import AddressKeys, ItemKey
from chalicelib.massdelete.model import (
    AuditAction,
    AuditEntry,
    ChunkResult,
    Job,
    Marker,
    Policy,
    Progress,
    total,
)
from chalicelib.massdelete.ports import Archive, Claim, RestoreOutcome
from chalicelib.massdelete.states import JobState
from chalicelib.ports import AddressTotals, Page
from chalicelib.storage import keys
from chalicelib.storage.core import (
    DEFAULT_RETENTION,
    DEFAULT_RETRY,
    RETRYABLE_CODES,
    RetryPolicy,
    cancellation_reasons,
    client,
    condition_failed,
    connection,
    error_code,
    expires_at,
    newest_first_page,
    table_name,
    worth_retrying,
)
from chalicelib.storage.items import (
    AddressCounterItem,
    BounceHistoryItem,
    MassDeleteAuditItem,
    MassDeleteChunkItem,
    MassDeleteJobItem,
    MassDeleteMarkerItem,
    MassDeletePolicyItem,
)
from chalicelib.storage.keys import (
    CHUNK_SK_PREFIX,
    MARKER_SK_PREFIX,
    POLICY_SK,
    audit_sk,
    chunk_sk,
    item_key,
    job_marker_sk,
    job_markers_pk,
    job_sk,
    jobs_pk,
)
from chalicelib.storage.totals import actions as totals_actions
from chalicelib.storage.totals import add_to_totals, totals_item
from chalicelib.timefmt import iso

BATCH_SIZE = 25  # BatchWriteItem's limit


# While these, a job's progress is the live sum of its chunk results (a re-run moves it again).
_LIVE_PROGRESS = frozenset({str(JobState.APPROVED), str(JobState.RUNNING), str(JobState.FAILED)})


def _stored_progress(i: MassDeleteJobItem) -> Progress:
    return Progress(
        addresses_done=int(i.addresses_done or 0),
        archived=int(i.archived or 0),
        deleted=int(i.deleted or 0),
        removed=int(i.removed or 0),
        skipped=int(i.skipped or 0),
    )


def _progress(i: MassDeleteJobItem) -> Progress:
    if int(i.chunks) and (i.state in _LIVE_PROGRESS or i.addresses_done is None):
        return total(ChunkRepository().chunk_results(i.tenant, i.job_id))
    return _stored_progress(i)


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
        figures=json.loads(i.figures or "{}"),
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
        progress=_progress(i),
    )


# Job fields the API may change after creation (progress is the chunk workers', see finish_job).
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

    def __init__(
        self, retry: RetryPolicy = DEFAULT_RETRY, retention: RetentionSettings = DEFAULT_RETENTION
    ) -> None:
        self._retry = retry
        self._retention = retention

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
            figures=json.dumps(job.figures, separators=(",", ":")),
            expires_at=expires_at(datetime.now(UTC), self._retention.job_days),
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
            if condition_failed(error):
                return False
            raise
        return True

    def finish_job(
        self,
        tenant: str,
        job_id: str,
        state: JobState,
        progress: Progress,
        *,
        error: str | None,
        now: str,
    ) -> bool:
        """A running job's final state and progress (the sum of its chunks), in one write;
        False when the job was not running."""
        item = MassDeleteJobItem(jobs_pk(tenant), job_sk(job_id))
        a = MassDeleteJobItem
        actions: list[Action] = [
            a.state.set(str(state)),
            a.finished_at.set(now),
            a.addresses_done.set(progress.addresses_done),
            a.archived.set(progress.archived),
            a.deleted.set(progress.deleted),
            a.removed.set(progress.removed),
            a.skipped.set(progress.skipped),
            a.error.set(error) if error else a.error.remove(),
        ]
        try:
            item.update(actions=actions, condition=a.state == str(JobState.RUNNING))
        except UpdateError as failure:
            if condition_failed(failure):
                return False
            raise
        return True

    def list_jobs(self, tenant: str, limit: int, cursor: str | None) -> Page[Job]:
        return newest_first_page(
            MassDeleteJobItem,
            jobs_pk(tenant),
            sk_prefix=keys.JOB_SK_PREFIX,
            limit=limit,
            cursor=cursor,
            convert=_job_from_item,
        )

    def active_jobs(self, tenant: str) -> list[Job]:
        """Jobs approved or running (a tenant runs one at a time)."""
        results = MassDeleteJobItem.query(
            jobs_pk(tenant),
            MassDeleteJobItem.sk.startswith(keys.JOB_SK_PREFIX),
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
            sk_prefix=keys.AUDIT_SK_PREFIX,
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
        for item in MassDeleteMarkerItem.query(
            job_markers_pk(tenant, job_id),
            MassDeleteMarkerItem.sk.startswith(MARKER_SK_PREFIX),
            consistent_read=True,
        ):
            yield _marker(item)

    def mark_restored(self, tenant: str, job_id: str, address: str) -> None:
        """Undo finished this address: a repeated undo skips it."""
        MassDeleteMarkerItem(job_markers_pk(tenant, job_id), job_marker_sk(address)).update(
            actions=[MassDeleteMarkerItem.stage.set("restored")]
        )

    # -- workflow keys and undo ------------------------------------------------------------

    def job_key(self, tenant: str, job_id: str) -> ItemKey:
        return item_key(jobs_pk(tenant), job_sk(job_id))

    def address_keys(self, tenant: str, job_id: str, address: str) -> AddressKeys:
        return AddressKeys(
            partition=keys.address_pk(tenant, address),
            counter_key=item_key(keys.tenant_pk(tenant), keys.counter_sk(address)),
            suppression_key=item_key(keys.suppression_pk(tenant), address),
            marker_key=item_key(job_markers_pk(tenant, job_id), job_marker_sk(address)),
            job_key=self.job_key(tenant, job_id),
        )

    def restore_archive(self, job: Job, archive: Archive) -> RestoreOutcome:
        """Archived items are DynamoDB JSON (the workflow's GetItem/Query output), written back
        as they were: history and markers 25 per BatchWriteItem, the counter only where no newer
        one took its key, the suppression as it was before the job (or, when there was none,
        the job's own suppression deleted, never one written since).

        The stream sees the history items inserted again: they go back marked `restored` (the
        aggregator counted them when they arrived, and the day, reason, domain, source and send
        figures never took them off) and without the change they told the address totals
        (`totals_change`); the counter, where it is restored, is counted back into the totals
        in its own write."""
        requests = [{"PutRequest": {"Item": _as_restored(i)}} for i in archive.records]
        restored = batch_write(client(), table_name(), requests, self._retry)
        conflicts = 0
        counter = archive.head.get("counter", {}).get("Item")
        if counter is not None:
            if self._restore_counter(job.tenant, counter):
                restored += 1
            else:
                conflicts += 1  # a bounce since the delete made a newer counter: keep it
        if job.remove_emails:
            before = archive.head.get("suppression", {}).get("Item")
            if before is not None:
                client().put_item(TableName=table_name(), Item=before)
            elif counter is not None:
                address = counter["address"]["S"]
                key = item_key(keys.suppression_pk(job.tenant), address)
                _delete_if(key, "job_id", job.job_id)
        return RestoreOutcome(restored, conflicts)

    def _restore_counter(self, tenant: str, raw: dict[str, Any]) -> bool:
        """Restore an archived counter unless a newer one took its key (False: that one was
        counted by its own first bounce), and count it back into the tenant's address totals
        in the same transaction (a repeated undo finds it restored and adds nothing)."""
        counter = AddressCounterItem.from_raw_data(raw)
        back = AddressTotals.of(counter.category, counter.state == AddressState.SUPPRESSED)
        for attempt in range(self._retry.attempts):
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(counter, condition=AddressCounterItem.pk.does_not_exist())
                    tx.update(totals_item(tenant), totals_actions(back))
            except TransactWriteError as error:
                if cancellation_reasons(error)[:1] == [_CONDITION]:
                    return False
                if not worth_retrying(error):
                    raise
                self._retry.pause(attempt)  # the aggregator's run held the totals: again
                continue
            return True
        raise RetryLater("the address totals stayed contended; run undo again")


def _as_restored(item: dict[str, Any]) -> dict[str, Any]:
    """An archived item as undo writes it back: a history entry marked restored, without its
    totals change (markers have neither)."""
    if not item.get("sk", {}).get("S", "").startswith(keys.HISTORY_SK_PREFIX):
        return item
    kept = {k: v for k, v in item.items() if k != BounceHistoryItem.totals_change.attr_name}
    return {**kept, BounceHistoryItem.restored.attr_name: {"BOOL": True}}


def _delete_if(key: ItemKey, attribute: str, value: str) -> bool:
    """Delete one item when `attribute` equals `value`."""
    try:
        client().delete_item(
            TableName=table_name(),
            Key=key,
            ConditionExpression="#a = :v",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": {"S": value}},
        )
    except ClientError as error:
        if condition_failed(error):
            return False
        raise
    return True


def batch_write(
    dynamodb: Any,
    table: str,
    requests: Sequence[dict[str, Any]],
    retry: RetryPolicy = DEFAULT_RETRY,
) -> int:
    """BatchWriteItem in chunks of 25; UnprocessedItems and throttling errors are retried with
    the one retry policy. Returns how many requests were written."""
    written = 0
    for start in range(0, len(requests), BATCH_SIZE):
        pending = list(requests[start : start + BATCH_SIZE])
        for attempt in range(retry.attempts):
            try:
                response = dynamodb.batch_write_item(RequestItems={table: pending})
            except ClientError as error:
                if error_code(error) not in RETRYABLE_CODES:
                    raise
                retry.pause(attempt)
                continue
            unprocessed = response.get("UnprocessedItems", {}).get(table, [])
            written += len(pending) - len(unprocessed)
            if not unprocessed:
                break
            pending = unprocessed
            retry.pause(attempt)
        else:
            raise RetryLater(f"{len(pending)} items stayed unprocessed; run undo again")
    return written


# -- the chunk workers' reads and writes --------------------------------------------------------


def _reasons(error: ClientError) -> list[str]:
    """TransactWriteItems' cancellation reason per item, in item order ("None" when that item
    did not cause it)."""
    found = error.response.get("CancellationReasons") or []
    return [str(r.get("Code") or "None") for r in found]


_CONTENDED = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
_CONDITION = "ConditionalCheckFailed"


class ChunkRepository:
    """The ChunkStore port on the single table: per-address markers and claims (the keys come
    from the plan entry, built by JobRepository.address_keys) and per-chunk results."""

    def __init__(
        self, retry: RetryPolicy = DEFAULT_RETRY, retention: RetentionSettings = DEFAULT_RETENTION
    ) -> None:
        self._retry = retry
        self._retention = retention

    def _expires_at(self) -> int:
        """Markers and chunk results are kept as long as their job (the job item's days)."""
        return expires_at(datetime.now(UTC), self._retention.job_days)

    def marker(self, key: ItemKey) -> Marker | None:
        raw = self.raw_item(key)
        if raw is None:
            return None
        return _marker(MassDeleteMarkerItem.from_raw_data(raw))

    def raw_item(self, key: ItemKey) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (
            client().get_item(TableName=table_name(), Key=key, ConsistentRead=True).get("Item")
        )
        return found

    def partition_pages(self, partition: str, page_size: int) -> Iterator[list[dict[str, Any]]]:
        request: dict[str, Any] = {
            "TableName": table_name(),
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ConsistentRead": True,
            "Limit": page_size,
        }
        while True:
            page = client().query(**request)
            if page["Items"]:
                yield page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(self, entry: dict[str, Any], keys: Sequence[ItemKey], pages: int) -> Claim:
        marker = MassDeleteMarkerItem(
            entry["marker_key"]["pk"]["S"],
            entry["marker_key"]["sk"]["S"],
            address=entry["address"],
            stage="deleting",
            pages=pages,
            records=len(keys),
            keys=json.dumps(list(keys), separators=(",", ":")),
            archive_prefix=entry["archive_prefix"],
            expires_at=self._expires_at(),
        ).serialize()
        items = [
            {
                "Delete": {
                    "TableName": table_name(),
                    "Key": entry["counter_key"],
                    "ConditionExpression": "#version = :v",
                    "ExpressionAttributeNames": {"#version": "version"},
                    "ExpressionAttributeValues": {":v": {"N": entry["version"]}},
                }
            },
            {
                "Put": {
                    "TableName": table_name(),
                    "Item": marker,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        for attempt in range(self._retry.attempts):
            try:
                client().transact_write_items(TransactItems=items)
            except ClientError as error:
                outcome = _claim_outcome(error)
                if outcome is not None:
                    return outcome
                self._retry.pause(attempt)  # a concurrent writer or throttling: again
                continue
            return Claim.CLAIMED
        # No address in the message: it becomes the execution's error (history, job item).
        raise RetryLater("an address met a conflict on every attempt; re-run the job")

    def delete_keys(self, keys: Sequence[ItemKey]) -> None:
        requests = [{"DeleteRequest": {"Key": key}} for key in keys]
        batch_write(client(), table_name(), requests, self._retry)

    def suppress(self, entry: dict[str, Any]) -> None:
        key = entry["suppression_key"]
        client().put_item(
            TableName=table_name(),
            Item={
                "pk": key["pk"],
                "sk": key["sk"],
                "address": {"S": entry["address"]},
                "reason": {"S": "removed"},
                "since": {"S": entry["removed_since"]},
                "actor": {"S": entry["actor"]},
                "job_id": {"S": entry["job"]},
            },
        )

    def mark_done(self, key: ItemKey) -> None:
        item = MassDeleteMarkerItem(key["pk"]["S"], key["sk"]["S"])
        a = MassDeleteMarkerItem
        try:
            item.update(
                actions=[a.stage.set("done"), a.outcome.set("deleted"), a.keys.remove()],
                condition=a.stage == "deleting",
            )
        except UpdateError as error:
            if not condition_failed(error):
                raise  # else: another run finished it first (same outcome)

    def mark_skipped(self, key: ItemKey, address: str) -> bool:
        item = MassDeleteMarkerItem(
            key["pk"]["S"],
            key["sk"]["S"],
            address=address,
            stage="done",
            outcome="skipped",
            expires_at=self._expires_at(),
        )
        try:
            item.save(condition=MassDeleteMarkerItem.pk.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def cancel_requested(self, job_key: ItemKey) -> bool:
        found = (
            client()
            .get_item(
                TableName=table_name(),
                Key=job_key,
                ConsistentRead=True,
                ProjectionExpression="cancel_requested",
            )
            .get("Item", {})
        )
        return bool(found.get("cancel_requested", {}).get("BOOL"))

    def put_chunk_result(
        self, tenant: str, job_id: str, chunk: int, progress: Progress, seconds: float | None
    ) -> None:
        a = MassDeleteChunkItem
        item = MassDeleteChunkItem(job_markers_pk(tenant, job_id), chunk_sk(chunk))
        counts: list[Action] = [
            a.chunk.set(chunk),
            a.addresses_done.set(progress.addresses_done),
            a.archived.set(progress.archived),
            a.deleted.set(progress.deleted),
            a.removed.set(progress.removed),
            a.skipped.set(progress.skipped),
            a.updated_at.set(iso(datetime.now(UTC))),
            a.expires_at.set(self._expires_at()),
        ]
        runs: list[Action] = []
        if seconds is not None:  # the end of a run: count it (for the benchmark)
            runs = [a.invocations.add(1), a.seconds.add(round(seconds, 3))]
        # Never lower: a later run recounts from the start, and an earlier (or stalled) run
        # may write after it; the markers make every complete count the same.
        newer = a.pk.does_not_exist() | (a.addresses_done <= progress.addresses_done)
        try:
            item.update(actions=counts + runs, condition=newer)
        except UpdateError as error:
            if not condition_failed(error):
                raise
            if runs:  # a newer count is stored: keep it, count the run all the same
                item.update(actions=[a.chunk.set(chunk), *runs])

    def adjust_totals(self, tenant: str, change: AddressTotals) -> None:
        add_to_totals(tenant, change)

    def chunk_results(self, tenant: str, job_id: str) -> list[ChunkResult]:
        return [
            ChunkResult(
                chunk=int(i.chunk),
                progress=Progress(
                    addresses_done=int(i.addresses_done or 0),
                    archived=int(i.archived or 0),
                    deleted=int(i.deleted or 0),
                    removed=int(i.removed or 0),
                    skipped=int(i.skipped or 0),
                ),
                invocations=int(i.invocations or 0),
                seconds=float(i.seconds or 0),
            )
            for i in MassDeleteChunkItem.query(
                job_markers_pk(tenant, job_id),
                MassDeleteChunkItem.sk.startswith(CHUNK_SK_PREFIX),
                consistent_read=True,
            )
            # Every write sets `chunk`; an item without it is one moto is still creating (it
            # applies an update's actions one by one, visible to a concurrent read; DynamoDB
            # applies them at once). The next read sees it whole.
            if i.chunk is not None
        ]


def _claim_outcome(error: ClientError) -> Claim | None:
    """What a refused claim means: CHANGED (the counter's version moved or it is gone), TAKEN
    (the marker exists), or None for a conflict with a concurrent writer or throttling (try
    again: nothing was written, and it is never taken as done)."""
    code = error_code(error)
    if code != "TransactionCanceledException":
        if code in RETRYABLE_CODES:
            return None
        raise error
    reasons = _reasons(error)
    counter, marker = [*reasons, "None", "None"][:2]
    if marker == _CONDITION:
        return Claim.TAKEN
    if counter == _CONDITION:
        return Claim.CHANGED
    if {counter, marker} - {"None"} <= _CONTENDED:
        return None
    raise error


def _marker(item: MassDeleteMarkerItem) -> Marker:
    """One address's mass-delete marker as the workflow reads it (the keys while deleting)."""
    return Marker(
        address=item.address,
        stage=item.stage,
        outcome=item.outcome or "",
        pages=int(item.pages or 0),
        records=int(item.records or 0),
        archive_prefix=item.archive_prefix or "",
        keys=tuple(json.loads(item.keys)) if item.keys else (),
    )
