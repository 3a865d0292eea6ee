"""The mass-delete workflow: its Amazon States Language definition and the CDK construct that
deploys it (state machine, role, log group).

The definition is plain data built here with the standard library only, so that
`rebound/provision.py` creates the very same state machine in moto without loading the CDK
(`rendered_definition`). The construct hands the same text to CloudFormation with
`DefinitionSubstitutions` for the table, bucket, bus and the worker function; tests/infra
compares the two and runs the synthesized one in moto's interpreter.

Shape (docs/mass-delete.md explains why):

    StartJob (job -> running, conditional on approved/failed)
    -> Chunks: Distributed Map, S3 ItemReader over plans/<tenant>/<job>.json (chunk numbers
       and keys, no addresses), STANDARD children, MaxConcurrency from the input
         child: ProcessChunk (Lambda: the chunk's few hundred addresses, read from the chunk's
                own object) -> MoreWork? (out of Lambda time: ProcessChunk again) -> ChunkDone
    -> Finish (Lambda: the job's outcome and progress from the chunks' result items)
    -> Outcome: Succeeded | Cancelled | Failed;  any error -> MarkFailed -> Failed

State transitions are what a STANDARD workflow is billed for: the parent takes 5 per job, a
child 3 per chunk (3 more per extra run of a chunk). `transitions_per_job` computes them from
this definition; the benchmark checks the figure against what moto records.

Only what runs in moto 5.2.5's interpreter is used (ARCHITECTURE): the optimized DynamoDB and
Lambda integrations, a Distributed Map with an S3 ItemReader and STANDARD children,
Choice/Pass/Fail/Succeed, intrinsic functions. Not used: ItemBatcher, EXPRESS children, JSONata,
ItemSelector (the plan does the batching, and each item carries its job's keys). moto runs no
Lambda code; the local stack runs the worker in-process (rebound/provision.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CDK is loaded only by `add_mass_delete_workflow` (provision skips it)
    from aws_cdk import aws_dynamodb, aws_iam, aws_lambda, aws_s3, aws_stepfunctions
    from constructs import Construct

STATE_MACHINE_NAME = "rebound-mass-delete"
SUBSTITUTIONS = ("TableName", "BucketName", "WorkerFunctionArn")
TABLE = "${TableName}"
BUCKET = "${BucketName}"
WORKER = "${WorkerFunctionArn}"
# The worker's Lambda timeout (.chalice/config.json, mass_delete_worker): a run leaves a minute
# in hand (chalicelib/massdelete/worker.py RESERVE_SECONDS) and the chunk continues in the next.
WORKER_TIMEOUT_SECONDS = 900

_DDB_THROTTLES_OPTIMIZED = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.InternalServerErrorException",
]
# Lambda's own transient errors, and the worker's RetryLater (every attempt of an address lost
# to concurrent writers or throttling; nothing was taken as done, the run may go again).
_LAMBDA_TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "RetryLater",
]
# CloudWatch Logs delivery (the machine's ERROR log) and X-Ray tracing: actions that support no
# resource-level permissions, AWS documents Resource "*" for them.
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
TRACING_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


def _retry(errors: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": errors,
            "IntervalSeconds": 1,
            "BackoffRate": 2.0,
            "MaxAttempts": 6,
            "MaxDelaySeconds": 20,
            "JitterStrategy": "FULL",
        }
    ]


def _ddb(action: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An optimized DynamoDB task (updateItem here)."""
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::dynamodb:{action}",
        "Parameters": {"TableName": TABLE, **parameters},
        "Retry": _retry(_DDB_THROTTLES_OPTIMIZED),
        **extra,
    }


def _worker(payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The worker Lambda (app.py mass_delete_worker); its answer under $.result."""
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": WORKER, "Payload": payload},
        "ResultSelector": {"answer.$": "$.Payload"},
        "ResultPath": "$.result",
        "Retry": _retry(_LAMBDA_TRANSIENT),
        **extra,
    }


def _s(path: str) -> dict[str, str]:
    return {"S.$": path}


def _chunk_states() -> dict[str, Any]:
    """One child execution: one plan chunk (input: the plan's item, see plan.map_item)."""
    return {
        "ProcessChunk": _worker({"op": "chunk", "chunk.$": "$"}, Next="MoreWork"),
        "MoreWork": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.result.answer.more",
                    "BooleanEquals": True,
                    "Next": "ProcessChunk",
                }
            ],
            "Default": "ChunkDone",
        },
        "ChunkDone": {"Type": "Succeed"},
    }


