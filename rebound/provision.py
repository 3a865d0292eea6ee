"""Provisioning of the local AWS stack (moto): the same resources infra/ deploys, made with
boto3. `rebound local` and the tests both call `provision()`, so what the tests exercise is what
a person runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

import boto3

from chalicelib.config import Env, Settings
from chalicelib.storage.items import bind_once, create_table

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
    bind_once(settings.table_name, settings.region)
    create_table()
    ses.verify_email_identity(EmailAddress=parseaddr(settings.mail_from)[1])
    existing = {b["Name"] for b in events.list_event_buses()["EventBuses"]}
    if settings.event_bus not in existing:
        events.create_event_bus(Name=settings.event_bus)
    return Provisioned(queue_url, dlq_url, queue_arn)


# -- mass delete (appended; see docs/mass-delete.md) ----------------------------------------

MASS_DELETE_ROLE_ARN = "arn:aws:iam::123456789012:role/rebound-mass-delete"


def provision_mass_delete(settings: Settings) -> str:
    """Create the mass-delete state machine (the definition infra/ synthesizes) and let moto's
    interpreter run it; returns its ARN. Idempotent: an existing machine gets the definition."""
    import os
    import urllib.request

    try:
        from infra.constructs.mass_delete import STATE_MACHINE_NAME, rendered_definition
    except ImportError:  # run from outside the checkout: infra/ is next to this package
        import sys
        from pathlib import Path

        sys.path.append(str(Path(__file__).resolve().parents[1]))
        from infra.constructs.mass_delete import STATE_MACHINE_NAME, rendered_definition

    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if endpoint:
        cache_moto_step_functions_clients()
        # moto only records executions unless told to interpret them.
        request = urllib.request.Request(  # noqa: S310 - the local moto endpoint
            f"{endpoint}/moto-api/config",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
    sfn: Any = boto3.client("stepfunctions", region_name=settings.region)
    definition = rendered_definition(settings.table_name, settings.bucket_name, settings.event_bus)
    for machine in sfn.list_state_machines()["stateMachines"]:
        if machine["name"] == STATE_MACHINE_NAME:
            sfn.update_state_machine(
                stateMachineArn=machine["stateMachineArn"], definition=definition
            )
            arn: str = machine["stateMachineArn"]
            break
    else:
        arn = sfn.create_state_machine(
            name=STATE_MACHINE_NAME,
            definition=definition,
            roleArn=MASS_DELETE_ROLE_ARN,
            type="STANDARD",
        )["stateMachineArn"]
    os.environ[Env.MASS_DELETE_STATE_MACHINE_ARN] = arn
    if endpoint:
        # moto's DynamoDB deep-copies the table inside every transaction and fails when another
        # request writes meanwhile: one chunk at a time locally (AWS runs 10).
        os.environ[Env.MASS_DELETE_CONCURRENCY] = "1"
    # Settings are read once per process, and services built from them: build them again with
    # the machine's ARN.
    from chalicelib import wiring

    wiring.reset()
    return arn


def cache_moto_step_functions_clients() -> None:
    """Make moto's in-process Step Functions interpreter reuse one boto3 client per service.

    moto 5.2.5 builds a new boto3 client (endpoint, TLS context, connection pool) for every task
    it runs, which costs more than the call itself: a mass delete ran ~4x slower locally. The
    clients are the same every time (fixed fake keys, the moto port), and boto3 clients are
    thread-safe, so one per (service, region) is equivalent. Only affects moto in this process.
    """
    import importlib
    import pkgutil
    from functools import cache

    try:
        from moto.stepfunctions.parser.asl import component
        from moto.stepfunctions.parser.asl.utils import boto_client
    except ImportError:  # moto is a development dependency; nothing to speed up without it
        return
    original = getattr(boto_client.boto_client_for, "__wrapped_original__", None)
    if original is not None:
        return
    original = boto_client.boto_client_for

    @cache
    def _cached(region: str, service: str) -> Any:
        return original(region=region, service=service, state_credentials=None)

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        # moto's own function ignores the credentials (it always signs with fake keys).
        return _cached(region, service)

    boto_client_for.__wrapped_original__ = original  # type: ignore[attr-defined]
    boto_client.boto_client_for = boto_client_for
    prefix = component.__name__ + "."
    for info in pkgutil.walk_packages(component.__path__, prefix):
        module = importlib.import_module(info.name)
        if getattr(module, "boto_client_for", None) is original:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
