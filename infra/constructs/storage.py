"""The single DynamoDB table: keys, indexes, TTL, backups and protection against deletion.

Must match the PynamoDB models in chalicelib/storage/items.py (tests/infra checks both ways).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from chalicelib.storage.items import AddressCounterItem
from infra import names

_STRING = dynamodb.AttributeType.STRING
_TYPES = {"S": _STRING, "N": dynamodb.AttributeType.NUMBER}


_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
}
_Index = tuple[str, str, str, dynamodb.AttributeType, dynamodb.AttributeType, str, tuple[str, ...]]


def _model_indexes() -> list[_Index]:
    """The global secondary indexes exactly as the PynamoDB models declare them (one place:
    chalicelib/storage/items.py), as (name, hash key, range key, hash type, range type,
    projection type, projected non-key attributes)."""
    schema = AddressCounterItem._get_schema()
    types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    found = []
    for gsi in schema["global_secondary_indexes"]:
        key = {k["KeyType"]: k["AttributeName"] for k in gsi["key_schema"]}
        found.append(
            (
                gsi["index_name"],
                key["HASH"],
                key["RANGE"],
                _TYPES[types[key["HASH"]]],
                _TYPES[types[key["RANGE"]]],
                gsi["projection"]["ProjectionType"],
                tuple(gsi["projection"].get("NonKeyAttributes", ())),
            )
        )
    return sorted(found)


_INDEXES = _model_indexes()


class ReboundTable(Construct):
    """Counters, history, markers, tenants and API keys; every key starts with the tenant."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # A classic table, not TableV2 (a one-replica global table): nothing here needs
        # replication, and AWS::DynamoDB::Table is what DynamoDB Local and moto mirror.
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=names.PARTITION_KEY, type=_STRING),
            sort_key=dynamodb.Attribute(name=names.SORT_KEY, type=_STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            # Bounce history is the product: deleting the stack must never take it along. A
            # failed first create may remove it (it is empty then, and would only be left over).
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            time_to_live_attribute=names.TTL_ATTRIBUTE,
            # The aggregator derives the tenant's figures from it (the models declare it).
            stream=dynamodb.StreamViewType(AddressCounterItem.Meta.stream_view_type),
        )
        for index_name, hash_key, range_key, hash_type, range_type, kind, extra in _INDEXES:
            self.table.add_global_secondary_index(
                index_name=index_name,
                partition_key=dynamodb.Attribute(name=hash_key, type=hash_type),
                sort_key=dynamodb.Attribute(name=range_key, type=range_type),
                projection_type=_PROJECTIONS[kind],
                non_key_attributes=list(extra) or None,
            )

    @property
    def arns(self) -> list[str]:
        """The table and each index by name: a Query on an index needs the index's own ARN."""
        arn = self.table.table_arn
        return [arn, *(f"{arn}/index/{index_name}" for index_name, *_ in _INDEXES)]
