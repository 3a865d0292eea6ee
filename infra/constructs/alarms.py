"""CloudWatch alarms for every way Rebound can fail, published to one SNS topic people read.

The topic's policy is written here in full: `enforce_ssl` replaces SNS's default policy, and the
default policy was what let CloudWatch alarm actions publish. Without the statement below every
alarm would fire into nothing (issue 13).

Every alarm notifies on ALARM and on OK, and treats missing data as not breaching: a quiet day
(no bounces, no invocations) is normal for a bounce service.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge

# An S3 notification older than this has waited through several ingest retries.
OLDEST_MESSAGE_ALARM_SECONDS = 900
PERIOD = Duration.minutes(5)
# API Gateway's integration timeout is 29 s; a p99 above this for 15 minutes is felt by people
# reading reports (most routes answer from one DynamoDB query).
API_LATENCY_P99_MS = 5000
API_LATENCY_PERIODS = 3
# The table operations Rebound performs (ingest, reports, mass delete, undo).
TABLE_OPERATIONS = (
    "GetItem",
    "BatchGetItem",
    "Query",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
)


class ReboundAlarms(Construct):
    """Alarms and the topic they notify (with an e-mail subscription when one is set)."""

    def __init__(self, scope: Construct, construct_id: str, *, alarm_email: str) -> None:
        super().__init__(scope, construct_id)
        # Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key,
        # and alarm notifications carry no bounce data. Publishing requires TLS.
        self.topic = sns.Topic(self, "Topic", display_name="Rebound alarms", enforce_ssl=True)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": (
                            f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
                        )
                    },
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )
        if alarm_email:
            subscription = self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            acknowledge(
                subscription,
                "Serverless-SNSRedrivePolicy",
                "An e-mail subscription to the alarm topic: SNS retries mail delivery itself, "
                "and a dead-letter queue for alarm mail would need an alarm of its own that "
                "could only notify the same address.",
            )
        self._action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def dead_letter_queue(self, construct_id: str, queue: sqs.IQueue, what: str) -> None:
        self._alarm(
            construct_id,
            queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=0,
            description=f"{what} dead-lettered: inspect and redrive the queue",
        )

    def queue_age(self, construct_id: str, queue: sqs.IQueue) -> None:
        self._alarm(
            construct_id,
            queue.metric_approximate_age_of_oldest_message(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=OLDEST_MESSAGE_ALARM_SECONDS,
            description="Inbound bounces wait in the ingest queue: ingest is failing or stuck",
        )

    def function_errors(self, construct_id: str, function_name: str, what: str) -> None:
        self._alarm(
            construct_id,
            _metric("AWS/Lambda", "Errors", {"FunctionName": function_name}),
            threshold=0,
            description=f"The {what} function failed (whole invocations, not single records)",
        )

    def function_throttles(self, construct_id: str, function_name: str, what: str) -> None:
        self._alarm(
            construct_id,
            _metric("AWS/Lambda", "Throttles", {"FunctionName": function_name}),
            threshold=0,
            description=f"The {what} function was throttled (account concurrency)",
        )

    def api(self, api_name: str, stage: str) -> None:
        """Server errors and slow answers of the REST API stage."""
        dimensions = {"ApiName": api_name, "Stage": stage}
        self._alarm(
            "Api5xxAlarm",
            _metric("AWS/ApiGateway", "5XXError", dimensions),
            threshold=0,
            description="The API answered 5xx: no client input may cause one (see the logs)",
        )
        self._alarm(
            "ApiLatencyAlarm",
            _metric("AWS/ApiGateway", "Latency", dimensions, statistic="p99"),
            threshold=API_LATENCY_P99_MS,
            evaluation_periods=API_LATENCY_PERIODS,
            description=f"API p99 latency above {API_LATENCY_P99_MS} ms for 15 minutes",
        )

    def state_machine(self, state_machine_arn: str, what: str) -> None:
        dimensions = {"StateMachineArn": state_machine_arn}
        for metric_name in ("ExecutionsFailed", "ExecutionsTimedOut"):
            self._alarm(
                f"MassDelete{metric_name}Alarm",
                _metric("AWS/States", metric_name, dimensions),
                threshold=0,
                description=f"A {what} execution ended abnormally ({metric_name}): the job is "
                "marked failed; re-running it resumes from the per-address markers",
            )

    def table(self, table_name: str) -> None:
        """Throttling and DynamoDB's own errors; the sums run over every operation used."""
        for construct_id, metric_name, description in (
            ("TableThrottlesAlarm", "ThrottledRequests", "DynamoDB throttled requests"),
            ("TableSystemErrorsAlarm", "SystemErrors", "DynamoDB answered 500s"),
        ):
            metrics = {
                f"m{index}": _metric(
                    "AWS/DynamoDB",
                    metric_name,
                    {"TableName": table_name, "Operation": operation},
                )
                for index, operation in enumerate(TABLE_OPERATIONS)
            }
            self._alarm(
                construct_id,
                cloudwatch.MathExpression(
                    expression=" + ".join(f"FILL({key}, 0)" for key in metrics),
                    using_metrics=metrics,
                    label=f"{metric_name} (all operations)",
                    period=PERIOD,
                ),
                threshold=0,
                description=f"{description} on the Rebound table",
            )


def _metric(
    namespace: str, metric_name: str, dimensions: dict[str, str], *, statistic: str = "Sum"
) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=metric_name,
        dimensions_map=dimensions,
        period=PERIOD,
        statistic=statistic,
    )
