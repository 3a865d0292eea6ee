"""The one way this stack makes a dead-letter queue: encrypted, TLS-only, kept 14 days."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.nag import acknowledge

# SQS's maximum: failed bounces and schedule ticks stay inspectable over two weekends.
DEAD_LETTER_RETENTION = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
    )
    acknowledge(
        queue,
        "Serverless-SQSRedrivePolicy",
        "A dead-letter queue is the end of the line: nothing consumes it automatically, so it "
        "has no redrive policy (and no DLQ) of its own; an alarm watches it instead.",
    )
    return queue
