"""EventBridge Scheduler firing the summary function every hour, with retries and a DLQ.

Hourly on purpose: the summary handler decides per tenant whether a summary is due, so tenants
can get different timings without a schedule each.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.constructs.queues import dead_letter_queue

SUMMARY_SCHEDULE = "rate(1 hour)"


class SummarySchedule(Construct):
    """The schedule, its own execution role and a dead-letter queue for failed invocations."""

    def __init__(self, scope: Construct, construct_id: str, *, function_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ),
            description="Rebound: EventBridge Scheduler invokes the summary function",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="InvokeSummary", actions=["lambda:InvokeFunction"], resources=[function_arn]
            )
        )
        # Scheduler sends undeliverable events to the DLQ with the execution role.
        self.dead_letter_queue.grant_send_messages(self.role)
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            description="Rebound hourly summary tick (the handler decides per tenant)",
            schedule_expression=SUMMARY_SCHEDULE,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=function_arn,
                role_arn=self.role.role_arn,
                input='{"source": "rebound.schedule", "detail-type": "SummaryTick"}',
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=3,
                    # A tick older than one period is superseded by the next one.
                    maximum_event_age_in_seconds=3600,
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=self.dead_letter_queue.queue_arn
                ),
            ),
        )
