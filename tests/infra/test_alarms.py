"""Every way Rebound fails has an alarm, and every alarm reaches people through the topic.

One row per alarm the issue asks for (issue 13 item 4): what it watches and that its actions
publish to the alarm topic, whose policy lets CloudWatch publish at all.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra import names
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra

# (what, namespace, metric, dimension that must name it)
EXPECTED = [
    ("API 5xx", "AWS/ApiGateway", "5XXError", "rebound-dev"),
    ("API latency", "AWS/ApiGateway", "Latency", "rebound-dev"),
    ("ingest errors", "AWS/Lambda", "Errors", names.INGEST_ID),
    ("ingest throttles", "AWS/Lambda", "Throttles", names.INGEST_ID),
    ("summary errors", "AWS/Lambda", "Errors", names.SUMMARY_ID),
    ("alerts check errors", "AWS/Lambda", "Errors", names.ALERTS_CHECK_ID),
    ("API function errors", "AWS/Lambda", "Errors", names.API_HANDLER_ID),
    ("nightly re-check errors", "AWS/Lambda", "Errors", names.RECHECK_NIGHTLY_ID),
    ("mass-delete worker errors", "AWS/Lambda", "Errors", names.MASS_DELETE_WORKER_ID),
    ("oldest inbound message", "AWS/SQS", "ApproximateAgeOfOldestMessage", "IngestQueue"),
    ("ingest DLQ", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "IngestDeadLetterQueue"),
    (
        "summary ticks DLQ",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "SummaryScheduleDeadLetterQueue",
    ),
    (
        "failed summary runs",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "SummaryScheduleFailedRunDeadLetterQueue",
    ),
    (
        "alerts check ticks DLQ",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "AlertsCheckScheduleDeadLetterQueue",
    ),
    (
        "failed alerts check runs",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "AlertsCheckScheduleFailedRunDeadLetterQueue",
    ),
    (
        "nightly re-check ticks DLQ",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "RecheckNightlyScheduleDeadLetterQueue",
    ),
    (
        "failed nightly re-check runs",
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "RecheckNightlyScheduleFailedRunDeadLetterQueue",
    ),
    ("mass delete failed", "AWS/States", "ExecutionsFailed", "rebound-mass-delete-dev"),
    ("mass delete timed out", "AWS/States", "ExecutionsTimedOut", "rebound-mass-delete-dev"),
    ("table throttles", "AWS/DynamoDB", "ThrottledRequests", "StorageTable"),
    ("table system errors", "AWS/DynamoDB", "SystemErrors", "StorageTable"),
]


def _watched(alarm: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(namespace, metric, dimensions as JSON) of a single-metric or metric-math alarm."""
    properties = alarm["Properties"]
    if "MetricName" in properties:
        stats = [
            {
                "Namespace": properties["Namespace"],
                "MetricName": properties["MetricName"],
                "Dimensions": properties["Dimensions"],
            }
        ]
    else:
        stats = [
            query["MetricStat"]["Metric"]
            for query in properties["Metrics"]
            if "MetricStat" in query
        ]
    return [(s["Namespace"], s["MetricName"], json.dumps(s["Dimensions"])) for s in stats]


@pytest.mark.parametrize(
    ("what", "namespace", "metric", "names_it"), EXPECTED, ids=[row[0] for row in EXPECTED]
)
def test_alarm_exists_and_notifies_the_topic(
    synthesized: Synthesized, what: str, namespace: str, metric: str, names_it: str
) -> None:
    (topic_id,) = synthesized.of_type("AWS::SNS::Topic")
    found = [
        alarm
        for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()
        if any(
            ns == namespace and name == metric and names_it in dimensions
            for ns, name, dimensions in _watched(alarm)
        )
    ]
    assert found, f"no alarm for {what}"
    for alarm in found:
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}], what
        assert alarm["Properties"]["OKActions"] == [{"Ref": topic_id}], what
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching"


def test_every_alarm_is_one_the_list_names(synthesized: Synthesized) -> None:
    """A new alarm is added to EXPECTED (and so to the README's list) on purpose."""
    assert len(synthesized.of_type("AWS::CloudWatch::Alarm")) == len(EXPECTED)


def test_cloudwatch_may_publish_to_the_ssl_only_topic(synthesized: Synthesized) -> None:
    (topic_id,) = synthesized.of_type("AWS::SNS::Topic")
    (policy,) = synthesized.of_type("AWS::SNS::TopicPolicy").values()
    assert policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert "aws:SourceAccount" in allow["Condition"]["StringEquals"]
    assert ":alarm:*" in json.dumps(allow["Condition"]["ArnLike"]["aws:SourceArn"])
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )


def test_the_alarm_address_is_subscribed(synthesized: Synthesized) -> None:
    (topic_id,) = synthesized.of_type("AWS::SNS::Topic")
    subscription = synthesized.one("AWS::SNS::Subscription")["Properties"]
    assert subscription == {
        "Endpoint": "ops@example.com",
        "Protocol": "email",
        "TopicArn": {"Ref": topic_id},
    }


@pytest.mark.parametrize(
    "function_id", [names.SUMMARY_ID, names.ALERTS_CHECK_ID, names.RECHECK_NIGHTLY_ID]
)
def test_scheduled_functions_send_failed_runs_to_a_destination(
    synthesized: Synthesized, function_id: str
) -> None:
    (config,) = [
        c["Properties"]
        for c in synthesized.of_type("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert config["Qualifier"] == "$LATEST"
    assert config["MaximumRetryAttempts"] == 2
    queue_id = config["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    assert "FailedRunDeadLetterQueue" in queue_id
