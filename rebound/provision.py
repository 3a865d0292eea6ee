"""Provisioning of the local AWS stack (moto): the same resources infra/ deploys, made with
boto3. `rebound local` and the tests both call `provision()`, so what the tests exercise is what
a person runs."""

from __future__ import annotations

import json
import time
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
# The worker function's ARN in the local definition: moto runs no Lambda code, so the local
# stack runs app.py's handler in-process when moto's interpreter invokes this ARN.
LOCAL_WORKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rebound-mass-delete-worker"
# The worker's Lambda timeout, as its context reports it locally.
LOCAL_WORKER_SECONDS = 900.0


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
        run_worker_in_process()
        # moto only records executions unless told to interpret them.
        request = urllib.request.Request(  # noqa: S310 - the local moto endpoint
            f"{endpoint}/moto-api/config",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
    sfn: Any = boto3.client("stepfunctions", region_name=settings.region)
    definition = rendered_definition(settings.table_name, settings.bucket_name, LOCAL_WORKER_ARN)
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


class _LocalContext:
    """What the worker reads of a Lambda context: the time left of its timeout."""

    def __init__(self, seconds: float) -> None:
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


# Every payload the local worker was invoked with, in order (the benchmark counts the runs).
LOCAL_WORKER_CALLS: list[dict[str, Any]] = []


def run_worker_in_process() -> None:
    """Make moto's Step Functions interpreter run the mass-delete worker (app.py) in this
    process when a task invokes LOCAL_WORKER_ARN, as Lambda would: the payload in, the
    handler's answer out, an exception as a function error named after its type (what a
    Retry or Catch sees). Other functions go to moto's Lambda as before."""
    try:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
            lambda_eval_utils,
        )
    except ImportError:  # moto is a development dependency
        return
    original = lambda_eval_utils._invoke_lambda_function
    if getattr(original, "__rebound_worker__", False):
        return

    def invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> Any:
        if parameters.get("FunctionName") != LOCAL_WORKER_ARN:
            return original(parameters, region, state_credentials)
        import app

        payload = json.loads(parameters.get("Payload") or b"{}")
        LOCAL_WORKER_CALLS.append(payload)
        try:
            answer = app.mass_delete_worker(payload, _LocalContext(LOCAL_WORKER_SECONDS))
        except Exception as error:
            failure = {"errorType": type(error).__name__, "errorMessage": str(error)}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": failure}
        return {"StatusCode": 200, "Payload": json.loads(json.dumps(answer))}

    invoke.__rebound_worker__ = True  # type: ignore[attr-defined]
    lambda_eval_utils._invoke_lambda_function = invoke


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
