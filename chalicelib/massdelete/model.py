"""The mass-delete domain: a job and its states, the request that creates it, the tenant's
safety policy and the circuit breaker. Pure: no AWS, no storage."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from msgspec import UNSET, UnsetType

from chalicelib.api import models
from chalicelib.errors import BadRequest
from chalicelib.massdelete.states import JobState
from chalicelib.report.filters import BounceFilter

MAX_ADDRESSES = 10_000
SAMPLE_SIZE = 10
_ADDRESS_RE = re.compile(r"^[^@\s]{1,64}@[a-z0-9.-]{1,253}$")


# States in which a job holds the tenant's "one job at a time" slot.
ACTIVE_STATES = frozenset({JobState.APPROVED, JobState.RUNNING})


@dataclass(frozen=True, slots=True)
class Selection:
    """Which addresses: the report's filter, or an explicit list (never both)."""

    filter: BounceFilter | None = None
    addresses: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        if self.filter is not None:
            return {"filter": self.filter.to_json()}
        return {"addresses": list(self.addresses)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Selection:
        if "filter" in data:
            return cls(filter=BounceFilter.from_json(data["filter"]))
        return cls(addresses=tuple(data.get("addresses", ())))

    def describe(self) -> str:
        if self.filter is not None:
            parts = [f"{k}={v}" for k, v in sorted(self.filter.to_json().items())]
            return "filter " + " ".join(parts)
        return f"{len(self.addresses)} listed addresses"


@dataclass(frozen=True, slots=True)
class MassDeleteRequest:
    selection: Selection
    remove_emails: bool = False
    dry_run: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """A tenant's mass-delete safety settings (defaults from the environment)."""

    # Approval by someone other than the requester (staff may always approve).
    require_second_person: bool = False
    # The circuit breaker: beyond this share of the tenant's contacts (the tenant setting
    # contact_count), only staff may approve.
    max_share: float = 0.2
    # When the contact count is unknown: beyond this many addresses, only staff may approve.
    max_addresses: int = 5_000

    def to_json(self) -> dict[str, Any]:
        return {
            "require_second_person": self.require_second_person,
            "max_share": self.max_share,
            "max_addresses": self.max_addresses,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], base: Policy | None = None) -> Policy:
        """Validate a (partial) policy update over `base`; messages say what to fix."""
        base = base or cls()
        unknown = sorted(set(data) - set(base.to_json()))
        if unknown:
            raise BadRequest(f"unknown policy field(s) {', '.join(unknown)}")
        second = data.get("require_second_person", base.require_second_person)
        if not isinstance(second, bool):
            raise BadRequest("require_second_person must be true or false")
        share = data.get("max_share", base.max_share)
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise BadRequest("max_share must be a number above 0 and at most 1, e.g. 0.2")
        cap = data.get("max_addresses", base.max_addresses)
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise BadRequest("max_addresses must be a whole number of at least 0")
        return cls(second, float(share), cap)


def circuit_breaker(selected: int, policy: Policy, contact_count: int | None) -> str:
    """Why this many addresses need staff approval, or "" when they do not. `contact_count` is
    the tenant's (from its settings); None when the MMS has not told us."""
    if contact_count:
        share = selected / contact_count
        if share > policy.max_share:
            return (
                f"removes {selected} of the tenant's {contact_count} contacts ({share:.0%}), "
                f"more than the {policy.max_share:.0%} limit: staff must approve"
            )
        return ""
    if selected > policy.max_addresses:
        return (
            f"removes {selected} addresses, more than the {policy.max_addresses} allowed when "
            "the tenant's contact count is unknown: staff must approve"
        )
    return ""


def normalise_address(raw: object) -> str:
    if not isinstance(raw, str):
        raise BadRequest(f"addresses must be strings, got {raw!r}")
    address = raw.strip().lower()
    if not _ADDRESS_RE.fullmatch(address) or len(address) > 320:
        raise BadRequest(f"{raw!r} is not an email address like ann@example.net")
    return address


def parse_request(body: models.MassDeleteBody) -> MassDeleteRequest:
    """The body of POST .../mass-deletes (already of the right shape), checked for meaning."""
    has_filter, has_list = body.filter is not UNSET, body.addresses is not UNSET
    if has_filter == has_list:
        raise BadRequest('give exactly one of "filter" (the report\'s filters) or "addresses"')
    selection: Selection
    if not isinstance(body.filter, UnsetType):
        bounce_filter = BounceFilter.of(body.filter)
        if bounce_filter.is_empty:
            raise BadRequest(
                'the filter selects every address; say so on purpose with {"min_count": 1}'
            )
        selection = Selection(filter=bounce_filter)
    else:
        raw_list = [] if isinstance(body.addresses, UnsetType) else body.addresses
        addresses = tuple(dict.fromkeys(normalise_address(a) for a in raw_list))
        selection = Selection(addresses=addresses)
    return MassDeleteRequest(selection, body.remove_emails, body.dry_run, body.note)


