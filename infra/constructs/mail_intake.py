"""How a bounce gets in: SES receipt rule -> S3 inbound/ -> S3 notification -> SQS (+DLQ).

Two CloudFormation cycles shape this file:
- SES checks at rule creation that it may write to the bucket, so the bucket policy must exist
  first, and the policy's aws:SourceArn names the rule: the rule set and rule get fixed names.
- S3 checks at bucket creation that it may send to the queue, so the queue policy must exist
  first, and that policy's aws:SourceArn names the bucket: the bucket gets a fixed name.
  (CDK's `add_event_notification` avoids the cycle with a custom-resource Lambda whose role
  has s3:PutBucketNotification on "*"; a fixed name keeps the stack free of it.)

The fixed-name bucket is RETAIN_ON_UPDATE_OR_DELETE: kept when the stack is deleted or the
bucket replaced (it holds the raw mail), but removed when the stack's first create rolls back, so
that a failed first deployment does not leave a bucket whose name blocks every retry.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names
from infra.config import DeployConfig
from infra.constructs.queues import dead_letter_queue

# S3 server access logs of the mail bucket: who read which raw message, kept a year.
ACCESS_LOG_RETENTION_DAYS = 365


class MailIntake(Construct):
    """The bucket (inbound/, exports/, archives/), the SES receipt rule and the ingest queue."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        visibility_timeout: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket_name = f"{names.APP_NAME}-{config.stage}-mail-{Aws.ACCOUNT_ID}-{Aws.REGION}"
        self.rule_set_name = f"{names.APP_NAME}-{config.stage}"
        self.rule_name = f"{config.inbound_local_part}-to-s3"

        self.dead_letter_queue = dead_letter_queue(self, "IngestDeadLetterQueue")
        self.queue = sqs.Queue(
            self,
            "IngestQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=visibility_timeout,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=names.INGEST_MAX_RECEIVE_COUNT
            ),
        )
        bucket_arn = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowS3InboundNotifications",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.queue.queue_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": bucket_arn},
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                },
            )
        )

        # Server access logs (AwsSolutions-S1): who read or wrote which raw message. Target
        # buckets must use SSE-S3; their own logs would log themselves, so they have none
        # (cdk-nag's S1 knows a log target and does not ask for it).
        self.access_log_bucket = s3.Bucket(
            self,
            "AccessLogBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs", expiration=Duration.days(ACCESS_LOG_RETENTION_DAYS)
                )
            ],
        )
        self.bucket = s3.Bucket(
            self,
            "MailBucket",
            server_access_logs_bucket=self.access_log_bucket,
            server_access_logs_prefix=f"{names.APP_NAME}-{config.stage}-mail/",
            bucket_name=self.bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            # No versioning: the lifecycle expiry is the retention promise made to tenants, and
            # versioning would keep "expired" bounce mail (personal data) as old versions.
            versioned=False,
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-inbound",
                    prefix=names.INBOUND_PREFIX,
                    expiration=Duration.days(config.inbound_retention_days),
                ),
                s3.LifecycleRule(
                    id="expire-exports",
                    prefix=names.EXPORTS_PREFIX,
                    expiration=Duration.days(config.exports_retention_days),
                ),
                # archives/ (mass-delete archives) has no expiry on purpose.
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
            ],
        )
        cfn_bucket = self.bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=self.queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[
                                s3.CfnBucket.FilterRuleProperty(
                                    name="prefix", value=names.INBOUND_PREFIX
                                )
                            ]
                        )
                    ),
                )
            ]
        )
        queue_policy = self.queue.node.try_find_child("Policy")
        assert queue_policy is not None, "add_to_resource_policy creates the queue policy"
        self.bucket.node.add_dependency(queue_policy)

        rule_arn = (
            f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:receipt-rule-set/"
            f"{self.rule_set_name}:receipt-rule/{self.rule_name}"
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSESInboundPuts",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.bucket.arn_for_objects(f"{names.INBOUND_PREFIX}*")],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": rule_arn},
                },
            )
        )

        self.rule_set = ses.CfnReceiptRuleSet(self, "RuleSet", rule_set_name=self.rule_set_name)
        self.receipt_rule = ses.CfnReceiptRule(
            self,
            "GroupMessagingRule",
            rule_set_name=self.rule_set_name,
            rule=ses.CfnReceiptRule.RuleProperty(
                name=self.rule_name,
                enabled=True,
                # SES matches an address condition also with any +label: one recipient covers
                # every signed VERP return path groupmessaging+<tag>@<domain>.
                recipients=[config.inbound_address],
                scan_enabled=True,
                # Optional, not Require: bounces come from whatever MTA the recipient's domain
                # runs, and many still send without STARTTLS. With Require SES refuses those
                # during the SMTP session, so the bounce never arrives and nobody learns the
                # address is bad. A bounce carries nothing the original message did not already
                # send in the clear to that same server.
                tls_policy="Optional",
                actions=[
                    ses.CfnReceiptRule.ActionProperty(
                        s3_action=ses.CfnReceiptRule.S3ActionProperty(
                            bucket_name=self.bucket_name,
                            object_key_prefix=names.INBOUND_PREFIX,
                        )
                    )
                ],
            ),
        )
        self.receipt_rule.node.add_dependency(self.rule_set)
        assert self.bucket.policy is not None
        self.receipt_rule.node.add_dependency(self.bucket.policy)
        self.receipt_rule.node.add_dependency(self.bucket)

    def inbound_objects_arn(self) -> str:
        return self.bucket.arn_for_objects(f"{names.INBOUND_PREFIX}*")
