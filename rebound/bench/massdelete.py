"""Mass-delete benchmark: a 10,000-record job through the workflow (the state machine infra/
defines, run by moto's interpreter in the local stack, the worker Lambda's code in-process), its
state transitions, and what 1,000,000 records would take and cost on AWS; next to deleting the
same number of records one DeleteItem at a time, in the same run, on the same local stack.

Prints figures, never asserts timings. Default 10,000 records per side, as addresses with
`--bounces-per-address` counted bounces each (default 100: a counter, 100 history entries and
100 markers = 201 records, ~50 addresses; `--bounces-per-address 1` is the shape with the most
addresses per record, 3 records each, and takes moto ~1 s per address), written straight into
the table (seeding through the exactly-once transactions would take
longer than the benchmark). Each side is seeded just before it runs.

State transitions (what a STANDARD workflow is billed for), counted two ways:
- the parent execution's: its history as moto records it (every *StateEntered event);
- the children's (one child execution per plan chunk): moto's interpreter keeps no readable
  history of Distributed Map children, so they are counted from the definition's path per
  child (infra/constructs/mass_delete.py CHILD_PATH, 3 states; 2 more per extra worker run of a
  chunk), times the chunks, with the worker runs of each chunk read back from the chunk results
  (and checked against the invocations the local stack saw). The parent's moto count is checked
  against the definition's PARENT_PATH the same way.

Projection for 1,000,000 records of the same shape on AWS: chunks packed by the plan's rule
(chalicelib/massdelete/plan.py); time = the worker's own time measured here (from the chunk
results) scaled to 1,000,000 records / the Map's MaxConcurrency (10); cost = transitions x
$0.025 per 1,000 (Step Functions STANDARD, us-east-1) + the worker's Lambda time (512 MB arm64,
$0.0000133334 per GB-s, $0.20 per million requests), prices as listed on 2026-12-06. DynamoDB
and S3 requests are the same whichever way the workflow is written and are not included. The
measured seconds per chunk are moto's (every request through one local HTTP server, a table
copy per transaction): on AWS a request takes single-digit milliseconds, so the projected hours
are an upper bound.

    python -m rebound.bench massdelete [--json]      (make bench runs it with the others)
    python -m rebound.bench.massdelete --records 2000 --bounces-per-address 10
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from rebound.bench.local_aws import start_local_aws

BOUNCES_PER_ADDRESS = 100
T0 = datetime(2026, 1, 5, 8, tzinfo=UTC)
ONE_MILLION = 1_000_000
# Prices, us-east-1, as listed on 2026-12-06.
PRICES_DATE = "2026-12-06"
TRANSITION_USD = 0.025 / 1000  # Step Functions STANDARD, per state transition
LAMBDA_GB_SECOND_USD = 0.0000133334  # arm64
LAMBDA_REQUEST_USD = 0.20 / 1_000_000
WORKER_MEMORY_GB = 0.5  # .chalice/config.json mass_delete_worker
AWS_CONCURRENCY = 10  # the Map's MaxConcurrency on AWS (REBOUND_MASS_DELETE_CONCURRENCY)


def _seed(tenant: str, addresses: int, bounces: int) -> int:
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
        last = T0 + timedelta(days=bounces - 1)  # the newest history entry below
        counter = sample_counter(
            tenant=tenant,
            address=address,
            bounce_count=bounces,
            first_bounce_at=T0,
            last_bounce_at=last,
            last_received_at=last,
            hard_count=bounces,
            version=bounces,
        )
        items.append(_counter_item(counter).serialize())
        pk = keys.address_pk(tenant, address)
        for b in range(bounces):
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
        time.sleep(0.5)
    finished = time.perf_counter()
    return job, started - planned_at, finished - started


@dataclass(frozen=True)
class Transitions:
    parent_moto: int  # *StateEntered events in the parent's history, as moto recorded it
    parent_definition: int  # the definition's path for a job that succeeds
    children: int  # from the definition's child path and each chunk's worker runs
    chunks: int
    worker_runs: int  # chunk runs, from the chunk results
    worker_calls_seen: int  # chunk runs the local stack ran (must equal worker_runs)
    worker_seconds: float  # the worker's own time over every chunk and run, measured here

    @property
    def seconds_per_chunk(self) -> float:
        return self.worker_seconds / max(1, self.chunks)

    @property
    def total(self) -> int:
        return self.parent_moto + self.children


def _transitions(tenant: str, job_id: str, execution_arn: str) -> Transitions:
    import boto3

    from chalicelib import wiring
    from infra.constructs import mass_delete
    from rebound.provision import LOCAL_WORKER_CALLS

    sfn = boto3.client("stepfunctions")
    events: list[dict[str, Any]] = []
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    for page in pages:
        events.extend(page["events"])
    parent = sum(1 for e in events if e["type"].endswith("StateEntered"))
    results = wiring.chunk_store().chunk_results(tenant, job_id)
    runs = sum(r.invocations for r in results)
    children = mass_delete.transitions_per_job(len(results), runs - len(results)) - len(
        mass_delete.PARENT_PATH
    )
    calls = sum(
        1 for c in LOCAL_WORKER_CALLS if c.get("op") == "chunk" and c["chunk"]["job"] == job_id
    )
    seconds = sum(r.seconds for r in results)
    return Transitions(
        parent_moto=parent,
        parent_definition=mass_delete.transitions_per_job(0),
        children=children,
        chunks=len(results),
        worker_runs=runs,
        worker_calls_seen=calls,
        worker_seconds=seconds,
    )


@dataclass(frozen=True)
class Projection:
    chunks: int
    transitions: int
    hours: float
    transitions_usd: float
    lambda_usd: float

    @property
    def usd(self) -> float:
        return self.transitions_usd + self.lambda_usd


def _project(records: int, addresses: int, t: Transitions) -> Projection:
    """1,000,000 records of the measured shape at the Map's concurrency on AWS: chunks packed
    by the plan's own rule, the worker's measured time scaled by records."""
    from chalicelib.massdelete.plan import CHUNK_RECORD_BUDGET, MAX_ENTRIES_PER_CHUNK
    from infra.constructs import mass_delete

    scale = ONE_MILLION / records
    addresses_1m = math.ceil(addresses * scale)
    per_address = records / addresses
    per_chunk = max(1, min(MAX_ENTRIES_PER_CHUNK, int(CHUNK_RECORD_BUDGET // per_address)))
    chunks = math.ceil(addresses_1m / per_chunk)
    extra_runs = math.ceil(chunks * (t.worker_runs - t.chunks) / t.chunks)
    transitions = mass_delete.transitions_per_job(chunks, extra_runs)
    worker_seconds = t.worker_seconds * scale
    lambda_usd = (
        worker_seconds * WORKER_MEMORY_GB * LAMBDA_GB_SECOND_USD
        + (chunks + extra_runs + 1) * LAMBDA_REQUEST_USD
    )
    return Projection(
        chunks=chunks,
        transitions=transitions,
        hours=worker_seconds / min(AWS_CONCURRENCY, chunks) / 3600,
        transitions_usd=transitions * TRANSITION_USD,
        lambda_usd=lambda_usd,
    )


def _print_transitions(t: Transitions, p: Projection, addresses: int, deleted: int) -> None:
    print(
        f"transitions: {t.total} = parent {t.parent_moto} (moto's history; the definition "
        f"says {t.parent_definition}) + children {t.children} ({t.chunks} chunks x 3 states "
        f"on the definition's child path, {t.worker_runs} worker runs; the local stack ran "
        f"{t.worker_calls_seen})"
    )
    per_address_t = t.total / addresses
    per_1000 = t.total / deleted * 1000 if deleted else float("nan")
    print(
        f"             {per_address_t:.3f} per address, {per_1000:.2f} per 1,000 records "
        f"({addresses / t.chunks:.0f} addresses per chunk; target <= 5 per address)"
    )
    print(
        f"1,000,000  : {p.chunks} chunks, {p.transitions:,} transitions = "
        f"${p.transitions_usd:.2f} + worker Lambda ${p.lambda_usd:.2f} = ${p.usd:.2f}; "
        f"{p.hours:.2f} h at MaxConcurrency {AWS_CONCURRENCY} from the worker's "
        f"{t.worker_seconds:.1f}s for these {t.chunks} chunks measured here (moto; AWS requests "
        "are faster: an upper bound). Prices "
        f"us-east-1 as of {PRICES_DATE}; DynamoDB and S3 requests not included."
    )


def _figures(
    job: Any, addresses: int, t: Transitions, p: Projection, *, run_s: float, one_rate: float | None
) -> dict[str, Any]:
    """The JSON line (its first six keys are the issue's contract; never rename them)."""
    deleted = job.progress.deleted
    return {
        "records": deleted,
        "addresses": addresses,
        "transitions": t.total,
        "transitions_per_address": round(t.total / addresses, 4),
        "projected_1m_hours": round(p.hours, 3),
        "projected_1m_usd": round(p.usd, 2),
        "transitions_per_1000_records": round(t.total / deleted * 1000, 3) if deleted else None,
        "parent_transitions_moto": t.parent_moto,
        "child_transitions_from_definition": t.children,
        "chunks": t.chunks,
        "worker_runs": t.worker_runs,
        "seconds_per_chunk": round(t.seconds_per_chunk, 3),
        "worker_seconds": round(t.worker_seconds, 3),
        "workflow_records_per_s": round(deleted / run_s, 1),
        "one_by_one_records_per_s": round(one_rate, 1) if one_rate else None,
        "projected_1m_chunks": p.chunks,
        "projected_1m_transitions": p.transitions,
        "projected_1m_transitions_usd": round(p.transitions_usd, 2),
        "projected_1m_lambda_usd": round(p.lambda_usd, 2),
        "concurrency": AWS_CONCURRENCY,
        "prices_date": PRICES_DATE,
        "state": str(job.state),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rebound.bench.massdelete")
    parser.add_argument("--records", type=int, default=10_000, help="records per side")
    parser.add_argument(
        "--bounces-per-address", type=int, default=BOUNCES_PER_ADDRESS, help="address shape"
    )
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the one-DeleteItem-at-a-time side"
    )
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

        bounces = args.bounces_per_address
        per_address = 1 + 2 * bounces
        addresses = max(1, -(-args.records // per_address))
        for tenant in ("bench-workflow", "bench-one-by-one"):
            ensure_tenant(wiring.tenants(), tenant)
        seeded = _seed("bench-workflow", addresses, bounces)
        print(f"seeded {seeded} records per side ({addresses} addresses x {per_address})")

        job, plan_s, run_s = _delete_with_workflow("bench-workflow")
        deleted = job.progress.deleted
        print(
            f"workflow   : {deleted} records in {run_s:.1f}s = {deleted / run_s:,.0f} records/s "
            f"(state {job.state}; plan {plan_s:.1f}s; archived {job.progress.archived}; "
            f"{job.progress.addresses} addresses)"
        )
        stored = wiring.audit_trail().get_job("bench-workflow", job.id)
        assert stored is not None
        t = _transitions("bench-workflow", job.id, stored.execution_arn)
        p = _project(deleted, addresses, t)
        _print_transitions(t, p, addresses, deleted)
        one = one_s = 0.0
        if not args.no_baseline:
            _seed("bench-one-by-one", addresses, bounces)
            one_n, one_s = _delete_one_by_one("bench-one-by-one")
            one = float(one_n)
            print(f"one by one : {one_n} records in {one_s:.1f}s = {one / one_s:,.0f} records/s")
            print(
                f"ratio      : workflow {(deleted / run_s) / (one / one_s):.2f}x the one-by-one "
                "rate (moto serves every request through one local HTTP server; on AWS the "
                f"workflow runs {AWS_CONCURRENCY} chunks at once and 25 deletes per request)"
            )
        if args.json:
            figures = _figures(
                job, addresses, t, p, run_s=run_s, one_rate=one / one_s if one_s else None
            )
            print(json.dumps(figures))
        ok = str(job.state) == "succeeded" and deleted == seeded
        return 0 if ok and t.worker_runs == t.worker_calls_seen else 1
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
