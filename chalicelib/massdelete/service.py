"""The mass-delete service: plan, approve, follow, cancel, re-run and undo jobs.

Planning happens here (the selection resolved against the tenant's counters, the plan written
to S3, the job and its audit line stored); deleting happens in the state machine, which this
service only starts. Undo runs here, resumably: each call restores for a bounded time and says
how many addresses remain, so a large undo is a few calls rather than one that times out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec import UNSET

from chalicelib.api import models
from chalicelib.bounces import AddressCounter
from chalicelib.errors import Conflict, Forbidden, NotFound, UnknownTenant
from chalicelib.massdelete.model import (
    ACTIVE_STATES,
    SAMPLE_SIZE,
    AuditAction,
    AuditEntry,
    Job,
    Policy,
    Selection,
    circuit_breaker,
    parse_request,
)
from chalicelib.massdelete.plan import (
    CHUNK_RECORD_BUDGET,
    chunk_entries,
    execution_input,
    is_oversized,
    map_item,
    new_job_id,
    plan_entry,
    plan_key,
    records_of,
)
from chalicelib.massdelete.ports import (
    AlreadyStarted,
    Archive,
    CounterSource,
    EventPublisher,
    JobStore,
    ObjectStore,
    TenantLookup,
    Workflow,
)
from chalicelib.massdelete.states import JobState
from chalicelib.tenancy.access import Principal
from chalicelib.tenancy.ids import is_tenant_id
from chalicelib.timefmt import iso

# An explicit list this short is looked up address by address; a longer one is matched while
# reading the tenant's counters once.
DIRECT_LOOKUP_MAX = 200
MAX_LIMIT = 100
FAILED_STATUSES = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
UNDOABLE = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
PLAN_WRITERS = 8  # chunk objects written at once while planning


def _now() -> datetime:
    return datetime.now(UTC)


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


class MassDeleteService:
    def __init__(
        self,
        *,
        jobs: JobStore,
        counters: CounterSource,
        tenants: TenantLookup,
        objects: ObjectStore,
        workflow: Workflow,
        events: EventPublisher,
        default_policy: Policy,
        undo_seconds: float = 20.0,
        concurrency: int = 10,
        chunk_budget: int = CHUNK_RECORD_BUDGET,
        clock: Callable[[], datetime] = _now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._jobs = jobs
        self._counters = counters
        self._tenants = tenants
        self._objects = objects
        self._workflow = workflow
        self._events = events
        self._default_policy = default_policy
        self._undo_seconds = undo_seconds
        self._concurrency = concurrency
        self._chunk_budget = chunk_budget
        self._clock = clock
        self._monotonic = monotonic

    # -- access -----------------------------------------------------------------------------

    def _tenant(self, principal: Principal, tenant: str, *, admin: bool) -> None:
        allowed = principal.can_admin(tenant) if admin else principal.can_read(tenant)
        if not allowed:
            what = "run mass deletes for" if admin else "read mass deletes of"
            raise Forbidden(f"this API key may not {what} tenant {tenant!r} (needs admin or staff)")
        if not is_tenant_id(tenant) or self._tenants.get_tenant(tenant) is None:
            raise UnknownTenant(f"no tenant {tenant!r}")

    def _job(self, tenant: str, job_id: str) -> Job:
        job = self._jobs.get_job(tenant, job_id) if job_id.startswith("md-") else None
        if job is None:
            raise NotFound(f"no mass delete {job_id!r} for tenant {tenant!r}")
        return job

    def _audit(self, job: Job, action: AuditAction, actor: str, **detail: Any) -> None:
        self._jobs.put_audit(
            AuditEntry(job.tenant, iso(self._clock()), job.job_id, action, actor, detail)
        )

    def policy(self, tenant: str) -> Policy:
        return self._jobs.get_policy(tenant, self._default_policy)

    # -- plan -------------------------------------------------------------------------------

    def create(
        self, principal: Principal, tenant: str, body: models.MassDeleteBody
    ) -> models.MassDeleteJob:
        self._tenant(principal, tenant, admin=True)
        request = parse_request(body)
        now = self._clock()
        job_id = new_job_id(now)
        selected, not_found = self._select(tenant, request.selection)
        settings = self._tenants.get_tenant(tenant)
        contact_count = settings.contact_count if settings else None
        policy = self.policy(tenant)
        breaker = circuit_breaker(len(selected), policy, contact_count)
        figures = {
            "contact_count": contact_count,
            **policy.to_json(),
            "requested_by_person": principal.is_person,
        }
        key = plan_key(tenant, job_id)
        chunks = 0
        if not request.dry_run and selected:
            entries = (
                plan_entry(
                    tenant,
                    job_id,
                    c,
                    self._jobs.address_keys(tenant, job_id, c.address),
                    remove=request.remove_emails,
                    actor=principal.actor,
                    removed_since=iso(now),
                )
                for c in selected
            )
            chunks = self._write_plan(tenant, job_id, chunk_entries(entries, self._chunk_budget))
        job = Job(
            tenant=tenant,
            job_id=job_id,
            state=JobState.PLANNED,
            created_at=iso(now),
            requested_by=principal.actor,
            selection=request.selection.to_json(),
            remove_emails=request.remove_emails,
            dry_run=request.dry_run,
            addresses=len(selected),
            records=sum(records_of(c) for c in selected),
            sample=tuple(c.address for c in selected[:SAMPLE_SIZE]),
            plan_key=key if chunks else "",
            chunks=chunks,
            not_found=not_found,
            oversized=sum(1 for c in selected if is_oversized(c)),
            note=request.note,
            staff_required=breaker,
            figures=figures,
        )
        self._jobs.create_job(job)
        self._audit(
            job,
            AuditAction.PLANNED,
            principal.actor,
            selection=job.selection,
            addresses=job.addresses,
            records=job.records,
            dry_run=job.dry_run,
            remove_emails=job.remove_emails,
            staff_approval_required=breaker or None,
            contact_count=contact_count,
        )
        return job.view()

    def _write_plan(self, tenant: str, job_id: str, chunks: Iterable[dict[str, Any]]) -> int:
        """Each chunk to its own object (a few writers at once: a million records are a few
        thousand chunks), then the plan listing them; how many chunks."""
        job_key = self._jobs.job_key(tenant, job_id)
        items: list[dict[str, Any]] = []
        with ThreadPoolExecutor(PLAN_WRITERS) as pool:
            writes = []
            for n, chunk in enumerate(chunks):
                item = map_item(tenant, job_id, job_key, n)
                items.append(item)
                writes.append(pool.submit(self._objects.write, item["key"], _compact(chunk)))
            for write in writes:
                write.result()
        self._objects.write(plan_key(tenant, job_id), _compact(items))
        return len(items)

    def _select(self, tenant: str, selection: Selection) -> tuple[list[AddressCounter], int]:
        """The counters selected (address order) and how many listed addresses had none."""
        if selection.filter is not None:
            f = selection.filter
            return [c for c in self._counters.iter_counters(tenant) if f.matches(c)], 0
        wanted = set(selection.addresses)
        if len(wanted) <= DIRECT_LOOKUP_MAX:
            found = [self._counters.get_counter(tenant, a) for a in sorted(wanted)]
            selected = [c for c in found if c is not None]
        else:
            selected = [c for c in self._counters.iter_counters(tenant) if c.address in wanted]
        return selected, len(wanted) - len(selected)

    # -- approve, re-run, cancel ------------------------------------------------------------

    def approve(self, principal: Principal, tenant: str, job_id: str) -> models.MassDeleteJob:
        self._tenant(principal, tenant, admin=True)
        job = self._job(tenant, job_id)
        if job.dry_run:
            raise Conflict("a dry run cannot be approved; create the job again without dry_run")
        if job.state is not JobState.PLANNED:
            raise Conflict(f"the job is {job.state}; only a planned job can be approved")
        if job.addresses == 0:
            raise Conflict("the job selected no addresses; there is nothing to approve")
        staff_required = self._staff_required(job)
        if staff_required and not principal.is_staff:
            raise Forbidden(f"circuit breaker: the job {staff_required}")
        self._check_second_person(principal, job)
        self._check_no_other_active(job)
        now = iso(self._clock())
        if not self._jobs.update_job(
            tenant,
            job_id,
            [JobState.PLANNED],
            state=JobState.APPROVED,
            approved_by=principal.actor,
            approved_at=now,
            runs=1,
        ):
            raise Conflict("the job changed while approving it; read it again")
        self._start(job, job.job_id, now)
        self._audit(job, AuditAction.APPROVED, principal.actor, execution=job.job_id)
        return self._job(tenant, job_id).view()

    def _staff_required(self, job: Job) -> str:
        """The plan's circuit breaker, or today's if settings became stricter since: a plan
        keeps the figures it was made with, and nothing loosens them afterwards."""
        if job.staff_required:
            return job.staff_required
        settings = self._tenants.get_tenant(job.tenant)
        contact_count = settings.contact_count if settings else None
        return circuit_breaker(job.addresses, self.policy(job.tenant), contact_count)

    def _check_second_person(self, principal: Principal, job: Job) -> None:
        """Decisions belong to people: when a second person must approve, the approver is a
        signed-in person other than the requester (a machine key is nobody's second pair of
        eyes, and two keys of one person are still one person)."""
        required = job.figures.get("require_second_person") or (
            self.policy(job.tenant).require_second_person
        )
        if not required:
            return
        if not principal.is_person:
            raise Forbidden(
                "this tenant requires a second person: sign in as yourself to approve "
                "(a machine key cannot be the second person)"
            )
        if principal.actor == job.requested_by:
            raise Forbidden(
                "this tenant requires a second person: someone other than the requester "
                f"({job.requested_by}) must approve"
            )

    def _check_no_other_active(self, job: Job) -> None:
        for other in self._jobs.active_jobs(job.tenant):
            if other.job_id != job.job_id:
                raise Conflict(
                    f"mass delete {other.job_id} is {other.state}; one job per tenant runs at "
                    "a time (wait for it or cancel it)"
                )

    def _start(self, job: Job, name: str, now: str) -> None:
        try:
            arn = self._workflow.start(
                name,
                execution_input(
                    job.tenant,
                    job.job_id,
                    self._jobs.job_key(job.tenant, job.job_id),
                    now,
                    self._concurrency,
                ),
            )
        except AlreadyStarted:
            raise Conflict(
                f"execution {name} was started before; a job runs at most once"
            ) from None
        except Exception:
            # Nothing started: hand the job back so it can be approved again.
            self._jobs.update_job(
                job.tenant, job.job_id, [JobState.APPROVED], state=JobState.PLANNED
            )
            raise
        self._jobs.update_job(
            job.tenant, job.job_id, [JobState.APPROVED, JobState.RUNNING], execution_arn=arn
        )

    def rerun(self, principal: Principal, tenant: str, job_id: str) -> models.MassDeleteJob:
        """Start a failed job again: it resumes from the per-address markers."""
        self._tenant(principal, tenant, admin=True)
        job = self._refresh(self._job(tenant, job_id))
        if job.state is not JobState.FAILED:
            raise Conflict(f"the job is {job.state}; only a failed job can be re-run")
        if job.staff_required and not principal.is_staff:
            raise Forbidden(f"circuit breaker: the job {job.staff_required}")
        self._check_no_other_active(job)
        runs = job.runs + 1
        if not self._jobs.update_job(
            tenant, job_id, [JobState.FAILED], state=JobState.APPROVED, runs=runs, error=None
        ):
            raise Conflict("the job changed while starting it again; read it again")
        name = f"{job_id}-run{runs}"
        self._start(job, name, job.started_at or iso(self._clock()))
        self._audit(job, AuditAction.RERUN, principal.actor, execution=name)
        return self._job(tenant, job_id).view()

    def cancel(self, principal: Principal, tenant: str, job_id: str) -> models.MassDeleteJob:
        """Planned or failed: cancelled now. Approved or running: the workflow finishes the
        address in hand, skips the rest and ends as cancelled."""
        self._tenant(principal, tenant, admin=True)
        job = self._refresh(self._job(tenant, job_id))
        now = iso(self._clock())
        if job.state in (JobState.PLANNED, JobState.FAILED):
            done = self._jobs.update_job(
                tenant,
                job_id,
                [job.state],
                state=JobState.CANCELLED,
                cancel_requested=True,
                cancelled_by=principal.actor,
                finished_at=now,
            )
        elif job.state in ACTIVE_STATES:
            done = self._jobs.update_job(
                tenant,
                job_id,
                list(ACTIVE_STATES),
                cancel_requested=True,
                cancelled_by=principal.actor,
            )
        else:
            raise Conflict(f"the job is {job.state}; there is nothing to cancel")
        if not done:
            raise Conflict("the job changed while cancelling it; read it again")
        self._audit(job, AuditAction.CANCEL_REQUESTED, principal.actor, state=str(job.state))
        return self._job(tenant, job_id).view()

    # -- read -------------------------------------------------------------------------------

    def get(self, principal: Principal, tenant: str, job_id: str) -> models.MassDeleteJob:
        self._tenant(principal, tenant, admin=False)
        return self._refresh(self._job(tenant, job_id)).view()

    def _refresh(self, job: Job) -> Job:
        """An execution that ended without reaching its own failure handler (stopped, timed
        out) still leaves the job failed, not running for ever."""
        if job.state not in ACTIVE_STATES or not job.execution_arn:
            return job
        status = self._workflow.describe(job.execution_arn)
        if status.status not in FAILED_STATUSES:
            return job
        error = f"execution {status.status.lower()}: {status.error} {status.cause}".strip()
        self._jobs.update_job(
            job.tenant,
            job.job_id,
            list(ACTIVE_STATES),
            state=JobState.FAILED,
            error=error[:2000],
            finished_at=iso(self._clock()),
        )
        return self._job(job.tenant, job.job_id)

    def list(
        self, principal: Principal, tenant: str, query: models.PageQuery
    ) -> models.MassDeleteJobList:
        self._tenant(principal, tenant, admin=False)
        limit, cursor = query.limit, query.cursor
        page = self._jobs.list_jobs(tenant, limit, cursor)
        return models.MassDeleteJobList(
            items=[j.view() for j in page.items], next_cursor=page.next_cursor
        )

    def audit(self, principal: Principal, tenant: str, query: models.PageQuery) -> models.AuditList:
        self._tenant(principal, tenant, admin=False)
        limit, cursor = query.limit, query.cursor
        page = self._jobs.list_audit(tenant, limit, cursor)
        return models.AuditList(items=[e.view() for e in page.items], next_cursor=page.next_cursor)

    def get_policy(self, principal: Principal, tenant: str) -> models.MassDeletePolicy:
        self._tenant(principal, tenant, admin=False)
        return models.MassDeletePolicy(**self.policy(tenant).to_json())

    def put_policy(
        self, principal: Principal, tenant: str, body: models.MassDeletePolicyPatch
    ) -> models.MassDeletePolicy:
        self._tenant(principal, tenant, admin=True)
        if not principal.is_staff:
            raise Forbidden("only staff may change a tenant's mass-delete policy")
        changes = {k: v for k, v in msgspec.structs.asdict(body).items() if v is not UNSET}
        policy = Policy.from_json(changes, self.policy(tenant))
        self._jobs.put_policy(tenant, policy)
        self._jobs.put_audit(
            AuditEntry(
                tenant,
                iso(self._clock()),
                "-",
                AuditAction.POLICY_CHANGED,
                principal.actor,
                policy.to_json(),
            )
        )
        return models.MassDeletePolicy(**policy.to_json())

    # -- undo -------------------------------------------------------------------------------

    def undo(self, principal: Principal, tenant: str, job_id: str) -> models.MassDeleteUndo:  # noqa: C901 - undo checks state, breaker and deadline per address; split it loses the order
        """Restore what the job deleted, from its archive; bounded time per call."""
        self._tenant(principal, tenant, admin=True)
        job = self._refresh(self._job(tenant, job_id))
        if job.state not in UNDOABLE:
            raise Conflict(
                f"the job is {job.state}; only a succeeded, failed or cancelled job can be undone"
            )
        if job.remove_emails and job.staff_required and not principal.is_staff:
            raise Forbidden(f"circuit breaker: the job {job.staff_required}")
        deadline = self._monotonic() + self._undo_seconds
        restored_addresses = records = conflicts = 0
        remaining = 0
        events: list[dict[str, Any]] = []
        for marker in self._jobs.iter_markers(tenant, job_id):
            if marker.stage not in ("deleting", "done") or marker.outcome == "skipped":
                continue
            if self._monotonic() > deadline:
                remaining += 1
                continue
            restored, conflict = self._restore_address(job, marker.archive_prefix, marker.pages)
            records += restored
            conflicts += conflict
            if job.remove_emails:
                events.append(
                    {
                        "tenant": tenant,
                        "address": marker.address,
                        "job": job_id,
                        "reason": "mass-delete-undone",
                        "idempotency_key": f"{job_id}/{marker.address}/restored",
                    }
                )
            self._jobs.mark_restored(tenant, job_id, marker.address)
            restored_addresses += 1
        if events:
            self._events.publish("EmailRestored", events)
        changes: dict[str, Any] = {
            "restored": job.restored + records,
            "restore_conflicts": job.restore_conflicts + conflicts,
        }
        if remaining == 0:
            changes.update(
                state=JobState.UNDONE, undone_by=principal.actor, undone_at=iso(self._clock())
            )
        if not self._jobs.update_job(tenant, job_id, [job.state], **changes):
            raise Conflict("the job changed while undoing it; read it again")
        if remaining == 0:
            self._audit(
                job,
                AuditAction.UNDONE,
                principal.actor,
                restored=job.restored + records,
                conflicts=job.restore_conflicts + conflicts,
            )
        return models.MassDeleteUndo(
            job=self._job(tenant, job_id).view(),
            undo=models.UndoOutcome(
                addresses_restored=restored_addresses,
                records_restored=records,
                conflicts=conflicts,
                remaining=remaining,
                complete=remaining == 0,
            ),
        )

    def _restore_address(self, job: Job, prefix: str, pages: int) -> tuple[int, int]:
        """Put one address's records back from its archive (see JobStore.restore_archive)."""
        head = json.loads(self._objects.read(f"{prefix}head.json"))
        records: list[dict[str, Any]] = []
        for page in range(pages):
            records.extend(json.loads(self._objects.read(f"{prefix}p{page}.json")))
        outcome = self._jobs.restore_archive(job, Archive(head, records))
        return outcome.restored, outcome.conflicts
