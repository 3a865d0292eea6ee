"""The mass-delete chunk workers on the real DynamoDB Local: several chunks at once share no
item (each writes its own markers and its own chunk result, never the job item), a conflict
on an address is retried and never taken as done, a bounce that arrives mid-run keeps its
address, and a job's progress is the sum of its chunk results.

S3 and EventBridge are in-memory here (what matters is the table); the end-to-end run through
the state machine is tests/integration/test_mass_delete_workflow.py."""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import wiring
from chalicelib.errors import RetryLater
from chalicelib.massdelete.model import Job, Progress
from chalicelib.massdelete.states import JobState
from chalicelib.massdelete.worker import ChunkWorker, finish
from chalicelib.storage import core, jobs, keys, totals
from chalicelib.storage.core import RetryPolicy
from chalicelib.storage.items import AddressTotalsItem
from chalicelib.storage.jobs import ChunkRepository, JobRepository
from rebound.samples import sample_event
from tests.fakes import MemoryEvents, MemoryObjects
from tests.integration.helpers import planned_job, seed_counted_bounces, stored_plan

pytestmark = [pytest.mark.integration, pytest.mark.dynamodb_local]

T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
TENANT = "riverside"
NO_WAIT = RetryPolicy(sleep=lambda _: None)


@pytest.fixture
def table(aws: Any, dynamodb_local_table: str) -> str:
    return dynamodb_local_table


def _plan(
    sizes: dict[str, int], job_id: str, budget: int, remove: bool = True
) -> tuple[Job, list[dict[str, Any]], MemoryObjects]:
    """Seed the addresses, plan them as the service does, and store the job (running)."""
    for address, count in sizes.items():
        seed_counted_bounces(TENANT, address, count, T0)
    counters = [c for a in sizes if (c := wiring.counters().get_counter(TENANT, a)) is not None]
    _, items, objects = stored_plan(TENANT, job_id, counters, budget, remove=remove)
    job = planned_job(TENANT, job_id, JobState.RUNNING, counters, len(items), remove=remove)
    JobRepository().create_job(job)
    return job, items, objects


def _worker(
    objects: MemoryObjects, events: MemoryEvents, store: ChunkRepository | None = None
) -> ChunkWorker:
    return ChunkWorker(store=store or ChunkRepository(NO_WAIT), objects=objects, events=events)


def _forever() -> float:
    return 900.0


