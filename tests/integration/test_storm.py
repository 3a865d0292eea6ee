"""A bounce storm, on the real DynamoDB Local behind the local stack's S3 and SQS: 16 workers
deliver the queue to the real ingest handler exactly as Lambda's event-source mapping would
(batches, partial failures, redelivery, the dead-letter queue after maxReceiveCount), for one
tenant and one send, with duplicates (the same bounce stored again) and poison (announced
objects that cannot be read). Counts are exact, the derived figures exact once the stream is
drained, and only the poison is dead-lettered.

The full storm (20,000 deliveries, marker `storm`, `make storm`) takes about half an hour on a
shared two-core machine; `make test` runs the same storm at 400 deliveries. The second test puts a
fake in front of DynamoDB (below botocore's own retries, as the service would answer) that
cancels a share of transactions with TransactionConflict and throttles a share of writes.
"""

from __future__ import annotations

import json
import os
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.endpoint import Endpoint

import app as chalice_app
from chalicelib import wiring
from chalicelib.aws.events import objects_from_sqs_body
from chalicelib.storage.items import AddressCounterItem
from rebound.local.dispatcher import Dispatcher
from rebound.local.streams import StreamPump
from rebound.samples import SampleFailure, dsn
from tests.integration.helpers import SETTINGS, return_path, setup_tenant

pytestmark = pytest.mark.dynamodb_local
TENANT = "storm"
SEND = "s-storm"
DOMAINS = ("example.com", "example.net", "example.org")


@dataclass
class Storm:
    expected: Counter[str]  # distinct bounces per address
    poison: set[str]  # keys announced but unreadable


