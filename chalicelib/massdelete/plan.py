"""Plans: which records a job deletes, written to S3 as the Distributed Map's input.

The plan is a JSON array of chunks; one chunk is one child execution of the Distributed Map
and holds the entries of up to a few hundred addresses. Each entry carries every key the
workflow needs for its address (counter, history partition, suppression, progress marker, job
item, archive prefix) because moto's interpreter cannot run an ItemSelector that merges
`$$.Map.Item.Value` with the job's context, and precomputed keys keep the ASL free of string
building (keys are built here and in chalicelib/storage/keys.py only).

Chunks are packed by an estimate of the history events their child execution will write, so no
child comes near Step Functions' 25,000-event limit whatever the address sizes are.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from chalicelib.bounces import AddressCounter
from chalicelib.storage import keys

JOB_SCOPE = "MD"  # T#<tenant>#MD: jobs, audit trail and policy of one tenant
PLANS_PREFIX = "plans/"
ARCHIVES_PREFIX = "archives/"

# History events of one child execution, estimated (measured shapes: ~2 per Pass/Choice,
# ~5 per Task, ~4 per inline Map iteration); kept well below the 25,000 hard limit.
CHILD_EVENT_BUDGET = 12_000
EVENTS_PER_ADDRESS = 110  # the fixed states of one address, remove_emails included
EVENTS_PER_RECORD = 6  # its DeleteRequest Pass inside the batch Map, and its batch's share
MAX_ENTRIES_PER_CHUNK = 250
# The most history entries and markers one address may hold: the workflow carries its keys in
# the state and in the progress marker (infra/constructs/mass_delete.py MAX_KEYS, kept equal by
# a test). A larger address is reported as oversized in the plan and skipped by the workflow.
MAX_RECORDS_PER_ADDRESS = 1000


def new_job_id(now: datetime) -> str:
    """Sortable by creation time, unique, and a valid execution name ([A-Za-z0-9-_], <= 80)."""
    return f"md-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def jobs_pk(tenant: str) -> str:
    return f"{keys.tenant_pk(tenant)}#{JOB_SCOPE}"


def job_sk(job_id: str) -> str:
    return f"J#{job_id}"


def audit_sk(at: str, job_id: str, action: str) -> str:
    return f"L#{at}#{job_id}#{action}"


POLICY_SK = "POLICY"


def markers_pk(tenant: str, job_id: str) -> str:
    """One progress marker per address of one job (written by the workflow)."""
    return f"{jobs_pk(tenant)}#{job_id}"


def marker_sk(address: str) -> str:
    return f"A#{address}"


def plan_key(tenant: str, job_id: str) -> str:
    return f"{PLANS_PREFIX}{tenant}/{job_id}.json"


def archive_prefix(tenant: str, job_id: str, address: str) -> str:
    # Hashed: an address may hold characters that are awkward in S3 keys and URLs.
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"{ARCHIVES_PREFIX}{tenant}/{job_id}/{digest}/"


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def job_key(tenant: str, job_id: str) -> dict[str, dict[str, str]]:
    return _key(jobs_pk(tenant), job_sk(job_id))


def records_of(counter: AddressCounter) -> int:
    """Records one address holds: its counter, and a history entry and an exactly-once marker
    per counted bounce (each count is one transaction writing both)."""
    return 1 + 2 * counter.bounce_count


def plan_entry(
    tenant: str,
    job_id: str,
    counter: AddressCounter,
    *,
    remove: bool,
    actor: str,
    removed_since: str,
) -> dict[str, Any]:
    """Everything the workflow needs for one address (see the module docstring)."""
    address = counter.address
    return {
        "tenant": tenant,
        "job": job_id,
        "address": address,
        "version": str(counter.version),
        "records": records_of(counter),
        "remove": remove,
        "removed_n": "1" if remove else "0",
        "actor": actor,
        "removed_since": removed_since,
        "partition": keys.address_pk(tenant, address),
        "counter_key": _key(keys.tenant_pk(tenant), keys.counter_sk(address)),
        "suppression_key": _key(keys.suppression_pk(tenant), address),
        "marker_key": _key(markers_pk(tenant, job_id), marker_sk(address)),
        "job_key": job_key(tenant, job_id),
        "archive_prefix": archive_prefix(tenant, job_id, address),
    }


def is_oversized(counter: AddressCounter) -> bool:
    return records_of(counter) - 1 > MAX_RECORDS_PER_ADDRESS


def estimated_events(entry: dict[str, Any]) -> int:
    return EVENTS_PER_ADDRESS + EVENTS_PER_RECORD * int(entry["records"])


def chunk_entries(
    entries: Iterable[dict[str, Any]], budget: int = CHILD_EVENT_BUDGET
) -> Iterator[dict[str, Any]]:
    """Pack entries into chunks whose estimated history stays within `budget` events."""
    chunk: list[dict[str, Any]] = []
    used = 0
    for entry in entries:
        cost = estimated_events(entry)
        if chunk and (used + cost > budget or len(chunk) >= MAX_ENTRIES_PER_CHUNK):
            yield _chunk(chunk)
            chunk, used = [], 0
        chunk.append(entry)
        used += cost
    if chunk:
        yield _chunk(chunk)


def _chunk(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"job_key": entries[0]["job_key"], "entries": entries}


def execution_input(
    tenant: str, job_id: str, started_at: str, concurrency: int = 10
) -> dict[str, Any]:
    return {
        "concurrency": concurrency,
        "tenant": tenant,
        "job": job_id,
        "job_key": job_key(tenant, job_id),
        "plan_key": plan_key(tenant, job_id),
        "started_at": started_at,
    }
