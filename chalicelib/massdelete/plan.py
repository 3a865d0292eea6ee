"""Plans: which records a job deletes, written to S3 for the Distributed Map.

A plan is chunks of entries, one entry per address, each carrying every key its worker needs
(counter, history partition, suppression, progress marker, job item, archive prefix, the
counter's version at plan time); the keys come from storage through the JobStore port (every
key of the table is built in chalicelib/storage/keys.py). Each chunk is its own S3 object
(`plans/<t>/<job>/c<n>.json`), and the plan itself (`plans/<t>/<job>.json`, what the Map's
ItemReader reads) lists the chunks by key only: no address travels through Step Functions'
execution input or history, only chunk numbers and keys.

One chunk is one child execution and one Lambda run (or a few when it runs out of time); they
are packed to at most `MAX_ENTRIES_PER_CHUNK` addresses and `CHUNK_RECORD_BUDGET` records, a
few hundred addresses and well under a minute of work on AWS.
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

# Records (and, below, addresses) one chunk holds: about ten seconds of deleting on AWS
# (BatchWriteItem, 25 per request), so a run rarely needs a second one.
CHUNK_RECORD_BUDGET = 10_000
MAX_ENTRIES_PER_CHUNK = 250
# The most history entries and markers one address may hold: the worker records its keys in
# the progress marker (400 KiB item). A larger address is reported as oversized in the plan and
# skipped by the worker, never half deleted.
MAX_RECORDS_PER_ADDRESS = 1000


def new_job_id(now: datetime) -> str:
    """Sortable by creation time, unique, and a valid execution name ([A-Za-z0-9-_], <= 80)."""
    return f"md-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def plan_key(tenant: str, job_id: str) -> str:
    return f"{PLANS_PREFIX}{tenant}/{job_id}.json"


def chunk_key(tenant: str, job_id: str, chunk: int) -> str:
    return f"{PLANS_PREFIX}{tenant}/{job_id}/c{chunk:06d}.json"


def map_item(tenant: str, job_id: str, job_key: ItemKey, chunk: int) -> dict[str, Any]:
    """One item of the plan (one child execution): where its chunk is, and no address."""
    return {
        "tenant": tenant,
        "job": job_id,
        "job_key": job_key,
        "chunk": chunk,
        "key": chunk_key(tenant, job_id, chunk),
    }


def archive_prefix(tenant: str, job_id: str, address: str) -> str:
    # Hashed: an address may hold characters that are awkward in S3 keys and URLs.
    digest = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"{ARCHIVES_PREFIX}{tenant}/{job_id}/{digest}/"


def records_of(counter: AddressCounter) -> int:
    """Records one address holds: its counter, a history entry per counted bounce and an
    exactly-once marker per counted bounce but the first (whose guard is the counter's creation,
    storage/counters.py)."""
    return 2 * counter.bounce_count


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


def chunk_entries(
    entries: Iterable[dict[str, Any]], budget: int = CHUNK_RECORD_BUDGET
) -> Iterator[dict[str, Any]]:
    """Pack entries into chunks of at most `budget` records (an address larger than the
    budget is a chunk of its own) and `MAX_ENTRIES_PER_CHUNK` addresses."""
    chunk: list[dict[str, Any]] = []
    used = 0
    for entry in entries:
        cost = int(entry["records"])
        if chunk and (used + cost > budget or len(chunk) >= MAX_ENTRIES_PER_CHUNK):
            yield _chunk(chunk)
            chunk, used = [], 0
        chunk.append(entry)
        used += cost
    if chunk:
        yield _chunk(chunk)


def _chunk(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"entries": entries}


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
