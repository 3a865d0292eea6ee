"""The mass-delete service with in-memory fakes: what happens around the workflow (start
refused or failing, executions that end without the workflow's own failure handler, undo
bounded in time and resumable)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.api.codec import convert
from chalicelib.api.models import MassDeleteBody
from chalicelib.bounces import AddressCounter
from chalicelib.errors import Conflict
from chalicelib.massdelete.keys import AddressKeys, ItemKey
from chalicelib.massdelete.model import AuditEntry, ChunkResult, Job, Marker, Policy, Progress
from chalicelib.massdelete.ports import AlreadyStarted, Archive, ExecutionStatus, RestoreOutcome
from chalicelib.massdelete.service import MassDeleteService
from chalicelib.massdelete.states import JobState
from chalicelib.ports import Page, TenantSettings
from chalicelib.tenancy.access import Principal, Role
from rebound.samples import sample_counter
from tests.fakes import MemoryEvents, MemoryObjects

T = datetime(2026, 11, 20, 9, tzinfo=UTC)
ADMIN = Principal("riverside", "k1", Role.ADMIN)
COUNTER = sample_counter(
    first_bounce_at=T,
    last_bounce_at=T,
    last_received_at=T,
    diagnostic="",
    explanation="",
    remote_mta="",
)


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.audit: list[AuditEntry] = []
        self.markers: list[Marker] = []
        self.restored: list[str] = []
        self.records: list[dict[str, Any]] = []

    def create_job(self, job: Job) -> None:
        self.jobs[job.job_id] = job

    def get_job(self, tenant: str, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def update_job(
        self, tenant: str, job_id: str, expected: Sequence[JobState], **changes: Any
    ) -> bool:
        job = self.jobs[job_id]
        if job.state not in expected:
            return False
        changes = {k: ("" if v is None else v) for k, v in changes.items()}
        self.jobs[job_id] = replace(job, **changes)
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
        job = self.jobs[job_id]
        if job.state is not JobState.RUNNING:
            return False
        self.jobs[job_id] = replace(
            job, state=state, progress=progress, error=error or "", finished_at=now
        )
        return True

    def list_jobs(self, tenant: str, limit: int, cursor: str | None) -> Page[Job]:
        return Page(tuple(self.jobs.values()), None)

    def active_jobs(self, tenant: str) -> list[Job]:
        return [j for j in self.jobs.values() if j.state in (JobState.APPROVED, JobState.RUNNING)]

    def put_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    def list_audit(self, tenant: str, limit: int, cursor: str | None) -> Page[AuditEntry]:
        return Page(tuple(self.audit), None)

    def get_policy(self, tenant: str, default: Policy) -> Policy:
        return default

    def put_policy(self, tenant: str, policy: Policy) -> None: ...

    def iter_markers(self, tenant: str, job_id: str) -> Iterator[Marker]:
        yield from (m for m in self.markers if m.address not in self.restored)

    def mark_restored(self, tenant: str, job_id: str, address: str) -> None:
        self.restored.append(address)

    def job_key(self, tenant: str, job_id: str) -> ItemKey:
        return {"pk": {"S": f"jobs/{tenant}"}, "sk": {"S": job_id}}

    def address_keys(self, tenant: str, job_id: str, address: str) -> AddressKeys:
        key = {"pk": {"S": f"{tenant}/{address}"}, "sk": {"S": "-"}}
        return AddressKeys(f"{tenant}/{address}", key, key, key, self.job_key(tenant, job_id))

    def restore_archive(self, job: Job, archive: Archive) -> RestoreOutcome:
        counter = archive.head.get("counter", {}).get("Item")
        self.records.extend(archive.records + ([counter] if counter else []))
        return RestoreOutcome(len(archive.records) + (1 if counter else 0), 0)


class FakeCounters:
    def iter_counters(self, tenant: str) -> Iterator[AddressCounter]:
        yield COUNTER
        yield replace(COUNTER, address="bob@example.net")

    def get_counter(self, tenant: str, address: str) -> AddressCounter | None:
        return COUNTER if address == COUNTER.address else None


class FakeTenants:
    def get_tenant(self, tenant: str) -> TenantSettings | None:
        return TenantSettings(tenant) if tenant == "riverside" else None


class FakeWorkflow:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.status = ExecutionStatus("RUNNING")
        self.fail_with: Exception | None = None

    def start(self, name: str, payload: dict[str, Any]) -> str:
        if self.fail_with:
            raise self.fail_with
        self.started.append(name)
        return f"arn:execution:{name}"

    def describe(self, execution_arn: str) -> ExecutionStatus:
        return self.status


@pytest.fixture
def parts() -> dict[str, Any]:
    return {
        "jobs": FakeJobs(),
        "objects": MemoryObjects(),
        "workflow": FakeWorkflow(),
        "events": MemoryEvents(),
    }


def service(parts: dict[str, Any], **kw: Any) -> MassDeleteService:
    return MassDeleteService(
        jobs=parts["jobs"],
        counters=FakeCounters(),
        tenants=FakeTenants(),
        objects=parts["objects"],
        workflow=parts["workflow"],
        events=parts["events"],
        default_policy=Policy(),
        clock=lambda: T,
        **kw,
    )


def test_plan_is_written_in_chunks_with_the_selection(parts: dict[str, Any]) -> None:
    job = service(parts).create(
        ADMIN, "riverside", convert({"filter": {"min_count": 1}}, MassDeleteBody)
    )
    objects = parts["objects"].objects
    plan = json.loads(objects[f"plans/riverside/{job.id}.json"])
    assert [item["chunk"] for item in plan] == [0]
    assert "@" not in json.dumps(plan)  # the Map's items: chunk keys, never addresses
    chunks = [json.loads(objects[item["key"]]) for item in plan]
    assert [e["address"] for c in chunks for e in c["entries"]] == [
        "ann@example.net",
        "bob@example.net",
    ]
    assert (job.selected.addresses, job.selected.records) == (2, 4)


def test_a_failed_start_hands_the_job_back(parts: dict[str, Any]) -> None:
    svc = service(parts)
    job = svc.create(
        ADMIN, "riverside", convert({"addresses": ["ann@example.net"]}, MassDeleteBody)
    )
    parts["workflow"].fail_with = RuntimeError("throttled")
    with pytest.raises(RuntimeError):
        svc.approve(ADMIN, "riverside", job.id)
    assert parts["jobs"].jobs[job.id].state is JobState.PLANNED
    parts["workflow"].fail_with = AlreadyStarted(job.id)
    with pytest.raises(Conflict, match="at most once"):
        svc.approve(ADMIN, "riverside", job.id)


def test_an_execution_that_ended_abnormally_fails_the_job(parts: dict[str, Any]) -> None:
    svc = service(parts)
    job = svc.create(
        ADMIN, "riverside", convert({"addresses": ["ann@example.net"]}, MassDeleteBody)
    )
    svc.approve(ADMIN, "riverside", job.id)
    assert svc.get(ADMIN, "riverside", job.id).state == "approved"
    parts["workflow"].status = ExecutionStatus("ABORTED", "States.Timeout", "stopped")
    seen = svc.get(ADMIN, "riverside", job.id)
    assert seen.state == "failed"
    assert "aborted" in (seen.error or "")
    rerun = svc.rerun(ADMIN, "riverside", job.id)
    assert rerun.runs == 2
    assert parts["workflow"].started == [job.id, f"{job.id}-run2"]


def test_undo_is_bounded_in_time_and_resumable(parts: dict[str, Any]) -> None:
    ticks = iter(range(100))
    svc = service(parts, undo_seconds=1.5, monotonic=lambda: float(next(ticks)))
    job = svc.create(
        ADMIN,
        "riverside",
        convert({"filter": {"min_count": 1}, "remove_emails": True}, MassDeleteBody),
    )
    jobs = parts["jobs"]
    jobs.jobs[job.id] = replace(jobs.jobs[job.id], state=JobState.SUCCEEDED)
    for n, address in enumerate(("ann@example.net", "bob@example.net", "cy@example.net")):
        prefix = f"archives/riverside/{job.id}/{n}/"
        jobs.markers.append(Marker(address, "done", "deleted", 1, 2, prefix))
        counter = {"pk": {"S": "T#riverside"}, "address": {"S": address}}
        parts["objects"].write(
            f"{prefix}head.json", json.dumps({"counter": {"Item": counter}}).encode()
        )
        parts["objects"].write(f"{prefix}p0.json", json.dumps([{"pk": {"S": "h"}}] * 2).encode())
    jobs.markers.append(Marker("dee@example.net", "done", "skipped", 0, 0, ""))
    first = svc.undo(ADMIN, "riverside", job.id)
    assert first.undo.complete is False
    assert first.undo.remaining >= 1
    assert first.job.state == "succeeded"
    second = svc.undo(ADMIN, "riverside", job.id)
    while not second.undo.complete:
        second = svc.undo(ADMIN, "riverside", job.id)
    assert second.job.state == "undone"
    assert second.job.restored == 9  # 3 addresses x (2 records + counter)
    assert sorted(jobs.restored) == ["ann@example.net", "bob@example.net", "cy@example.net"]
    restored_events = [d for t, ds in parts["events"].published for d in ds if t == "EmailRestored"]
    assert len(restored_events) == 3


class FakeChunks:
    def __init__(self, *done: int) -> None:
        self.results = [ChunkResult(n, Progress(d, 3 * d, 3 * d, 0, 0)) for n, d in enumerate(done)]

    def chunk_results(self, tenant: str, job_id: str) -> list[ChunkResult]:
        return self.results


def _running(parts: dict[str, Any], **changes: Any) -> Job:
    svc = service(parts)
    view = svc.create(ADMIN, "riverside", convert({"filter": {"min_count": 1}}, MassDeleteBody))
    jobs: FakeJobs = parts["jobs"]
    job = replace(jobs.jobs[view.id], state=JobState.RUNNING, **changes)
    jobs.jobs[view.id] = job
    return job


@pytest.mark.parametrize(
    ("done", "cancel", "state"),
    [
        ((1, 1), False, JobState.SUCCEEDED),
        ((1, 0), False, JobState.FAILED),  # a chunk lost without an error is not success
        ((1, 0), True, JobState.CANCELLED),
    ],
)
def test_finish_judges_the_job_by_the_sum_of_its_chunks(
    parts: dict[str, Any], done: tuple[int, int], cancel: bool, state: JobState
) -> None:
    from chalicelib.massdelete.worker import finish

    job = _running(parts, cancel_requested=cancel)
    assert job.addresses == 2
    outcome = finish(parts["jobs"], FakeChunks(*done), "riverside", job.job_id, "now")
    stored = parts["jobs"].jobs[job.job_id]
    assert outcome.state is stored.state is state
    assert stored.progress.addresses_done == sum(done)
    assert stored.progress.deleted == 3 * sum(done)
    assert ("Incomplete" in stored.error) == (state is JobState.FAILED)
