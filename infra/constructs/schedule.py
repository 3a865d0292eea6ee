"""EventBridge Scheduler firing a function on a fixed rate, with retries and two queues.

Three schedules use it: the summary every hour (the handler decides per tenant whether a digest
is due, so tenants get their own timings without a schedule each), the alerts check every 15
minutes (dead-letter queues and unparsed mail growing), and the nightly re-check hourly from
01:00 to 05:00 UTC (one run per UTC date, each invocation resumes from the checkpoints).

Scheduler invokes the function asynchronously, so two things can fail and each has its queue:
- the tick cannot be delivered (Scheduler's own retries exhausted): `dead_letter_queue`;
- the function ran and failed (Lambda's asynchronous retries exhausted): `failed_runs`, the
  function's on-failure destination. Lambda writes the error and the request into it, which a
  plain function DLQ would not, and without it a failed run is retried twice and dropped.
"""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.constructs.queues import dead_letter_queue
from infra.nag import acknowledge

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
        function_name: str,
        function_role: iam.IRole,
        expression: str,
        what: str,
        tick: str,
        max_event_age_seconds: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue")
        self.failed_runs = dead_letter_queue(self, "FailedRunDeadLetterQueue")
        for queue, what_fails in (
            (self.dead_letter_queue, "the EventBridge Scheduler target"),
            (self.failed_runs, "the function's asynchronous invocations (on-failure destination)"),
        ):
            acknowledge(
                queue,
                "AwsSolutions-SQS3",
                f"This queue is the dead-letter queue of {what_fails}, which cdk-nag does not "
                "recognise (it looks for SQS redrive policies only).",
            )
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
        # Lambda sends to the destination with the function's own execution role.
        self.failed_runs.grant_send_messages(function_role)
        self.invoke_config = lambda_.CfnEventInvokeConfig(
            self,
            "OnFailure",
            function_name=function_name,
            qualifier="$LATEST",
            # Two retries are Lambda's default; stated so that nobody wonders. A run older than
            # the schedule's own window is superseded by the next tick.
            maximum_retry_attempts=2,
            maximum_event_age_in_seconds=max_event_age_seconds,
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=self.failed_runs.queue_arn
                )
            ),
        )
        # Lambda checks at creation that the role may send to the destination.
        policy = function_role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            self.invoke_config.node.add_dependency(policy)
