"""Ingest cost benchmark: bounces through the real ingest handler into the real DynamoDB Local,
the stream aggregation included, with the capacity DynamoDB Local reports summed per table and
index (ReturnConsumedCapacity=INDEXES on every call PynamoDB makes, transactions included).

The mail: `--bounces` distinct bounces for one tenant over a few sends, plus SMTP duplicates
(the same bytes stored again under a new key: mail servers retry when a 250 is lost) and SQS
redeliveries (the same object announced twice). The bucket, queue and the rest of AWS are moto;
the table is DynamoDB Local. Afterwards every counter is compared with the bounces sent
(double_counts, lost) and the derived figures with a recount of the counters.

Baseline, measured in the same run on the same DynamoDB Local: the floor of counting one bounce
(a conditional marker Put, a history Put and a counter Put, not in a transaction, the counter's
indexes as the table declares them), so `wcu_per_bounce / floor` says how far counting is from
the least it can write.

    python -m rebound.bench ingest [--json] [--bounces 5000] [--workers 4]

Figures only; nothing is asserted. With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rebound.bench.local_aws import start_local_aws

TENANT = "storm"
SENDS = ("s-1", "s-2", "s-3", "s-4")
DOMAINS = ("example.com", "example.net", "example.org")
SMTP_DUPLICATES = 0.10
SQS_REDELIVERIES = 0.05
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)


ADMIN_OPERATIONS = frozenset(
    {"DescribeTable", "CreateTable", "UpdateTable", "UpdateTimeToLive", "ListTables", "DeleteTable"}
)


class CapacityMeter:
    """Sums the ConsumedCapacity of every DynamoDB call PynamoDB makes, per table / index."""

    def __init__(self) -> None:
        self.write: Counter[str] = Counter()
        self.read: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self) -> Callable[[], None]:
        from pynamodb.connection.base import Connection

        original = Connection.dispatch
        meter = self

        def dispatch(conn: Any, operation: str, kwargs: dict[str, Any]) -> Any:
            if operation not in ADMIN_OPERATIONS:
                kwargs["ReturnConsumedCapacity"] = "INDEXES"
            data = original(conn, operation, kwargs)
            meter.add(operation, (data or {}).get("ConsumedCapacity"))
            return data

        Connection.dispatch = dispatch  # type: ignore[method-assign]

        def uninstall() -> None:
            Connection.dispatch = original  # type: ignore[method-assign]

        return uninstall

    def add(self, operation: str, consumed: Any) -> None:
        if not consumed:
            return
        into = self.write if operation in WRITE_OPERATIONS else self.read
        with self._lock:
            self.calls[operation] += 1
            for entry in consumed if isinstance(consumed, list) else [consumed]:
                table = entry.get("Table", {}).get("CapacityUnits")
                indexes = entry.get("GlobalSecondaryIndexes", {})
                if table is None and not indexes:
                    table = entry.get("CapacityUnits", 0.0)
                into["table"] += float(table or 0.0)
                for name, used in indexes.items():
                    into[f"index {name}"] += float(used.get("CapacityUnits", 0.0))

    def totals(self) -> tuple[float, float]:
        return sum(self.write.values()), sum(self.read.values())

    def reset(self) -> None:
        self.write.clear()
        self.read.clear()
        self.calls.clear()


def _bounces(n: int, rng: random.Random) -> tuple[list[tuple[str, bytes]], Counter[str]]:
    from chalicelib import wiring
    from chalicelib.config import settings
    from chalicelib.tenancy.ids import Source
    from chalicelib.tenancy.tags import make_return_path
    from rebound.samples import SampleFailure, dsn

    s = settings()
    start = datetime.now(UTC) - timedelta(hours=2)
    kinds = [
        ("5.1.1", "550 5.1.1 <{r}>: Recipient address rejected: User unknown"),
        ("5.2.2", "552 5.2.2 <{r}>: Mailbox full"),
        ("5.7.1", "554 5.7.1 Service unavailable; client host blocked using zen.example.org"),
        ("4.4.7", "451 4.4.7 <{r}>: delivery expired"),
    ]
    objects: list[tuple[str, bytes]] = []
    expected: Counter[str] = Counter()
    addresses = max(1, int(n * 0.8))  # most addresses bounce once, some twice or more
    for i in range(n):
        address = f"member{i % addresses:06d}@{DOMAINS[i % len(DOMAINS)]}"
        send_id = SENDS[i % len(SENDS)]
        status, diagnostic = kinds[i % len(kinds)]
        path = make_return_path(
            wiring.signing_keys(),
            local_part=s.inbound_local_part,
            domain=s.inbound_domain,
            tenant=TENANT,
            source=Source.BROADCAST,
            send_id=send_id,
            recipient=address,
            expires_on=(start + timedelta(days=30)).date(),
        )
        raw = dsn(
            return_path=path,
            failures=[SampleFailure(address, status, diagnostic.format(r=address))],
            date=start + timedelta(seconds=i),
        )
        objects.append((f"{s.inbound_prefix}{uuid.uuid4().hex}", raw))
        expected[address] += 1
        if rng.random() < SMTP_DUPLICATES:
            again = b"Received: from relay.example.org by mx.example.com; retry\n" + raw
            objects.append((f"{s.inbound_prefix}{uuid.uuid4().hex}", again))
    return objects, expected


def _event(keys: list[str], bucket: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    records = []
    for key in keys:
        body = {
            "Records": [
                {
                    "eventName": "ObjectCreated:Put",
                    "eventTime": now,
                    "s3": {"bucket": {"name": bucket}, "object": {"key": key}},
                }
            ]
        }
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "bench",
                "body": json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:rebound-ingest",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


def _ingest_all(handler: Any, keys: list[str], bucket: str, workers: int) -> int:
    """Batches of 10 (the mapping's batch size) on `workers` threads, as concurrent Lambdas."""
    from rebound.local.dispatcher import LambdaContext

    batches = [keys[i : i + 10] for i in range(0, len(keys), 10)]
    failures: list[int] = []
    lock = threading.Lock()

    def work(mine: list[list[str]]) -> None:
        for batch in mine:
            result = handler(_event(batch, bucket), LambdaContext())
            failed = len(result.get("batchItemFailures", []))
            with lock:
                failures.append(failed)

    threads = [threading.Thread(target=work, args=(batches[w::workers],)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(failures)


def _floor(meter: CapacityMeter, samples: int) -> float:
    """Write units of the least counting can write: marker, history, counter, no transaction."""
    from chalicelib.bounces import apply_bounce
    from chalicelib.storage import keys
    from chalicelib.storage.counters import _counter_item
    from chalicelib.storage.items import AppliedMarkerItem, BounceHistoryItem
    from chalicelib.timefmt import iso
    from rebound.samples import sample_event

    meter.reset()
    for i in range(samples):
        event = sample_event(
            tenant="floor", address=f"floor{i:05d}@example.net", message_id=f"f{i}"
        )
        pk = keys.address_pk(event.tenant, event.address)
        AppliedMarkerItem(pk, keys.marker_sk(event.once_key), applied_at=iso(event.bounce_at)).save(
            condition=AppliedMarkerItem.pk.does_not_exist()
        )
        BounceHistoryItem(
            pk,
            keys.history_sk(event.bounce_at, event.message_id),
            message_id=event.message_id,
            bounce_at=iso(event.bounce_at),
            received_at=iso(event.received_at),
            reason=str(event.reason),
            category=str(event.category),
            diagnostic=event.diagnostic,
        ).save()
        _counter_item(apply_bounce(None, event)).save()
    write, _ = meter.totals()
    return write / samples


def _check(expected: Counter[str]) -> dict[str, int]:
    """Counters against the bounces sent; derived figures against a recount of the counters."""
    from chalicelib import wiring

    repo = wiring.counters()
    got = {c.address: c.bounce_count for c in repo.iter_counters(TENANT)}
    double = sum(max(0, got.get(a, 0) - n) for a, n in expected.items())
    lost = sum(max(0, n - got.get(a, 0)) for a, n in expected.items())
    total = sum(got.values())
    days = repo.daily_totals(TENANT, "2000-01-01", "2999-12-31")
    by_domain: dict[str, int] = defaultdict(int)
    for address, n in got.items():
        by_domain[address.rpartition("@")[2]] += n
    domains = {t.value: t.bounces for t in repo.dimension_totals(TENANT, "domain")}
    notify = wiring.notify_repository()
    sends = sum(v.bounces for s in SENDS if (v := notify.get_send_volume(TENANT, s)) is not None)
    return {
        "double_counts": double,
        "lost": lost,
        "figure_mismatches": int(sum(d.bounces for d in days) != total)
        + int(domains != dict(by_domain))
        + int(sends != total),
    }


def _print_units(
    n: int, write_by: dict[str, float], read_by: dict[str, float], calls: dict[str, int]
) -> None:
    for title, units_by in (("write", write_by), ("read", read_by)):
        print(f"{title} units by table/index:")
        for name, units in sorted(units_by.items(), key=lambda kv: -kv[1]):
            print(f"  {name:28} {units:10.1f}  {units / n:6.2f} per bounce")
    print("calls:", ", ".join(f"{op} {k}" for op, k in sorted(calls.items())))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.bench ingest")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--bounces", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request lines
    server = start_local_aws(
        POWERTOOLS_METRICS_NAMESPACE="Rebound",
        POWERTOOLS_SERVICE_NAME="rebound",
        POWERTOOLS_METRICS_DISABLED="true",  # no metric lines between the figures
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from rebound.dynamodb_local import dynamodb_local

    try:
        with dynamodb_local() as endpoint:
            return _run(args, endpoint)
    finally:
        server.stop()


def _run(args: argparse.Namespace, endpoint: str) -> int:
    import boto3

    import app as chalice_app
    from chalicelib import wiring
    from chalicelib.config import Settings
    from chalicelib.storage.items import bind
    from chalicelib.tenancy.service import ensure_tenant
    from rebound.local.streams import StreamPump
    from rebound.provision import provision

    settings = Settings.from_env()
    table = f"rebound-bench-{uuid.uuid4().hex[:6]}"
    bind(table, endpoint, settings.region)
    provision(settings)
    ensure_tenant(wiring.tenants(), TENANT)

    rng = random.Random(12)
    objects, expected = _bounces(args.bounces, rng)
    s3: Any = boto3.client("s3", region_name=settings.region)
    for key, raw in objects:
        s3.put_object(Bucket=settings.bucket_name, Key=key, Body=raw)
    keys = [key for key, _ in objects]
    keys += rng.sample(keys, int(len(keys) * SQS_REDELIVERIES))  # announced twice
    rng.shuffle(keys)

    meter = CapacityMeter()
    uninstall = meter.install()
    try:
        started = time.perf_counter()
        # The handlers' metric lines (EMF, on stdout as in Lambda) would bury the figures.
        with contextlib.redirect_stdout(io.StringIO()):
            failed = _ingest_all(chalice_app.ingest, keys, settings.bucket_name, args.workers)
            ingested = time.perf_counter() - started
            pump = StreamPump(table, chalice_app.aggregate, endpoint_url=endpoint)
            aggregated_started = time.perf_counter()
            pump.drain()
            aggregation = time.perf_counter() - aggregated_started
        elapsed = time.perf_counter() - started
        write_by = dict(meter.write)
        read_by = dict(meter.read)
        calls = dict(meter.calls)
        wcu, rcu = meter.totals()
        checked = _check(expected)
        floor = _floor(meter, 300)
    finally:
        uninstall()

    n = sum(expected.values())
    figures = {
        "bounces": n,
        "wcu_per_bounce": round(wcu / n, 2),
        "rcu_per_bounce": round(rcu / n, 2),
        "bounces_per_s": round(n / elapsed, 1),
        "double_counts": checked["double_counts"],
        "lost": checked["lost"],
    }
    print(
        f"ingested {len(keys)} deliveries ({n} distinct bounces, {len(objects) - n} SMTP "
        f"duplicates, {len(keys) - len(objects)} SQS redeliveries) on {args.workers} workers "
        f"in {ingested:.1f} s; aggregation {aggregation:.1f} s; failed records {failed}"
    )
    _print_units(n, write_by, read_by, calls)
    print(
        f"floor (marker + history + counter Puts, same indexes): {floor:.2f} WCU per bounce; "
        f"measured / floor = {wcu / n / floor:.2f}; target 6 WCU per bounce: "
        f"{'met' if wcu / n <= 6 else 'NOT met'}"
    )
    print(f"derived figures equal a recount: {checked['figure_mismatches'] == 0}")
    print(json.dumps(figures) if args.json else figures)
    return 0 if checked["double_counts"] == checked["lost"] == 0 else 1
