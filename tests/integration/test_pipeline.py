"""A bounce's whole path in-process: bucket -> S3 notification -> SQS -> ingest Lambda (as the
event-source mapping calls it) -> DynamoDB -> API, on the local AWS stack (moto)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.inbound import InboundRepository
from rebound.local.dispatcher import Dispatcher
from tests.integration.helpers import (
    SETTINGS,
    auth,
    bounce,
    put_inbound,
    return_path,
    setup_tenant,
    staff_key,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def stack(aws: Any) -> Any:
    keys = {"riverside": setup_tenant("riverside"), "hillside": setup_tenant("hillside")}
    dispatcher = Dispatcher(aws.queue_url, aws.queue_arn, chalice_app.ingest)
    dispatcher.drain()  # S3 announces a new notification configuration with an s3:TestEvent
    return keys, dispatcher, aws


def report(client: Client, tenant: str, token: str, query: str = "") -> Any:
    response = client.http.get(f"/v1/tenants/{tenant}/bounces{query}", headers=auth(token))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_tagged_bounce_reaches_the_report(stack: Any) -> None:
    keys, dispatcher, _ = stack
    put_inbound(bounce("riverside", "ann@example.net"))
    assert dispatcher.drain() == 1
    with Client(chalice_app.app) as client:
        items = report(client, "riverside", keys["riverside"]["viewer"])["items"]
        assert [i["address"] for i in items] == ["ann@example.net"]
        item = items[0]
        assert item["count"] == 1
        assert item["status"] == "5.1.1"
        assert item["reason"] == "userunknown"
        assert item["hard"] is True
        assert item["source"] == "broadcast"
        assert item["summary"].endswith("1 time")
        assert report(client, "hillside", keys["hillside"]["viewer"])["items"] == []


def test_redelivered_and_reuploaded_messages_count_once(stack: Any) -> None:
    _, dispatcher, aws = stack
    raw = bounce("riverside", "ann@example.net")
    put_inbound(raw, "msg-1")
    put_inbound(raw, "msg-1")  # S3 re-put of the same object: a second notification
    sqs = boto3.client("sqs")
    dispatcher.drain()
    # A third delivery of an identical notification (SQS at-least-once).
    key_body = json.dumps(
        {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "eventTime": "2026-11-26T10:00:00.000Z",
                    "s3": {
                        "bucket": {"name": "rebound-inbound"},
                        "object": {"key": "inbound/msg-1"},
                    },
                }
            ]
        }
    )
    sqs.send_message(QueueUrl=aws.queue_url, MessageBody=key_body)
    dispatcher.drain()
    counter = CounterRepository().get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == 1


def test_crash_between_counting_and_recording_is_redelivered_without_double_count(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first bounce of an address is counted by the Put that creates its counter; the
    history entry follows. A crash in between: the redelivery writes the entry, once, and
    counts nothing again."""
    keys, dispatcher, _ = stack
    real = CounterRepository._complete_first
    crashes = {"left": 1}

    def crash_once(self: CounterRepository, *args: Any, **kwargs: Any) -> str | None:
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("injected crash after the counter's Put")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CounterRepository, "_complete_first", crash_once)
    put_inbound(bounce("riverside", "ann@example.net"))
    first = dispatcher.poll_once()
    assert (first.received, first.failed) == (1, 1)
    assert CounterRepository().history("riverside", "ann@example.net", 10, None).items == ()
    dispatcher.drain()
    counter = CounterRepository().get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == 1
    assert len(CounterRepository().history("riverside", "ann@example.net", 10, None).items) == 1
    # The redelivery wrote the history entry, which names the message: no inbound record.
    assert InboundRepository().list_inbound("riverside", "counted", 10, None).items == ()
    with Client(chalice_app.app) as client:
        assert report(client, "riverside", keys["riverside"]["viewer"])["items"][0]["count"] == 1


def test_the_same_bounce_delivered_again_counts_nothing_and_is_on_record(stack: Any) -> None:
    """The first delivery is on record through its history entry, which names its object; the
    second (an SMTP duplicate: the same bounce under a new key) counts nothing and, named by no
    history entry, is on record as an inbound record."""
    _, dispatcher, _ = stack
    raw = bounce("riverside", "ann@example.net")
    first = put_inbound(raw)
    dispatcher.drain()
    second = put_inbound(raw)
    dispatcher.drain()
    records = InboundRepository().list_inbound("riverside", "counted", 10, None).items
    assert [(r.s3_key, r.counted) for r in records] == [(second, 0)]
    (entry,) = CounterRepository().history("riverside", "ann@example.net", 10, None).items
    assert SETTINGS.inbound_prefix + entry.message_id == first
    counter = CounterRepository().get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == 1


