"""Mass-delete storage on the real DynamoDB Local (and moto): job transitions are conditional,
undo's batched writes split at 25 (DynamoDB Local rejects 26, moto would not), and
UnprocessedItems and throttling errors are retried with backoff until everything is written."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.massdelete.model import AuditAction, AuditEntry, Job, Policy
from chalicelib.massdelete.plan import new_job_id
from chalicelib.massdelete.states import JobState
from chalicelib.storage.core import RetryPolicy
from chalicelib.storage.items import MassDeleteJobItem
from chalicelib.storage.jobs import BATCH_SIZE, JobRepository, batch_write

pytestmark = [pytest.mark.integration, pytest.mark.dynamodb_local]


@pytest.fixture(params=["moto", "dynamodb_local"])
def table(request: pytest.FixtureRequest) -> str:
    if request.param == "moto":
        request.getfixturevalue("aws")
        return str(MassDeleteJobItem.Meta.table_name)
    return str(request.getfixturevalue("dynamodb_local_table"))


def _client() -> Any:
    return MassDeleteJobItem._get_connection().connection.client


def _items(n: int) -> list[dict[str, Any]]:
    return [
        {"pk": {"S": "T#riverside#A#ann@example.net"}, "sk": {"S": f"H#{i:05d}"}, "n": {"N": "1"}}
        for i in range(n)
    ]


def _count(table: str) -> int:
    response = _client().query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "T#riverside#A#ann@example.net"}},
        Select="COUNT",
    )
    return int(response["Count"])


def test_26_items_go_in_two_batches(table: str) -> None:
    requests = [{"PutRequest": {"Item": i}} for i in _items(26)]
    if table.startswith("rebound-"):  # DynamoDB Local (moto would accept 26)
        # The real service refuses 26 in one call: the reason batching exists.
        with pytest.raises(ClientError, match="Too many items"):
            _client().batch_write_item(RequestItems={table: requests})
    assert batch_write(_client(), table, requests, RetryPolicy(sleep=lambda _: None)) == 26
    assert _count(table) == 26


class FlakyClient:
    """Throttles the first call and leaves half of each of the next batches unprocessed, then
    passes through: what a busy table does."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        ((table, requests),) = RequestItems.items()
        self.calls.append(len(requests))
        assert len(requests) <= BATCH_SIZE
        if len(self.calls) == 1:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
                "BatchWriteItem",
            )
        if len(self.calls) <= 3 and len(requests) > 1:
            keep, leave = requests[: len(requests) // 2], requests[len(requests) // 2 :]
            self.real.batch_write_item(RequestItems={table: keep})
            return {"UnprocessedItems": {table: leave}}
        result: dict[str, Any] = self.real.batch_write_item(RequestItems=RequestItems)
        return result


def test_throttling_and_unprocessed_items_are_retried_with_backoff(table: str) -> None:
    flaky = FlakyClient(_client())
    waits: list[float] = []
    requests = [{"PutRequest": {"Item": i}} for i in _items(30)]
    assert batch_write(flaky, table, requests, RetryPolicy(sleep=waits.append)) == 30
    assert _count(table) == 30
    assert flaky.calls[:4] == [25, 25, 13, 7]
    assert len(waits) == 3
    assert waits[0] <= waits[1] * 2 + 0.1  # exponential with jitter, never a burst


def _job(tenant: str = "riverside") -> Job:
    from datetime import UTC, datetime

    return Job(
        tenant=tenant,
        job_id=new_job_id(datetime.now(UTC)),
        state=JobState.PLANNED,
        created_at="2026-11-26T09:00:00.000000Z",
        requested_by="riverside/k1",
        selection={"filter": {"min_count": 1}},
        remove_emails=True,
        dry_run=False,
        addresses=3,
        records=9,
        sample=("ann@example.net",),
        plan_key="plans/riverside/x.json",
    )


def test_job_transitions_are_conditional(table: str) -> None:
    repository = JobRepository()
    job = _job()
    repository.create_job(job)
    assert repository.update_job(
        "riverside", job.job_id, [JobState.PLANNED], state=JobState.APPROVED, approved_by="x"
    )
    # A second approval finds the job no longer planned.
    assert not repository.update_job(
        "riverside", job.job_id, [JobState.PLANNED], state=JobState.APPROVED
    )
    stored = repository.get_job("riverside", job.job_id)
    assert stored is not None
    assert stored.state is JobState.APPROVED
    assert stored.approved_by == "x"
    assert [j.job_id for j in repository.active_jobs("riverside")] == [job.job_id]
    assert repository.get_job("hillside", job.job_id) is None
    page = repository.list_jobs("riverside", 10, None)
    assert [j.job_id for j in page.items] == [job.job_id]


def test_audit_and_policy(table: str) -> None:
    repository = JobRepository()
    for n, action in enumerate((AuditAction.PLANNED, AuditAction.APPROVED)):
        repository.put_audit(
            AuditEntry("riverside", f"2026-11-26T09:0{n}:00.000000Z", "md-1", action, "a/b", {})
        )
    actions = [e.action for e in repository.list_audit("riverside", 10, None).items]
    assert actions == [AuditAction.APPROVED, AuditAction.PLANNED]  # newest first
    default = Policy()
    assert repository.get_policy("riverside", default) == default
    custom = Policy(require_second_person=True, max_share=0.1, max_addresses=50)
    repository.put_policy("riverside", custom)
    assert repository.get_policy("riverside", default) == custom
    assert repository.get_policy("hillside", default) == default
