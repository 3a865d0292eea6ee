"""EventBridge Scheduler firing a function on a fixed rate, with retries and a DLQ.

Three schedules use it: the summary every hour (the handler decides per tenant whether a digest
is due, so tenants get their own timings without a schedule each), the alerts check every 15
minutes (dead-letter queues and unparsed mail growing), and the nightly address re-check hourly
through the night (each tick resumes the night's run).
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.constructs.queues import dead_letter_queue

SUMMARY_SCHEDULE = "rate(1 hour)"
ALERTS_CHECK_SCHEDULE = "rate(15 minutes)"
# Hourly from 01:00 to 05:00 UTC: one night's re-check resumes where the last invocation paused.
RECHECK_NIGHTLY_SCHEDULE = "cron(0 1-5 * * ? *)"


class FunctionSchedule(Construct):
    """The schedule, its own execution role and a dead-letter queue for failed invocations."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_arn: str,
        expression: str,
        what: str,
        tick: str,
        max_event_age_seconds: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ),
            description=f"Rebound: EventBridge Scheduler invokes the {what} function",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="InvokeFunction", actions=["lambda:InvokeFunction"], resources=[function_arn]
            )
        )
        # Scheduler sends undeliverable events to the DLQ with the execution role.
        self.dead_letter_queue.grant_send_messages(self.role)
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            description=f"Rebound {what} tick",
            schedule_expression=expression,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=function_arn,
                role_arn=self.role.role_arn,
                input=f'{{"source": "rebound.schedule", "detail-type": "{tick}"}}',
                retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                    maximum_retry_attempts=3,
                    # A tick older than one period is superseded by the next one.
                    maximum_event_age_in_seconds=max_event_age_seconds,
                ),
                dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                    arn=self.dead_letter_queue.queue_arn
                ),
            ),
        )
