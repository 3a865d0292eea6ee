"""Mass-delete benchmark: records deleted per second by the workflow (the state machine infra/
defines, run by moto's interpreter in the local stack) next to deleting the same number of
records one DeleteItem at a time, in the same run, on the same local stack.

Prints figures, never asserts timings. Default 10,000 records per side: addresses with 100
counted bounces each (a counter, 100 history entries and 100 markers = 201 records), written
straight into the table (seeding through the exactly-once transactions would take longer than
the benchmark). Each side is seeded just before it runs, so neither pays for the other's
records: moto's DynamoDB copies the whole table inside every TransactWriteItems (two per
address in the workflow), which makes its cost grow with the table, not with the job.
The workflow's figure includes everything it does per record that the baseline does not:
archiving to S3, the conditional counter delete, the progress marker and counters.

    python -m rebound.bench massdelete            (make bench runs it with the others)
    python -m rebound.bench.massdelete --records 2000
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from rebound.bench.local_aws import start_local_aws

BOUNCES_PER_ADDRESS = 100
T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)


def _seed(tenant: str, addresses: int) -> int:
    """Write `addresses` bounced addresses (counter + history + markers); returns records."""
    from chalicelib.classification.reasons import Category, Reason
    from chalicelib.storage import keys
    from chalicelib.storage.counters import _counter_item  # the repository's own mapping
    from chalicelib.storage.items import AppliedMarkerItem, BounceHistoryItem
    from chalicelib.storage.jobs import batch_write
    from chalicelib.timefmt import iso
    from rebound.samples import sample_counter

    items: list[dict[str, Any]] = []
    for n in range(addresses):
        address = f"member{n:06d}@example.net"
        last = T0 + timedelta(days=BOUNCES_PER_ADDRESS)
        counter = sample_counter(
            tenant=tenant,
            address=address,
            bounce_count=BOUNCES_PER_ADDRESS,
            first_bounce_at=T0,
            last_bounce_at=last,
            last_received_at=last,
            hard_count=BOUNCES_PER_ADDRESS,
            version=BOUNCES_PER_ADDRESS,
        )
        items.append(_counter_item(counter).serialize())
        pk = keys.address_pk(tenant, address)
        for b in range(BOUNCES_PER_ADDRESS):
            at = T0 + timedelta(days=b)
            message = f"bench-{n}-{b}"
            items.append(
                AppliedMarkerItem(pk, keys.marker_sk(message), applied_at=iso(at)).serialize()
            )
            items.append(
                BounceHistoryItem(
                    pk,
                    keys.history_sk(at, message),
                    message_id=message,
                    bounce_at=iso(at),
                    received_at=iso(at),
                    reason=str(Reason.USER_UNKNOWN),
                    category=str(Category.HARD),
                    hard=True,
                    status="5.1.1",
                    diagnostic="550 5.1.1 user unknown",
                ).serialize()
            )
    from chalicelib.storage.core import client, table_name

    batch_write(client(), table_name(), [{"PutRequest": {"Item": i}} for i in items])
    return len(items)


def _addresses(tenant: str) -> list[str]:
    from chalicelib import wiring

    return [c.address for c in wiring.counters().iter_counters(tenant)]


def _delete_one_by_one(tenant: str) -> tuple[int, float]:
    """The baseline: find each address's records and delete them with one DeleteItem each."""
    import boto3

    from chalicelib.config import settings
    from chalicelib.storage import keys

    table = settings().table_name
    client = boto3.client("dynamodb")
    started = time.perf_counter()
    deleted = 0
    counters = client.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :a)",
        ExpressionAttributeValues={":pk": {"S": keys.tenant_pk(tenant)}, ":a": {"S": "A#"}},
        ProjectionExpression="pk, sk, address",
    )
    for page in counters:
        for counter in page["Items"]:
            partition = keys.address_pk(tenant, counter["address"]["S"])
            records = client.query(
                TableName=table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": partition}},
                ProjectionExpression="pk, sk",
            )["Items"]
            for key in [*records, {"pk": counter["pk"], "sk": counter["sk"]}]:
                client.delete_item(TableName=table, Key=key)
                deleted += 1
    return deleted, time.perf_counter() - started


def _delete_with_workflow(tenant: str) -> tuple[Any, float, float]:
    from chalicelib import wiring
    from chalicelib.api.models import MassDeleteBody
    from chalicelib.tenancy.access import Principal, Role

    staff = Principal("_staff", "bench", Role.STAFF)
    service = wiring.mass_delete_service()
    planned_at = time.perf_counter()
    job = service.create(staff, tenant, MassDeleteBody(addresses=_addresses(tenant)))
    started = time.perf_counter()
    service.approve(staff, tenant, job.id)
    while True:
        job = service.get(staff, tenant, job.id)
        if str(job.state) not in ("approved", "running"):
            break
        time.sleep(0.25)
    finished = time.perf_counter()
    return job, started - planned_at, finished - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.bench.massdelete")
    parser.add_argument("--records", type=int, default=10_000, help="records per side")
    args = parser.parse_args(argv)
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = None if os.environ.get("AWS_ENDPOINT_URL") else start_local_aws()
    try:
        from chalicelib.config import Settings
        from chalicelib.storage.items import bind
        from chalicelib.tenancy.service import ensure_tenant
        from rebound.provision import provision, provision_mass_delete

        settings = Settings.from_env()
        bind(settings.table_name, None, settings.region)
        provision(settings)
        provision_mass_delete(settings)
        from chalicelib import wiring

        per_address = 1 + 2 * BOUNCES_PER_ADDRESS
        addresses = max(1, -(-args.records // per_address))
        for tenant in ("bench-workflow", "bench-one-by-one"):
            ensure_tenant(wiring.tenants(), tenant)
        seeded = _seed("bench-workflow", addresses)
        print(f"seeded {seeded} records per side ({addresses} addresses x {per_address})")

        job, plan_s, run_s = _delete_with_workflow("bench-workflow")
        deleted = job.progress.deleted
        print(
            f"workflow   : {deleted} records in {run_s:.1f}s = {deleted / run_s:,.0f} records/s "
            f"(state {job.state}; plan {plan_s:.1f}s; archived {job.progress.archived})"
        )
        _seed("bench-one-by-one", addresses)
        one, one_s = _delete_one_by_one("bench-one-by-one")
        print(f"one by one : {one} records in {one_s:.1f}s = {one / one_s:,.0f} records/s")
        print(
            f"ratio      : workflow {(deleted / run_s) / (one / one_s):.2f}x the one-by-one rate "
            "(moto serves every request through one local HTTP server; on AWS the workflow "
            "runs 10 chunks at once and 25 deletes per request)"
        )
        return 0 if str(job.state) == "succeeded" and deleted == seeded else 1
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
