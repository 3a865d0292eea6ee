"""CloudWatch alarms on the ingest path and the schedule, published to one SNS topic.

Every alarm treats missing data as not breaching: a quiet day (no bounces, no invocations)
is normal for a bounce service.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

# An S3 notification older than this has waited through several ingest retries.
OLDEST_MESSAGE_ALARM_SECONDS = 900
PERIOD = Duration.minutes(5)


class ReboundAlarms(Construct):
    """Alarms and the topic they notify (optionally with an e-mail subscription)."""

    def __init__(self, scope: Construct, construct_id: str, *, alarm_email: str) -> None:
        super().__init__(scope, construct_id)
        # Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key,
        # and alarm notifications carry no bounce data. Publishing requires TLS.
        self.topic = sns.Topic(self, "Topic", display_name="Rebound alarms", enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._action = cw_actions.SnsAction(self.topic)

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        alarm.add_ok_action(self._action)
        return alarm

    def dead_letter_queue(self, construct_id: str, queue: sqs.IQueue, what: str) -> None:
        self._alarm(
            construct_id,
            queue.metric_approximate_number_of_messages_visible(
                period=PERIOD, statistic=cloudwatch.Stats.MAXIMUM
            ),
            threshold=0,
            description=f"{what} dead-lettered: inspect and redrive the DLQ",
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
            _lambda_metric("Errors", function_name),
            threshold=0,
            description=f"The {what} function failed (whole invocations, not single records)",
        )

    def function_throttles(self, construct_id: str, function_name: str, what: str) -> None:
        self._alarm(
            construct_id,
            _lambda_metric("Throttles", function_name),
            threshold=0,
            description=f"The {what} function was throttled (account concurrency)",
        )


def _lambda_metric(metric_name: str, function_name: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Lambda",
        metric_name=metric_name,
        dimensions_map={"FunctionName": function_name},
        period=PERIOD,
        statistic=cloudwatch.Stats.SUM,
    )
