"""Which inbound messages ingest keeps an InboundRecord of (ingest.needs_inbound_record): a bounce
counted for one address is on record through its history entry alone, the first delivery and
every SQS redelivery of it; an SMTP duplicate, a legacy bounce counted for several addresses
and everything not counted keep a record. Fakes: the bounce store answers as storage does
(the history entry of each (address, bounce) names the stored message that counted it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from chalicelib.bounces import (
    DEFAULT_POLICY,
    BounceEvent,
    Counting,
    Disposition,
    InboundRecord,
    SuppressionPolicy,
)
from chalicelib.ingest import IngestService, needs_inbound_record
from chalicelib.ports import TenantSettings
from rebound.samples import SampleFailure, dsn
from tests.unit.core.ingest_fakes import CONFIG, FakeInbound, return_path

NOW = datetime(2026, 11, 20, 9, 35, tzinfo=UTC)
ANN, BOB = "ann@example.net", "bob@example.org"


@dataclass
class Fakes(FakeInbound):
    mail: dict[str, bytes] = field(default_factory=dict)
    # (tenant, address, once_key) -> the stored message its history entry names
    history: dict[tuple[str, str, str], str] = field(default_factory=dict)
    observed: list[tuple[InboundRecord, tuple[BounceEvent, ...]]] = field(default_factory=list)
    tenants: dict[str, TenantSettings] = field(default_factory=dict)

    def read(self, key: str) -> bytes:
        return self.mail[key]

    def count_bounce(
        self, event: BounceEvent, policy: SuppressionPolicy = DEFAULT_POLICY
    ) -> Counting:
        key = (event.tenant, event.address, event.once_key)
        if key not in self.history:
            self.history[key] = event.message_id
            return Counting.NEW
        return Counting.REDELIVERED if self.history[key] == event.message_id else Counting.DUPLICATE

    def get_tenant(self, tenant: str) -> TenantSettings | None:
        return self.tenants.get(tenant)

    def observe(self, record: InboundRecord, events: Sequence[BounceEvent]) -> None:
        self.observed.append((record, tuple(events)))


@pytest.fixture
def fakes() -> Fakes:
    f = Fakes()
    f.tenants["riverside"] = TenantSettings("riverside", "Riverside")
    f.tenants["oldtown"] = TenantSettings("oldtown", "Old Town", accept_legacy_untagged=True)
    return f


def _ingest(fakes: Fakes, raw: bytes, key: str) -> InboundRecord:
    fakes.mail[key] = raw
    service = IngestService(
        fakes, fakes, fakes, fakes, CONFIG, clock=lambda: NOW, observers=(fakes,)
    )
    return service.ingest(key, NOW)


def _failure(address: str) -> SampleFailure:
    return SampleFailure(address, "5.1.1", f"550 5.1.1 <{address}>: User unknown")


def _tagged(recipient: str = ANN) -> bytes:
    return dsn(return_path=return_path(recipient), failures=[_failure(recipient)], date=NOW)


def _legacy(*recipients: str) -> bytes:
    """An untagged bounce of legacy tenant oldtown (its X-Rebound-* headers in the original)."""
    raw = dsn(return_path="news@example.com", failures=[_failure(r) for r in recipients], date=NOW)
    return raw.replace(
        b"X-Rebound-Source: broadcast", b"X-Rebound-Tenant: oldtown\r\nX-Rebound-Source: broadcast"
    )


def test_a_bounce_counted_for_one_address_is_on_record_through_its_history_alone(
    fakes: Fakes,
) -> None:
    record = _ingest(fakes, _tagged(), "inbound/m1")
    assert (record.disposition, record.counted) == (Disposition.COUNTED, 1)
    assert fakes.inbound == []
    assert [(t, a, m) for (t, a, _), m in fakes.history.items()] == [("riverside", ANN, "m1")]
    # The observers still hear of it, with the bounce it counted.
    ((observed, events),) = fakes.observed
    assert observed == record and [e.message_id for e in events] == ["m1"]


def test_an_sqs_redelivery_of_a_counted_bounce_writes_no_record_either(fakes: Fakes) -> None:
    _ingest(fakes, _tagged(), "inbound/m1")
    again = _ingest(fakes, _tagged(), "inbound/m1")
    assert (again.disposition, again.counted) == (Disposition.COUNTED, 0)
    assert fakes.inbound == []
    assert fakes.observed[1][1] == ()  # nothing counted twice


def test_an_smtp_duplicate_keeps_its_record_no_history_entry_names_it(fakes: Fakes) -> None:
    raw = _tagged()
    _ingest(fakes, raw, "inbound/m1")
    duplicate = b"Received: from relay.example.org by mx.example.com; retry\r\n" + raw
    record = _ingest(fakes, duplicate, "inbound/m2")
    assert (record.disposition, record.counted) == (Disposition.COUNTED, 0)
    assert fakes.inbound == [record]
    assert (record.message_id, record.s3_key, record.tenant) == ("m2", "inbound/m2", "riverside")
    assert list(fakes.history.values()) == ["m1"]  # the bounce counted once, from m1
    # Named for forget, which finds it by this text (no history entry leads to it).
    assert record.problem == (
        "counted before from another stored message (ann@example.net, tenant riverside)"
    )


def test_a_legacy_bounce_counted_for_two_addresses_keeps_its_record(fakes: Fakes) -> None:
    record = _ingest(fakes, _legacy(ANN, BOB), "inbound/m1")
    assert (record.disposition, record.counted) == (Disposition.COUNTED, 2)
    # Forget reads its recipients to tell whose history may still cite the message.
    assert fakes.inbound == [record]
    assert set(record.recipients) == {ANN, BOB}


def test_a_legacy_duplicate_names_each_member_it_repeats(fakes: Fakes) -> None:
    _ingest(fakes, _legacy(ANN), "inbound/m1")  # ann's bounce, counted
    record = _ingest(fakes, _legacy(ANN, BOB), "inbound/m2")  # another bounce: ann, and bob
    assert (record.counted, fakes.inbound) == (2, [record])  # a new bounce of both, counted
    again = _ingest(fakes, _legacy(ANN, BOB), "inbound/m3")  # that bounce by SMTP again
    assert again.counted == 0 and fakes.inbound == [record, again]
    assert again.problem == (
        "attributed from legacy headers; counted before from another stored message "
        "(ann@example.net, tenant oldtown) (bob@example.org, tenant oldtown)"
    )
    assert record.problem == "attributed from legacy headers"


def test_a_legacy_bounce_counted_for_one_address_is_like_a_tagged_one(fakes: Fakes) -> None:
    record = _ingest(fakes, _legacy(ANN), "inbound/m1")
    assert (record.disposition, record.counted) == (Disposition.COUNTED, 1)
    assert fakes.inbound == []


def test_mail_that_counts_nothing_keeps_its_record(fakes: Fakes) -> None:
    untagged = dsn(return_path="news@example.com", failures=[_failure(ANN)], date=NOW)
    record = _ingest(fakes, untagged, "inbound/m1")
    assert record.disposition is Disposition.QUARANTINED
    assert fakes.inbound == [record]
    assert fakes.history == {}


def _record(disposition: Disposition) -> InboundRecord:
    return InboundRecord("m1", "inbound/m1", NOW, disposition, "bounce", tenant="riverside")


@pytest.mark.parametrize(
    ("disposition", "countings", "needed"),
    [
        (Disposition.COUNTED, [Counting.NEW], False),
        (Disposition.COUNTED, [Counting.REDELIVERED], False),
        (Disposition.COUNTED, [Counting.DUPLICATE], True),
        (Disposition.COUNTED, [Counting.NEW, Counting.NEW], True),
        (Disposition.COUNTED, [Counting.REDELIVERED, Counting.REDELIVERED], True),
        (Disposition.COUNTED, [Counting.NEW, Counting.DUPLICATE], True),
        (Disposition.COUNTED, [], True),
        (Disposition.QUARANTINED, [], True),
        (Disposition.UNPARSED, [], True),
        (Disposition.IGNORED, [], True),
        (Disposition.COMPLAINT, [], True),
    ],
)
def test_the_decision(disposition: Disposition, countings: list[Counting], needed: bool) -> None:
    assert needs_inbound_record(_record(disposition), countings) is needed
