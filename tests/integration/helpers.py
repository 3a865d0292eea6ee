"""Helpers for integration tests: tenants, keys, tagged bounces into the bucket, delivery."""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import boto3

from chalicelib import wiring
from chalicelib.bounces import AddressCounter
from chalicelib.config import Settings
from chalicelib.massdelete.model import Job
from chalicelib.massdelete.plan import chunk_entries, map_item, plan_entry, records_of
from chalicelib.massdelete.states import JobState
from chalicelib.storage.aggregate import StreamAggregator
from chalicelib.storage.jobs import JobRepository
from chalicelib.tenancy.access import Role
from chalicelib.tenancy.ids import Source
from chalicelib.tenancy.service import create_key, ensure_tenant
from chalicelib.tenancy.tags import make_return_path
from rebound.samples import SampleFailure, dsn
from tests.fakes import MemoryObjects

SETTINGS = Settings.from_env()


def setup_tenant(tenant: str, legacy: bool = False) -> dict[str, str]:
    store = wiring.tenants()
    ensure_tenant(store, tenant, legacy=legacy)
    return {
        "viewer": create_key(store, tenant, Role.VIEWER),
        "admin": create_key(store, tenant, Role.ADMIN),
    }


def staff_key() -> str:
    return create_key(wiring.tenants(), None, Role.STAFF)


def return_path(
    tenant: str,
    recipient: str,
    send_id: str = "send-1",
    source: Source = Source.BROADCAST,
    expires_on: date = date(2099, 1, 1),
) -> str:
    return make_return_path(
        wiring.signing_keys(),
        local_part=SETTINGS.inbound_local_part,
        domain=SETTINGS.inbound_domain,
        tenant=tenant,
        source=source,
        send_id=send_id,
        recipient=recipient,
        expires_on=expires_on,
    )


def bounce(
    tenant: str,
    recipient: str,
    status: str = "5.1.1",
    diagnostic: str = "550 5.1.1 <{r}>: Recipient address rejected: User unknown",
    when: datetime | None = None,
    **kwargs: Any,
) -> bytes:
    return dsn(
        return_path=return_path(tenant, recipient, **kwargs),
        failures=[SampleFailure(recipient, status, diagnostic.format(r=recipient))],
        date=when or datetime.now(UTC),
    )


def put_inbound(raw: bytes, message_id: str | None = None) -> str:
    key = f"{SETTINGS.inbound_prefix}{message_id or uuid.uuid4().hex}"
    boto3.client("s3").put_object(Bucket=SETTINGS.bucket_name, Key=key, Body=raw)
    return key


def run_concurrently(write: Callable[[int], None], n: int) -> list[BaseException]:
    """Run write(0) .. write(n - 1) on n threads at once; the errors they raised."""
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            write(i)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- mass delete ---------------------------------------------------------------------------


def seed_counted_bounces(tenant: str, address: str, count: int, start: datetime) -> None:
    """Count `count` hard bounces for one address straight through the repository (fast: no
    mail parsing), exactly as ingest would."""
    from datetime import timedelta

    from rebound.samples import sample_event

    repository = wiring.counters()
    for n in range(count):
        at = start + timedelta(minutes=n)
        repository.record_bounce(
            sample_event(
                tenant=tenant,
                address=address,
                message_id=f"{address}-{n}-{uuid.uuid4().hex[:8]}",
                bounce_at=at,
                send_id="send-1",
            )
        )


# -- people (Cognito in moto) ----------------------------------------------------------------

PASSWORD = "Correct-Horse-42"


def people_tokens(people: dict[str, tuple[str, Role, str | None]]) -> dict[str, str]:
    """Provision the user pool, create these people (name -> (username, role, tenant)), sign
    each in as the page does, and point the API at the pool; their access tokens by name."""
    from chalicelib.config import settings
    from rebound.people import create_person, provision_people, sign_in

    tenants = sorted({t for _, _, t in people.values() if t})
    pool = provision_people(SETTINGS.region, tenants)
    for cached in (settings, wiring.token_verifier, wiring.person_directory):
        cached.cache_clear()
    tokens = {}
    for name, (username, role, tenant) in people.items():
        create_person(
            pool.region, pool.user_pool_id, username, role=role, tenant=tenant, password=PASSWORD
        )
        tokens[name] = str(sign_in(pool, username, PASSWORD)["AccessToken"])
    return tokens


def aggregate() -> int:
    """Deliver the table's stream to the aggregate function, as its event-source mapping
    does within a second of a write (a fresh reader from the stream's start: the aggregator is
    idempotent, so records it saw before change nothing)."""
    import app as chalice_app
    from chalicelib.storage.items import AddressCounterItem
    from rebound.local.streams import StreamPump

    meta = AddressCounterItem.Meta
    pump = StreamPump(meta.table_name, chalice_app.aggregate, endpoint_url=meta.host)
    return pump.drain()


class CrashingAggregate:
    """The aggregate function, crashing on a share of its invocations: before it applies
    anything, or after it applied the first part of the batch (a timeout mid-batch)."""

    def __init__(self, seed: int, share: float) -> None:
        self._aggregator = StreamAggregator()
        self._rng = random.Random(seed)
        self._share = share
        self.crashes = 0

    def __call__(self, event: Mapping[str, Any], context: object) -> None:
        records: Sequence[Mapping[str, Any]] = event["Records"]
        if self._rng.random() < self._share:
            self.crashes += 1
            if self._rng.random() < 0.5:
                self._aggregator.apply(records[: len(records) // 2])
            raise RuntimeError("injected crash")
        self._aggregator.apply(records)


MASS_DELETE_BY = "riverside/k1"


def stored_plan(
    tenant: str, job_id: str, counters: Sequence[AddressCounter], budget: int, remove: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], MemoryObjects]:
    """A mass delete of these addresses planned as the service plans it, its chunks stored where
    the workflow reads them: the plan's entries, one map item per chunk, and the store."""
    repository = JobRepository()
    entries = [
        plan_entry(
            tenant,
            job_id,
            counter,
            repository.address_keys(tenant, job_id, counter.address),
            remove=remove,
            actor=MASS_DELETE_BY,
            removed_since="2026-11-26T09:00:00Z",
        )
        for counter in counters
    ]
    objects = MemoryObjects()
    items = []
    for n, chunk in enumerate(chunk_entries(entries, budget)):
        item = map_item(tenant, job_id, repository.job_key(tenant, job_id), n)
        objects.write(item["key"], json.dumps(chunk).encode())
        items.append(item)
    return entries, items, objects


def planned_job(
    tenant: str,
    job_id: str,
    state: JobState,
    counters: Sequence[AddressCounter],
    chunks: int,
    remove: bool = True,
) -> Job:
    """The job of `stored_plan`'s plan, in `state`."""
    return Job(
        tenant=tenant,
        job_id=job_id,
        state=state,
        created_at="2026-11-26T09:00:00Z",
        requested_by=MASS_DELETE_BY,
        selection={"filter": {"min_count": 1}},
        remove_emails=remove,
        dry_run=False,
        addresses=len(counters),
        records=sum(records_of(c) for c in counters),
        sample=(),
        plan_key=f"plans/{tenant}/{job_id}.json",
        chunks=chunks,
    )
