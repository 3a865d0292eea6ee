"""The edge of the REST API Chalice packages: stage throttling, JSON access logs, execution logs
at ERROR, X-Ray, a per-stage name, and a WAF web ACL with a rate rule.

Chalice emits the API as `AWS::Serverless::Api`, so its stage is set through that resource's
SAM properties (AccessLogSetting, MethodSettings, TracingEnabled); SAM turns them into the
`AWS::ApiGateway::Stage` it creates as `<RestAPI>apiStage`.
"""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnResource, Fn, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra import names
from infra.nag import acknowledge

# Steady rate and burst per stage (all methods). The MMS and staff tools call in bursts of a
# few pages; a report page needs ~5 calls. Far above normal use, far below the account's
# 10,000 requests/s, so one runaway client cannot starve the others of the account's quota.
THROTTLE_RATE_PER_SECOND = 50
THROTTLE_BURST = 100
# Stage variables of the access log. $context.resourcePath is the route template
# (/v1/tenants/{tenant}/addresses/{address}), never the path with the address in it.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTimeEpoch",
    "ip": "$context.identity.sourceIp",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "errorMessage": "$context.error.message",
    "wafStatus": "$context.waf.status",
    "xrayTraceId": "$context.xrayTraceId",
}


class ApiEdge(Construct):
    """Hardens the packaged `AWS::Serverless::Api` (`rest_api`) of one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rest_api: CfnResource,
        stage: str,
        manage_account: bool,
        rate_limit: int,
    ) -> None:
        """`rate_limit`: requests per client address in any 5 minutes (WAF's window)."""
        super().__init__(scope, construct_id)
        self.api_name = f"{names.APP_NAME}-{stage}"
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # One name per stage: CloudWatch's API metrics are keyed by API name and stage.
        rest_api.add_property_override("Name", self.api_name)
        rest_api.add_property_override("TracingEnabled", True)
        rest_api.add_property_override(
            "AccessLogSetting",
            {
                "DestinationArn": self.access_logs.log_group_arn,
                "Format": json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":")),
            },
        )
        rest_api.add_property_override(
            "MethodSettings",
            [
                {
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": THROTTLE_RATE_PER_SECOND,
                    "ThrottlingBurstLimit": THROTTLE_BURST,
                    # Execution logs at ERROR, never request or response bodies (addresses).
                    "LoggingLevel": "ERROR",
                    "DataTraceEnabled": False,
                    "MetricsEnabled": False,
                }
            ],
        )
        acknowledge(
            rest_api,
            "AwsSolutions-APIG2",
            "The app validates every request against its typed schema (one model per shape, the "
            "OpenAPI document comes from it) and answers 400/422; API Gateway request models "
            "would be a second copy of the same schema to drift.",
        )
        if manage_account:
            self._account_logging_role(rest_api)
        self.web_acl = self._web_acl(rate_limit)
        # SAM makes the stage from the Serverless::Api and resolves `Ref <Api>.Stage` to it
        # (the stage name): the association names the stage and waits for it to exist.
        stage_ref = Fn.ref(f"{names.REST_API_ID}.Stage")
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=(
                f"arn:{Aws.PARTITION}:apigateway:{Aws.REGION}::/restapis/{rest_api.ref}"
                f"/stages/{stage_ref}"
            ),
            web_acl_arn=self.web_acl.attr_arn,
        )

    def _account_logging_role(self, rest_api: CfnResource) -> None:
        """API Gateway writes logs with one role per account and region (its Account
        resource); without it the stage's logging settings are refused."""
        role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway (account-wide): push access and execution logs",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        acknowledge(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AmazonAPIGatewayPushToCloudWatchLogs]",
            "The account-wide API Gateway logging role serves every API of the account and "
            "region, not only Rebound's: AWS's managed policy is the documented one for it.",
        )
        account = apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)
        # Kept when the stack goes: other APIs of the account may log through it.
        account.apply_removal_policy(RemovalPolicy.RETAIN)
        rest_api.node.add_dependency(account)

    def _web_acl(self, rate_limit: int) -> wafv2.CfnWebACL:
        def visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True,
                metric_name=metric,
                sampled_requests_enabled=True,
            )

        return wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{self.api_name}-api",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility(f"{self.api_name}-api"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="rate-per-ip",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=rate_limit, aggregate_key_type="IP"
                        )
                    ),
                    visibility_config=visibility(f"{self.api_name}-rate-per-ip"),
                ),
                # Known-bad request patterns (Log4j, exploit paths): AWS's managed rule group
                # with the fewest false positives; the common rule set's body-size rule would
                # block legitimate large plan uploads.
                wafv2.CfnWebACL.RuleProperty(
                    name="aws-known-bad-inputs",
                    priority=1,
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS", name="AWSManagedRulesKnownBadInputsRuleSet"
                        )
                    ),
                    visibility_config=visibility(f"{self.api_name}-known-bad-inputs"),
                ),
            ],
        )
