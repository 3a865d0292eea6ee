"""Plans: which records a job deletes, written to S3 as the Distributed Map's input.

The plan is a JSON array of chunks; one chunk is one child execution of the Distributed Map
and holds the entries of up to a few hundred addresses. Each entry carries every key the
workflow needs for its address (counter, history partition, suppression, progress marker, job
item, archive prefix) because moto's interpreter cannot run an ItemSelector that merges
`$$.Map.Item.Value` with the job's context, and precomputed keys keep the ASL free of string
building. The keys themselves come from storage through the JobStore port (every key of the
table is built in chalicelib/storage/keys.py).

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
from chalicelib.massdelete.keys import AddressKeys, ItemKey

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


def plan_key(tenant: str, job_id: str) -> str:
    return f"{PLANS_PREFIX}{tenant}/{job_id}.json"


def archive_prefix(tenant: str, job_id: str, address: str) -> str:
    # Hashed: an address may hold characters that are awkward in S3 keys and URLs.
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"{ARCHIVES_PREFIX}{tenant}/{job_id}/{digest}/"


def records_of(counter: AddressCounter) -> int:
    """Records one address holds: its counter, and a history entry and an exactly-once marker
    per counted bounce (each count is one transaction writing both)."""
    return 1 + 2 * counter.bounce_count


def plan_entry(
    tenant: str,
    job_id: str,
    counter: AddressCounter,
    keys: AddressKeys,
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
        "partition": keys.partition,
        "counter_key": keys.counter_key,
        "suppression_key": keys.suppression_key,
        "marker_key": keys.marker_key,
        "job_key": keys.job_key,
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
    tenant: str, job_id: str, job_key: ItemKey, started_at: str, concurrency: int = 10
) -> dict[str, Any]:
    return {
        "concurrency": concurrency,
        "tenant": tenant,
        "job": job_id,
        "job_key": job_key,
        "plan_key": plan_key(tenant, job_id),
        "started_at": started_at,
    }
