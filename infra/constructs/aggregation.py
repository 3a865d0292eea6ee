"""The table's stream -> the aggregate function: the tenant's derived figures (daily statistics,
reason/domain/source totals, send and send-domain tallies) trail counting by seconds.

The mapping delivers only new history items (the same filter the local stream pump applies,
chalicelib.storage.aggregate.STREAM_FILTER), up to AGGREGATE_BATCH_SIZE at once. One batch per
shard at a time (parallelisation factor 1): the figures are a handful of items per tenant, and
more concurrent writers would only cancel each other's transactions. A failing batch is retried
whole (the aggregator applies each bounce once, so a retry never double counts); after
AGGREGATE_RETRY_ATTEMPTS its records' coordinates (not the records: the stream keeps those for
24 hours) go to a dead-letter queue.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from chalicelib.storage.aggregate import STREAM_FILTER
from infra import names
from infra.nag import acknowledge, logical_id


class StreamAggregation(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.Table,
        function: lambda_.IFunction,
        role: iam.Role,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = sqs.Queue(
            self,
            "AggregationDlq",
            retention_period=Duration.days(14),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.mapping = lambda_.EventSourceMapping(
            self,
            "StreamMapping",
            target=function,
            event_source_arn=table.table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=names.AGGREGATE_BATCH_SIZE,
            max_batching_window=Duration.seconds(names.AGGREGATE_BATCH_WINDOW_SECONDS),
            parallelization_factor=1,
            bisect_batch_on_error=False,
            retry_attempts=names.AGGREGATE_RETRY_ATTEMPTS,
            on_failure=_QueueDestination(self.dead_letters),
            filters=[{"pattern": json.dumps(STREAM_FILTER)}],
        )
        # The mapping reads the stream with the function's role; the function puts one item per
        # applied run and updates figures (TransactWriteItems is authorised per contained Put and
        # Update), reads those run items and the sends.
        # (CDK's grant_stream_read allows ListStreams on "*"; the table's streams suffice.)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ReadTableStream",
                actions=[
                    "dynamodb:DescribeStream",
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:ListStreams",
                ],
                resources=[f"{table.table_arn}/stream/*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ApplyFigures",
                # PutItem: the applied-run item in each transaction (storage/aggregate.py).
                actions=[
                    "dynamodb:UpdateItem",
                    "dynamodb:PutItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:GetItem",
                ],
                resources=[table.table_arn],
            )
        )
        self.dead_letters.grant_send_messages(role)
        self.mapping.node.add_dependency(role)
        table_id = logical_id(table.node.default_child)  # type: ignore[arg-type]
        policy = role.node.try_find_child("DefaultPolicy")
        assert policy is not None
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/stream/*]",
            "The table's own streams: a stream's ARN carries its creation time, unknown before "
            "deployment, and only this table's streams match.",
        )
        for rule in ("AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"):
            acknowledge(
                self.dead_letters,
                rule,
                "This queue is itself the dead-letter destination of the stream mapping (its "
                "records' coordinates after the last retry); nothing consumes it to redrive.",
            )


@jsii.implements(lambda_.IEventSourceDlq)
class _QueueDestination:
    """The mapping's on-failure queue. CDK's SqsDlq grants the function's role itself, which a
    packaged Chalice function does not expose; the role is granted above instead."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self._queue = queue

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)
