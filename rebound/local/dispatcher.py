"""Plays Lambda's SQS event-source mapping: receive a batch, call the handler with the exact
event shape Lambda uses, delete what succeeded, and honour `batchItemFailures` (failed records
become visible again and are redelivered; past the queue's maxReceiveCount the queue's redrive
policy moves them to the dead-letter queue).

`run()` is the local stack's delivery loop: SQS long polling (moto wakes a waiting receive as
soon as a message arrives), so a stored bounce reaches the handler within milliseconds, and a
stop request is noticed within one poll.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

log = logging.getLogger("rebound.local.dispatcher")

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """The parts of Lambda's context object handlers and Powertools read."""

    function_name: str = "rebound-ingest"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:rebound-ingest"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    received: int
    succeeded: int
    failed: int


class Dispatcher:
    def __init__(
        self, queue_url: str, queue_arn: str, handler: Handler, region: str = "us-east-1"
    ) -> None:
        self._sqs: Any = boto3.client("sqs", region_name=region)
        self.queue_url, self._queue_arn, self._handler, self._region = (
            queue_url,
            queue_arn,
            handler,
            region,
        )

    def poll_once(self, wait_seconds: int = 0, batch_size: int = 10) -> BatchOutcome:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=batch_size,
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return BatchOutcome(0, 0, 0)
        event = {"Records": [self._record(m) for m in messages]}
        try:
            result = self._handler(event, LambdaContext())
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:  # a crashed invocation fails the whole batch, as on Lambda
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )
        for m in messages:
            if m["MessageId"] in failed:
                self._retry_soon(m["ReceiptHandle"])
        return BatchOutcome(len(messages), len(done), len(messages) - len(done))

    def _retry_soon(self, receipt_handle: str) -> None:
        """Lambda leaves a failed record invisible until its visibility timeout; locally it is
        made visible at once so a retry happens within the poll loop. When the handler outlived
        the visibility timeout (a loaded machine), another poller may have received the record
        meanwhile and finished it (deleted, or moved to the dead-letter queue): SQS then refuses
        the old receipt handle, and there is nothing left to retry, as on Lambda."""
        try:
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=0
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ReceiptHandleIsInvalid":
                raise
            log.info("a failed record was finished by another poller meanwhile")

    def drain(
        self, idle_polls: int = 2, max_batches: int = 10_000, until: threading.Event | None = None
    ) -> int:
        """Deliver until the queue stays empty for `idle_polls` polls; returns records handled.
        With `until`, an empty queue ends the loop only once `until` is set (mail is still
        arriving until then), and there is no bound on the batches."""
        handled, idle, batches = 0, 0, 0
        while until is not None or batches < max_batches:
            batches += 1
            outcome = self.poll_once()
            handled += outcome.received
            idle = idle + 1 if outcome.received == 0 else 0
            if idle >= idle_polls and (until is None or until.is_set()):
                break
            if outcome.received == 0:
                time.sleep(0.05)
        return handled

    def run(self, stop: threading.Event, wait_seconds: int = 1) -> None:
        """Deliver until `stop` is set. Errors talking to SQS are logged and retried, because
        the loop must outlive a hiccup of the local endpoint."""
        while not stop.is_set():
            try:
                outcome = self.poll_once(wait_seconds=wait_seconds)
            except Exception:
                log.exception("polling %s failed; retrying", self.queue_url)
                stop.wait(1.0)
                continue
            if not outcome.received and not wait_seconds:
                stop.wait(0.05)  # short polling: do not spin
            if outcome.received:
                log.info(
                    "delivered %d record(s): %d ok, %d failed",
                    outcome.received,
                    outcome.succeeded,
                    outcome.failed,
                )

    def _record(self, m: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": m.get("MessageAttributes", {}),
            "md5OfBody": m.get("MD5OfBody", hashlib.md5(m["Body"].encode()).hexdigest()),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": self._queue_arn,
            "awsRegion": self._region,
        }
