"""The tenant's address totals (storage/totals.py) end up equal to a recount of the counters, on
the real DynamoDB Local: bounces counted from several threads with repeats, category changes,
late (older) bounces and suppressions, the stream delivered through an aggregate function that
crashes now and then and then delivered again whole, mark as good, a mass delete and the undo
of part of it, and a forget; before its first reconcile a tenant's readers recount."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.bounces import AddressState
from chalicelib.classification.reasons import Category, Reason
from chalicelib.massdelete.model import Job
from chalicelib.massdelete.ports import Archive
from chalicelib.massdelete.states import JobState
from chalicelib.massdelete.worker import ChunkWorker
from chalicelib.ports import AddressTotals
from chalicelib.storage import totals
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.erasure import ErasureRepository
from chalicelib.storage.items import AddressCounterItem
from chalicelib.storage.jobs import ChunkRepository, JobRepository
from rebound.local.streams import StreamPump
from rebound.samples import sample_event
from tests.fakes import MemoryEvents, MemoryObjects
from tests.integration.helpers import CrashingAggregate, planned_job, stored_plan

pytestmark = [pytest.mark.integration, pytest.mark.dynamodb_local]
TENANT = "riverside"
T0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
KINDS = [
    (Reason.USER_UNKNOWN, Category.HARD, True),
    (Reason.MAILBOX_FULL, Category.MAILBOX_FULL, False),
    (Reason.BLOCKED, Category.BLOCK, False),
    (Reason.EXPIRED, Category.SOFT, False),
    (Reason.SPAM_DETECTED, Category.SPAM_CONTENT, False),
]


def pump(endpoint: str, seed: int, share: float = 0.0) -> None:
    table = AddressCounterItem.Meta.table_name
    crashing = CrashingAggregate(seed, share)
    StreamPump(table, crashing, endpoint_url=endpoint, batch_size=40).drain()
    if share:
        assert crashing.crashes > 0


def bounce_storm(n: int, addresses: int, seed: int, prefix: str = "m") -> None:
    """n bounce events over `addresses` addresses (each bounces in several categories, some
    late), a tenth of them repeats of earlier ones, counted from 6 threads."""
    rng = random.Random(seed)
    events = []
    for i in range(n):
        j = rng.randrange(i) if i and rng.random() < 0.1 else i
        reason, category, hard = KINDS[(j * 7 + j // addresses) % len(KINDS)]
        at = T0 + timedelta(hours=(j * 13) % 97)  # not in arrival order: some arrive late
        events.append(
            sample_event(
                tenant=TENANT,
                address=f"{prefix}{j % addresses:04d}@example.net",
                message_id=f"{prefix}-msg-{j}",
                bounce_at=at,
                received_at=at,
                reason=reason,
                category=category,
                hard=hard,
            )
        )
    repo = CounterRepository()
    threads = [
        threading.Thread(target=lambda mine: [repo.record_bounce(e) for e in mine], args=(part,))
        for part in (events[t::6] for t in range(6))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def mass_delete(addresses: Sequence[str], job_id: str) -> tuple[Job, MemoryObjects]:
    """Plan, chunk and run a mass delete of these addresses (with removal) as the workflow
    does; the job and its archive."""
    repo = CounterRepository()
    counters = [repo.get_counter(TENANT, address) for address in addresses]
    assert None not in counters
    found = [c for c in counters if c is not None]
    _, items, objects = stored_plan(TENANT, job_id, found, 40)
    worker = ChunkWorker(store=ChunkRepository(), objects=objects, events=MemoryEvents())
    for item in items:
        outcome = worker.run(item, lambda: 900.0)
        assert not outcome.more
    job = planned_job(TENANT, job_id, JobState.SUCCEEDED, found, len(items))
    return job, objects


def undo(job: Job, objects: MemoryObjects, addresses: set[str]) -> None:
    """Restore these addresses of the job from its archive, as the service's undo does (one of
    them twice: a repeated undo restores nothing more)."""
    repository = JobRepository()
    markers = [m for m in repository.iter_markers(TENANT, job.job_id) if m.address in addresses]
    assert len(markers) == len(addresses)
    for marker in [*markers, markers[0]]:
        prefix = marker.archive_prefix
        head = json.loads(objects.read(f"{prefix}head.json"))
        records = [
            record
            for page in range(marker.pages)
            for record in json.loads(objects.read(f"{prefix}p{page}.json"))
        ]
        repository.restore_archive(job, Archive(head, records))


def assert_kept_equal_recount() -> AddressTotals:
    repo = CounterRepository()
    kept = totals.read_totals(TENANT)
    recounted = repo.recount_totals(TENANT)
    assert kept == recounted
    assert repo.address_totals(TENANT) == recounted
    return recounted


@pytest.mark.usefixtures("dynamodb_local_table")
def test_totals_equal_the_recount_through_everything_that_changes_addresses(
    dynamodb_local_endpoint: str,
) -> None:
    repo = CounterRepository()
    # A tenant with addresses before its totals were reconciled: its readers recount.
    bounce_storm(300, addresses=80, seed=1, prefix="old")
    pump(dynamodb_local_endpoint, seed=1)
    assert totals.read_totals(TENANT) is None
    before = repo.address_totals(TENANT)
    assert before == repo.recount_totals(TENANT)
    assert before.addresses == 80
    # The backfill: recount and rewrite. From now on one item answers.
    kept_before, recounted = repo.reconcile_totals(TENANT)
    assert kept_before is None
    assert recounted == before
    assert_kept_equal_recount()

    # Many bounces: repeats, category changes, late bounces, suppressions; the stream through
    # a crashing aggregate function, then delivered whole once more.
    bounce_storm(900, addresses=150, seed=2)
    pump(dynamodb_local_endpoint, seed=3, share=0.3)
    pump(dynamodb_local_endpoint, seed=4)
    now = assert_kept_equal_recount()
    assert now.addresses == 230
    assert len(now.categories) >= 4  # addresses ended in several categories
    assert 0 < now.suppressed < now.addresses

    # Mark as good: suppressed ones (and an active one, which changes no total); some of them
    # bounce hard again and are suppressed again (through the stream).
    counters = list(repo.iter_counters(TENANT))
    suppressed = [c.address for c in counters if c.state is AddressState.SUPPRESSED]
    active = [c.address for c in counters if c.state is AddressState.ACTIVE]
    assert len(suppressed) >= 20 and active
    for address in [*suppressed[:20], active[0]]:
        assert repo.reactivate(TENANT, address) is not None
    assert_kept_equal_recount()
    for n, address in enumerate(suppressed[:5]):
        at = T0 + timedelta(days=10, minutes=n)
        repo.record_bounce(
            sample_event(tenant=TENANT, address=address, message_id=f"again-{n}", bounce_at=at)
        )
    pump(dynamodb_local_endpoint, seed=5)
    after_good = assert_kept_equal_recount()
    assert after_good.suppressed == now.suppressed - 20 + 5

    # A mass delete of 60 addresses, then the undo of 25 of them.
    doomed = sorted(c.address for c in counters)[:60]
    job, objects = mass_delete(doomed, "md-20261126090000-00000001")
    deleted = assert_kept_equal_recount()
    assert deleted.addresses == after_good.addresses - 60
    days_before = CounterRepository().daily_totals(TENANT, "2000-01-01", "2999-12-31")
    undo(job, objects, set(doomed[:25]))
    pump(dynamodb_local_endpoint, seed=6)  # the restored history items reach the stream
    restored = assert_kept_equal_recount()
    assert restored.addresses == deleted.addresses + 25
    # Counted when they arrived: the day figures do not count them again.
    assert CounterRepository().daily_totals(TENANT, "2000-01-01", "2999-12-31") == days_before

    # Forget two addresses (one of them twice: the second finds nothing to take off).
    eraser = ErasureRepository()
    gone = [doomed[0], doomed[-1]]
    for address in [*gone, gone[0]]:
        eraser.erase_address(TENANT, address)
    final = assert_kept_equal_recount()
    assert final.addresses == restored.addresses - 1  # doomed[-1] was deleted already

    # New bounces for deleted and forgotten addresses: new addresses again.
    for n, address in enumerate([*gone, doomed[40]]):
        at = T0 + timedelta(days=20, minutes=n)
        repo.record_bounce(
            sample_event(tenant=TENANT, address=address, message_id=f"back-{n}", bounce_at=at)
        )
    pump(dynamodb_local_endpoint, seed=7)
    assert assert_kept_equal_recount().addresses == final.addresses + 3


@pytest.mark.usefixtures("dynamodb_local_table")
def test_reconcile_repairs_drift(dynamodb_local_endpoint: str) -> None:
    repo = CounterRepository()
    bounce_storm(60, addresses=20, seed=9)
    pump(dynamodb_local_endpoint, seed=9)
    repo.reconcile_totals(TENANT)
    truth = assert_kept_equal_recount()
    totals.add_to_totals(TENANT, AddressTotals.of(str(Category.HARD), suppressed=True, addresses=7))
    drifted = totals.read_totals(TENANT)
    assert drifted is not None and drifted.addresses == truth.addresses + 7
    kept, recounted = repo.reconcile_totals(TENANT)
    assert (kept, recounted) == (drifted, truth)
    assert totals.read_totals(TENANT) == truth