def definition() -> dict[str, Any]:
    """The whole state machine, with ${TableName}, ${BucketName} and ${WorkerFunctionArn}
    left for DefinitionSubstitutions (CloudFormation) or `rendered_definition` (local)."""
    job_update = {"Key.$": "$.job_key"}
    return {
        "Comment": "Rebound mass delete: archive, delete unchanged records, remove emails",
        "StartAt": "StartJob",
        "States": {
            "StartJob": _ddb(
                "updateItem",
                {
                    **job_update,
                    "UpdateExpression": "SET #state = :running, execution_arn = :arn, "
                    "started_at = if_not_exists(started_at, :now)",
                    "ConditionExpression": "#state IN (:approved, :running, :failed)",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": {
                        ":running": {"S": "running"},
                        ":approved": {"S": "approved"},
                        ":failed": {"S": "failed"},
                        ":arn": _s("$$.Execution.Id"),
                        ":now": _s("$.started_at"),
                    },
                },
                ResultPath=None,
                Catch=[
                    {
                        "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                        "ResultPath": "$.error",
                        "Next": "NotRunnable",
                    }
                ],
                Next="Chunks",
            ),
            "NotRunnable": {
                "Type": "Fail",
                "Error": "MassDelete.NotRunnable",
                "Cause": "the job is not approved (or was cancelled or undone)",
            },
            "Chunks": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": BUCKET, "Key.$": "$.plan_key"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "ProcessChunk",
                    "States": _chunk_states(),
                },
                # From the execution input: 10 on AWS; 1 in moto, whose DynamoDB deep-copies
                # the table inside each transaction and breaks under concurrent writers.
                "MaxConcurrencyPath": "$.concurrency",
                "ResultPath": None,
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}
                ],
                "Next": "Finish",
            },
            # Every planned address must be done (deleted or kept): a chunk lost without an
            # error (moto's interpreter lets a failed child pass) must not read as success.
            "Finish": _worker(
                {"op": "finish", "tenant.$": "$.tenant", "job.$": "$.job"},
                Catch=[
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}
                ],
                Next="Outcome",
            ),
            "Outcome": {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.result.answer.state",
                        "StringEquals": "succeeded",
                        "Next": "Succeeded",
                    },
                    {
                        "Variable": "$.result.answer.state",
                        "StringEquals": "cancelled",
                        "Next": "Cancelled",
                    },
                ],
                "Default": "Failed",
            },
            "MarkFailed": _ddb(
                "updateItem",
                {
                    **job_update,
                    "UpdateExpression": "SET #state = :failed, #error = :error, finished_at = :now",
                    "ExpressionAttributeNames": {"#state": "state", "#error": "error"},
                    "ExpressionAttributeValues": {
                        ":failed": {"S": "failed"},
                        ":error": _s("States.JsonToString($.error)"),
                        ":now": _s("$$.State.EnteredTime"),
                    },
                },
                ResultPath=None,
                Next="Failed",
            ),
            "Failed": {
                "Type": "Fail",
                "Error": "MassDelete.Failed",
                "Cause": "see the job's error; approve a re-run to resume where it stopped",
            },
            "Succeeded": {"Type": "Succeed"},
            "Cancelled": {"Type": "Succeed"},
        },
    }


# State transitions of a run that ends well: StartJob, Chunks, Finish, Outcome, Succeeded (the
# parent), and per child ProcessChunk, MoreWork, ChunkDone (+ ProcessChunk, MoreWork per extra
# run of a chunk that ran out of time).
PARENT_PATH = ("StartJob", "Chunks", "Finish", "Outcome", "Succeeded")
CHILD_PATH = ("ProcessChunk", "MoreWork", "ChunkDone")
CHILD_EXTRA_RUN = ("ProcessChunk", "MoreWork")


def transitions_per_job(chunks: int, extra_runs: int = 0) -> int:
    """State transitions of a job with `chunks` chunks that succeeds, from the definition's
    paths (a test walks the definition to check each path exists as written)."""
    return len(PARENT_PATH) + chunks * len(CHILD_PATH) + extra_runs * len(CHILD_EXTRA_RUN)


def definition_string() -> str:
    return json.dumps(definition(), indent=1, sort_keys=True)


def render(text: str, substitutions: dict[str, str]) -> str:
    """What CloudFormation does with DefinitionSubstitutions: replace each ${Name}."""
    for name in SUBSTITUTIONS:
        text = text.replace("${" + name + "}", substitutions[name])
    return text


def rendered_definition(table: str, bucket: str, worker: str) -> str:
    """The definition with real names, as the local stack creates it in moto."""
    return render(
        definition_string(), {"TableName": table, "BucketName": bucket, "WorkerFunctionArn": worker}
    )


@dataclass(frozen=True)
class MassDeleteWorkflow:
    state_machine: aws_stepfunctions.CfnStateMachine
    role: aws_iam.Role
    arn: str
    execution_arn_pattern: str


