"""Provisioning of the local AWS stack (moto): the same resources infra/ deploys, made with
boto3. `rebound local` and the tests both call `provision()`, so what the tests exercise is what
a person runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

import boto3

from chalicelib.config import Settings
from chalicelib.storage.items import create_table

DLQ_MAX_RECEIVE_COUNT = 3


@dataclass(frozen=True, slots=True)
class Provisioned:
    queue_url: str
    dlq_url: str
    queue_arn: str


def queue_names(settings: Settings) -> tuple[str, str]:
    return f"{settings.bucket_name}-ingest", f"{settings.bucket_name}-ingest-dlq"


def provision(settings: Settings) -> Provisioned:
    """Create (idempotently) every resource the service needs, in the configured endpoint."""
    s3: Any = boto3.client("s3", region_name=settings.region)
    sqs: Any = boto3.client("sqs", region_name=settings.region)
    ses: Any = boto3.client("ses", region_name=settings.region)
    events: Any = boto3.client("events", region_name=settings.region)

    s3.create_bucket(Bucket=settings.bucket_name)
    queue, dlq = queue_names(settings)
    dlq_url = sqs.create_queue(QueueName=dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=queue,
        Attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": DLQ_MAX_RECEIVE_COUNT}
            ),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=settings.bucket_name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {
                        "Key": {
                            "FilterRules": [{"Name": "prefix", "Value": settings.inbound_prefix}]
                        }
                    },
                }
            ]
        },
    )
    create_table()
    ses.verify_email_identity(EmailAddress=parseaddr(settings.mail_from)[1])
    existing = {b["Name"] for b in events.list_event_buses()["EventBuses"]}
    if settings.event_bus not in existing:
        events.create_event_bus(Name=settings.event_bus)
    return Provisioned(queue_url, dlq_url, queue_arn)
