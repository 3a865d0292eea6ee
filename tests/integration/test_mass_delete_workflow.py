"""Mass delete end to end on the local AWS stack: the API plans and approves, moto's Step
Functions interpreter runs the state machine infra/ defines (the same definition), and the
table, bucket and event bus show what happened; undo puts it back."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.storage import keys
from rebound.provision import provision_mass_delete
from tests.integration.helpers import auth, seed_counted_bounces, setup_tenant, staff_key

pytestmark = pytest.mark.integration
# moto's interpreter logs every IsPresent that finds nothing (and a whole repr per failure).
logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SETTINGS = Settings.from_env()


@pytest.fixture
def stack(aws: Any) -> dict[str, Any]:
    provision_mass_delete(SETTINGS)
    events_queue = _capture_events()
    tokens = {"riverside": setup_tenant("riverside"), "hillside": setup_tenant("hillside")}
    tokens["staff"] = {"staff": staff_key()}
    return {"tokens": tokens, "events": events_queue}


def _capture_events() -> str:
    """An SQS queue subscribed to the bus, to see the EmailRemoved/EmailRestored events."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="mass-delete-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="mass-delete-events",
        EventBusName=SETTINGS.event_bus,
        EventPattern=json.dumps({"source": ["rebound.mass-delete"]}),
    )
    events.put_targets(
        Rule="mass-delete-events",
        EventBusName=SETTINGS.event_bus,
        Targets=[{"Id": "queue", "Arn": arn}],
    )
    return str(url)


def received_events(url: str) -> list[dict[str, Any]]:
    sqs, found = boto3.client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for m in messages:
            found.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def call(client: Client, method: str, path: str, token: str, body: Any = None) -> Any:
    headers = {**auth(token), "Content-Type": "application/json"}
    send = getattr(client.http, method)
    response = (
        send(path, headers=headers, body=json.dumps(body))
        if body is not None
        else send(path, headers=headers)
    )
    return response.status_code, json.loads(response.body or b"null")


def wait_for(client: Client, tenant: str, job: str, token: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, body = call(client, "get", f"/v1/tenants/{tenant}/mass-deletes/{job}", token)
        assert status == 200, body
        if body["state"] not in ("approved", "running"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"job {job} still {body['state']} after {timeout}s")


def partition(tenant: str, address: str) -> list[dict[str, Any]]:
    table = boto3.client("dynamodb")
    return list(
        table.query(
            TableName=SETTINGS.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.address_pk(tenant, address)}},
        )["Items"]
    )


def seed(tenant: str, sizes: dict[str, int]) -> None:
    for address, count in sizes.items():
        seed_counted_bounces(tenant, address, count, T0)


SIZES = {"ann@example.net": 1, "bob@example.net": 3, "cy@example.org": 2, "dee@example.net": 1}


