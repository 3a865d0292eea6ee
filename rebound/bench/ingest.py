"""Ingest cost benchmark: bounces through the real ingest handler into the real DynamoDB Local,
the stream aggregation included, with the capacity DynamoDB Local reports summed per table and
index (ReturnConsumedCapacity=INDEXES on every call PynamoDB makes, transactions included),
corrected where it bills otherwise than AWS (CapacityMeter says where).

The mail: `--bounces` distinct bounces for one tenant over a few sends, one per address (a
storm to a stale list; what a later bounce of a counted address costs is measured apart), plus
SMTP duplicates (the same bytes stored again under a new key: mail servers retry when a 250 is
lost) and SQS redeliveries (the same object announced twice). The bucket, queue and the rest of
AWS are moto; the table is DynamoDB Local. Afterwards every counter is compared with the bounces
sent (double_counts, lost) and the derived figures with a recount of the counters (the
block-burst windows with a recount of the history items).

Baseline, measured in the same run on the same DynamoDB Local: the floor of counting one bounce
(a history Put and a counter Put, the counter's indexes as the table declares them), so
`wcu_per_bounce / floor` says how far counting is from the least it can write.

    python -m rebound.bench ingest [--json] [--bounces 5000] [--workers 4]

Figures only; nothing is asserted. With --json the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import math
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
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
    """Sums the write and read units of every DynamoDB call PynamoDB makes, per table / index
    and per kind of item written, as AWS bills them.

    DynamoDB Local reports ConsumedCapacity for every call, and most of it as AWS bills: one
    unit per KB of each item written, and per index each entry put or removed. Two things it
    gets wrong are corrected here. (1) For TransactWriteItems it sums the *distinct* per-item
    figures (a transaction of three small items reports 2 units, not 6; of 1 KB and 2 KB items
    6, not 2 x (1 + 1 + 2) = 8), so the table's part of a transaction is recomputed item by
    item: 2 units per KB of each item as written (an updated item is read back afterwards,
    outside the figures). Its per-index figures are kept (one item per index per transaction
    here). (2) It reports nothing for a write whose condition failed, which AWS bills as a
    write of the item: counted as one unit per KB of the item (1 for an update).
    `local_write` keeps what DynamoDB Local itself said, for comparison.
    """

    def __init__(self) -> None:
        self.write: Counter[str] = Counter()
        self.read: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.by_item: Counter[str] = Counter()  # "<operation> <item kind>": table write units
        self.local_write = 0.0
        self.largest: Counter[str] = Counter()  # item kind -> largest item written (bytes)
        self._lock = threading.Lock()

    def install(self) -> Callable[[], None]:
        from pynamodb.connection.base import Connection

        original = Connection.dispatch
        meter = self

        def dispatch(conn: Any, operation: str, kwargs: dict[str, Any]) -> Any:
            if operation in ADMIN_OPERATIONS:
                return original(conn, operation, kwargs)
            kwargs["ReturnConsumedCapacity"] = "INDEXES"
            try:
                data = original(conn, operation, kwargs)
            except Exception as error:
                code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
                if code == "ConditionalCheckFailedException":
                    meter.failed_write(operation, kwargs)
                raise
            consumed = (data or {}).get("ConsumedCapacity")
            if operation == "TransactWriteItems" and consumed:
                meter.transaction(kwargs, consumed, lambda k: original(conn, "GetItem", k))
            else:
                meter.add(operation, consumed, kwargs)
            return data

        Connection.dispatch = dispatch  # type: ignore[method-assign]

        def uninstall() -> None:
            Connection.dispatch = original  # type: ignore[method-assign]

        return uninstall

    def add(self, operation: str, consumed: Any, kwargs: dict[str, Any]) -> None:
        if not consumed:
            return
        writing = operation in WRITE_OPERATIONS
        into = self.write if writing else self.read
        with self._lock:
            self.calls[operation] += 1
            for entry in consumed if isinstance(consumed, list) else [consumed]:
                table = entry.get("Table", {}).get("CapacityUnits")
                indexes = entry.get("GlobalSecondaryIndexes", {})
                if table is None and not indexes:
                    table = entry.get("CapacityUnits", 0.0)
                into["table"] += float(table or 0.0)
                if writing:
                    self.local_write += float(entry.get("CapacityUnits", 0.0))
                    self.by_item[f"{operation} {_kind(kwargs)}"] += float(table or 0.0)
                    self._sized(kwargs)
                for name, used in indexes.items():
                    into[f"index {name}"] += float(used.get("CapacityUnits", 0.0))

    def transaction(
        self, kwargs: dict[str, Any], consumed: list[dict[str, Any]], get: Callable[..., Any]
    ) -> None:
        with self._lock:
            self.calls["TransactWriteItems"] += 1
            for entry in consumed:
                self.local_write += float(entry.get("CapacityUnits", 0.0))
                for name, used in entry.get("GlobalSecondaryIndexes", {}).items():
                    self.write[f"index {name}"] += float(used.get("CapacityUnits", 0.0))
        for action in kwargs["TransactItems"]:
            (verb, request), *_ = action.items()
            if verb == "ConditionCheck":
                continue
            if verb == "Put":
                item = request["Item"]
            else:
                key = {"TableName": request["TableName"], "Key": request["Key"]}
                item = (get({**key, "ConsistentRead": True}) or {}).get("Item", request["Key"])
            units = 2.0 * max(1, math.ceil(item_size(item) / 1024))
            with self._lock:
                self._sized({"Item": item})
                self.write["table"] += units
                self.by_item[f"TransactWriteItems {_kind(request)}"] += units

    def _sized(self, request: dict[str, Any]) -> None:
        if "Item" in request:
            kind = _kind(request)
            self.largest[kind] = max(self.largest[kind], item_size(request["Item"]))

    def failed_write(self, operation: str, kwargs: dict[str, Any]) -> None:
        units = float(max(1, math.ceil(item_size(kwargs.get("Item", {})) / 1024)))
        with self._lock:
            self.write["table"] += units
            self.by_item[f"{operation} {_kind(kwargs)} (condition failed)"] += units

    def snapshot(self) -> CapacityMeter:
        with self._lock:
            copy = CapacityMeter()
            copy.write, copy.read = Counter(self.write), Counter(self.read)
            copy.calls, copy.by_item = Counter(self.calls), Counter(self.by_item)
            copy.local_write = self.local_write
            copy.largest = Counter(self.largest)
            return copy

    def totals(self) -> tuple[float, float]:
        return sum(self.write.values()), sum(self.read.values())

    def reset(self) -> None:
        self.write.clear()
        self.read.clear()
        self.calls.clear()
        self.by_item.clear()
        self.local_write = 0.0


def item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (strings and binary by
    length, numbers about one byte per two digits plus one, lists and maps 3 bytes plus one
    per element)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict[str, Any]) -> int:
    (kind, v), *_ = value.items()
    if kind == "N":
        digits = str(v).lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "L":
        return 3 + sum(_value_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(e) + 1 for k, e in v.items())
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: e}) for e in v)
    return len(str(v).encode()) if kind == "S" else len(v) if kind == "B" else 1


def _kind(request: dict[str, Any]) -> str:
    """What kind of item a write touched, from its key (storage/keys.py's layout)."""
    key = request.get("Item") or request.get("Key") or {}
    if not key:
        return "batch"
    pk, sk = key.get("pk", {}).get("S", ""), key.get("sk", {}).get("S", "")
    if "#A#" in pk:
        return {"H": "history", "M": "marker", "C": "complaint marker"}.get(sk[:1], "address")
    for suffix, kind in (
        ("#STATS", "day"),
        ("#AGG", "aggregate"),
        ("#SENDDOM", "send domain"),
        ("#SEND", "send"),
        ("#SUPP", "suppression"),
        ("AGGSEG", "aggregated run"),
        ("#ALERT", "alert"),
    ):
        if pk.endswith(suffix):
            return kind
    if "#IN#" in pk:
        return "inbound"
    if sk.startswith("A#"):
        return "counter"
    return "other"


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
    # One bounce per address, as a storm to a stale list is: a later bounce of a counted
    # address takes the transaction path, measured apart (_repeat_cost).
    for i in range(n):
        address = f"member{i:06d}@{DOMAINS[i % len(DOMAINS)]}"
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
    """Write units of the least counting a first bounce can write: its counter (with the
    table's indexes) and its history entry, single Puts."""
    from chalicelib.bounces import apply_bounce
    from chalicelib.storage import keys
    from chalicelib.storage.counters import CounterRepository, _counter_item
    from rebound.samples import sample_event

    history = CounterRepository()._history_item  # the repository's own item, as counted
    meter.reset()
    for i in range(samples):
        event = sample_event(
            tenant="floor", address=f"floor{i:05d}@example.net", message_id=f"f{i}"
        )
        history(event, keys.history_sk(event.bounce_at, event.once_key)).save()
        _counter_item(apply_bounce(None, event)).save()
    write, _ = meter.totals()
    return write / samples


def _repeat_cost(meter: CapacityMeter, samples: int) -> float:
    """Write units of a later bounce of an address already counted (the transaction path),
    through the repository, the stream aggregation left out."""
    from chalicelib import wiring
    from rebound.samples import sample_event

    repo = wiring.counters()
    events = [
        sample_event(tenant="again", address=f"again{i:05d}@example.org", message_id=f"a{i}")
        for i in range(samples)
    ]
    for event in events:
        repo.record_bounce(event)
    meter.reset()
    for i, event in enumerate(events):
        repo.record_bounce(
            replace(
                event,
                message_id=f"b{i}",
                bounce_id="",
                bounce_at=event.bounce_at + timedelta(hours=1),
            )
        )
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
        + int(sends != total)
        + int(_block_windows() != _block_windows_recounted()),
    }


