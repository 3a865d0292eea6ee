"""The chunk worker: one Lambda run deletes the addresses of one plan chunk (a few hundred), and
the finisher sums the chunks' results into the job's outcome.

Why here and not in the state machine's own states: an address takes about a dozen requests,
and as states that was ~30 state transitions per address (~$0.75 per 1,000 addresses at
STANDARD prices) plus one Pass per record. One Lambda task per chunk is ~3 transitions for
hundreds of addresses. The guarantees stay those of docs/mass-delete.md, per address:

- archive first (the counter, the suppression, every history entry and marker to S3);
- the counter is deleted only if its version is still the planned one, in the same
  transaction that records the keys to delete ("deleting"): a bounce counted since the plan
  keeps its whole address (skipped), and a re-run deletes exactly the recorded keys;
- a conflict with a concurrent writer is retried (ChunkStore.claim), never taken as done;
- the marker turns "done" only after the records are deleted and the address suppressed and
  announced (EmailRemoved), so a crash anywhere resumes without double deletes.

Progress never touches a shared item per address: each chunk writes its own result item with
absolute counts recomputed from its markers (so a re-run writes the same numbers again), and a
job's progress is the sum of its chunks' results (JobStore, ChunkStore.chunk_results).

Nor do the tenant's address totals (storage/totals.py): a run sums the counters it deleted
itself (the claims it won, each once) and takes them off the totals in one update when it ends,
also when it fails. A run killed outright (its Lambda timing out) loses its share; the totals'
reconcile repairs that.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.bounces import AddressState
from chalicelib.massdelete.keys import ItemKey
from chalicelib.massdelete.model import Progress, total
from chalicelib.massdelete.plan import MAX_RECORDS_PER_ADDRESS
from chalicelib.massdelete.ports import ChunkStore, Claim, EventPublisher, JobStore, ObjectStore
from chalicelib.massdelete.states import JobState
from chalicelib.ports import AddressTotals

# Archived records per S3 object (one Query page): undo reads them back page by page.
QUERY_PAGE_SIZE = 100
# A run stops taking new addresses when less than this is left of its Lambda time, and the
# state machine starts another run for the rest of the chunk (the largest address, 1,000
# records, takes a few seconds).
RESERVE_SECONDS = 60.0
# How often a run writes its chunk's result (progress while it runs) and checks for a cancel.
SAVE_SECONDS = 2.0


class EventsNotPublished(Exception):
    """EventBridge refused an EmailRemoved event: the address stays "deleting" and a re-run
    publishes it again."""


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    more: bool  # the run stopped for time; run again for the rest of the chunk
    cancelled: bool
    progress: Progress

    def to_json(self) -> dict[str, Any]:
        return {
            "more": self.more,
            "cancelled": self.cancelled,
            "addresses_done": self.progress.addresses_done,
        }


class ChunkWorker:
    def __init__(
        self,
        *,
        store: ChunkStore,
        objects: ObjectStore,
        events: EventPublisher,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._objects = objects
        self._events = events
        self._monotonic = monotonic

    def run(self, item: dict[str, Any], seconds_left: Callable[[], float]) -> ChunkOutcome:
        """Work through one chunk (a Distributed Map item: tenant, job, job_key, chunk, key)
        until it is done, cancelled, or the run's time is nearly up."""
        entries: list[dict[str, Any]] = json.loads(self._objects.read(item["key"]))["entries"]
        started = saved = self._monotonic()
        progress = Progress()
        removed: list[AddressTotals] = []  # each counter this run deleted (the claims it won)
        more = cancelled = False
        try:
            cancelled = self._store.cancel_requested(item["job_key"])
            for index, entry in enumerate(entries):
                if cancelled:
                    break
                if seconds_left() < RESERVE_SECONDS:
                    more = index < len(entries)
                    break
                progress = progress + self.address(entry, removed)
                if self._monotonic() - saved >= SAVE_SECONDS:
                    self._save(item, progress, None)
                    cancelled = self._store.cancel_requested(item["job_key"])
                    saved = self._monotonic()
        finally:
            # Also when an address failed: the addresses before it are done and count.
            self._store.adjust_totals(item["tenant"], -sum(removed, AddressTotals()))
            self._save(item, progress, self._monotonic() - started)
        return ChunkOutcome(more, cancelled, progress)

    def _save(self, item: dict[str, Any], progress: Progress, seconds: float | None) -> None:
        self._store.put_chunk_result(
            item["tenant"], item["job"], int(item["chunk"]), progress, seconds
        )

    def address(
        self, entry: dict[str, Any], removed: list[AddressTotals] | None = None
    ) -> Progress:
        """One address, from wherever an earlier run left it; what it counts for. The counter,
        when this call deleted it, is added to `removed`."""
        remove = bool(entry["remove"])
        marker = self._store.marker(entry["marker_key"])
        if marker is not None and marker.stage != "deleting":
            return marker.progress(remove)  # done (or restored by an undo): count it again
        if marker is not None:
            keys, records = list(marker.keys), marker.records
        else:
            taken = self._archive_and_claim(entry, [] if removed is None else removed)
            if isinstance(taken, Progress):
                return taken
            keys, records = taken, len(taken)
        self._store.delete_keys(keys)
        if remove:
            self._store.suppress(entry)
            self._announce(entry)
        self._store.mark_done(entry["marker_key"])
        return Progress.deleted_address(records, remove)

    def _archive_and_claim(
        self, entry: dict[str, Any], removed: list[AddressTotals]
    ) -> list[ItemKey] | Progress:
        """Archive the address and take it: the keys to delete, or what it counts for when it
        is kept (changed since the plan, too large) or another run took it."""
        counter = self._store.raw_item(entry["counter_key"])
        if counter is None or counter.get("version", {}).get("N") != entry["version"]:
            return self._skip(entry)
        suppression = self._store.raw_item(entry["suppression_key"])
        prefix = entry["archive_prefix"]
        head = {
            "counter": {"Item": counter},
            "suppression": {"Item": suppression} if suppression else {},
        }
        self._objects.write(f"{prefix}head.json", _json(head))
        keys: list[ItemKey] = []
        pages = 0
        for page in self._store.partition_pages(entry["partition"], QUERY_PAGE_SIZE):
            self._objects.write(f"{prefix}p{pages}.json", _json(page))
            pages += 1
            keys.extend({"pk": i["pk"], "sk": i["sk"]} for i in page)
            if len(keys) > MAX_RECORDS_PER_ADDRESS:
                return self._skip(entry)  # larger than the plan allows: never half deleted
        claim = self._store.claim(entry, keys, pages)
        if claim is Claim.CHANGED:
            return self._skip(entry)
        if claim is Claim.TAKEN:
            return self.address(entry, removed)
        suppressed = counter.get("state", {}).get("S") == AddressState.SUPPRESSED
        removed.append(AddressTotals.of(counter["category"]["S"], suppressed))
        return keys

    def _skip(self, entry: dict[str, Any]) -> Progress:
        if self._store.mark_skipped(entry["marker_key"], entry["address"]):
            return Progress.skipped_address()
        return self.address(entry)  # a marker appeared meanwhile: count what it says

    def _announce(self, entry: dict[str, Any]) -> None:
        detail = {
            "tenant": entry["tenant"],
            "address": entry["address"],
            "job": entry["job"],
            "reason": "mass-delete",
            "idempotency_key": f"{entry['job']}/{entry['address']}",
        }
        if self._events.publish("EmailRemoved", [detail]):
            raise EventsNotPublished(f"EmailRemoved for {entry['job']} was not published")


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class Finished:
    state: JobState
    progress: Progress

    def to_json(self) -> dict[str, Any]:
        return {"state": str(self.state), "addresses_done": self.progress.addresses_done}


def finish(jobs: JobStore, chunks: ChunkStore, tenant: str, job_id: str, now: str) -> Finished:
    """After the Distributed Map: the job's outcome from the sum of its chunks' results.

    Cancelled if a cancel was asked; succeeded when every planned address is done (deleted or
    kept); otherwise failed (a chunk lost without an error must not read as success), and a
    re-run resumes. The sum is stored on the job item with its final state."""
    job = jobs.get_job(tenant, job_id)
    if job is None:
        raise LookupError(f"no mass delete {job_id} for tenant {tenant}")
    progress = total(chunks.chunk_results(tenant, job_id))
    if job.cancel_requested:
        state, error = JobState.CANCELLED, None
    elif progress.addresses_done == job.addresses:
        state, error = JobState.SUCCEEDED, None
    else:
        state = JobState.FAILED
        error = json.dumps(
            {
                "Error": "MassDelete.Incomplete",
                "Cause": f"{progress.addresses_done} of {job.addresses} planned addresses "
                "were done; re-run the job",
            }
        )
    jobs.finish_job(tenant, job_id, state, progress, error=error, now=now)
    return Finished(state, progress)
