"""The synthesized stack has every resource the pipeline needs, with the properties that matter.

Each test names one promise of the design (ARCHITECTURE.md, issue 2 item 7) and checks it in
the template `make synth` produces.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.storage.aggregate import STREAM_FILTER
from chalicelib.storage.items import AddressCounterItem
from infra import names
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra

FUNCTIONS = (
    names.INGEST_ID,
    names.SUMMARY_ID,
    names.ALERTS_CHECK_ID,
    names.RECHECK_NIGHTLY_ID,
    names.API_HANDLER_ID,
)


@pytest.fixture(scope="module")
def template(synthesized: Synthesized) -> Template:
    return Template.from_json(synthesized.template)


def _ref_id(value: Any) -> str:
    """The logical id a Ref or Fn::GetAtt points at."""
    if "Ref" in value:
        return str(value["Ref"])
    return str(value["Fn::GetAtt"][0])


def _mail_bucket(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, bucket)
        for logical_id, bucket in synthesized.of_type("AWS::S3::Bucket").items()
        if "MailBucket" in logical_id
    ]
    return found


def _ingest_queue(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (logical_id, queue)
        for logical_id, queue in synthesized.of_type("AWS::SQS::Queue").items()
        if "RedrivePolicy" in queue["Properties"]
    ]
    return found


def test_receipt_rule_stores_groupmessaging_mail_under_inbound(synthesized: Synthesized) -> None:
    rule = synthesized.one("AWS::SES::ReceiptRule")["Properties"]["Rule"]
    assert rule["Recipients"] == ["groupmessaging@bounces.example.com"]
    assert rule["ScanEnabled"] is True
    # Optional: many MTAs send bounces without STARTTLS; Require would refuse them silently.
    assert rule["TlsPolicy"] == "Optional"
    assert rule["Enabled"] is True
    (action,) = rule["Actions"]
    assert action["S3Action"]["ObjectKeyPrefix"] == "inbound/"
    rule_set = synthesized.one("AWS::SES::ReceiptRuleSet")["Properties"]
    assert (
        synthesized.one("AWS::SES::ReceiptRule")["Properties"]["RuleSetName"]
        == (rule_set["RuleSetName"])
    )


def test_bucket_is_private_encrypted_and_expires_mail(synthesized: Synthesized) -> None:
    _, resource = _mail_bucket(synthesized)
    # Kept on delete and replacement, but a failed first create does not leave its fixed
    # name behind to block the retry.
    assert resource["DeletionPolicy"] == "RetainExceptOnCreate"
    assert resource["UpdateReplacePolicy"] == "Retain"
    bucket = resource["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-inbound"]["Prefix"] == "inbound/"
    assert rules["expire-inbound"]["ExpirationInDays"] == 390  # tests/infra/conftest.py
    assert rules["expire-exports"]["Prefix"] == "exports/"
    assert rules["expire-exports"]["ExpirationInDays"] == 6
    assert not any(rule.get("Prefix", "").startswith("archives") for rule in rules.values())


def test_mail_bucket_access_is_logged_to_a_bucket_of_its_own(synthesized: Synthesized) -> None:
    _, bucket = _mail_bucket(synthesized)
    logging = bucket["Properties"]["LoggingConfiguration"]
    target = synthesized.resources[_ref_id(logging["DestinationBucketName"])]
    assert target["Type"] == "AWS::S3::Bucket"
    assert target["DeletionPolicy"] == "RetainExceptOnCreate"
    (rule,) = target["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 365


def test_bucket_notifies_the_ingest_queue_of_inbound_objects(synthesized: Synthesized) -> None:
    _, bucket = _mail_bucket(synthesized)
    (notification,) = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    queue_id, _ = _ingest_queue(synthesized)
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert _ref_id(notification["Queue"]) == queue_id
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "inbound/"}]
    # S3 checks its permission on the queue when the bucket is created.
    assert any("QueuePolicy" in dependency for dependency in bucket["DependsOn"])


def test_bucket_policy_lets_only_this_accounts_rule_put_and_requires_tls(
    synthesized: Synthesized,
) -> None:
    mail_bucket_id, _ = _mail_bucket(synthesized)
    (policy,) = [
        policy
        for policy in synthesized.of_type("AWS::S3::BucketPolicy").values()
        if policy["Properties"]["Bucket"] == {"Ref": mail_bucket_id}
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    ses = [s for s in statements if s.get("Principal") == {"Service": "ses.amazonaws.com"}]
    (allow,) = ses
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == "s3:PutObject"
    assert "aws:SourceAccount" in allow["Condition"]["StringEquals"]
    assert "aws:SourceArn" in allow["Condition"]["ArnLike"]
    assert "inbound/*" in json.dumps(allow["Resource"])
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    # SES checks its permission on the bucket when the rule is created.
    rule = synthesized.one("AWS::SES::ReceiptRule")
    assert any("BucketPolicy" in dependency for dependency in rule["DependsOn"])


def test_ingest_queue_has_encryption_a_dlq_and_a_long_enough_visibility(
    synthesized: Synthesized,
) -> None:
    _, queue = _ingest_queue(synthesized)
    properties = queue["Properties"]
    assert properties["SqsManagedSseEnabled"] is True
    assert properties["RedrivePolicy"]["maxReceiveCount"] == 5
    dlq = synthesized.resources[_ref_id(properties["RedrivePolicy"]["deadLetterTargetArn"])]
    assert dlq["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dlq["Properties"]["SqsManagedSseEnabled"] is True
    ingest_timeout = synthesized.resources[names.INGEST_ID]["Properties"]["Timeout"]
    assert properties["VisibilityTimeout"] >= 6 * ingest_timeout


def test_table_schema_protection_and_ttl(template: Template) -> None:
    template.resource_count_is("AWS::DynamoDB::Table", 1)
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "RetainExceptOnCreate",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "BillingMode": "PAY_PER_REQUEST",
                    "DeletionProtectionEnabled": True,
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "SSESpecification": {"SSEEnabled": True},
                    "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                }
            ),
        },
    )


def test_table_indexes(synthesized: Synthesized) -> None:
    table = synthesized.one("AWS::DynamoDB::Table")["Properties"]
    indexes = {index["IndexName"]: index for index in table["GlobalSecondaryIndexes"]}
    # Sparse: keys present only once an address bounced twice (chalicelib/storage/items.py).
    assert indexes["by_count"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "repeat_count", "KeyType": "RANGE"},
    ]
    assert indexes["by_first_bounce"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "repeat_first_at", "KeyType": "RANGE"},
    ]
    assert indexes["by_last_bounce"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "last_bounce_at", "KeyType": "RANGE"},
    ]
    assert indexes["by_category"]["KeySchema"] == [
        {"AttributeName": "category_pk", "KeyType": "HASH"},
        {"AttributeName": "bounce_count", "KeyType": "RANGE"},
    ]
    assert set(indexes) == {
        "by_count",
        "by_last_bounce",
        "by_first_bounce",
        "by_category",
        "by_domain",
        "by_state",
    }
    # Projections come from the models: keys only where the listing reads rows from the table.
    schema = AddressCounterItem._get_schema()["global_secondary_indexes"]
    assert {i["IndexName"]: i["Projection"] for i in indexes.values()} == {
        gsi["index_name"]: gsi["projection"] for gsi in schema
    }
    assert indexes["by_first_bounce"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert "diagnostic" in indexes["by_count"]["Projection"]["NonKeyAttributes"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    types = {d["AttributeName"]: d["AttributeType"] for d in table["AttributeDefinitions"]}
    assert types == {
        "pk": "S",
        "sk": "S",
        "bounce_count": "N",
        "repeat_count": "N",
        "last_bounce_at": "S",
        "repeat_first_at": "S",
        "category_pk": "S",
        "domain_pk": "S",
        "state_pk": "S",
    }


def test_event_bus_and_secret(template: Template) -> None:
    # Named per stage: two stages in one account never share a bus.
    template.has_resource_properties("AWS::Events::EventBus", {"Name": "rebound-dev"})
    template.has_resource(
        "AWS::SecretsManager::Secret",
        {"DeletionPolicy": "RetainExceptOnCreate", "Properties": Match.object_like({})},
    )


def test_chalice_functions_run_python_312_on_arm64_with_their_own_roles(
    synthesized: Synthesized,
) -> None:
    roles = set()
    for logical_id in FUNCTIONS:
        function = synthesized.resources[logical_id]
        assert function["Type"] == "AWS::Serverless::Function"
        assert function["Properties"]["Runtime"] == "python3.12"
        assert function["Properties"]["Architectures"] == ["arm64"]
        assert "stage=dev:" in function["Properties"]["Tags"]["aws-chalice"]
        role_id = _ref_id(function["Properties"]["Role"])
        assert synthesized.resources[role_id]["Type"] == "AWS::IAM::Role"
        roles.add(role_id)
    assert len(roles) == len(FUNCTIONS), "each function has a role of its own"
    assert synthesized.resources[names.REST_API_ID]["Type"] == "AWS::Serverless::Api"


def test_every_function_gets_the_environment_the_app_reads(synthesized: Synthesized) -> None:
    for logical_id in FUNCTIONS:
        variables = synthesized.resources[logical_id]["Properties"]["Environment"]["Variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "rebound"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Rebound"
        assert variables["LOG_LEVEL"] == "INFO"
        assert variables["REBOUND_INBOUND_DOMAIN"] == "bounces.example.com"
        assert variables["REBOUND_INBOUND_LOCAL_PART"] == "groupmessaging"
        assert variables["REBOUND_MAIL_FROM"] == "Rebound <no-reply@example.com>"
        assert variables["REBOUND_STAFF_ADDRESSES"] == "staff@example.com,desk@example.org"
        assert _ref_id(variables["REBOUND_TABLE"]) in synthesized.of_type("AWS::DynamoDB::Table")
        assert _ref_id(variables["REBOUND_EVENT_BUS"]) in synthesized.of_type(
            "AWS::Events::EventBus"
        )
        assert _ref_id(variables["REBOUND_TAG_KEYS_SECRET_ARN"]) in synthesized.of_type(
            "AWS::SecretsManager::Secret"
        )
        assert "rebound-dev-mail-" in json.dumps(variables["REBOUND_BUCKET"])
    for logical_id in (names.INGEST_ID, names.SUMMARY_ID):
        variables = synthesized.resources[logical_id]["Properties"]["Environment"]["Variables"]
        assert "execute-api" in json.dumps(variables["REBOUND_REPORT_URL"])


def test_queue_feeds_ingest_in_batches_with_partial_failures(synthesized: Synthesized) -> None:
    (mapping,) = [
        m
        for logical_id, m in synthesized.of_type("AWS::Lambda::EventSourceMapping").items()
        if logical_id.startswith("IngestQueueMapping")
    ]
    properties = mapping["Properties"]
    queue_id, _ = _ingest_queue(synthesized)
    assert _ref_id(properties["EventSourceArn"]) == queue_id
    assert names.INGEST_ID in json.dumps(properties["FunctionName"])
    assert properties["BatchSize"] == 10
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["MaximumBatchingWindowInSeconds"] == names.INGEST_BATCH_WINDOW_SECONDS
    assert properties["ScalingConfig"] == {"MaximumConcurrency": names.INGEST_MAX_CONCURRENCY}
    # Lambda checks the role may read the queue when the mapping is created.
    assert any("IngestRole" in dependency for dependency in mapping["DependsOn"])


@pytest.mark.parametrize(
    ("function_id", "expression"),
    [
        (names.SUMMARY_ID, "rate(1 hour)"),
        (names.ALERTS_CHECK_ID, "rate(15 minutes)"),
        (names.RECHECK_NIGHTLY_ID, "cron(0 1-5 * * ? *)"),
    ],
)
def test_schedules_invoke_their_function_with_retries_and_a_dlq(
    synthesized: Synthesized, function_id: str, expression: str
) -> None:
    (properties,) = [
        schedule["Properties"]
        for schedule in synthesized.of_type("AWS::Scheduler::Schedule").values()
        if schedule["Properties"]["Target"]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    ]
    assert properties["ScheduleExpression"] == expression
    target = properties["Target"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    dlq = synthesized.resources[_ref_id(target["DeadLetterConfig"]["Arn"])]
    assert dlq["Type"] == "AWS::SQS::Queue"
    role = synthesized.resources[_ref_id(target["RoleArn"])]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"
    }


def test_the_stream_feeds_the_aggregator_new_history_items_only(synthesized: Synthesized) -> None:
    (properties,) = [
        m["Properties"]
        for logical_id, m in synthesized.of_type("AWS::Lambda::EventSourceMapping").items()
        if logical_id.startswith("AggregationStreamMapping")
    ]
    assert names.AGGREGATE_ID in json.dumps(properties["FunctionName"])
    assert properties["BatchSize"] == names.AGGREGATE_BATCH_SIZE
    assert properties["ParallelizationFactor"] == 1
    assert properties["BisectBatchOnFunctionError"] is False
    assert properties["MaximumRetryAttempts"] == names.AGGREGATE_RETRY_ATTEMPTS
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    (pattern,) = [json.loads(f["Pattern"]) for f in properties["FilterCriteria"]["Filters"]]
    assert pattern == STREAM_FILTER
    assert "OnFailure" in properties["DestinationConfig"]


def test_bucket_lifecycle_and_item_ttls_keep_the_same_days(synthesized: Synthesized) -> None:
    """docs/retention.md: inbound records live as long as the raw mail they cite, and exports
    as long as the bucket keeps them. The lifecycle days and the days every function reads
    (the items' expires_at) are one number (set here to non-default days in the context)."""
    from chalicelib.config import Settings

    _, resource = _mail_bucket(synthesized)
    rules = {r["Id"]: r for r in resource["Properties"]["LifecycleConfiguration"]["Rules"]}
    inbound_days = rules["expire-inbound"]["ExpirationInDays"]
    exports_days = rules["expire-exports"]["ExpirationInDays"]
    assert (inbound_days, exports_days) == (390, 6)
    for logical_id in FUNCTIONS:
        variables = synthesized.resources[logical_id]["Properties"]["Environment"]["Variables"]
        plain = {k: v for k, v in variables.items() if isinstance(v, str)}
        retention = Settings.from_env(plain).retention
        assert retention.inbound_days == inbound_days, logical_id