def add_mass_delete_workflow(
    scope: Construct,
    construct_id: str,
    *,
    name: str,
    table: aws_dynamodb.ITable,
    bucket: aws_s3.IBucket,
    worker: aws_lambda.IFunction,
    plans_prefix: str,
) -> MassDeleteWorkflow:
    """The state machine (STANDARD) and its least-privilege role, under `scope`. The worker
    function's own role (what it reads and writes) is granted by the stack.

    A function rather than a Construct subclass so that importing this module (provision does)
    never loads the CDK; the resources are created under their own Construct all the same.
    """
    from aws_cdk import Aws, RemovalPolicy
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_stepfunctions as sfn
    from constructs import Construct as _Construct

    from infra.nag import acknowledge, logical_id

    node = _Construct(scope, construct_id)
    # Named, so the role can name the machine (Distributed Map children are executions of it)
    # without a reference cycle between the machine and its own role.
    arn = f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:stateMachine:{name}"
    executions = f"arn:{Aws.PARTITION}:states:{Aws.REGION}:{Aws.ACCOUNT_ID}:execution:{name}:*"
    role = iam.Role(
        node,
        "Role",
        assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
        description="Rebound mass-delete state machine (least privilege)",
    )
    statements = [
        # StartJob and MarkFailed: the job item's state (the worker does everything else).
        ("JobState", ["dynamodb:UpdateItem"], [table.table_arn]),
        ("ReadPlans", ["s3:GetObject"], [bucket.arn_for_objects(f"{plans_prefix}*")]),
        ("RunWorker", ["lambda:InvokeFunction"], [worker.function_arn]),
        # The Distributed Map runs each chunk as a child execution of this very machine.
        ("RunChunks", ["states:StartExecution"], [arn]),
        ("FollowChunks", ["states:DescribeExecution", "states:StopExecution"], [executions]),
    ]
    for sid, actions, resources in statements:
        role.add_to_principal_policy(
            iam.PolicyStatement(sid=sid, actions=actions, resources=resources)
        )
    log_group = logs.LogGroup(
        node,
        "Logs",
        # Step Functions requires vended-log groups under /aws/vendedlogs/ for its resource policy.
        log_group_name=f"/aws/vendedlogs/states/{name}",
        retention=logs.RetentionDays.THREE_MONTHS,
        removal_policy=RemovalPolicy.DESTROY,
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(sid="DeliverLogs", actions=list(LOG_DELIVERY_ACTIONS), resources=["*"])
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(sid="XRayTraces", actions=list(TRACING_ACTIONS), resources=["*"])
    )
    machine = sfn.CfnStateMachine(
        node,
        "StateMachine",
        state_machine_name=name,
        state_machine_type="STANDARD",
        role_arn=role.role_arn,
        definition_string=definition_string(),
        definition_substitutions={
            "TableName": table.table_name,
            "BucketName": bucket.bucket_name,
            "WorkerFunctionArn": worker.function_arn,
        },
        # ERROR only and without execution data: a state's input and output hold the addresses
        # being deleted, and a deleted address must not live on in the logs (issue 13).
        logging_configuration=sfn.CfnStateMachine.LoggingConfigurationProperty(
            level="ERROR",
            include_execution_data=False,
            destinations=[
                sfn.CfnStateMachine.LogDestinationProperty(
                    cloud_watch_logs_log_group=sfn.CfnStateMachine.CloudWatchLogsLogGroupProperty(
                        log_group_arn=log_group.log_group_arn
                    )
                )
            ],
        ),
        tracing_configuration=sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True),
    )
    acknowledge(
        machine,
        "AwsSolutions-SF1",
        "Logs ERROR events without execution data on purpose: ALL would write every state's "
        "input and output, i.e. the addresses being erased, into CloudWatch Logs.",
    )
    policy_node = role.node.try_find_child("DefaultPolicy")
    if policy_node is not None:
        for rule, reason in (
            (
                "AwsSolutions-IAM5[Resource::*]",
                "Log delivery (logs:*LogDelivery, resource policies) and X-Ray trace actions "
                "support no resource-level permissions; AWS documents Resource '*'.",
            ),
            (
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:"
                f"<AWS::AccountId>:execution:{name}:*]",
                "Distributed Map children are executions of this machine with names chosen at "
                "run time; the pattern is bound to this state machine.",
            ),
            (
                f"AwsSolutions-IAM5[Resource::<{logical_id(bucket)}.Arn>/{plans_prefix}*]",
                "Plans are objects under plans/ named per tenant and job at run time.",
            ),
        ):
            acknowledge(policy_node, rule, reason)
    # The role's policy must exist before the first execution, not only the role.
    policy = role.node.try_find_child("DefaultPolicy")
    if policy is not None:
        machine.node.add_dependency(policy)
    return MassDeleteWorkflow(machine, role, arn, executions)
