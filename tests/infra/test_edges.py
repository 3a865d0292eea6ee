"""The API's edge (throttling, JSON access logs, execution logs at ERROR, X-Ray, WAF with a rate
rule) and SES receiving in code (rule set activated by the stack, domain identity, MX)."""

from __future__ import annotations

import json

import pytest

from infra import names
from tests.infra.template import Synthesized

pytestmark = pytest.mark.infra


def test_api_stage_is_throttled_logged_and_traced(synthesized: Synthesized) -> None:
    api = synthesized.resources[names.REST_API_ID]["Properties"]
    assert api["Name"] == "rebound-dev"
    assert api["TracingEnabled"] is True
    (settings,) = api["MethodSettings"]
    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False  # no request or response bodies in logs
    access = api["AccessLogSetting"]
    fields = json.loads(access["Format"])
    assert {"requestId", "status", "resourcePath", "responseLatency"} <= set(fields)
    # the route template, never the concrete path (which holds addresses)
    assert fields["resourcePath"] == "$context.resourcePath"
    assert "$context.path" not in access["Format"]
    group = synthesized.resources[access["DestinationArn"]["Fn::GetAtt"][0]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert "RetentionInDays" in group["Properties"]


def test_api_gateway_may_write_logs(synthesized: Synthesized) -> None:
    account = synthesized.one("AWS::ApiGateway::Account")
    role = synthesized.resources[account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]]
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(role["Properties"])
    assert account["DeletionPolicy"] == "Retain"  # other APIs of the account log through it


def test_waf_rate_rule_guards_the_stage(synthesized: Synthesized) -> None:
    acl = synthesized.one("AWS::WAFv2::WebACL")["Properties"]
    assert acl["Scope"] == "REGIONAL"
    rate_rules = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    (rate,) = rate_rules
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 1000  # waf_rate_limit
    association = synthesized.one("AWS::WAFv2::WebACLAssociation")["Properties"]
    arn = json.dumps(association["ResourceArn"])
    assert '"Ref": "RestAPI"' in arn
    assert '"Ref": "RestAPI.Stage"' in arn  # SAM resolves it to the stage it creates


def test_rule_set_is_activated_by_the_stack(synthesized: Synthesized) -> None:
    (activation,) = synthesized.of_type("Custom::SesActiveReceiptRuleSet").values()
    rule_set = synthesized.one("AWS::SES::ReceiptRuleSet")["Properties"]
    assert activation["Properties"]["RuleSetName"] == rule_set["RuleSetName"]
    # never replaces another active set unless told to (-c replace_active_rule_set=true)
    assert activation["Properties"]["ReplaceActiveRuleSet"] == "false"
    depends_on = " ".join(activation["DependsOn"])
    assert "RuleSet" in depends_on and "GroupMessagingRule" in depends_on
    handler_id = activation["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    handler = synthesized.resources[handler_id]["Properties"]
    code = handler["Code"]["ZipFile"]
    assert "set_active_receipt_rule_set" in code and "replace_active_rule_set" in code
    assert handler["Architectures"] == ["arm64"]


def test_inbound_domain_is_an_identity_and_the_mx_record_is_given(
    synthesized: Synthesized,
) -> None:
    identity = synthesized.one("AWS::SES::EmailIdentity")["Properties"]
    assert identity["EmailIdentity"] == "bounces.example.com"
    outputs = json.dumps(synthesized.template["Outputs"])
    # no hosted zone in the test context: the records to publish are outputs
    assert "MX 10 inbound-smtp." in outputs
    assert not synthesized.of_type("AWS::Route53::RecordSet")


def test_with_a_hosted_zone_the_stack_publishes_mx_and_dkim() -> None:
    """Only the receiving construct, in a stack of its own: no Chalice packaging needed."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_ses as ses
    from aws_cdk.assertions import Match, Template
    from constructs import Construct

    from infra.config import DeployConfig
    from infra.constructs.receiving import SesReceiving

    stack = Stack(App(), "ZoneCheck")
    rule_set = ses.CfnReceiptRuleSet(stack, "RuleSet", rule_set_name="rebound-prod")
    config = DeployConfig(
        stage="prod",
        inbound_domain="bounces.mms.dev",
        hosted_zone_id="Z0123456789",
        hosted_zone_name="mms.dev",
    )
    SesReceiving(
        stack,
        "Receiving",
        config=config,
        rule_set=rule_set,
        rule_set_name="rebound-prod",
        receipt_rule=Construct(stack, "Rule"),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "Type": "MX",
            "Name": "bounces.mms.dev.",
            "HostedZoneId": "Z0123456789",
            "ResourceRecords": [
                {"Fn::Join": ["", ["10 inbound-smtp.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}
            ],
        },
    )
    template.resource_properties_count_is("AWS::Route53::RecordSet", {"Type": "CNAME"}, 3)
    # the DKIM names are the identity's full names, not suffixed with the zone a second time
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "Type": "CNAME",
            "Name": {
                "Fn::Join": [
                    "",
                    [{"Fn::GetAtt": [Match.any_value(), "DkimDNSTokenName1"]}, "."],
                ]
            },
        },
    )
    template.has_resource_properties(
        "AWS::SES::EmailIdentity", {"EmailIdentity": "bounces.mms.dev"}
    )
    assert not [o for o in template.to_json().get("Outputs", {}) if "MxRecord" in o]
    template.has_resource_properties(
        "Custom::SesActiveReceiptRuleSet", Match.object_like({"RuleSetName": "rebound-prod"})
    )
