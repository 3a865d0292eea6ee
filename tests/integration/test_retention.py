"""Retention (docs/retention.md): every history entry, exactly-once marker, complaint, inbound
record and mass-delete job item is written with `expires_at` (the table's TTL attribute, epoch
seconds) from config.RetentionSettings. Non-default days here, so the settings are seen to be
the ones used."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from chalicelib.bounces import Disposition, InboundRecord
from chalicelib.complaints import ComplaintEvent
from chalicelib.config import RetentionSettings, Settings
from chalicelib.massdelete.model import Job
from chalicelib.massdelete.states import JobState
from chalicelib.storage import keys
from chalicelib.storage.complaints import ComplaintRepository
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.inbound import InboundRepository
from chalicelib.storage.jobs import JobRepository
from rebound.samples import sample_event

pytestmark = pytest.mark.integration
SETTINGS = Settings.from_env()
RETENTION = RetentionSettings(
    inbound_days=301, history_days=302, marker_days=15, job_days=303, exports_days=5
)
RECEIVED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
DAY = 86400


def _items(pk: str) -> dict[str, dict[str, Any]]:
    found = boto3.client("dynamodb").query(
        TableName=SETTINGS.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]
    return {item["sk"]["S"]: item for item in found}


def _expires(item: dict[str, Any]) -> int:
    return int(item["expires_at"]["N"])


def _near_now_plus(days: int) -> tuple[int, int]:
    now = int(time.time())
    return now + days * DAY - 5, now + days * DAY + 5


def test_history_and_marker_expire_per_retention(aws: Any) -> None:
    low, high = _near_now_plus(RETENTION.marker_days)
    repository = CounterRepository(retention=RETENTION)
    first = sample_event(received_at=RECEIVED, bounce_at=RECEIVED - timedelta(minutes=3))
    assert repository.record_bounce(first)
    # An address's first bounce has no marker (the counter's creation guards it); a later one
    # is counted with its marker.
    assert repository.record_bounce(
        replace(first, message_id="later", bounce_at=RECEIVED - timedelta(minutes=1))
    )
    items = _items(keys.address_pk("riverside", "ann@example.net"))
    histories = [i for sk, i in items.items() if sk.startswith(keys.HISTORY_SK_PREFIX)]
    (marker,) = [i for sk, i in items.items() if sk.startswith("M#")]
    # History lives as long as the raw mail it cites: from its arrival.
    assert [_expires(h) for h in histories] == [
        int((RECEIVED + timedelta(days=302)).timestamp())
    ] * 2
    # The marker outlives every redelivery: from when it was written.
    assert low <= _expires(marker) <= high + 5


def test_complaint_and_its_marker_expire_per_retention(aws: Any) -> None:
    low, high = _near_now_plus(RETENTION.marker_days)
    event = ComplaintEvent(
        tenant="riverside",
        address="ann@example.net",
        message_id="arf-1",
        complained_at=RECEIVED,
        received_at=RECEIVED,
        source="broadcast",
        send_id="s1",
        feedback_type="abuse",
        reported_by="fbl.example.org",
    )
    assert ComplaintRepository(retention=RETENTION).record_complaint(event, suppress=False)
    (complaint,) = _items(keys.complaint_pk("riverside")).values()
    assert _expires(complaint) == int((RECEIVED + timedelta(days=302)).timestamp())
    marker = _items(keys.address_pk("riverside", "ann@example.net"))["C#arf-1"]
    assert low <= _expires(marker) <= high + 5


def test_inbound_record_expires_with_its_raw_mail(aws: Any) -> None:
    record = InboundRecord(
        message_id="m1",
        s3_key="inbound/m1",
        received_at=RECEIVED,
        disposition=Disposition.QUARANTINED,
        kind="bounce",
        problem="return-path tag missing",
    )
    InboundRepository(retention=RETENTION).record_inbound(record)
    (item,) = _items(keys.inbound_pk("_system", "quarantined")).values()
    assert _expires(item) == int((RECEIVED + timedelta(days=301)).timestamp())


def test_mass_delete_job_expires_per_retention(aws: Any) -> None:
    low, high = _near_now_plus(RETENTION.job_days)
    job = Job(
        tenant="riverside",
        job_id="md-20261120093000-abcdef12",
        state=JobState.PLANNED,
        created_at="2026-11-20T09:30:00Z",
        requested_by="ada@example.com",
        selection={"addresses": ["ann@example.net"]},
        remove_emails=False,
        dry_run=False,
        addresses=1,
        records=3,
        sample=("ann@example.net",),
        plan_key="plans/riverside/md-20261120093000-abcdef12.json",
    )
    JobRepository(retention=RETENTION).create_job(job)
    item = _items(keys.jobs_pk("riverside"))[keys.job_sk(job.job_id)]
    assert low <= _expires(item) <= high + 5
