"""Complaint storage on moto AND the real DynamoDB Local: recorded exactly once with the day's
and the send's tallies in one transaction, a suppression made earlier (or meanwhile) never
overwritten, concurrent complaints on one send all counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.bounces import Suppression, SuppressionReason
from chalicelib.complaints import ComplaintEvent
from chalicelib.storage import complaints as complaint_storage
from chalicelib.storage.complaints import ComplaintRepository
from chalicelib.storage.counters import CounterRepository, _suppression_item
from chalicelib.storage.notify import NotifyRepository
from tests.integration.helpers import run_concurrently

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["moto", pytest.param("dynamodb_local", marks=pytest.mark.dynamodb_local)])
def repo(request: pytest.FixtureRequest) -> ComplaintRepository:
    request.getfixturevalue("aws" if request.param == "moto" else "dynamodb_local_table")
    return ComplaintRepository()


def complaint(message_id: str, address: str = "ann@example.net", **kw: Any) -> ComplaintEvent:
    values: dict[str, Any] = {
        "tenant": "riverside",
        "address": address,
        "message_id": message_id,
        "complained_at": T0,
        "received_at": T0 + timedelta(minutes=5),
        "source": "broadcast",
        "send_id": "s-1",
        "feedback_type": "abuse",
        "reported_by": "ExampleOrgFBL/1.0",
    }
    return ComplaintEvent(**{**values, **kw})


def test_a_complaint_is_recorded_once_with_its_tallies(repo: ComplaintRepository) -> None:
    assert repo.record_complaint(complaint("m1"), suppress=True) is True
    assert repo.record_complaint(complaint("m1"), suppress=True) is False
    page = repo.list_complaints("riverside", 10, None)
    assert [(c.address, c.suppressed, c.complained_at) for c in page.items] == [
        ("ann@example.net", True, T0)
    ]
    [day] = CounterRepository().daily_totals("riverside", "2026-11-20", "2026-11-20")
    assert (day.complaints, day.bounces) == (1, 0)
    send = NotifyRepository().get_send_volume("riverside", "s-1")
    assert send is not None and (send.complaints, send.bounces) == (1, 0)
    found = CounterRepository().get_suppression("riverside", "ann@example.net")
    assert found is not None and found.reason is SuppressionReason.COMPLAINT


def test_an_earlier_suppression_is_kept(repo: ComplaintRepository) -> None:
    earlier = Suppression("riverside", "ann@example.net", SuppressionReason.MANUAL, T0, "staff")
    _suppression_item(earlier).save()
    assert repo.record_complaint(complaint("m1"), suppress=True) is True
    [record] = repo.list_complaints("riverside", 10, None).items
    assert record.suppressed is False  # not suppressed *by this complaint*
    found = CounterRepository().get_suppression("riverside", "ann@example.net")
    assert found is not None and (found.reason, found.actor) == (SuppressionReason.MANUAL, "staff")


def test_a_suppression_made_meanwhile_is_kept_and_the_complaint_still_recorded(
    repo: ComplaintRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = Suppression("riverside", "ann@example.net", SuppressionReason.HARD_BOUNCE, T0)
    _suppression_item(earlier).save()
    reads = iter([False])  # the first read misses it: it "appears" before the write
    real = complaint_storage._suppressed
    monkeypatch.setattr(
        complaint_storage, "_suppressed", lambda t, a: next(reads, None) or real(t, a)
    )
    assert repo.record_complaint(complaint("m1"), suppress=True) is True
    found = CounterRepository().get_suppression("riverside", "ann@example.net")
    assert found is not None and found.reason is SuppressionReason.HARD_BOUNCE
    assert [c.suppressed for c in repo.list_complaints("riverside", 10, None).items] == [False]


@pytest.mark.dynamodb_local
@pytest.mark.usefixtures("dynamodb_local_table")
def test_concurrent_complaints_on_one_send_are_all_counted() -> None:
    # DynamoDB Local only: moto does not isolate concurrent transactions.
    repo = ComplaintRepository()
    n = 10

    def write(i: int) -> None:
        repo.record_complaint(complaint(f"m{i}", f"p{i}@example.org"), suppress=True)
        repo.record_complaint(complaint(f"m{i}", f"p{i}@example.org"), suppress=True)

    assert run_concurrently(write, n) == []
    send = NotifyRepository().get_send_volume("riverside", "s-1")
    assert send is not None and send.complaints == n
    assert len(repo.list_complaints("riverside", 100, None).items) == n
