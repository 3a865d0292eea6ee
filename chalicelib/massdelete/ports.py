"""What the mass-delete service needs from the outside world (adapters in storage/ and aws/;
tests may pass fakes)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from chalicelib.bounces import AddressCounter
from chalicelib.massdelete.keys import AddressKeys, ItemKey
from chalicelib.massdelete.model import AuditEntry, ChunkResult, Job, Marker, Policy, Progress
from chalicelib.massdelete.states import JobState
from chalicelib.ports import AddressTotals, Page, TenantSettings


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
        """A running job's final state, with its progress (the sum of its chunks)."""

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


class Claim(StrEnum):
    """How taking one address for deletion went."""

    CLAIMED = "claimed"  # counter deleted (version as planned), marker "deleting" with the keys
    CHANGED = "changed"  # the counter is gone or its version moved: a bounce arrived, keep all
    TAKEN = "taken"  # a marker exists already: another run got there first, read it


class ChunkStore(Protocol):
    """What one chunk worker reads and writes on the table (DynamoDB JSON for raw items, as
    they go into the archive)."""

    def marker(self, key: ItemKey) -> Marker | None: ...

    def raw_item(self, key: ItemKey) -> dict[str, Any] | None: ...

    def partition_pages(self, partition: str, page_size: int) -> Iterator[list[dict[str, Any]]]:
        """Every item of the address's partition (history and exactly-once markers), in pages."""

    def claim(self, entry: dict[str, Any], keys: Sequence[ItemKey], pages: int) -> Claim:
        """Delete the counter if its version is the planned one and record "deleting" with the
        keys, in one transaction. Retries a conflict with a concurrent writer; never reports
        one as CLAIMED or CHANGED."""

    def delete_keys(self, keys: Sequence[ItemKey]) -> None: ...

    def suppress(self, entry: dict[str, Any]) -> None:
        """The address suppressed (reason "removed", the job's id and actor)."""

    def mark_done(self, key: ItemKey) -> None:
        """ "deleting" -> "done" (outcome deleted); already done is fine."""

    def mark_skipped(self, key: ItemKey, address: str) -> bool:
        """A "done/skipped" marker; False when a marker existed already."""

    def cancel_requested(self, job_key: ItemKey) -> bool: ...

    def put_chunk_result(
        self, tenant: str, job_id: str, chunk: int, progress: Progress, seconds: float | None
    ) -> None:
        """Write one chunk's absolute counts (never lower than what is stored); with `seconds`,
        the end of one worker run that took that long (counted for the benchmark)."""

    def chunk_results(self, tenant: str, job_id: str) -> list[ChunkResult]: ...

    def adjust_totals(self, tenant: str, change: AddressTotals) -> None:
        """Add a change to the tenant's address totals (one update; a run's deleted counters)."""


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
