"""ReboundStack: every AWS resource of one Rebound deployment (one stack per stage).

The construct id of the stack is the stage name ("prod") because `chalice.cdk.Chalice` takes
its Chalice stage from `str(scope)`, the stack's path: that way .chalice/config.json's
"prod" stage is the one packaged. The CloudFormation stack name is `rebound-<stage>`.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names
from infra.config import DeployConfig, chalice_function_setting
from infra.constructs.aggregation import StreamAggregation
from infra.constructs.alarms import ReboundAlarms
from infra.constructs.api_edge import ApiEdge
from infra.constructs.chalice_app import ReboundFunctions
from infra.constructs.mail_intake import MailIntake
from infra.constructs.mass_delete import add_mass_delete_workflow
from infra.constructs.people import ReboundPeople
from infra.constructs.receiving import SesReceiving
from infra.constructs.schedule import (
    ALERTS_CHECK_SCHEDULE,
    RECHECK_NIGHTLY_SCHEDULE,
    SUMMARY_SCHEDULE,
    FunctionSchedule,
)
from infra.constructs.storage import ReboundTable
from infra.nag import acknowledge, logical_id

SCHEDULED_RUNS_FAIL_TO_A_DESTINATION = (
    "Failed asynchronous runs go to an on-failure destination (EventInvokeConfig), which records "
    "the error too; a DLQ would be a second, poorer copy."
)


class ReboundStack(Stack):
    """SES inbound -> S3 -> SQS -> ingest; DynamoDB; API; hourly summary; alarms."""

    def __init__(self, scope: Construct, config: DeployConfig, **kwargs: Any) -> None:
        super().__init__(
            scope,
            config.stage,
            stack_name=f"{names.APP_NAME}-{config.stage}",
            description=f"Rebound bounced-email service ({config.stage})",
            **kwargs,
        )
        self.config = config
        ingest_timeout = int(
            chalice_function_setting(config.stage, names.INGEST_FUNCTION, "lambda_timeout")
        )
        self.visibility_timeout_seconds = (
            names.VISIBILITY_TIMEOUT_FACTOR * ingest_timeout + names.INGEST_BATCH_WINDOW_SECONDS
        )

        self.storage = ReboundTable(self, "Storage")
        self.intake = MailIntake(
            self,
            "MailIntake",
            config=config,
            visibility_timeout=Duration.seconds(self.visibility_timeout_seconds),
        )
        self.receiving = SesReceiving(
            self,
            "Receiving",
            config=config,
            rule_set=self.intake.rule_set,
            rule_set_name=self.intake.rule_set_name,
            receipt_rule=self.intake.receipt_rule,
        )
        # Per stage: two stages in one account must not share (or fight over) one bus.
        self.event_bus = events.EventBus(
            self, "EventBus", event_bus_name=f"{names.EVENT_BUS}-{config.stage}"
        )
        self.tag_keys_secret = secretsmanager.Secret(
            self,
            "TagKeysSecret",
            description=(
                "Rebound return-path tag signing keys. Created as "
                '{"kid": "k1", "secret": "<random>"}; rotate by writing "kid:secret,kid:secret" '
                "(the first key signs, every key verifies)."
            ),
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"kid": "k1"}',  # noqa: S106 - key id, not a secret
                generate_string_key="secret",
                exclude_punctuation=True,
                password_length=48,
            ),
            # Losing the keys would make every return path in flight unverifiable; a failed
            # first create may remove it (nothing was signed with it yet).
            removal_policy=RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        )
        acknowledge(
            self.tag_keys_secret,
            "AwsSolutions-SMG4",
            "Tag keys rotate by adding a key that verifies before it signs (README, 'Rotating the "
            "tag keys'); a rotation Lambda replacing the only key would invalidate every return "
            "path in flight for up to the tag lifetime.",
        )

        self.functions = ReboundFunctions(
            self, "Functions", config=config, environment=self._environment()
        )
        self.api_url = (
            f"https://{self.functions.resource(names.REST_API_ID).ref}.execute-api."
            f"{Aws.REGION}.{Aws.URL_SUFFIX}/{names.API_GATEWAY_STAGE}/"
        )
        if not config.report_url:
            # Not for the API handler: its environment naming the API would be a cycle.
            for logical_id in (names.INGEST_ID, names.SUMMARY_ID, names.AGGREGATE_ID):
                self.functions.set_environment(logical_id, names.ENV_REPORT_URL, self.api_url)

        self.api_edge = ApiEdge(
            self,
            "ApiEdge",
            rest_api=self.functions.resource(names.REST_API_ID),
            stage=config.stage,
            manage_account=config.manage_api_gateway_account,
            rate_limit=config.waf_rate_limit,
        )

        self._grant_ingest()
        self._grant_summary()
        self._grant_api()
        self.people = ReboundPeople(
            self, "People", functions=self.functions, api_id=names.API_HANDLER_ID
        )
        self._mass_delete()
        self._grant_forget()
        self.ingest_mapping = self._ingest_event_source_mapping()
        self.aggregation = StreamAggregation(
            self,
            "Aggregation",
            table=self.storage.table,
            function=self.functions.function(names.AGGREGATE_ID),
            role=self._role(names.AGGREGATE_ID),
        )
        self._grant_aggregate_alerts()
        # A tick older than its period (the alerts check's 15 minutes, an hour otherwise) is
        # superseded by the next one.
        self.schedule = self._schedule(names.SUMMARY_ID, SUMMARY_SCHEDULE, "summary", 3600)
        self.alerts_schedule = self._schedule(
            names.ALERTS_CHECK_ID, ALERTS_CHECK_SCHEDULE, "alerts check", 900
        )
        self.recheck_schedule = self._schedule(
            names.RECHECK_NIGHTLY_ID, RECHECK_NIGHTLY_SCHEDULE, "nightly address re-check", 3600
        )
        self._grant_recheck_nightly()
        self._grant_alerts_check()
        self._alarms()
        self._acknowledge_findings()
        self._outputs()

    def _schedule(
        self, function_id: str, expression: str, what: str, max_event_age_seconds: int
    ) -> FunctionSchedule:
        return FunctionSchedule(
            self,
            f"{function_id}Schedule",
            function_arn=self._arn(function_id),
            function_name=self.functions.function_name(function_id),
            function_role=self._role(function_id),
            expression=expression,
            what=what,
            tick=f"{function_id}Tick",
            max_event_age_seconds=max_event_age_seconds,
        )

    def _environment(self) -> dict[str, str]:
        config = self.config
        environment = {
            names.ENV_TABLE: self.storage.table.table_name,
            names.ENV_BUCKET: self.intake.bucket_name,
            names.ENV_EVENT_BUS: self.event_bus.event_bus_name,
            names.ENV_INBOUND_DOMAIN: config.inbound_domain,
            names.ENV_INBOUND_LOCAL_PART: config.inbound_local_part,
            names.ENV_TAG_KEYS_SECRET_ARN: self.tag_keys_secret.secret_arn,
            names.ENV_MAIL_FROM: config.mail_from,
            names.ENV_STAFF_ADDRESSES: ",".join(config.staff_addresses),
            names.ENV_LOG_LEVEL: config.log_level,
            # The TTL of inbound records follows the bucket's lifecycle of the mail they cite.
            names.ENV_INBOUND_RETENTION_DAYS: str(config.inbound_retention_days),
            names.ENV_POWERTOOLS_SERVICE: "rebound",
            names.ENV_POWERTOOLS_NAMESPACE: "Rebound",
        }
        if config.report_url:
            environment[names.ENV_REPORT_URL] = config.report_url
        return environment

    def _arn(self, logical_id: str) -> str:
        return str(self.functions.resource(logical_id).get_att("Arn").to_string())

    def _send_staff_mail(self, logical_id: str, sid: str) -> None:
        identity = f"arn:{Aws.PARTITION}:ses:{Aws.REGION}:{Aws.ACCOUNT_ID}:identity"
        self._role(logical_id).add_to_principal_policy(
            iam.PolicyStatement(
                sid=sid,
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[
                    f"{identity}/{self.config.mail_from_domain}",
                    f"{identity}/{self.config.mail_from_address}",
                ],
                # Only from the no-reply address: never as GroupMessaging@ (ARCHITECTURE).
                conditions={"StringEquals": {"ses:FromAddress": self.config.mail_from_address}},
            )
        )

    def _grant_alerts_check(self) -> None:
        check = names.ALERTS_CHECK_ID
        self._allow(
            check,
            "ReadBouncesKeepAlertState",
            [
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ],
            self.storage.arns,
        )
        dead_letter_queues = self.dead_letter_queues
        self._allow(
            check,
            "WatchDeadLetterQueues",
            ["sqs:GetQueueAttributes"],
            [q.queue_arn for q in dead_letter_queues],
        )
        self.functions.set_environment(
            check, names.ENV_DLQ_URLS, ",".join(q.queue_url for q in dead_letter_queues)
        )
        self._send_staff_mail(check, "SendAlerts")
        self.event_bus.grant_put_events_to(self._role(check))

    @property
    def dead_letter_queues(self) -> list[sqs.Queue]:
        """Every queue where something failed lands (each has an alarm and is watched)."""
        return [
            self.intake.dead_letter_queue,
            self.schedule.dead_letter_queue,
            self.schedule.failed_runs,
            self.alerts_schedule.dead_letter_queue,
            self.alerts_schedule.failed_runs,
            self.recheck_schedule.dead_letter_queue,
            self.recheck_schedule.failed_runs,
        ]

    def _role(self, logical_id: str) -> iam.Role:
        return self.functions.roles[logical_id]

    def _allow(self, logical_id: str, sid: str, actions: list[str], resources: list[str]) -> None:
        self._role(logical_id).add_to_principal_policy(
            iam.PolicyStatement(sid=sid, actions=actions, resources=resources)
        )

    def _grant_ingest(self) -> None:
        ingest = names.INGEST_ID
        self._allow(
            ingest, "ReadInboundMail", ["s3:GetObject"], [self.intake.inbound_objects_arn()]
        )
        # The event-source mapping polls with the function's role.
        self.intake.queue.grant_consume_messages(self._role(ingest))
        # TransactWriteItems is authorised per contained action (Put/Update/ConditionCheck).
        self._allow(
            ingest,
            "CountBounces",
            [
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:ConditionCheckItem",
                # an alert claim whose send failed is released for the retry
                "dynamodb:DeleteItem",
            ],
            self.storage.arns,
        )
        self.tag_keys_secret.grant_read(self._role(ingest))
        self.event_bus.grant_put_events_to(self._role(ingest))
        # Alerts (our server blacklisted, a send's bounce rate) are mailed at once from the
        # ingest path; a burst of blocks from the aggregation (_grant_aggregate_alerts).
        self._send_staff_mail(ingest, "SendAlerts")

    def _grant_aggregate_alerts(self) -> None:
        """The aggregation counts the block-burst windows and raises their alert: its claim and
        email budget are item writes it may already make (StreamAggregation); a claim whose email
        failed is given back (DeleteItem); the email and the bus event."""
        aggregate = names.AGGREGATE_ID
        self._allow(
            aggregate, "ReleaseAlertClaims", ["dynamodb:DeleteItem"], [self.storage.table.table_arn]
        )
        self._send_staff_mail(aggregate, "SendAlerts")
        self.event_bus.grant_put_events_to(self._role(aggregate))

    def _grant_recheck_nightly(self) -> None:
        # Reads suppressions and counters, writes history, verdicts, changes, checkpoints, DNS
        # answers and renewed suppressions: item writes only, in batches.
        self._allow(
            names.RECHECK_NIGHTLY_ID,
            "RecheckAddresses",
            [
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:BatchWriteItem",
            ],
            self.storage.arns,
        )

    def _grant_summary(self) -> None:
        summary = names.SUMMARY_ID
        self._allow(
            summary,
            "ReadBouncesRecordDigests",
            [
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                # the "sending" marker of a digest whose send failed is removed for the retry
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem",
            ],
            self.storage.arns,
        )
        self._send_staff_mail(summary, "SendStaffSummaries")

    def _grant_api(self) -> None:
        api = names.API_HANDLER_ID
        self._allow(
            api,
            "ReadReports",
            ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"],
            self.storage.arns,
        )
        # Item writes only (never an index, never a Scan): "mark as good" (counter and
        # suppression entry in one transaction), tenant and notification settings, and the
        # send sizes the MMS reports (a transactional update per send and domain).
        self._allow(
            api,
            "WriteSettingsAndReactivations",
            [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:ConditionCheckItem",
            ],
            [self.storage.table.table_arn],
        )
        # Staff's quarantine view shows the raw inbound message.
        self._allow(api, "ReadInboundMail", ["s3:GetObject"], [self.intake.inbound_objects_arn()])
        # Large CSV exports are written under exports/ and handed out as presigned GET links.
        self._allow(
            api,
            "WriteExports",
            ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
            [f"{self.intake.bucket.bucket_arn}/{names.EXPORTS_PREFIX}*"],
        )
        self.tag_keys_secret.grant_read(self._role(api))

    def _mass_delete(self) -> None:
        """The mass-delete state machine, and what the API needs to plan, start, follow and
        undo its jobs (the deleting itself is the state machine's, with its own role)."""
        worker = names.MASS_DELETE_WORKER_ID
        self.mass_delete = add_mass_delete_workflow(
            self,
            "MassDelete",
            name=f"{names.APP_NAME}-{names.MASS_DELETE_NAME}-{self.config.stage}",
            table=self.storage.table,
            bucket=self.intake.bucket,
            worker=self.functions.function(worker),
            plans_prefix=names.PLANS_PREFIX,
        )
        # The worker: markers, claims (TransactWriteItems: Delete + Put), chunk results, the
        # job's outcome; it reads plans and writes archives; EmailRemoved on the bus.
        self._allow(
            worker,
            "ArchiveAndDelete",
            [
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem",
            ],
            [self.storage.table.table_arn],
        )
        bucket = self.intake.bucket.bucket_arn
        self._allow(worker, "ReadPlans", ["s3:GetObject"], [f"{bucket}/{names.PLANS_PREFIX}*"])
        self._allow(
            worker, "WriteArchives", ["s3:PutObject"], [f"{bucket}/{names.ARCHIVES_PREFIX}*"]
        )
        self.event_bus.grant_put_events_to(self._role(worker))
        api = names.API_HANDLER_ID
        self.functions.set_environment(
            api, names.ENV_MASS_DELETE_STATE_MACHINE_ARN, self.mass_delete.arn
        )
        self._allow(api, "StartMassDeletes", ["states:StartExecution"], [self.mass_delete.arn])
        self._allow(
            api,
            "FollowMassDeletes",
            ["states:DescribeExecution", "states:StopExecution"],
            [self.mass_delete.execution_arn_pattern],
        )
        # Job items, audit lines and policy; undo puts archived records back (25 per batch).
        self._allow(
            api,
            "MassDeleteJobsAndUndo",
            [
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:ConditionCheckItem",
            ],
            [self.storage.table.table_arn],
        )
        bucket = self.intake.bucket.bucket_arn
        self._allow(api, "WritePlans", ["s3:PutObject"], [f"{bucket}/{names.PLANS_PREFIX}*"])
        self._allow(api, "ReadArchives", ["s3:GetObject"], [f"{bucket}/{names.ARCHIVES_PREFIX}*"])
        self.event_bus.grant_put_events_to(self._role(api))

    def _grant_forget(self) -> None:
        """Erasure of one person's data (docs/retention.md): the API deletes the raw mail that
        cited the address, the tenant's exports and the address's mass-delete archives, reads
        and rewrites plans, and lists those prefixes (to find an archive's objects and to tell
        a missing object from a forbidden one: without ListBucket S3 answers 403, not 404).
        Its table writes are the item writes granted above (DeleteItem, UpdateItem,
        BatchWriteItem)."""
        api = names.API_HANDLER_ID
        bucket = self.intake.bucket.bucket_arn
        erasable = (names.INBOUND_PREFIX, names.EXPORTS_PREFIX, names.ARCHIVES_PREFIX)
        self._allow(
            api,
            "ForgetDeletesMailExportsArchives",
            ["s3:DeleteObject"],
            [f"{bucket}/{prefix}*" for prefix in erasable],
        )
        self._allow(
            api, "ForgetRewritesPlans", ["s3:GetObject"], [f"{bucket}/{names.PLANS_PREFIX}*"]
        )
        self._role(api).add_to_principal_policy(
            iam.PolicyStatement(
                sid="ForgetListsItsPrefixes",
                actions=["s3:ListBucket"],
                resources=[bucket],
                conditions={
                    "StringLike": {"s3:prefix": [f"{p}*" for p in (*erasable, names.PLANS_PREFIX)]}
                },
            )
        )

    def _ingest_event_source_mapping(self) -> lambda_.EventSourceMapping:
        mapping = lambda_.EventSourceMapping(
            self,
            "IngestQueueMapping",
            target=self.functions.function(names.INGEST_ID),
            event_source_arn=self.intake.queue.queue_arn,
            batch_size=names.INGEST_BATCH_SIZE,
            max_batching_window=Duration.seconds(names.INGEST_BATCH_WINDOW_SECONDS),
            report_batch_item_failures=True,
            max_concurrency=names.INGEST_MAX_CONCURRENCY,  # why this many: infra/names.py
        )
        # Lambda checks at creation that the role may read the queue: wait for the policy.
        mapping.node.add_dependency(self._role(names.INGEST_ID))
        return mapping

    def _alarms(self) -> None:
        alarms = ReboundAlarms(self, "Alarms", alarm_email=self.config.alarm_email)
        alarms.api(self.api_edge.api_name, names.API_GATEWAY_STAGE)
        alarms.queue_age("IngestQueueAgeAlarm", self.intake.queue)
        for construct_id, queue, what in (
            ("IngestDlqAlarm", self.intake.dead_letter_queue, "Inbound mail"),
            ("SummaryScheduleDlqAlarm", self.schedule.dead_letter_queue, "Summary ticks"),
            ("SummaryFailedRunsAlarm", self.schedule.failed_runs, "Failed summary runs"),
            (
                "AlertsCheckScheduleDlqAlarm",
                self.alerts_schedule.dead_letter_queue,
                "Alerts check ticks",
            ),
            (
                "AlertsCheckFailedRunsAlarm",
                self.alerts_schedule.failed_runs,
                "Failed alerts check runs",
            ),
            (
                "RecheckNightlyScheduleDlqAlarm",
                self.recheck_schedule.dead_letter_queue,
                "Nightly re-check ticks",
            ),
            (
                "RecheckNightlyFailedRunsAlarm",
                self.recheck_schedule.failed_runs,
                "Failed nightly re-check runs",
            ),
        ):
            alarms.dead_letter_queue(construct_id, queue, what)
        for function_id, what in (
            (names.INGEST_ID, "ingest"),
            (names.SUMMARY_ID, "summary"),
            (names.ALERTS_CHECK_ID, "alerts check"),
            (names.RECHECK_NIGHTLY_ID, "nightly re-check"),
            (names.API_HANDLER_ID, "API"),
            (names.MASS_DELETE_WORKER_ID, "mass-delete worker"),
        ):
            name = self.functions.function_name(function_id)
            alarms.function_errors(f"{function_id}ErrorsAlarm", name, what)
        alarms.function_throttles(
            "IngestThrottlesAlarm", self.functions.function_name(names.INGEST_ID), "ingest"
        )
        alarms.state_machine(self.mass_delete.arn, "mass-delete")
        alarms.table(self.storage.table.table_name)
        self.alarms = alarms

    def _acknowledge_findings(self) -> None:
        """cdk-nag findings that are right as they are, each with its reason (infra/nag.py)."""
        bucket = logical_id(self.intake.bucket)
        reasons = {
            names.INBOUND_PREFIX: "raw messages are objects under inbound/ named by SES",
            names.EXPORTS_PREFIX: "exports are objects under exports/ named per request",
            names.PLANS_PREFIX: "mass-delete plans are objects under plans/ named per job",
            names.ARCHIVES_PREFIX: "archives are objects under archives/ named per job",
        }
        # Only where the grant exists: an acknowledgment on a role without the finding would
        # silently excuse a grant added to it later.
        prefixes_granted = {
            names.INGEST_ID: (names.INBOUND_PREFIX,),
            names.API_HANDLER_ID: (
                names.INBOUND_PREFIX,
                names.EXPORTS_PREFIX,
                names.PLANS_PREFIX,
                names.ARCHIVES_PREFIX,
            ),
            names.MASS_DELETE_WORKER_ID: (names.PLANS_PREFIX, names.ARCHIVES_PREFIX),
        }
        for function_id, role in self.functions.roles.items():
            policy = role.node.try_find_child("DefaultPolicy")
            assert policy is not None
            for object_prefix in prefixes_granted.get(function_id, ()):
                acknowledge(
                    policy,
                    f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{object_prefix}*]",
                    f"Object-level access bound to one prefix: {reasons[object_prefix]}.",
                )
            acknowledge(
                policy,
                "AwsSolutions-IAM5[Resource::*]",
                "Only xray:PutTraceSegments and xray:PutTelemetryRecords (Powertools Tracer), "
                "which support no resource-level permissions: AWS requires Resource '*'.",
            )
        api_policy = self._role(names.API_HANDLER_ID).node.try_find_child("DefaultPolicy")
        assert api_policy is not None
        acknowledge(
            api_policy,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:"
            f"<AWS::AccountId>:execution:{names.APP_NAME}-{names.MASS_DELETE_NAME}-"
            f"{self.config.stage}:*]",
            "The API follows and stops executions of the one mass-delete state machine; "
            "execution names are chosen per job at run time.",
        )
        acknowledge(
            self.ingest_mapping,
            "Serverless-LambdaEventSourceMappingDestination",
            "On-failure destinations apply to stream and Kafka sources; an SQS source's failed "
            "messages go to the queue's own redrive DLQ (maxReceiveCount 5), which is alarmed.",
        )
        for function_id, reason in (
            (
                names.API_HANDLER_ID,
                "Invoked synchronously by API Gateway only: the caller gets the error, there is "
                "no asynchronous event to dead-letter.",
            ),
            (
                names.INGEST_ID,
                "Invoked synchronously by the SQS event-source mapping: failed records return "
                "to the queue and end in its redrive DLQ.",
            ),
            (names.SUMMARY_ID, SCHEDULED_RUNS_FAIL_TO_A_DESTINATION),
            (names.ALERTS_CHECK_ID, SCHEDULED_RUNS_FAIL_TO_A_DESTINATION),
            (names.RECHECK_NIGHTLY_ID, SCHEDULED_RUNS_FAIL_TO_A_DESTINATION),
            (
                names.AGGREGATE_ID,
                "Invoked synchronously by the stream's event-source mapping: a failed batch is "
                "retried, then its coordinates go to the mapping's on-failure queue.",
            ),
            (
                names.MASS_DELETE_WORKER_ID,
                "Invoked synchronously by the mass-delete state machine only: a failed run is "
                "retried by its task, then fails the execution and the job (re-run resumes).",
            ),
        ):
            function = self.functions.resource(function_id)
            acknowledge(function, "Serverless-LambdaDLQ", reason)
            for rule in ("AwsSolutions-L1", "Serverless-LambdaLatestVersion"):
                acknowledge(
                    function,
                    rule,
                    "Chalice sets the runtime to the Python that packages the app (3.12, the "
                    "project's interpreter, tested in CI); moving to a newer one means moving "
                    "the project's Python (Makefile, pyproject.toml).",
                )

    def _outputs(self) -> None:
        CfnOutput(self, "ApiUrl", value=self.api_url)
        CfnOutput(self, "MailBucketName", value=self.intake.bucket_name)
        CfnOutput(self, "TableName", value=self.storage.table.table_name)
        CfnOutput(self, "IngestQueueUrl", value=self.intake.queue.queue_url)
        CfnOutput(self, "InboundAddress", value=self.config.inbound_address)
        CfnOutput(
            self,
            "ReceiptRuleSetName",
            value=self.intake.rule_set_name,
            description="The active receipt rule set (activated by the stack)",
        )
        CfnOutput(self, "AlarmTopicArn", value=self.alarms.topic.topic_arn)
