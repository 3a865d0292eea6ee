"""Least privilege: no wildcard actions, no wildcard resources, each function only what it uses.

The allowed exceptions are actions that support no resource-level permissions, for which AWS
requires Resource "*": X-Ray's trace writes (Powertools Tracer, Step Functions tracing),
Step Functions' CloudWatch Logs delivery, and SES's receipt rule set activation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra import names
from infra.constructs.mass_delete import LOG_DELIVERY_ACTIONS, TRACING_ACTIONS
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra

RESOURCE_STAR_ALLOWED = {
    *TRACING_ACTIONS,
    *LOG_DELIVERY_ACTIONS,
    "ses:DescribeActiveReceiptRuleSet",
    "ses:SetActiveReceiptRuleSet",
}
POLICY_DOCUMENTS = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _allow_statements(synthesized: Synthesized) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in synthesized.resources.items():
        documents = []
        key = POLICY_DOCUMENTS.get(resource["Type"])
        if key:
            documents.append(resource["Properties"][key])
        if resource["Type"] == "AWS::IAM::Role":
            documents += [p["PolicyDocument"] for p in resource["Properties"].get("Policies", [])]
        for document in documents:
            for statement in _as_list(document["Statement"]):
                # Deny statements (TLS-only bucket and queue policies) restrict; they may be broad.
                if statement["Effect"] == "Allow":
                    yield logical_id, statement


def _role_actions(synthesized: Synthesized, function_id: str) -> dict[str, list[Any]]:
    """Action -> resources granted to a function's role by its attached policies."""
    role_id = synthesized.resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    granted: dict[str, list[Any]] = {}
    for policy in synthesized.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} not in policy["Properties"]["Roles"]:
            continue
        for statement in _as_list(policy["Properties"]["PolicyDocument"]["Statement"]):
            for action in _as_list(statement["Action"]):
                granted.setdefault(action, []).extend(_as_list(statement["Resource"]))
    return granted


def test_no_allow_statement_has_a_wildcard_action(synthesized: Synthesized) -> None:
    statements = list(_allow_statements(synthesized))
    assert statements
    for logical_id, statement in statements:
        for action in _as_list(statement["Action"]):
            assert "*" not in action, f"{logical_id} allows {action}"


def test_no_allow_statement_has_resource_star_except_xray(synthesized: Synthesized) -> None:
    for logical_id, statement in _allow_statements(synthesized):
        if "*" in _as_list(statement.get("Resource", [])):
            assert set(_as_list(statement["Action"])) <= RESOURCE_STAR_ALLOWED, logical_id


def test_no_resource_policy_allows_anyone(synthesized: Synthesized) -> None:
    for logical_id, statement in _allow_statements(synthesized):
        assert statement.get("Principal", {}) != "*", logical_id
        assert statement.get("Principal", {}).get("AWS") != "*", logical_id


def test_ingest_may_read_inbound_consume_the_queue_count_and_read_keys(
    synthesized: Synthesized,
) -> None:
    granted = _role_actions(synthesized, names.INGEST_ID)
    assert "inbound/*" in json.dumps(granted["s3:GetObject"])
    assert "s3:PutObject" not in granted
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= set(
        granted
    )
    assert {"dynamodb:UpdateItem", "dynamodb:ConditionCheckItem", "dynamodb:PutItem"} <= set(
        granted
    )
    # Deletes only items of the table (a released alert claim), never through an index.
    assert "/index/" not in json.dumps(granted["dynamodb:DeleteItem"][0])
    assert "dynamodb:Scan" not in granted
    assert "secretsmanager:GetSecretValue" in granted
    assert "events:PutEvents" in granted
    # Alerts are mailed from the ingest path, from the no-reply address only (test below).
    assert {"ses:SendEmail", "ses:SendRawEmail"} <= set(granted)


@pytest.mark.parametrize(
    "function_id",
    [names.SUMMARY_ID, names.INGEST_ID, names.ALERTS_CHECK_ID, names.AGGREGATE_ID],
)
def test_staff_mail_goes_only_from_the_no_reply_address(
    synthesized: Synthesized, function_id: str
) -> None:
    granted = _role_actions(synthesized, function_id)
    assert "ses:SendRawEmail" in granted
    assert all("identity/" in json.dumps(resource) for resource in granted["ses:SendRawEmail"])
    role_id = synthesized.resources[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in _as_list(policy["Properties"]["PolicyDocument"]["Statement"])
        if any(a.startswith("ses:") for a in _as_list(statement["Action"]))
    ]
    assert statements
    for statement in statements:
        assert statement["Condition"] == {
            "StringEquals": {"ses:FromAddress": "no-reply@example.com"}
        }


def test_the_aggregation_may_raise_the_block_burst_alert(synthesized: Synthesized) -> None:
    granted = _role_actions(synthesized, names.AGGREGATE_ID)
    # The alert's claim, email budget and a failed email's claim given back: items only.
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= set(granted)
    assert "/index/" not in json.dumps(granted["dynamodb:DeleteItem"])
    assert {"events:PutEvents", "ses:SendRawEmail"} <= set(granted)
    variables = synthesized.resources[names.AGGREGATE_ID]["Properties"]["Environment"]["Variables"]
    assert names.ENV_REPORT_URL in variables  # the alert links to the report


