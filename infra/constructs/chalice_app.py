"""The Chalice app (app.py, chalicelib/) packaged by `chalice.cdk.Chalice`, and its IAM.

Chalice's automatic policy sees only app.py, so .chalice/config.json turns it off
(`autogen_policy: false`, `manage_iam_role: false` for the stage) and each function gets its
own least-privilege role here. Chalice's stage_config cannot set a role per function (its
user-provided parameters are not looked up per function), so the Role property of each
packaged function is overridden instead. A function this file does not know fails the synth:
a new `@app.lambda_function` must be given a role on purpose, never inherit someone else's.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from aws_cdk import CfnResource, RemovalPolicy, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from chalice.cdk import Chalice
from constructs import Construct

from infra import names
from infra.config import REPO_ROOT, DeployConfig

SERVERLESS_FUNCTION = "AWS::Serverless::Function"

# The AWS services Rebound's Lambda code calls (boto3 clients in chalicelib/ and app.py, DynamoDB
# through PynamoDB, STS for nothing but kept for credential edge cases). botocore ships ~420
# service models (20 MB of the 29 MB package); the others are left out of the zip.
SDK_SERVICES = frozenset(
    {
        "dynamodb",
        "s3",
        "sqs",
        "ses",
        "sesv2",
        "stepfunctions",
        "events",
        "secretsmanager",
        "sts",
        "cognito-idp",  # is a signed-in person still enabled? (chalicelib/aws/cognito.py)
    }
)
BOTOCORE_DATA = "botocore/data/"


def trim_botocore_models(package: Path) -> None:
    """Rewrite the Lambda zip without the botocore service models of services not called.

    Why not leave boto3/botocore out altogether (the runtime has them)? The runtime's SDK
    version is AWS's choice and changes under a deployed function, while tests run the pinned
    one: the package keeps the pinned SDK, minus the models nobody loads.
    """
    trimmed = package.with_suffix(".trimmed")
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(trimmed, "w") as target:
        for info in source.infolist():
            name = info.filename
            if name.startswith(BOTOCORE_DATA):
                service = name[len(BOTOCORE_DATA) :].split("/", 1)
                # top-level files (endpoints.json, partitions.json, _retry.json...) stay
                if len(service) == 2 and service[0] not in SDK_SERVICES:
                    continue
            target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    trimmed.replace(package)


class _TrimmedChalice(Chalice):
    """chalice.cdk.Chalice whose package leaves out unused botocore models: the zip is
    rewritten between `chalice package` and the CDK asset made from it (both happen in the
    constructor, so this is the one place between them; chalice is pinned, and a test fails
    if the package stops shrinking)."""

    def _package_app(self) -> None:
        super()._package_app()
        trim_botocore_models(Path(self._sam_package_dir) / "deployment.zip")


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    # chalice.cdk.Chalice packages into <cwd>/chalice.out; keep that inside the cloud assembly
    # folder (ignored by git, rebuilt by every synth) whatever directory synth was started in.
    path.mkdir(parents=True, exist_ok=True)
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


class ReboundFunctions(Construct):
    """The packaged app plus one role and one log group per function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        # One role per function, each trusted only by Lambda. Grants are added by the stack.
        self.roles: dict[str, iam.Role] = {
            logical_id: iam.Role(
                self,
                f"{logical_id}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Rebound {config.stage} {logical_id} function (least privilege)",
            )
            for logical_id in names.FUNCTION_IDS
        }
        with _working_directory(Path(Stage.of(self).outdir) / "chalice-package"):
            # Scoped to the stack itself: Chalice takes its stage name from str(scope), and
            # the stack's path is the stage ("prod"); under this construct it would be
            # "prod/Functions", a stage .chalice/config.json does not have.
            self.chalice = _TrimmedChalice(
                Stack.of(self),
                "ChaliceApp",
                source_dir=str(REPO_ROOT),
                stage_config={
                    "autogen_policy": False,
                    "manage_iam_role": False,
                    "environment_variables": dict(environment),
                },
            )

        known = set(self.roles)
        for child in self.chalice.sam_template.node.children:
            if isinstance(child, CfnResource) and child.cfn_resource_type == SERVERLESS_FUNCTION:
                logical_id = child.node.id
                if logical_id not in known:
                    raise ValueError(
                        f"app.py declares Lambda function {logical_id!r} that infra/ does not "
                        "know: give it a role in infra/constructs/chalice_app.py"
                    )
        self.log_groups: dict[str, logs.LogGroup] = {}
        for logical_id, role in self.roles.items():
            function = self.resource(logical_id)
            function.add_property_override("Role", role.role_arn)
            # The log group exists before the first invocation so that it has a retention and
            # the role can be limited to it (Lambda would create it without either).
            log_group = logs.LogGroup(
                self,
                f"{logical_id}Logs",
                log_group_name=f"/aws/lambda/{function.ref}",
                retention=logs.RetentionDays.THREE_MONTHS,
                removal_policy=RemovalPolicy.DESTROY,
            )
            self.log_groups[logical_id] = log_group
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                )
            )
            # X-Ray (Powertools Tracer, `"xray": true` in .chalice/config.json): these two
            # actions support no resource-level permissions, AWS requires Resource "*".
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid="XRayTraces",
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    resources=["*"],
                )
            )

    def resource(self, logical_id: str) -> CfnResource:
        """A packaged resource by its Chalice logical id (Ingest, Summary, APIHandler, RestAPI)."""
        return self.chalice.get_resource(logical_id)

    def function(self, logical_id: str) -> lambda_.IFunction:
        return self.chalice.get_function(logical_id)

    def function_name(self, logical_id: str) -> str:
        # Ref of AWS::Serverless::Function is the function name.
        return self.resource(logical_id).ref

    def set_environment(self, logical_id: str, key: str, value: str) -> None:
        self.chalice.add_environment_variable(key, value, logical_id)