def _block_windows() -> dict[str, int]:
    """The block-burst alert's windows as the aggregation counted them (sort key -> hits)."""
    from chalicelib.storage import keys
    from chalicelib.storage.items import AlertWindowItem
    from chalicelib.tenancy.ids import SYSTEM_SCOPE

    found = AlertWindowItem.query(
        keys.alert_pk(SYSTEM_SCOPE), AlertWindowItem.sk.startswith("W#"), consistent_read=True
    )
    return {item.sk: int(item.hits) for item in found}


def _block_windows_recounted() -> dict[str, int]:
    """The same windows recounted from the history items (each counted bounce once)."""
    from chalicelib.classification.reasons import is_block_rejection
    from chalicelib.storage import keys
    from chalicelib.storage.items import BounceHistoryItem
    from chalicelib.timefmt import hour_window, parse_iso

    recount: Counter[str] = Counter()
    for item in BounceHistoryItem.scan(BounceHistoryItem.sk.startswith(keys.HISTORY_SK_PREFIX)):
        if is_block_rejection(item.reason, item.category):
            domain = keys.split_address_pk(item.pk)[1].rpartition("@")[2]
            recount[keys.block_window_sk(hour_window(parse_iso(item.received_at)), domain)] += 1
    return dict(recount)


def _print_units(n: int, seen: CapacityMeter) -> None:
    print("table write units by operation and item:")
    for name, units in sorted(seen.by_item.items(), key=lambda kv: -kv[1]):
        print(f"  {name:44} {units:10.1f}  {units / n:6.2f} per bounce")
    for title, units_by in (("write", seen.write), ("read", seen.read)):
        print(f"{title} units by table/index:")
        for name, units in sorted(units_by.items(), key=lambda kv: -kv[1]):
            print(f"  {name:28} {units:10.1f}  {units / n:6.2f} per bounce")
    print("calls:", ", ".join(f"{op} {k}" for op, k in sorted(seen.calls.items())))
    print("largest item written:", ", ".join(f"{k} {b} B" for k, b in sorted(seen.largest.items())))
    print(
        f"DynamoDB Local's own figures: {seen.local_write / n:.2f} WCU per bounce (transactions "
        "summed as it does, failed conditions not billed)"
    )


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
        seen = meter.snapshot()
        wcu, rcu = seen.totals()
        checked = _check(expected)
        floor = _floor(meter, 300)
        repeat = _repeat_cost(meter, 200)
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
        "wcu_per_bounce_local": round(seen.local_write / n, 2),
    }
    print(
        f"ingested {len(keys)} deliveries ({n} distinct bounces, {len(objects) - n} SMTP "
        f"duplicates, {len(keys) - len(objects)} SQS redeliveries) on {args.workers} workers "
        f"in {ingested:.1f} s; aggregation {aggregation:.1f} s; failed records {failed}"
    )
    _print_units(n, seen)
    print(
        f"floor (history + counter Puts, same indexes): {floor:.2f} WCU per bounce; "
        f"measured / floor = {wcu / n / floor:.2f}; target 6 WCU per bounce: "
        f"{'met' if wcu / n <= 6 else 'NOT met'}"
    )
    print(
        f"a later bounce of an address already counted (transaction path, without the "
        f"aggregation): {repeat:.2f} WCU; this run's bounces are first bounces of "
        f"{len(expected)} addresses"
    )
    print(f"derived figures equal a recount: {checked['figure_mismatches'] == 0}")
    print(json.dumps(figures) if args.json else figures)
    return 0 if checked["double_counts"] == checked["lost"] == 0 else 1