@pytest.fixture
def storm_stack(aws: Any, dynamodb_local_table: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """moto for S3 and SQS (provisioned), DynamoDB Local for the table.

    moto's ReceiveMessage is serialised. moto 5.2.x moves a message past maxReceiveCount to the
    dead-letter queue outside its queue lock: when two of the 16 pollers receive at once, both
    pick the same message and the second one's `list.remove` raises ValueError, a 500 for that
    receive, while the other messages it had already marked received stay invisible for the
    visibility timeout, after the pollers have gone idle. That was the storm's intermittent
    failure (a poison message left in the queue, `(1, 4) != (0, 5)`). SQS serialises this
    itself; the handlers still run 16 at a time.
    """
    from moto.sqs.models import SQSBackend

    lock = threading.Lock()
    receive = SQSBackend.receive_message

    def receive_one_at_a_time(self: SQSBackend, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return receive(self, *args, **kwargs)

    monkeypatch.setattr(SQSBackend, "receive_message", receive_one_at_a_time)
    # The queue's visibility timeout as in AWS (infra: six times the function's timeout), not
    # the local stack's 30 s: 16 pollers sharing a loaded machine's CPU with moto take longer
    # than 30 s over a batch now and then, and a batch received again while its first delivery
    # still runs counts towards maxReceiveCount (3 locally): sound bounces were dead-lettered.
    boto3.client("sqs").set_queue_attributes(
        QueueUrl=aws.queue_url, Attributes={"VisibilityTimeout": "900"}
    )
    setup_tenant(TENANT)
    Dispatcher(aws.queue_url, aws.queue_arn, chalice_app.ingest).drain()  # s3:TestEvent
    return aws


def _announcement(key: str) -> str:
    """The body of S3's event notification of one stored object (the shape ingest reads)."""
    record = {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "eventTime": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "s3": {"bucket": {"name": SETTINGS.bucket_name}, "object": {"key": key, "size": 9}},
    }
    return json.dumps({"Records": [record]})


def send_storm(deliveries: int, seed: int, queue_url: str) -> Storm:
    """Store `deliveries` objects: 10% repeat an earlier bounce (a new object, one more
    Received field), 1% are announced but not there to read (poison), the rest distinct bounces;
    one address in ten bounces twice (distinct bounces contending for one counter)."""
    rng = random.Random(seed)
    s3: Any = boto3.client("s3")
    sqs: Any = boto3.client("sqs")
    now = datetime.now(UTC) - timedelta(hours=1)
    sent: list[bytes] = []
    storm = Storm(Counter(), set())
    distinct = int(deliveries * 0.89)
    addresses = [f"m{i:06d}@{DOMAINS[i % 3]}" for i in range(int(distinct * 0.9))]
    for n in range(deliveries):
        key = f"{SETTINGS.inbound_prefix}{uuid.uuid4().hex}"
        roll = rng.random()
        if sent and roll < 0.10:
            raw = b"Received: from relay.example.org by mx.example.com; again\n" + rng.choice(sent)
        elif roll < 0.11:
            # Announced, then gone before ingest reads it (S3's notification of an object
            # deleted at once). Sent as S3 would send it rather than stored and deleted: with
            # the workers running, a stored object could be read before its deletion.
            sqs.send_message(QueueUrl=queue_url, MessageBody=_announcement(key))
            storm.poison.add(key)
            continue
        else:
            address = addresses[n % len(addresses)]
            raw = dsn(
                return_path=return_path(TENANT, address, send_id=SEND),
                failures=[SampleFailure(address, "5.1.1", f"550 5.1.1 <{address}>: unknown")],
                date=now + timedelta(seconds=n),
            )
            sent.append(raw)
            storm.expected[address] += 1
        s3.put_object(Bucket=SETTINGS.bucket_name, Key=key, Body=raw)
    return storm


def deliver(aws: Any, workers: int, arriving: threading.Event | None = None) -> None:
    """`workers` concurrent pollers of the queue, as concurrent Lambda invocations; with
    `arriving`, they poll until it is set and the queue is drained (mail arrives meanwhile)."""
    errors: list[BaseException] = []

    def work() -> None:
        try:
            dispatcher = Dispatcher(aws.queue_url, aws.queue_arn, chalice_app.ingest)
            dispatcher.drain(idle_polls=4, until=arriving)
        except BaseException as error:  # collected: the test fails on any
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def waiting(url: str) -> int:
    """Messages in a queue, visible or not (moto moves a message to the dead-letter queue
    during a receive, and it can arrive there still invisible)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    found = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=names)
    return sum(int(found["Attributes"][n]) for n in names)


def dead_lettered(aws: Any) -> set[str]:
    """The keys of the dead-lettered messages that can be read now."""
    sqs: Any = boto3.client("sqs")
    found: set[str] = set()
    while batch := sqs.receive_message(QueueUrl=aws.dlq_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for m in batch:
            found |= {o.key for o in objects_from_sqs_body(m["Body"])}
            sqs.delete_message(QueueUrl=aws.dlq_url, ReceiptHandle=m["ReceiptHandle"])
    return found


def assert_exact(storm: Storm, endpoint: str) -> None:
    table = AddressCounterItem.Meta.table_name
    StreamPump(table, chalice_app.aggregate, endpoint_url=endpoint).drain()
    repo = wiring.counters()
    counted = {c.address: c.bounce_count for c in repo.iter_counters(TENANT)}
    assert counted == dict(storm.expected)
    total = sum(storm.expected.values())
    days = repo.daily_totals(TENANT, "2000-01-01", "2999-12-31")
    assert sum(d.bounces for d in days) == total
    by_domain = Counter(dict.fromkeys(DOMAINS, 0))
    for address, n in storm.expected.items():
        by_domain[address.rpartition("@")[2]] += n
    domains = {t.value: t.bounces for t in repo.dimension_totals(TENANT, "domain")}
    assert domains == {d: n for d, n in by_domain.items() if n}
    send = wiring.notify_repository().get_send_volume(TENANT, SEND)
    assert send is not None and (send.bounces, send.hard) == (total, total)


def run_storm(aws: Any, endpoint: str, deliveries: int) -> None:
    """The mail arrives while 16 workers ingest it, as in a storm (and as moto copes with: a
    queue of 20,000 waiting messages makes its every receive slow)."""
    arriving, failures = threading.Event(), list[BaseException]()

    def ingest() -> None:
        try:
            deliver(aws, 16, arriving)
        except BaseException as error:  # the test fails on it below
            failures.append(error)

    workers = threading.Thread(target=ingest)
    workers.start()
    try:
        storm = send_storm(deliveries, seed=deliveries, queue_url=aws.queue_url)
    finally:
        arriving.set()
        workers.join()
    assert failures == []
    assert (waiting(aws.queue_url), waiting(aws.dlq_url)) == (0, len(storm.poison))
    assert dead_lettered(aws) <= storm.poison
    assert_exact(storm, endpoint)


def test_a_storm_counts_exactly_and_dead_letters_only_the_poison(
    storm_stack: Any, dynamodb_local_endpoint: str
) -> None:
    run_storm(storm_stack, dynamodb_local_endpoint, 400)


@pytest.mark.storm
def test_the_full_storm(storm_stack: Any, dynamodb_local_endpoint: str) -> None:
    # 20,000 deliveries took 35 minutes on a two-core machine busy with other work (mail
    # stored at ~10 a second while 16 workers ingest it); REBOUND_STORM_DELIVERIES scales it.
    deliveries = int(os.environ.get("REBOUND_STORM_DELIVERIES", "20000"))
    run_storm(storm_stack, dynamodb_local_endpoint, deliveries)


# -- DynamoDB answering with conflicts and throttling ----------------------------------------


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class UnrulyDynamoDB:
    """Answers a share of the requests to one DynamoDB endpoint as the service does under
    contention and load, before they reach it (so nothing is written): TransactWriteItems
    cancelled with TransactionConflict on its first item, writes refused with
    ProvisionedThroughputExceededException (botocore retries those itself, as in AWS)."""

    def __init__(self, endpoint: str, conflicts: float, throttles: float, seed: int) -> None:
        self._endpoint, self._conflicts, self._throttles = endpoint, conflicts, throttles
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.refused: Counter[str] = Counter()

    def _roll(self) -> float:
        with self._lock:
            return self._rng.random()

    def answer(self, request: Any) -> AWSResponse | None:
        if not request.url.startswith(self._endpoint):
            return None
        target = str(request.headers.get("X-Amz-Target", b""), "ascii", "replace")
        operation = target.rpartition(".")[2]
        if operation == "TransactWriteItems" and self._roll() < self._conflicts:
            items = len(json.loads(request.body)["TransactItems"])
            reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing"}]
            reasons += [{"Code": "None"}] * (items - 1)
            return self._error(operation, "TransactionCanceledException", reasons)
        writes = {"PutItem", "UpdateItem", "TransactWriteItems"}
        if operation in writes and self._roll() < self._throttles:
            return self._error(operation, "ProvisionedThroughputExceededException", None)
        return None

    def _error(self, operation: str, code: str, reasons: list[dict[str, str]] | None) -> Any:
        self.refused[f"{operation} {code}"] += 1
        body: dict[str, Any] = {
            "__type": f"com.amazonaws.dynamodb.v20120810#{code}",
            "message": "refused by the test's fake",
        }
        if reasons is not None:
            body["CancellationReasons"] = reasons
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fake"}
        return AWSResponse(self._endpoint, 400, headers, _Body(json.dumps(body).encode()))


@pytest.fixture
def unruly(dynamodb_local_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> UnrulyDynamoDB:
    fake = UnrulyDynamoDB(dynamodb_local_endpoint, conflicts=0.2, throttles=0.05, seed=11)
    original = Endpoint._send

    def send(self: Endpoint, request: Any) -> Any:
        return fake.answer(request) or original(self, request)

    monkeypatch.setattr(Endpoint, "_send", send)
    return fake


def test_conflicts_and_throttling_are_retried_to_exact_counts(
    storm_stack: Any, dynamodb_local_endpoint: str, unruly: UnrulyDynamoDB
) -> None:
    storm = send_storm(400, seed=7, queue_url=storm_stack.queue_url)
    deliver(storm_stack, workers=16)
    assert waiting(storm_stack.dlq_url) == len(storm.poison)
    assert_exact(storm, dynamodb_local_endpoint)
    # First bounces are single Puts; the transactions are later bounces of an address (one in
    # ten bounces twice) and the aggregator's runs.
    assert unruly.refused["TransactWriteItems TransactionCanceledException"] >= 10
    assert unruly.refused["PutItem ProvisionedThroughputExceededException"] > 0
