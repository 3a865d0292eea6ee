"""The synthesized mass-delete state machine: the definition infra/ hands CloudFormation is the
one the local stack runs, its role is least-privilege, the API may start and follow it — and
the synthesized text itself runs a job end to end in moto's interpreter."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from chalicelib.config import Settings
from infra import names
from infra.constructs import mass_delete
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra
logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)


def _machine(synthesized: Synthesized) -> dict[str, Any]:
    return synthesized.one("AWS::StepFunctions::StateMachine")


def _definition_text(machine: dict[str, Any]) -> str:
    text = machine["Properties"]["DefinitionString"]
    assert isinstance(text, str), "the definition has no tokens; substitutions carry the names"
    return text


def test_definition_is_the_one_provision_creates(synthesized: Synthesized) -> None:
    machine = _machine(synthesized)
    assert _definition_text(machine) == mass_delete.definition_string()
    assert machine["Properties"]["StateMachineType"] == "STANDARD"
    substitutions = machine["Properties"]["DefinitionSubstitutions"]
    assert set(substitutions) == set(mass_delete.SUBSTITUTIONS)
    table = synthesized.one("AWS::DynamoDB::Table")
    assert substitutions["TableName"] == {"Ref": _logical_id(synthesized, table)}
    worker = substitutions["WorkerFunctionArn"]
    assert worker == {"Fn::GetAtt": [names.MASS_DELETE_WORKER_ID, "Arn"]}


def _logical_id(synthesized: Synthesized, what: Any) -> str:
    if isinstance(what, str):
        (logical_id,) = synthesized.of_type(what)
        return logical_id
    return next(k for k, v in synthesized.resources.items() if v is what)


def test_role_is_least_privilege(synthesized: Synthesized) -> None:
    machine = _machine(synthesized)
    role_id = machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for policy in synthesized.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                listed = statement["Action"]
                listed = [listed] if isinstance(listed, str) else listed
                actions.update(listed)
                if statement["Resource"] == "*":
                    # log delivery and X-Ray support no resource-level permissions
                    assert all(a.startswith(("logs:", "xray:")) for a in listed), listed
    # The machine sets the job's state, reads plans, runs the worker and its own children;
    # the deleting is the worker's, with the worker's role.
    assert "dynamodb:UpdateItem" in actions
    assert "s3:GetObject" in actions
    assert "lambda:InvokeFunction" in actions
    assert "states:StartExecution" in actions  # Distributed Map children
    assert not any(
        a.startswith(("dynamodb:", "s3:"))
        for a in actions - {"dynamodb:UpdateItem", "s3:GetObject"}
    )
    assert not any(a.startswith("events:") for a in actions)


def test_worker_role_archives_deletes_and_announces(synthesized: Synthesized) -> None:
    worker = synthesized.resources[names.MASS_DELETE_WORKER_ID]
    assert worker["Properties"]["Timeout"] == mass_delete.WORKER_TIMEOUT_SECONDS
    role_id = worker["Properties"]["Role"]["Fn::GetAtt"][0]
    granted: set[str] = set()
    for policy in synthesized.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                listed = statement["Action"]
                granted.update([listed] if isinstance(listed, str) else listed)
    assert {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
        "s3:GetObject",
        "s3:PutObject",
        "events:PutEvents",
    } <= granted
    assert "dynamodb:Scan" not in granted
    assert not any(a.startswith("states:") for a in granted)


def test_logs_errors_without_execution_data_and_traces(synthesized: Synthesized) -> None:
    properties = _machine(synthesized)["Properties"]
    logging = properties["LoggingConfiguration"]
    assert logging["Level"] == "ERROR"
    # a state's input and output hold the addresses being erased
    assert logging["IncludeExecutionData"] is False
    (destination,) = logging["Destinations"]
    group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    group = synthesized.resources[group_id]["Properties"]
    assert group["LogGroupName"].startswith("/aws/vendedlogs/states/")
    assert "RetentionInDays" in group
    assert properties["TracingConfiguration"] == {"Enabled": True}


def test_api_can_start_and_follow_it(synthesized: Synthesized) -> None:
    api = synthesized.resources[names.API_HANDLER_ID]
    variables = api["Properties"]["Environment"]["Variables"]
    assert names.ENV_MASS_DELETE_STATE_MACHINE_ARN in variables
    role_id = api["Properties"]["Role"]["Fn::GetAtt"][0]
    granted: set[str] = set()
    for policy in synthesized.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                listed = statement["Action"]
                granted.update([listed] if isinstance(listed, str) else listed)
    assert {"states:StartExecution", "states:DescribeExecution", "s3:PutObject"} <= granted
    assert "dynamodb:BatchWriteItem" in granted  # undo


def test_synthesized_definition_runs_a_job_in_moto(synthesized: Synthesized, aws: Any) -> None:
    """The template's own text, rendered as CloudFormation would, deletes and removes."""
    from chalicelib.massdelete.model import Job
    from chalicelib.massdelete.plan import execution_input, map_item, plan_entry, plan_key
    from chalicelib.massdelete.states import JobState
    from chalicelib.storage.jobs import JobRepository
    from rebound.provision import LOCAL_WORKER_ARN, provision_mass_delete
    from tests.integration.helpers import seed_counted_bounces, setup_tenant

    settings = Settings.from_env()
    provision_mass_delete(settings)  # moto interprets executions; clients cached
    text = mass_delete.render(
        _definition_text(_machine(synthesized)),
        {
            "TableName": settings.table_name,
            "BucketName": settings.bucket_name,
            "WorkerFunctionArn": LOCAL_WORKER_ARN,  # run in-process by the local stack
        },
    )
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="synthesized-mass-delete",
        definition=text,
        roleArn="arn:aws:iam::123456789012:role/synthesized",
    )["stateMachineArn"]
    setup_tenant("riverside")
    seed_counted_bounces("riverside", "ann@example.net", 2, datetime(2026, 11, 1, tzinfo=UTC))
    from chalicelib import wiring

    counter = wiring.counters().get_counter("riverside", "ann@example.net")
    assert counter is not None
    jobs = JobRepository()
    keys = jobs.address_keys("riverside", "md-synth", counter.address)
    entry = plan_entry(
        "riverside", "md-synth", counter, keys, remove=True, actor="t/k", removed_since="now"
    )
    item = map_item("riverside", "md-synth", jobs.job_key("riverside", "md-synth"), 0)
    s3 = boto3.client("s3")
    s3.put_object(
        Bucket=settings.bucket_name, Key=item["key"], Body=json.dumps({"entries": [entry]})
    )
    s3.put_object(
        Bucket=settings.bucket_name, Key=plan_key("riverside", "md-synth"), Body=json.dumps([item])
    )
    JobRepository().create_job(
        Job(
            "riverside",
            "md-synth",
            JobState.APPROVED,
            "t",
            "t/k",
            {},
            True,
            False,
            1,
            5,
            (),
            "",
            chunks=1,
        )
    )
    execution = sfn.start_execution(
        stateMachineArn=arn,
        name="md-synth",
        input=json.dumps(
            execution_input(
                "riverside", "md-synth", jobs.job_key("riverside", "md-synth"), "now", 1
            )
        ),
    )["executionArn"]
    deadline = time.monotonic() + 60
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
    job = JobRepository().get_job("riverside", "md-synth")
    assert job is not None
    assert job.state is JobState.SUCCEEDED
    # the counter, 2 history entries and the second bounce's marker (a first bounce has none)
    assert (job.progress.deleted, job.progress.removed) == (4, 1)
    assert wiring.counters().get_counter("riverside", "ann@example.net") is None