def test_poison_message_goes_to_the_dead_letter_queue(stack: Any) -> None:
    _, dispatcher, aws = stack
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url, MessageBody="not json at all")
    dispatcher.drain(idle_polls=3)
    attrs = sqs.get_queue_attributes(
        QueueUrl=aws.dlq_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1"


@pytest.mark.dynamodb_local
def test_concurrent_bounces_for_one_address_all_count(
    stack: Any, dynamodb_local_table: str
) -> None:
    # Storage on the real DynamoDB Local (moto does not isolate concurrent transactions);
    # `stack` first so its moto set-up happens before storage is re-pointed.
    _ = stack, dynamodb_local_table
    service = wiring.ingest_service()
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    keys = [
        put_inbound(bounce("riverside", "ann@example.net", when=base + timedelta(minutes=i)))
        for i in range(8)
    ]
    errors: list[BaseException] = []

    def run(key: str) -> None:
        try:
            service.ingest(key, datetime.now(UTC))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counter = CounterRepository().get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert counter.bounce_count == 8
    assert counter.first_bounce_at == base
    assert counter.last_bounce_at == base + timedelta(minutes=7)


def test_out_of_order_arrival_never_moves_last_bounce_backwards(stack: Any) -> None:
    _ = stack
    newer = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    older = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    service = wiring.ingest_service()
    service.ingest(put_inbound(bounce("riverside", "ann@example.net", when=newer)), now)
    service.ingest(
        put_inbound(
            bounce(
                "riverside",
                "ann@example.net",
                "4.2.2",
                "452 4.2.2 Mailbox full",
                when=older,
            )
        ),
        now,
    )
    counter = CounterRepository().get_counter("riverside", "ann@example.net")
    assert counter is not None
    assert (counter.bounce_count, counter.first_bounce_at, counter.last_bounce_at) == (
        2,
        older,
        newer,
    )
    assert counter.status == "5.1.1"


@pytest.mark.parametrize("case", ["forged", "expired", "missing"])
def test_unverified_bounces_are_quarantined_and_never_counted(stack: Any, case: str) -> None:
    keys, dispatcher, _ = stack
    raw = bounce("riverside", "ann@example.net")
    if case == "forged":
        good = return_path("riverside", "ann@example.net")
        forged = return_path("hillside", "ann@example.net")
        _mac = good.split("+")[1].split("@")[0].split("-")[2]
        forged_mac = forged.split("+")[1].split("@")[0].split("-")[2]
        raw = raw.replace(good.encode(), good.replace(_mac, forged_mac).encode())
    elif case == "expired":
        raw = bounce("riverside", "ann@example.net", expires_on=date(2020, 1, 1))
    else:
        raw = raw.replace(b"groupmessaging+", b"groupmessaging-legacy+")
    put_inbound(raw)
    dispatcher.drain()
    staff = staff_key()
    with Client(chalice_app.app) as client:
        assert report(client, "riverside", keys["riverside"]["viewer"])["items"] == []
        response = client.http.get("/v1/quarantine", headers=auth(staff))
        assert response.status_code == 200
        items = json.loads(response.body)["items"]
        assert len(items) == 1
        expected = {"forged": "bad-signature", "expired": "expired", "missing": "missing"}[case]
        assert expected in items[0]["problem"]
        assert items[0]["tenant"] is None


def test_legacy_tenant_is_attributed_from_the_original_headers(stack: Any) -> None:
    _, dispatcher, _ = stack
    setup_tenant("oldtown", legacy=True)
    raw = bounce("oldtown", "zed@example.org").replace(b"groupmessaging+", b"postmaster+")
    raw = raw.replace(
        b"X-Rebound-Source: broadcast", b"X-Rebound-Tenant: oldtown\r\nX-Rebound-Source: survey"
    )
    put_inbound(raw)
    dispatcher.drain()
    counter = CounterRepository().get_counter("oldtown", "zed@example.org")
    assert counter is not None
    assert counter.source == "survey"


def test_auto_reply_is_recorded_but_never_counted(stack: Any) -> None:
    from rebound.samples import auto_reply

    _, dispatcher, _ = stack
    put_inbound(auto_reply(return_path=return_path("riverside", "ann@example.net")))
    dispatcher.drain()
    assert CounterRepository().get_counter("riverside", "ann@example.net") is None


def test_unparseable_mail_is_kept_and_visible_to_staff(stack: Any) -> None:
    _, dispatcher, _ = stack
    raw = (
        b"From: MAILER-DAEMON@example.org\r\nSubject: Undeliverable\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: message/delivery-status\r\n\r\n\x00\xff garbage\r\n--x--\r\n"
    )
    key = put_inbound(raw)
    dispatcher.drain()
    with Client(chalice_app.app) as client:
        response = client.http.get("/v1/unparsed", headers=auth(staff_key()))
        items = json.loads(response.body)["items"]
    assert [i["s3_key"] for i in items] == [key]
    body = boto3.client("s3").get_object(Bucket="rebound-inbound", Key=key)["Body"].read()
    assert body == raw


class TestAccess:
    def test_no_key_bad_key_and_other_tenant(self, stack: Any) -> None:
        keys, _, _ = stack
        with Client(chalice_app.app) as client:
            path = "/v1/tenants/riverside/bounces"
            assert client.http.get(path).status_code == 401
            assert (
                client.http.get(
                    path, headers=auth("rbk.riverside.0123456789ab." + "a" * 43)
                ).status_code
                == 401
            )
            assert client.http.get(path, headers=auth("garbage")).status_code == 401
            other = client.http.get(path, headers=auth(keys["hillside"]["admin"]))
            assert other.status_code == 403
            assert "riverside" in json.loads(other.body)["Message"]
            assert client.http.get(path, headers=auth(staff_key())).status_code == 200
            unknown = client.http.get("/v1/tenants/nowhere/bounces", headers=auth(staff_key()))
            assert unknown.status_code == 404
            assert (
                client.http.get(
                    "/v1/quarantine", headers=auth(keys["riverside"]["admin"])
                ).status_code
                == 403
            )

    def test_bad_parameters_get_400_with_a_message(self, stack: Any) -> None:
        keys, _, _ = stack
        token = keys["riverside"]["viewer"]
        with Client(chalice_app.app) as client:
            for query, words in [
                ("?limit=0", "limit"),
                ("?limit=501", "limit"),
                ("?limit=abc", "limit"),
                ("?cursor=bm9wZQ", "cursor"),
                ("?colour=red", "colour"),
            ]:
                response = client.http.get(
                    f"/v1/tenants/riverside/bounces{query}", headers=auth(token)
                )
                assert response.status_code == 400, query
                assert words in json.loads(response.body)["Message"]


def test_pages_are_sorted_by_count_and_cursors_walk_them(stack: Any) -> None:
    keys, _, _ = stack
    service = wiring.ingest_service()
    now = datetime.now(UTC)
    for n, address in enumerate(["a@example.net", "b@example.net", "c@example.net"], start=1):
        for i in range(n):
            service.ingest(put_inbound(bounce("riverside", address, send_id=f"s{i}")), now)
    token = keys["riverside"]["viewer"]
    with Client(chalice_app.app) as client:
        first = report(client, "riverside", token, "?limit=2")
        assert [(i["address"], i["count"]) for i in first["items"]] == [
            ("c@example.net", 3),
            ("b@example.net", 2),
        ]
        second = report(client, "riverside", token, f"?limit=2&cursor={first['next_cursor']}")
        assert [i["address"] for i in second["items"]] == ["a@example.net"]
        # A cursor from one tenant is refused on another's listing.
        staff = staff_key()
        cross = client.http.get(
            f"/v1/tenants/hillside/bounces?cursor={first['next_cursor']}", headers=auth(staff)
        )
        assert cross.status_code == 400


def test_a_bounced_digest_is_ignored_not_counted_or_quarantined(stack: Any) -> None:
    _, dispatcher, _ = stack
    raw = bounce("riverside", "staff.gone@example.com").replace(
        b"X-Rebound-Source: broadcast", b"X-Rebound-Notification: digest; scope=riverside"
    )
    put_inbound(raw)
    dispatcher.drain()
    assert CounterRepository().get_counter("riverside", "staff.gone@example.com") is None
    assert InboundRepository().list_inbound("_system", "quarantined", 10, None).items == ()
    ignored = InboundRepository().list_inbound("_system", "ignored", 10, None).items
    assert [r.problem for r in ignored] == ["bounce of a Rebound notification"]
