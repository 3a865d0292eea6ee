"""Exactly once per bounce, on the real DynamoDB Local: the same bounce delivered again by SMTP
(same bytes, a new stored object, other transit headers) counts once, sequentially and from
many threads at once; with a Message-ID and, without one, by the digest of the normalised
message. Distinct bounces of one address still count each."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest

from chalicelib import wiring
from chalicelib.bounces import Disposition
from chalicelib.ingest import IngestConfig, IngestService
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.inbound import InboundRepository
from chalicelib.storage.tenants import TenantRepository
from chalicelib.tenancy.service import ensure_tenant
from tests.fakes import MemoryObjects
from tests.integration.helpers import SETTINGS, bounce

pytestmark = pytest.mark.dynamodb_local
TENANT = "riverside"
ADDRESS = "ann@example.net"
RECEIVED = datetime(2026, 11, 20, 9, 31, tzinfo=UTC)


@pytest.fixture
def ingest(dynamodb_local_table: str) -> tuple[IngestService, MemoryObjects]:
    mail = MemoryObjects()
    tenants = TenantRepository()
    ensure_tenant(tenants, TENANT)
    config = IngestConfig(
        wiring.signing_keys(), SETTINGS.inbound_local_part, SETTINGS.inbound_domain
    )
    return IngestService(CounterRepository(), InboundRepository(), tenants, mail, config), mail


def delivered(raw: bytes, hop: int) -> bytes:
    """The same bounce as another SMTP delivery adds it: one more Received field."""
    return f"Received: from relay{hop}.example.org by mx.example.com; {hop}\n".encode() + raw


def count_of(address: str = ADDRESS) -> int:
    counter = CounterRepository().get_counter(TENANT, address)
    return 0 if counter is None else counter.bounce_count


def deliver_concurrently(service: IngestService, mail: MemoryObjects, raw: bytes, n: int) -> int:
    for i in range(n):
        mail.objects[f"inbound/copy-{i}"] = delivered(raw, i)
    counted: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            counted.append(service.ingest(f"inbound/copy-{i}", RECEIVED).counted)
        except BaseException as error:  # collected: the test fails on any
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return sum(counted)


def test_one_bounce_delivered_twenty_times_counts_once(
    ingest: tuple[IngestService, MemoryObjects],
) -> None:
    service, mail = ingest
    raw = bounce(TENANT, ADDRESS, when=RECEIVED)
    mail.objects["inbound/first"] = raw
    assert service.ingest("inbound/first", RECEIVED).counted == 1
    mail.objects["inbound/again"] = delivered(raw, 1)
    again = service.ingest("inbound/again", RECEIVED)
    assert (again.disposition, again.counted) == (Disposition.COUNTED, 0)
    assert deliver_concurrently(service, mail, raw, 20) == 0
    assert count_of() == 1


def test_concurrent_first_deliveries_count_once(
    ingest: tuple[IngestService, MemoryObjects],
) -> None:
    service, mail = ingest
    raw = bounce(TENANT, ADDRESS, when=RECEIVED)
    assert deliver_concurrently(service, mail, raw, 16) == 1
    assert count_of() == 1


def test_without_message_id_the_normalised_message_is_the_identity(
    ingest: tuple[IngestService, MemoryObjects],
) -> None:
    service, mail = ingest
    raw = re.sub(rb"(?m)^Message-ID:.*\n", b"", bounce(TENANT, ADDRESS, when=RECEIVED))
    assert b"Message-ID" not in raw
    assert deliver_concurrently(service, mail, raw, 12) == 1
    assert count_of() == 1
    # Another bounce for the same address (other text) is another bounce.
    other = raw.replace(b"User unknown", b"No such user")
    mail.objects["inbound/other"] = other
    assert service.ingest("inbound/other", RECEIVED).counted == 1
    assert count_of() == 2


def test_distinct_bounces_of_one_address_count_each(
    ingest: tuple[IngestService, MemoryObjects],
) -> None:
    service, mail = ingest
    for n in range(3):
        mail.objects[f"inbound/{n}"] = bounce(
            TENANT,
            ADDRESS,
            status="4.2.2",
            diagnostic=f"452 4.2.2 mailbox full ({n})",
            when=RECEIVED,
        )
        assert service.ingest(f"inbound/{n}", RECEIVED).counted == 1
    assert count_of() == 3
