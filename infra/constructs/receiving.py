"""SES receiving made whole in code: the receipt rule set is activated by the stack, the inbound
domain is an SES identity, and its MX record points at SES (in Route 53 when a hosted zone is
given; otherwise the stack outputs the record to publish).

Activation. SES has one active receipt rule set per account and region and CloudFormation has
no property for it, so a small custom resource (inline Python, the `cfnresponse` module that
CloudFormation provides to inline code) calls SetActiveReceiptRuleSet. It refuses to replace a
different active set, which would silently stop whatever mail that set receives, unless the
stack is told to (`replace_active_rule_set=true`). On delete it deactivates the set only if it
is still the active one, so the rule set itself can then be deleted.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_ses as ses
from constructs import Construct, IConstruct

from infra.config import DeployConfig
from infra.nag import acknowledge

# The newest Python runtime this aws-cdk-lib knows; the handler uses only boto3 and cfnresponse.
ACTIVATOR_RUNTIME = lambda_.Runtime.PYTHON_3_14

ACTIVATOR_CODE = """
import boto3, cfnresponse

def handler(event, context):
    props = event["ResourceProperties"]
    name = props["RuleSetName"]
    allow_replace = props.get("ReplaceActiveRuleSet") == "true"
    ses = boto3.client("ses")
    try:
        active = ses.describe_active_receipt_rule_set().get("Metadata", {}).get("Name")
        if event["RequestType"] == "Delete":
            if active == name:
                ses.set_active_receipt_rule_set()
        elif active not in (None, name) and not allow_replace:
            raise RuntimeError(
                "receipt rule set %r is active in this region; SES allows one. Merge its rules "
                "into %r or deploy with -c replace_active_rule_set=true" % (active, name)
            )
        else:
            ses.set_active_receipt_rule_set(RuleSetName=name)
    except Exception as error:
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, name, reason=str(error))
        return
    cfnresponse.send(event, context, cfnresponse.SUCCESS, {"Previous": active or ""}, name)
"""


class SesReceiving(Construct):
    """Activation of `rule_set`, the inbound domain's identity, and its MX record."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        rule_set: IConstruct,
        rule_set_name: str,
        receipt_rule: IConstruct,
    ) -> None:
        super().__init__(scope, construct_id)
        self._activate(config, rule_set, rule_set_name, receipt_rule)
        zone = (
            route53.PublicHostedZone.from_public_hosted_zone_attributes(
                self,
                "Zone",
                hosted_zone_id=config.hosted_zone_id,
                zone_name=config.hosted_zone_name,
            )
            if config.has_hosted_zone
            else None
        )
        # SES receives only for verified domains. With a hosted zone, CDK publishes the three
        # Easy DKIM CNAMEs and the identity verifies itself; without one, the stack outputs the
        # records (the identity's DkimDNSTokenName/Value attributes) for the DNS administrator.
        identity = ses.EmailIdentity(
            self,
            "InboundDomain",
            identity=(
                ses.Identity.public_hosted_zone(zone)
                if zone is not None and config.inbound_domain == config.hosted_zone_name
                else ses.Identity.domain(config.inbound_domain)
            ),
        )
        mx_value = f"inbound-smtp.{Aws.REGION}.amazonaws.com"
        if zone is not None:
            route53.MxRecord(
                self,
                "InboundMx",
                zone=zone,
                record_name=f"{config.inbound_domain}.",
                values=[route53.MxRecordValue(host_name=mx_value, priority=10)],
                ttl=Duration.hours(1),
            )
            if config.inbound_domain != config.hosted_zone_name:
                # A subdomain of the zone: publish its DKIM records by hand-made CNAMEs. The
                # token names are full names; the trailing dot keeps CDK from appending the
                # zone's name to them (it cannot see inside a token).
                for index in (1, 2, 3):
                    name = getattr(identity, f"dkim_dns_token_name{index}")
                    value = getattr(identity, f"dkim_dns_token_value{index}")
                    route53.CnameRecord(
                        self, f"Dkim{index}", zone=zone, record_name=f"{name}.", domain_name=value
                    )
        else:
            CfnOutput(
                self,
                "MxRecord",
                value=f"{config.inbound_domain}. MX 10 {mx_value}",
                description="Publish this MX record for the inbound domain (no hosted zone set)",
            )
            for index in (1, 2, 3):
                CfnOutput(
                    self,
                    f"DkimRecord{index}",
                    value=(
                        f"{getattr(identity, f'dkim_dns_token_name{index}')} CNAME "
                        f"{getattr(identity, f'dkim_dns_token_value{index}')}"
                    ),
                    description="Publish this DKIM record: SES verifies the inbound domain by it",
                )

    def _activate(
        self,
        config: DeployConfig,
        rule_set: IConstruct,
        rule_set_name: str,
        receipt_rule: IConstruct,
    ) -> None:
        log_group = logs.LogGroup(
            self,
            "ActivatorLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            "ActivatorRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Rebound: activates the stack's SES receipt rule set",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ActivateRuleSet",
                # Receipt rule set activation supports no resource-level permissions.
                actions=["ses:DescribeActiveReceiptRuleSet", "ses:SetActiveReceiptRuleSet"],
                resources=["*"],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteOwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )
        function = lambda_.Function(
            self,
            "Activator",
            description="Activates the Rebound receipt rule set (CloudFormation custom resource)",
            runtime=ACTIVATOR_RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_inline(ACTIVATOR_CODE),
            role=role,
            timeout=Duration.seconds(30),
            memory_size=256,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        # The handler runs with the role's policy: wait for the policy, not only the role.
        policy = role.node.try_find_child("DefaultPolicy")
        assert policy is not None
        function.node.add_dependency(policy)
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "ses:DescribeActiveReceiptRuleSet and ses:SetActiveReceiptRuleSet support no "
            "resource-level permissions; X-Ray trace writes (Tracing.ACTIVE) neither.",
        )
        acknowledge(
            function,
            "Serverless-LambdaDLQ",
            "Invoked by CloudFormation for a custom resource and answered through the response "
            "URL; a failure fails the deployment, there is nothing to dead-letter.",
        )
        activation = CustomResource(
            self,
            "ActiveRuleSet",
            service_token=function.function_arn,
            resource_type="Custom::SesActiveReceiptRuleSet",
            properties={
                "RuleSetName": rule_set_name,
                "ReplaceActiveRuleSet": "true" if config.replace_active_rule_set else "false",
            },
        )
        # Activate only a complete set; on delete, deactivate before the set goes.
        activation.node.add_dependency(rule_set, receipt_rule)