def test_plan_approve_archive_delete_remove_then_undo(stack: dict[str, Any]) -> None:
    admin = stack["tokens"]["riverside"]["admin"]
    staff = stack["tokens"]["staff"]["staff"]
    seed("riverside", SIZES)
    seed("hillside", {"ann@example.net": 2})
    repository = wiring.counters()
    before = {a: repository.get_counter("riverside", a) for a in SIZES}
    with Client(chalice_app.app) as client:
        status, job = call(
            client,
            "post",
            "/v1/tenants/riverside/mass-deletes",
            admin,
            {"filter": {"domain": "example.net"}, "remove_emails": True, "note": "ticket 42"},
        )
        assert status == 202, job
        assert job["state"] == "planned"
        # counter + one history entry per counted bounce + one marker per bounce but the first
        assert job["selected"] == {"addresses": 3, "records": 2 * (1 + 3 + 1)}
        assert job["sample"] == ["ann@example.net", "bob@example.net", "dee@example.net"]

        status, approved = call(
            client, "post", f"/v1/tenants/riverside/mass-deletes/{job['id']}/approve", staff
        )
        assert status == 200, approved
        done = wait_for(client, "riverside", job["id"], admin)
        assert done["state"] == "succeeded", done
        assert done["progress"] == {
            "addresses": 3,
            "archived": 10,
            "deleted": 10,
            "removed": 3,
            "skipped": 0,
        }
        assert done["approved_by"].startswith("_staff (key ")
        assert done["timings"]["started_at"] and done["timings"]["finished_at"]

        # Deleted: counters, history and markers of the selected addresses only.
        for address in ("ann@example.net", "bob@example.net", "dee@example.net"):
            assert repository.get_counter("riverside", address) is None
            assert partition("riverside", address) == []
            suppression = repository.get_suppression("riverside", address)
            assert suppression is not None
            assert str(suppression.reason) == "removed"
            assert suppression.job_id == job["id"]
        assert repository.get_counter("riverside", "cy@example.org") is not None
        assert repository.get_counter("hillside", "ann@example.net") is not None
        # two history entries and the second bounce's marker (the first's guard is the counter)
        assert len(partition("hillside", "ann@example.net")) == 3

        removed = received_events(stack["events"])
        assert sorted(e["detail"]["address"] for e in removed) == [
            "ann@example.net",
            "bob@example.net",
            "dee@example.net",
        ]
        assert {e["detail-type"] for e in removed} == {"EmailRemoved"}

        # A job runs at most once.
        status, again = call(
            client, "post", f"/v1/tenants/riverside/mass-deletes/{job['id']}/approve", staff
        )
        assert status == 409, again

        status, undone = call(
            client, "post", f"/v1/tenants/riverside/mass-deletes/{job['id']}/undo", admin
        )
        assert status == 200, undone
        assert undone["undo"]["complete"] is True
        assert undone["job"]["state"] == "undone"
        assert undone["job"]["restored"] == 10
        for address in ("ann@example.net", "bob@example.net", "dee@example.net"):
            assert repository.get_counter("riverside", address) == before[address]
            assert len(partition("riverside", address)) == 2 * SIZES[address] - 1
            suppression = repository.get_suppression("riverside", address)
            assert suppression is not None
            assert str(suppression.reason) == "hard-bounce"  # as before the job
        restored = received_events(stack["events"])
        assert {e["detail-type"] for e in restored} == {"EmailRestored"}
        assert len(restored) == 3

        status, audit = call(client, "get", "/v1/tenants/riverside/mass-deletes/audit", admin)
        assert status == 200
        assert [line["action"] for line in audit["items"]] == ["undone", "approved", "planned"]
        assert audit["items"][2]["selection"] == {"filter": {"domain": "example.net"}}
        assert audit["items"][2]["addresses"] == 3

        status, listing = call(client, "get", "/v1/tenants/riverside/mass-deletes", admin)
        assert [j["id"] for j in listing["items"]] == [job["id"]]


def test_bounce_arriving_after_the_plan_keeps_that_address(stack: dict[str, Any]) -> None:
    admin = stack["tokens"]["riverside"]["admin"]
    seed("riverside", {"ann@example.net": 1, "bob@example.net": 2})
    with Client(chalice_app.app) as client:
        status, job = call(
            client,
            "post",
            "/v1/tenants/riverside/mass-deletes",
            admin,
            {"addresses": ["ann@example.net", "BOB@example.net", "nobody@example.net"]},
        )
        assert status == 202, job
        assert job["selected"]["addresses"] == 2
        assert job["not_found"] == 1
        # A new bounce for bob is counted between plan and run: bob must survive whole.
        seed_counted_bounces("riverside", "bob@example.net", 1, T0)
        status, _ = call(
            client, "post", f"/v1/tenants/riverside/mass-deletes/{job['id']}/approve", admin
        )
        assert status == 200
        done = wait_for(client, "riverside", job["id"], admin)
    assert done["state"] == "succeeded"
    assert done["progress"]["skipped"] == 1
    assert done["progress"]["deleted"] == 2  # a counter and its first bounce's history entry
    bob = wiring.counters().get_counter("riverside", "bob@example.net")
    assert bob is not None
    assert bob.bounce_count == 3
    assert len(partition("riverside", "bob@example.net")) == 5  # 3 entries, 2 markers
    assert wiring.counters().get_counter("riverside", "ann@example.net") is None