@dataclass(frozen=True, slots=True)
class Progress:
    """What the workflow has done: one address, one chunk's result, or a job's sum of them."""

    addresses_done: int = 0
    archived: int = 0
    deleted: int = 0
    removed: int = 0
    skipped: int = 0

    def __add__(self, other: Progress) -> Progress:
        return Progress(
            self.addresses_done + other.addresses_done,
            self.archived + other.archived,
            self.deleted + other.deleted,
            self.removed + other.removed,
            self.skipped + other.skipped,
        )

    @classmethod
    def deleted_address(cls, records: int, removed: bool) -> Progress:
        """One address deleted: its `records` history entries and markers, and its counter."""
        return cls(1, records + 1, records + 1, 1 if removed else 0, 0)

    @classmethod
    def skipped_address(cls) -> Progress:
        return cls(addresses_done=1, skipped=1)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """One chunk's result as its worker last wrote it (absolute counts, never increments)."""

    chunk: int
    progress: Progress
    invocations: int = 0  # worker runs over this chunk, all runs of the job together
    seconds: float = 0.0  # worker time over this chunk, likewise


def total(results: list[ChunkResult]) -> Progress:
    """A job's progress: the sum of its chunks' results."""
    found = Progress()
    for result in results:
        found = found + result.progress
    return found


@dataclass(frozen=True, slots=True)
class Job:
    """One mass delete of one tenant, from plan to outcome (and undo)."""

    tenant: str
    job_id: str
    state: JobState
    created_at: str
    requested_by: str
    selection: dict[str, Any]
    remove_emails: bool
    dry_run: bool
    addresses: int
    records: int
    sample: tuple[str, ...]
    plan_key: str
    chunks: int = 0
    not_found: int = 0
    oversized: int = 0  # addresses too large for the workflow: skipped, never half deleted
    note: str = ""
    staff_required: str = ""  # the circuit breaker's reason, when it tripped
    # The figures the plan was made with (contact count, policy, who asked), kept with it:
    # a later change of settings can make approval stricter, never looser.
    figures: dict[str, Any] = field(default_factory=dict)
    approved_by: str = ""
    approved_at: str = ""
    started_at: str = ""
    finished_at: str = ""
    execution_arn: str = ""
    runs: int = 0
    cancel_requested: bool = False
    cancelled_by: str = ""
    undone_by: str = ""
    undone_at: str = ""
    restored: int = 0
    restore_conflicts: int = 0
    error: str = ""
    progress: Progress = field(default_factory=Progress)

    def view(self) -> models.MassDeleteJob:
        p = self.progress
        return models.MassDeleteJob(
            id=self.job_id,
            tenant=self.tenant,
            state=self.state,
            dry_run=self.dry_run,
            remove_emails=self.remove_emails,
            selection=self.selection,
            note=self.note,
            selected=models.Selected(addresses=self.addresses, records=self.records),
            not_found=self.not_found,
            oversized=self.oversized,
            sample=list(self.sample),
            staff_approval_required=self.staff_required or None,
            second_person_required=bool(self.figures.get("require_second_person")),
            plan_figures=models.PlanFigures(
                contact_count=self.figures.get("contact_count"),
                max_share=self.figures.get("max_share"),
                max_addresses=self.figures.get("max_addresses"),
                require_second_person=bool(self.figures.get("require_second_person")),
            )
            if self.figures
            else None,
            progress=models.JobProgress(
                addresses=p.addresses_done,
                archived=p.archived,
                deleted=p.deleted,
                removed=p.removed,
                skipped=p.skipped,
            ),
            requested_by=self.requested_by,
            approved_by=self.approved_by or None,
            cancelled_by=self.cancelled_by or None,
            undone_by=self.undone_by or None,
            timings=models.JobTimings(
                created_at=self.created_at,
                approved_at=self.approved_at or None,
                started_at=self.started_at or None,
                finished_at=self.finished_at or None,
                undone_at=self.undone_at or None,
            ),
            cancel_requested=self.cancel_requested,
            runs=self.runs,
            restored=self.restored,
            restore_conflicts=self.restore_conflicts,
            error=self.error or None,
        )


@dataclass(frozen=True, slots=True)
class Marker:
    """The workflow's progress for one address of a job (read by undo)."""

    address: str
    stage: str  # deleting -> done -> restored
    outcome: str  # deleted | skipped
    pages: int  # archive pages p0..p<pages-1>.json under archive_prefix
    records: int
    archive_prefix: str
    keys: tuple[dict[str, Any], ...] = ()  # while "deleting": exactly the keys to delete

    def progress(self, removed: bool) -> Progress:
        """What a finished address counts for (a re-run counts it again from here)."""
        if self.outcome == "skipped":
            return Progress.skipped_address()
        return Progress.deleted_address(self.records, removed)


class AuditAction(StrEnum):
    PLANNED = "planned"
    APPROVED = "approved"
    RERUN = "rerun"
    CANCEL_REQUESTED = "cancel-requested"
    UNDONE = "undone"
    POLICY_CHANGED = "policy-changed"
    REACTIVATED = "reactivated"  # "mark as good" from the report (no job)
    RECHECKED = "rechecked"  # an address re-check asked for (no job)
    CONTACT_COUNT_CHANGED = "contact-count-changed"  # by staff or the sending system
    CONTACT_COUNT_REFUSED = "contact-count-refused"  # someone else tried (403)
    FORGOTTEN = "forgotten"  # one address erased on request (chalicelib/forget.py; no job)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit trail: who did what to which job, when, with what outcome."""

    tenant: str
    at: str
    job_id: str
    action: AuditAction
    actor: str
    detail: dict[str, Any]

    def view(self) -> models.AuditEntry:
        return models.AuditEntry(
            at=self.at, job=self.job_id, action=str(self.action), actor=self.actor, **self.detail
        )
