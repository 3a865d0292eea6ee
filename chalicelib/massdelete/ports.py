"""What the mass-delete service needs from the outside world (adapters in storage/ and aws/;
tests may pass fakes)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.bounces import AddressCounter
from chalicelib.massdelete.keys import AddressKeys, ItemKey
from chalicelib.massdelete.model import AuditEntry, Job, Marker, Policy
from chalicelib.massdelete.states import JobState
from chalicelib.ports import Page, TenantSettings


@dataclass(frozen=True, slots=True)
class Archive:
    """What the workflow archived for one address before deleting it, as stored (opaque here:
    the storage adapter that wrote the keys reads them back)."""

    head: dict[str, Any]  # the counter and the suppression as they were
    records: list[dict[str, Any]]  # history entries and exactly-once markers


@dataclass(frozen=True, slots=True)
class RestoreOutcome:
    restored: int  # records written back
    conflicts: int  # counters not restored because a newer one exists


class AlreadyStarted(Exception):
    """An execution of this name exists: the job (or this run of it) was started before."""


@dataclass(frozen=True, slots=True)
class ExecutionStatus:
    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE
    error: str = ""
    cause: str = ""


class JobStore(Protocol):
    def create_job(self, job: Job) -> None: ...

    def get_job(self, tenant: str, job_id: str) -> Job | None: ...

    def update_job(
        self, tenant: str, job_id: str, expected: Sequence[JobState], **changes: Any
    ) -> bool: ...

    def list_jobs(self, tenant: str, limit: int, cursor: str | None) -> Page[Job]: ...

    def active_jobs(self, tenant: str) -> list[Job]: ...

    def put_audit(self, entry: AuditEntry) -> None: ...

    def list_audit(self, tenant: str, limit: int, cursor: str | None) -> Page[AuditEntry]: ...

    def get_policy(self, tenant: str, default: Policy) -> Policy: ...

    def put_policy(self, tenant: str, policy: Policy) -> None: ...

    def iter_markers(self, tenant: str, job_id: str) -> Iterator[Marker]: ...

    def mark_restored(self, tenant: str, job_id: str, address: str) -> None: ...

    def job_key(self, tenant: str, job_id: str) -> ItemKey: ...

    def address_keys(self, tenant: str, job_id: str, address: str) -> AddressKeys: ...

    def restore_archive(self, job: Job, archive: Archive) -> RestoreOutcome:
        """Put one address's archived records back: history and markers as archived, the
        counter only if no newer one exists, and (when the job removed the address) the
        suppression as it was before the job."""


class CounterSource(Protocol):
    def iter_counters(self, tenant: str) -> Iterator[AddressCounter]: ...

    def get_counter(self, tenant: str, address: str) -> AddressCounter | None: ...


class TenantLookup(Protocol):
    def get_tenant(self, tenant: str) -> TenantSettings | None: ...


class ObjectStore(Protocol):
    def read(self, key: str) -> bytes: ...

    def write(self, key: str, raw: bytes) -> None: ...


class Workflow(Protocol):
    def start(self, name: str, payload: dict[str, Any]) -> str:
        """Start an execution named `name`; its ARN. AlreadyStarted if the name was used."""

    def describe(self, execution_arn: str) -> ExecutionStatus: ...


class EventPublisher(Protocol):
    def publish(self, detail_type: str, details: Sequence[dict[str, Any]]) -> int:
        """Publish one event per detail; how many could not be published."""
