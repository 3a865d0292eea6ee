"""The DynamoDB Local harness works, and shows why the storage tests need the real thing.

moto 5.2.x accepts a BatchWriteItem of more than 25 items; AWS (and DynamoDB Local) reject it
with a ValidationException. Code that batches writes must chunk by 25, and only this tier
proves it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from rebound.dynamodb_local import dynamodb_local

pytestmark = pytest.mark.dynamodb_local

TABLE = "harness"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with dynamodb_local() as endpoint:
        ddb = boto3.client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield ddb


def _puts(count: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {"PutRequest": {"Item": {"pk": {"S": "tenant#t1"}, "sk": {"S": f"{prefix}#{i:03d}"}}}}
        for i in range(count)
    ]


def _stored(client: Any, prefix: str) -> int:
    response = client.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": {"S": "tenant#t1"}, ":prefix": {"S": f"{prefix}#"}},
        Select="COUNT",
    )
    return int(response["Count"])


def test_batch_write_of_25_items_is_accepted(client: Any) -> None:
    response = client.batch_write_item(RequestItems={TABLE: _puts(25, "ok")})

    assert response["UnprocessedItems"] == {}
    assert _stored(client, "ok") == 25


def test_batch_write_of_26_items_is_rejected_unlike_moto(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client.batch_write_item(RequestItems={TABLE: _puts(26, "too-many")})

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    # Rejected whole: not one of the 26 was written.
    assert _stored(client, "too-many") == 0