def _partition(address: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = core.client().query(
        TableName=core.table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": keys.address_pk(TENANT, address)}},
    )["Items"]
    return found


class WriteLog:
    """Every write request the table receives, by thread: which items each worker touched."""

    WRITES = frozenset(
        {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
    )

    def __init__(self) -> None:
        self.items: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self._lock = threading.Lock()

    def record(self, operation: str, params: dict[str, Any]) -> None:
        if operation not in self.WRITES:
            return
        keys: list[dict[str, Any]] = []
        if "Key" in params:
            keys.append(params["Key"])
        if "Item" in params:
            keys.append(params["Item"])
        for action in params.get("TransactItems", []):
            ((_, body),) = action.items()
            keys.append(body.get("Key") or body["Item"])
        for requests in params.get("RequestItems", {}).values():
            for r in requests:
                keys.append(r.get("DeleteRequest", {}).get("Key") or r["PutRequest"]["Item"])
        with self._lock:
            for key in keys:
                self.items[threading.current_thread().name].add((key["pk"]["S"], key["sk"]["S"]))


def test_concurrent_chunks_share_no_item_and_progress_is_their_sum(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = {f"m{n:03d}@example.net": 1 + n % 3 for n in range(48)}
    job, items, objects = _plan(sizes, "md-20261126090000-00000001", budget=30)
    assert len(items) >= 6  # several chunks
    log = WriteLog()
    real = core.client()
    original = real._make_api_call

    def observed(operation: str, params: dict[str, Any]) -> Any:
        log.record(operation, params)
        return original(operation, params)

    monkeypatch.setattr(real, "_make_api_call", observed)
    events = MemoryEvents()
    worker = _worker(objects, events)
    with ThreadPoolExecutor(len(items), thread_name_prefix="chunk") as pool:
        outcomes = list(pool.map(lambda item: worker.run(item, _forever), items))
    monkeypatch.setattr(real, "_make_api_call", original)

    assert all(not o.more and not o.cancelled for o in outcomes)
    # No item was written by two chunks; the job item by none of them. The one exception: the
    # tenant's address totals, one update per chunk run with the counters it deleted.
    job_key = ("T#riverside#MD", f"J#{job.job_id}")
    totals_key = (keys.aggregate_pk(TENANT), keys.TOTALS_SK)
    seen: dict[tuple[str, str], str] = {}
    for thread, written in log.items.items():
        assert job_key not in written
        for key in written - {totals_key}:
            assert seen.setdefault(key, thread) == thread, key
    assert totals.read_totals(TENANT) is None  # never reconciled: only changes are kept
    kept = AddressTotalsItem.get(*totals_key)
    assert (kept.addresses, kept.hard, kept.suppressed) == (-48, -48, -48)
    # Every address deleted and announced once; progress is the sum of the chunk results.
    # counter + a history entry per bounce + a marker per bounce but the first (records_of)
    expected_records = sum(2 * c for c in sizes.values())
    results = ChunkRepository().chunk_results(TENANT, job.job_id)
    assert sorted(r.chunk for r in results) == list(range(len(items)))
    assert all(r.invocations == 1 for r in results)
    running = JobRepository().get_job(TENANT, job.job_id)
    assert running is not None
    assert running.progress == Progress(48, expected_records, expected_records, 48, 0)
    assert sorted(e["address"] for e in events.details()) == sorted(sizes)
    # Markers and chunk results expire with their job (docs/retention.md).
    written = core.client().query(
        TableName=core.table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"T#riverside#MD#{job.job_id}"}},
    )["Items"]
    assert len(written) == 48 + len(items)
    assert all(int(i["expires_at"]["N"]) > datetime.now(UTC).timestamp() for i in written)
    assert list(wiring.counters().iter_counters(TENANT)) == []
    assert all(_partition(a) == [] for a in sizes)

    # The finisher stores the sum with the outcome; running the chunks again changes nothing.
    again = [worker.run(item, _forever) for item in items]
    assert sum(o.progress.addresses_done for o in again) == 48
    done = finish(JobRepository(), ChunkRepository(), TENANT, job.job_id, "2026-11-26T10:00:00Z")
    assert done.state is JobState.SUCCEEDED
    stored = JobRepository().get_job(TENANT, job.job_id)
    assert stored is not None
    assert stored.state is JobState.SUCCEEDED
    assert stored.progress == Progress(48, expected_records, expected_records, 48, 0)
    assert len(events.details()) == 48  # the second pass found every address done


class Conflicts:
    """The table's client, except that claims (TransactWriteItems) are cancelled for a
    conflict with a concurrent transaction the first `times` times."""

    def __init__(self, real: Any, times: int) -> None:
        self.real = real
        self.left = times
        self.claims = 0

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.claims += 1
        if self.left > 0:
            self.left -= 1
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}],
                },
                "TransactWriteItems",
            )
        return self.real.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_a_conflict_is_retried_and_never_taken_as_done(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _job, items, objects = _plan({"ann@example.net": 2}, "md-20261126090000-00000002", 100)
    conflicts = Conflicts(core.client(), times=3)
    monkeypatch.setattr(jobs, "client", lambda: conflicts)
    outcome = _worker(objects, MemoryEvents()).run(items[0], _forever)
    assert conflicts.claims == 4  # three conflicts, then the claim went through
    # 2 history entries and the second bounce's marker (a first bounce has none), the counter
    assert outcome.progress == Progress.deleted_address(3, True)
    assert _partition("ann@example.net") == []


def test_conflicts_on_every_attempt_fail_the_run_and_count_nothing(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = {"ann@example.net": 1, "bob@example.net": 2}
    job, items, objects = _plan(sizes, "md-20261126090000-00000003", 100)
    conflicts = Conflicts(core.client(), times=10**6)
    monkeypatch.setattr(jobs, "client", lambda: conflicts)
    with pytest.raises(RetryLater):
        _worker(objects, MemoryEvents(), ChunkRepository(NO_WAIT)).run(items[0], _forever)
    # Nothing was taken as done: no marker says so, the chunk counts nothing, all is there.
    assert JobRepository().get_job(TENANT, job.job_id).progress == Progress()  # type: ignore[union-attr]
    assert list(JobRepository().iter_markers(TENANT, job.job_id)) == []
    assert len(_partition("ann@example.net")) == 1  # her one bounce's history entry
    # The conflict passes; a re-run finishes with exact counts.
    monkeypatch.setattr(jobs, "client", core.client)
    outcome = _worker(objects, MemoryEvents()).run(items[0], _forever)
    assert outcome.progress.addresses_done == 2
    assert outcome.progress.deleted == 2 + 4  # records_of: 2 per bounce


def test_a_bounce_after_the_archive_keeps_its_address(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _job, items, objects = _plan({"ann@example.net": 2}, "md-20261126090000-00000004", 100)
    store = ChunkRepository(NO_WAIT)
    claim = store.claim

    def bounce_first(entry: dict[str, Any], keys: Any, pages: int) -> Any:
        # A bounce is counted between the archive and the conditional delete.
        wiring.counters().record_bounce(
            sample_event(
                tenant=TENANT,
                address="ann@example.net",
                message_id="late@example.org",
                bounce_at=T0 + timedelta(days=1),
                send_id="send-1",
            )
        )
        return claim(entry, keys, pages)

    monkeypatch.setattr(store, "claim", bounce_first)
    events = MemoryEvents()
    outcome = _worker(objects, events, store).run(items[0], _forever)
    assert outcome.progress == Progress.skipped_address()
    assert events.details() == []
    counter = wiring.counters().get_counter(TENANT, "ann@example.net")
    assert counter is not None and counter.bounce_count == 3
    assert len(_partition("ann@example.net")) == 5  # nothing deleted: 3 entries, 2 markers


def test_a_run_out_of_time_stops_and_the_next_run_goes_on(table: str) -> None:
    sizes = {f"t{n}@example.net": 1 for n in range(5)}
    job, items, objects = _plan(sizes, "md-20261126090000-00000005", 100, remove=False)
    clock = iter([900.0, 900.0, 10.0])
    worker = _worker(objects, MemoryEvents())
    first = worker.run(items[0], lambda: next(clock, 10.0))
    assert first.more and first.progress.addresses_done == 2
    assert JobRepository().get_job(TENANT, job.job_id).progress.addresses_done == 2  # type: ignore[union-attr]
    second = worker.run(items[0], _forever)
    assert not second.more and second.progress.addresses_done == 5
    (result,) = ChunkRepository().chunk_results(TENANT, job.job_id)
    assert (result.progress.addresses_done, result.invocations) == (5, 2)
