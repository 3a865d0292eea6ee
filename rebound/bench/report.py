"""Report latency against the real DynamoDB Local: a tenant with 100,000 bounced addresses next
to one with 1,000, measured in the same run, so the ratio shows whether a page's cost grows with
the tenant's size (it must not: every listing is a key or index query).

Prints p50/p99 of a 100-row page (several orders and filters) and of an address detail request,
through the real Chalice handler (auth, validation, JSON), against the floor measured in the same
run on the same DynamoDB Local: a raw 100-item Query of the same index with a bare botocore
client, and the raw reads a detail needs (the counter, a page of history, the suppression).
Targets: page p50 <= 3x raw p50, page p99 <= 3x raw p99, detail p50 <= 2x raw, 100k/1k <= 1.1.
Figures only; nothing is asserted.

    python -m rebound.bench report [--json]     (last line: one JSON object)
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

SIZES = {"big": 100_000, "small": 1_000}
REQUESTS = 80
WARMUP = 20  # DynamoDB Local runs on the JVM: let it compile the query paths first


def _seed(tenant: str, n: int) -> list[str]:
    from chalicelib.bounces import AddressState
    from chalicelib.classification.reasons import Category, Reason
    from chalicelib.storage.counters import _counter_item
    from chalicelib.storage.items import AddressCounterItem
    from rebound.samples import sample_counter

    rng = random.Random(n)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    kinds = [
        (Reason.USER_UNKNOWN, Category.HARD, True, AddressState.SUPPRESSED),
        (Reason.MAILBOX_FULL, Category.MAILBOX_FULL, False, AddressState.ACTIVE),
        (Reason.BLOCKED, Category.BLOCK, False, AddressState.ACTIVE),
        (Reason.EXPIRED, Category.SOFT, False, AddressState.ACTIVE),
    ]
    addresses = []
    with AddressCounterItem.batch_write() as batch:
        for i in range(n):
            reason, category, hard, state = kinds[i % len(kinds)]
            address = f"member{i:06d}@{['example.com', 'example.net', 'example.org'][i % 3]}"
            first = base + timedelta(minutes=rng.randrange(0, 30 * 24 * 60))
            count = 1 + int(rng.expovariate(0.5))
            batch.save(
                _counter_item(
                    sample_counter(
                        tenant=tenant,
                        address=address,
                        bounce_count=count,
                        first_bounce_at=first,
                        # one bounce: its first is its last (by_last_bounce orders those)
                        last_bounce_at=first + timedelta(hours=count - 1),
                        last_received_at=first + timedelta(hours=count - 1),
                        status="5.1.1" if hard else "4.2.2",
                        reason=reason,
                        category=category,
                        hard=hard,
                        blacklisted=category is Category.BLOCK,
                        diagnostic="550 5.1.1 synthetic benchmark row",
                        send_id=f"s{i % 50}",
                        state=state,
                        version=count,
                        daily=((first.date().isoformat(), count),),
                    )
                )
            )
            addresses.append(address)
    return addresses


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def _measure_all(
    calls: dict[str, dict[str, Callable[[], object]]],
) -> dict[str, dict[str, tuple[float, float]]]:
    """p50 and p99 of every (request, tenant) call, taken round-robin: each round makes every
    call once, so a raw read and the request measured against it meet the same machine load
    (two phases, one for the floor and one for the API, made the ratio a measure of how the
    background load changed between them)."""
    flat = [(name, tenant, call) for name, by in calls.items() for tenant, call in by.items()]
    for _ in range(WARMUP):
        for _, _, call in flat:
            call()
    samples: dict[tuple[str, str], list[float]] = {(n, t): [] for n, t, _ in flat}
    for _ in range(REQUESTS):
        for name, tenant, call in flat:
            start = time.perf_counter()
            call()
            samples[(name, tenant)].append((time.perf_counter() - start) * 1000)
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for (name, tenant), taken in samples.items():
        results.setdefault(name, {})[tenant] = _percentiles(taken)
    return results


def _raw_reads(endpoint: str, table: str) -> tuple[Any, Any]:
    """The floor: the same reads with a bare botocore client (no model, no handler)."""
    import boto3

    from chalicelib.storage import keys

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")

    def page(tenant: str) -> object:
        return client.query(
            TableName=table,
            IndexName="by_count",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.tenant_pk(tenant)}},
            ScanIndexForward=False,
            Limit=100,
        )

    def detail(tenant: str, address: str) -> object:
        client.get_item(
            TableName=table,
            Key=keys.item_key(keys.tenant_pk(tenant), keys.counter_sk(address)),
            ConsistentRead=True,
        )
        client.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :h)",
            ExpressionAttributeValues={
                ":pk": {"S": keys.address_pk(tenant, address)},
                ":h": {"S": keys.HISTORY_SK_PREFIX},
            },
            ScanIndexForward=False,
            Limit=100,
        )
        return client.get_item(
            TableName=table, Key=keys.item_key(keys.suppression_pk(tenant), address)
        )

    return page, detail


def _summary(results: dict[str, dict[str, tuple[float, float]]], *, as_json: bool) -> None:
    page = results["page 100, by count"]["big"]
    raw = results["raw Query 100 (floor)"]["big"]
    detail = results["detail"]["big"]
    raw_detail_p50 = results["raw detail reads (floor)"]["big"][0]
    figures = {
        "raw_query_p50_ms": round(raw[0], 2),
        "raw_query_p99_ms": round(raw[1], 2),
        "page_p50_ms": round(page[0], 2),
        "page_p99_ms": round(page[1], 2),
        "raw_detail_p50_ms": round(raw_detail_p50, 2),
        "detail_p50_ms": round(detail[0], 2),
        "ratio_100k_1k": round(page[0] / results["page 100, by count"]["small"][0], 3),
    }
    print(
        f"100k tenant: page/raw p50 {page[0] / raw[0]:.2f}x (target <= 3), "
        f"p99 {page[1] / raw[1]:.2f}x (target <= 3); detail/raw p50 "
        f"{detail[0] / raw_detail_p50:.2f}x (target <= 2); "
        f"100k/1k page p50 {figures['ratio_100k_1k']:.2f} (target <= 1.1)"
    )
    print(json.dumps(figures) if as_json else figures)


def main(argv: list[str]) -> int:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from rebound.dynamodb_local import dynamodb_local

    with dynamodb_local() as endpoint:
        from chalice.test import Client

        import app as chalice_app
        from chalicelib import wiring
        from chalicelib.storage.items import bind, create_table
        from chalicelib.tenancy.access import Role
        from chalicelib.tenancy.service import create_key, ensure_tenant

        bind("rebound-bench", endpoint, "us-east-1")
        raw_page, raw_detail = _raw_reads(endpoint, "rebound-bench")
        create_table()
        store = wiring.tenants()
        tokens, addresses = {}, {}
        for tenant, n in SIZES.items():
            started = time.perf_counter()
            ensure_tenant(store, tenant)
            tokens[tenant] = create_key(store, tenant, Role.VIEWER)
            addresses[tenant] = _seed(tenant, n)
            wiring.counters().reconcile_totals(tenant)  # written around counting: the backfill
            print(f"seeded {tenant}: {n} addresses in {time.perf_counter() - started:.1f} s")

        cases = {
            "page 100, by count": "?limit=100",
            "page 100, category=hard": "?limit=100&category=hard",
            "page 100, by last bounce": "?limit=100&sort=last_bounce",
            "page 100, domain=example.org": "?limit=100&domain=example.org",
            "page 100, 3rd page by count": None,
        }
        rng = random.Random(7)
        with Client(chalice_app.app) as client:

            def get(tenant: str, path: str) -> dict[str, object]:
                headers = {"Authorization": f"Bearer {tokens[tenant]}"}
                response = client.http.get(f"/v1/tenants/{tenant}{path}", headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.body!r}")
                body: dict[str, object] = json.loads(response.body)
                return body

            queries: dict[str, dict[str, str]] = {name: {} for name in cases}
            for tenant in SIZES:
                first = get(tenant, "/bounces?limit=100")
                second = get(tenant, f"/bounces?limit=100&cursor={first['next_cursor']}")
                for name, query in cases.items():
                    third = f"?limit=100&cursor={second['next_cursor']}"
                    queries[name][tenant] = query if query is not None else third

            def detail(tenant: str) -> object:
                return get(tenant, f"/bounces/{rng.choice(addresses[tenant])}")

            def raw_detail_of(tenant: str) -> object:
                return raw_detail(tenant, rng.choice(addresses[tenant]))

            calls: dict[str, dict[str, Callable[[], object]]] = {
                name: {t: partial(get, t, f"/bounces{queries[name][t]}") for t in SIZES}
                for name in cases
            }
            calls["raw Query 100 (floor)"] = {t: partial(raw_page, t) for t in SIZES}
            calls["raw detail reads (floor)"] = {t: partial(raw_detail_of, t) for t in SIZES}
            calls["detail"] = {t: partial(detail, t) for t in SIZES}
            results = _measure_all(calls)

        print(f"\nreport latency on DynamoDB Local, {REQUESTS} requests each (ms)")
        heads = ("100k p50", "100k p99", "1k p50", "1k p99", "ratio p50")
        print(f"{'request':34} " + " ".join(f"{h:>9}" for h in heads))
        for name, by_tenant in results.items():
            big, small = by_tenant["big"], by_tenant["small"]
            print(
                f"{name:34} {big[0]:9.1f} {big[1]:9.1f} {small[0]:9.1f} {small[1]:9.1f}"
                f" {big[0] / small[0]:9.2f}"
            )
        _summary(results, as_json="--json" in argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