def test_failure_mid_run_then_rerun_finishes_with_exact_counts(stack: dict[str, Any]) -> None:
    admin = stack["tokens"]["riverside"]["admin"]
    addresses = {f"a{n:02d}@example.net": 1 + n % 3 for n in range(12)}
    seed("riverside", addresses)
    expected_records = sum(2 * c for c in addresses.values())
    s3 = boto3.client("s3")
    with Client(chalice_app.app) as client:
        body = {"filter": {"min_count": 1}}
        status, job = call(client, "post", "/v1/tenants/riverside/mass-deletes", admin, body)
        assert status == 202
        plan_key = f"plans/riverside/{job['id']}.json"
        index = json.loads(s3.get_object(Bucket=SETTINGS.bucket_name, Key=plan_key)["Body"].read())
        # The plan lists chunks by key; no address travels through Step Functions.
        assert "@" not in json.dumps(index)
        chunk_key = index[0]["key"]
        plan = json.loads(s3.get_object(Bucket=SETTINGS.bucket_name, Key=chunk_key)["Body"].read())
        # Inject a failure at the 8th address: a key DynamoDB rejects (ValidationException).
        broken = json.loads(json.dumps(plan))
        broken["entries"][7]["counter_key"] = {"pk": {"S": "T#riverside"}}
        s3.put_object(Bucket=SETTINGS.bucket_name, Key=chunk_key, Body=json.dumps(broken))
        call(client, "post", f"/v1/tenants/riverside/mass-deletes/{job['id']}/approve", admin)
        failed = wait_for(client, "riverside", job["id"], admin)
        assert failed["state"] == "failed", failed
        assert failed["error"]
        assert failed["progress"]["addresses"] == 7
        first_seven = sum(2 * c for c in list(addresses.values())[:7])
        assert failed["progress"]["deleted"] == first_seven

        # The cause is fixed; the re-run resumes: nothing deleted twice, nothing skipped.
        s3.put_object(Bucket=SETTINGS.bucket_name, Key=chunk_key, Body=json.dumps(plan))
        status, rerun = call(
            client, "post", f"/v1/tenants/riverside/mass-deletes/{job['id']}/rerun", admin
        )
        assert status == 200, rerun
        done = wait_for(client, "riverside", job["id"], admin)
    assert done["state"] == "succeeded", done
    assert done["runs"] == 2
    assert done["progress"] == {
        "addresses": 12,
        "archived": expected_records,
        "deleted": expected_records,
        "removed": 0,
        "skipped": 0,
    }
    assert list(wiring.counters().iter_counters("riverside")) == []


def test_cancel_before_approval_and_wrong_states(stack: dict[str, Any]) -> None:
    admin = stack["tokens"]["riverside"]["admin"]
    seed("riverside", {"ann@example.net": 1})
    base = "/v1/tenants/riverside/mass-deletes"
    with Client(chalice_app.app) as client:
        _, dry = call(client, "post", base, admin, {"filter": {"min_count": 1}, "dry_run": True})
        assert dry["dry_run"] is True
        assert dry["selected"]["addresses"] == 1
        status, body = call(client, "post", f"{base}/{dry['id']}/approve", admin)
        assert status == 409
        assert "dry run" in body["Message"]
        _, job = call(client, "post", base, admin, {"filter": {"min_count": 1}})
        status, cancelled = call(client, "post", f"{base}/{job['id']}/cancel", admin)
        assert status == 200
        assert cancelled["state"] == "cancelled"
        status, _ = call(client, "post", f"{base}/{job['id']}/approve", admin)
        assert status == 409
        status, body = call(client, "get", f"{base}/md-20260101000000-00000000", admin)
        assert status == 404
    assert wiring.counters().get_counter("riverside", "ann@example.net") is not None


def test_cancel_while_running_stops_between_addresses(
    stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = stack["tokens"]["riverside"]["admin"]
    addresses = {f"c{n:02d}@example.net": 1 for n in range(30)}
    seed("riverside", addresses)
    # One address per chunk, so the cancel is seen after the chunk in hand.
    monkeypatch.setattr(wiring.mass_delete_service(), "_chunk_budget", 1)
    base = "/v1/tenants/riverside/mass-deletes"
    with Client(chalice_app.app) as client:
        _, job = call(client, "post", base, admin, {"filter": {"min_count": 1}})
        assert job["selected"]["addresses"] == 30
        call(client, "post", f"{base}/{job['id']}/approve", admin)
        status, cancelling = call(client, "post", f"{base}/{job['id']}/cancel", admin)
        assert status == 200, cancelling
        assert cancelling["cancel_requested"] is True
        done = wait_for(client, "riverside", job["id"], admin)
    assert done["state"] == "cancelled", done
    deleted = done["progress"]["addresses"]
    assert deleted < 30
    left = list(wiring.counters().iter_counters("riverside"))
    assert len(left) == 30 - deleted
    for counter in left:  # whole addresses only: never half deleted
        assert len(partition("riverside", counter.address)) == 1  # the one history entry
