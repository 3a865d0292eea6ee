"""Plays Lambda's DynamoDB Streams event-source mapping: read the table's stream shard by shard,
keep the records the mapping's filter keeps (chalicelib.storage.aggregate.STREAM_FILTER), call
the handler with the event shape Lambda uses in batches of up to `batch_size` kept records (as
the mapping in infra/: AGGREGATE_BATCH_SIZE), and
on an error deliver the same batch again (Lambda retries a stream batch until it succeeds;
nothing behind it moves meanwhile).

Works against moto's stream and DynamoDB Local's alike (the endpoint of the table's client).
`drain()` delivers until the stream has nothing new; `run()` is the local stack's loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import boto3

from chalicelib.storage.aggregate import wanted
from infra.names import AGGREGATE_BATCH_SIZE
from rebound.local.dispatcher import LambdaContext

log = logging.getLogger("rebound.local.streams")

Handler = Callable[[dict[str, Any], Any], Any]
MAX_ATTEMPTS = 20  # a batch failing this often is a bug, not contention: stop and say so


class StreamPump:
    def __init__(
        self,
        table_name: str,
        handler: Handler,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        batch_size: int = AGGREGATE_BATCH_SIZE,
    ) -> None:
        self._ddb, self._streams = _clients(endpoint_url, region)
        self._table, self._handler, self._region = table_name, handler, region
        self._batch_size = batch_size
        self._iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: closed)
        self._kept: dict[str, list[dict[str, Any]]] = {}  # shard id -> filtered, not delivered
        self._arn: str | None = None
        self.delivered = 0
        self.failures = 0

    def _stream_arn(self) -> str:
        if self._arn is None:
            table = self._ddb.describe_table(TableName=self._table)["Table"]
            self._arn = str(table["LatestStreamArn"])
        return self._arn

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                self._handler({"Records": batch}, LambdaContext(function_name="rebound-aggregate"))
            except Exception:  # Lambda retries the whole batch after any error
                self.failures += 1
                log.warning("stream batch failed (attempt %d); delivering again", attempt + 1)
                continue
            self.delivered += len(batch)
            return
        raise RuntimeError(f"a stream batch of {len(batch)} records failed {MAX_ATTEMPTS} times")

    def poll_once(self) -> tuple[bool, int]:
        """One GetRecords per open shard: (may a shard hold more: one returned a full page,
        how many records the filter kept and the handler took). A local stream answers with
        all it has up to the limit, so a short page means caught up."""
        arn = self._stream_arn()
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        seen, delivered = False, 0
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            if iterator is None:
                continue
            page = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
            self._iterators[shard_id] = page.get("NextShardIterator")
            full = len(page["Records"]) >= self._batch_size
            seen = seen or full
            # As Lambda does: filter first, then batch up to batch_size kept records (a short
            # batch once the shard is caught up).
            kept = self._kept.setdefault(shard_id, [])
            records = (_lambda_record(r, arn, self._region) for r in page["Records"])
            kept += [r for r in records if wanted(r)]
            while len(kept) >= self._batch_size or (kept and not full):
                batch, kept[:] = kept[: self._batch_size], kept[self._batch_size :]
                self._deliver(batch)
                delivered += len(batch)
        return seen, delivered

    def drain(self, max_polls: int = 1_000_000) -> int:
        """Deliver until a poll of every shard finds nothing new; returns records delivered."""
        total = 0
        for _ in range(max_polls):
            more, delivered = self.poll_once()
            total += delivered
            if not more:
                break
        return total

    def run(self, stop: threading.Event, idle_wait: float = 0.2) -> None:
        """Deliver until `stop` is set; errors talking to the endpoint are logged and retried."""
        while not stop.is_set():
            try:
                more, _ = self.poll_once()
                if not more:
                    stop.wait(idle_wait)
            except Exception:
                log.exception("reading the stream of %s failed; retrying", self._table)
                stop.wait(1.0)


@cache
def _clients(endpoint_url: str | None, region: str) -> tuple[Any, Any]:
    """The table's and its stream's clients, built once per endpoint (building one costs
    tens of milliseconds, and tests read the stream after every message)."""
    kw: dict[str, Any] = {"region_name": region}
    if endpoint_url:
        kw["endpoint_url"] = endpoint_url
    return boto3.client("dynamodb", **kw), boto3.client("dynamodbstreams", **kw)


def _lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it over (times as epoch seconds, the ARN added)."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }
