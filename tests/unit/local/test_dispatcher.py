"""The dispatcher plays Lambda's SQS event-source mapping: Lambda's event shape, partial batch
failures honoured, failed records redelivered and then dead-lettered by the queue's redrive
policy, and a delivery loop that stops when asked. moto's in-memory mock: no network."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rebound.local.dispatcher import Dispatcher

REGION = "us-east-1"
RECORD_KEYS = {
    "messageId",
    "receiptHandle",
    "body",
    "attributes",
    "messageAttributes",
    "md5OfBody",
    "eventSource",
    "eventSourceARN",
    "awsRegion",
}


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str, str, str]]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # the in-memory mock, not a server
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
        url = sqs.create_queue(QueueName="ingest", Attributes={"RedrivePolicy": redrive})[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        yield sqs, url, arn, dlq_url


def _count(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[n]) for n in names)


def test_lambda_event_shape_and_partial_failures(queues: tuple[Any, str, str, str]) -> None:
    sqs, url, arn, dlq_url = queues
    for body in ("good", "bad"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    calls: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.get_remaining_time_in_millis() > 0
        failures = []
        for record in event["Records"]:
            assert set(record) == RECORD_KEYS
            assert record["eventSource"] == "aws:sqs"
            assert record["eventSourceARN"] == arn
            assert record["attributes"]["ApproximateReceiveCount"]
            calls.append(record["body"])
            if record["body"] == "bad":
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    dispatcher = Dispatcher(url, arn, handler, REGION)
    for _ in range(10):
        dispatcher.poll_once()
    assert calls.count("good") == 1
    assert calls.count("bad") == 3  # maxReceiveCount deliveries, then the redrive policy
    assert _count(sqs, url) == 0
    moved = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in moved] == ["bad"]


def test_a_crashed_invocation_fails_the_whole_batch(queues: tuple[Any, str, str, str]) -> None:
    sqs, url, arn, _ = queues
    sqs.send_message(QueueUrl=url, MessageBody="one")
    attempts: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        attempts.append(len(event["Records"]))
        if len(attempts) == 1:
            raise RuntimeError("crash")
        return {"batchItemFailures": []}

    dispatcher = Dispatcher(url, arn, handler, REGION)
    first = dispatcher.poll_once()
    assert (first.received, first.failed) == (1, 1)
    second = dispatcher.poll_once()
    assert (second.received, second.succeeded) == (1, 1)
    assert _count(sqs, url) == 0


def test_run_delivers_until_stopped(queues: tuple[Any, str, str, str]) -> None:
    sqs, url, arn, _ = queues
    delivered = threading.Event()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        delivered.set()
        return {"batchItemFailures": []}

    stop = threading.Event()
    dispatcher = Dispatcher(url, arn, handler, REGION)
    thread = threading.Thread(target=dispatcher.run, args=(stop, 0))
    thread.start()
    try:
        sqs.send_message(QueueUrl=url, MessageBody="x")
        assert delivered.wait(5)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_a_failed_record_another_poller_finished_meanwhile_is_no_error(
    queues: tuple[Any, str, str, str],
) -> None:
    """The handler outlived the visibility timeout and another poller took the record and
    finished it: SQS refuses the first receipt handle, and that is no error of the batch."""
    sqs, url, arn, _ = queues
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    sqs.send_message(QueueUrl=url, MessageBody="slow")
    taken: list[str] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        for m in sqs.receive_message(QueueUrl=url).get("Messages", []):
            taken.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    outcome = Dispatcher(url, arn, handler, REGION).poll_once()
    assert (outcome.received, outcome.failed) == (1, 1)
    assert taken == ["slow"]
    assert _count(sqs, url) == 0