def test_summary_reads_no_secret_bucket_or_queue(synthesized: Synthesized) -> None:
    granted = _role_actions(synthesized, names.SUMMARY_ID)
    assert "secretsmanager:GetSecretValue" not in granted
    assert not any(action.startswith("s3:") for action in granted)
    # SQS only to write its own failed runs (the on-failure destination), never to read.
    sqs_actions = {action for action in granted if action.startswith("sqs:")}
    assert sqs_actions <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    assert all("FailedRun" in json.dumps(r) for r in granted["sqs:SendMessage"])


def test_alerts_check_watches_every_dead_letter_queue(synthesized: Synthesized) -> None:
    granted = _role_actions(synthesized, names.ALERTS_CHECK_ID)
    assert set(granted) >= {"sqs:GetQueueAttributes", "events:PutEvents", "dynamodb:Query"}
    assert not any(a in granted for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage"))
    watched = {r["Fn::GetAtt"][0] for r in granted["sqs:GetQueueAttributes"]}
    dead_letter_queues = {
        logical_id
        for logical_id, queue in synthesized.of_type("AWS::SQS::Queue").items()
        if "DeadLetterQueue" in logical_id
    }
    assert watched == dead_letter_queues
    # three schedules' undeliverable ticks and their functions' failed runs, and ingest's DLQ
    assert len(dead_letter_queues) == 7
    variables = synthesized.resources[names.ALERTS_CHECK_ID]["Properties"]["Environment"][
        "Variables"
    ]
    assert len(variables[names.ENV_DLQ_URLS]["Fn::Join"][1]) == 2 * len(dead_letter_queues) - 1


def test_api_reads_and_writes_only_items_never_indexes_or_scans(synthesized: Synthesized) -> None:
    granted = _role_actions(synthesized, names.API_HANDLER_ID)
    assert {"dynamodb:Query", "dynamodb:GetItem"} <= set(granted)
    assert "dynamodb:Scan" not in granted
    # Reactivation writes items of the table itself; writes never name an index ARN.
    for action in ("dynamodb:PutItem", "dynamodb:DeleteItem"):
        assert "/index/" not in json.dumps(granted[action])
    assert "secretsmanager:GetSecretValue" in granted
    exports = json.dumps(granted["s3:PutObject"])
    assert "exports/*" in exports


def test_nightly_recheck_only_reads_and_puts_items(synthesized: Synthesized) -> None:
    granted = _role_actions(synthesized, names.RECHECK_NIGHTLY_ID)
    assert {"dynamodb:Query", "dynamodb:PutItem", "dynamodb:BatchWriteItem"} <= set(granted)
    assert not {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"} & set(granted)
    assert not any(a.startswith(("s3:", "ses:", "secretsmanager:", "events:")) for a in granted)
    # SQS only to write its own failed runs (the on-failure destination)
    assert {a for a in granted if a.startswith("sqs:")} <= {
        "sqs:SendMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }


def test_index_queries_name_each_index(synthesized: Synthesized) -> None:
    for function_id in (
        names.INGEST_ID,
        names.SUMMARY_ID,
        names.RECHECK_NIGHTLY_ID,
        names.API_HANDLER_ID,
    ):
        resources = json.dumps(_role_actions(synthesized, function_id)["dynamodb:Query"])
        assert "/index/by_count" in resources
        assert "/index/by_last_bounce" in resources
        assert "/index/*" not in resources


def test_api_may_forget_only_under_the_prefixes_that_hold_personal_data(
    synthesized: Synthesized,
) -> None:
    """`POST .../forget` deletes raw mail, exports and archives, rewrites plans, and lists
    those prefixes only (docs/retention.md); never the whole bucket."""
    granted = _role_actions(synthesized, names.API_HANDLER_ID)
    deletes = json.dumps(granted["s3:DeleteObject"])
    for prefix in ("inbound/*", "exports/*", "archives/*"):
        assert prefix in deletes
    assert "plans/*" not in deletes
    assert "plans/*" in json.dumps(granted["s3:GetObject"])
    assert "plans/*" in json.dumps(granted["s3:PutObject"])
    assert {"dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"} <= set(granted)
    role_id = synthesized.resources[names.API_HANDLER_ID]["Properties"]["Role"]["Fn::GetAtt"][0]
    (listing,) = [
        statement
        for policy in synthesized.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in _as_list(policy["Properties"]["PolicyDocument"]["Statement"])
        if "s3:ListBucket" in _as_list(statement["Action"])
    ]
    assert sorted(listing["Condition"]["StringLike"]["s3:prefix"]) == [
        "archives/*",
        "exports/*",
        "inbound/*",
        "plans/*",
    ]


@pytest.mark.parametrize(
    "function_id",
    [names.API_HANDLER_ID, names.SUMMARY_ID, names.ALERTS_CHECK_ID, names.RECHECK_NIGHTLY_ID],
)
def test_functions_that_page_keep_the_cursor_key_in_the_table(
    synthesized: Synthesized, function_id: str
) -> None:
    # chalicelib.storage.tenants.cursor_secret: read, or created once, by the first cursor.
    granted = _role_actions(synthesized, function_id)
    assert {"dynamodb:GetItem", "dynamodb:PutItem"} <= set(granted)


def test_only_ingest_and_the_api_read_the_tag_keys(synthesized: Synthesized) -> None:
    readers = {
        function_id
        for function_id in names.FUNCTION_IDS
        if "secretsmanager:GetSecretValue" in _role_actions(synthesized, function_id)
    }
    assert readers == {names.INGEST_ID, names.API_HANDLER_ID}
