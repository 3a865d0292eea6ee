"""The mass-delete workflow: its Amazon States Language definition and the CDK construct that
deploys it (state machine, role, log group).

The definition is plain data built here with the standard library only, so that
`rebound/provision.py` creates the very same state machine in moto without loading the CDK
(`rendered_definition`). The construct hands the same text to CloudFormation with
`DefinitionSubstitutions` for the table, bucket and bus; tests/infra compares the two and runs
the synthesized one in moto's interpreter.

Only what ran in moto 5.2.5's interpreter is used (ARCHITECTURE): service integrations
(optimized DynamoDB and EventBridge, aws-sdk DynamoDB and S3), inline Maps, a Distributed Map
with an S3 ItemReader and STANDARD children, Choice/Pass/Wait, intrinsic functions. Not used:
Lambda tasks, JSONata, ItemBatcher, EXPRESS children, ItemSelector with $$.Map.Item.Value
(so every plan entry carries its own keys: see chalicelib/massdelete/plan.py).

Shape (docs/mass-delete.md explains why):

    StartJob -> Chunks (Distributed Map over plans/<tenant>/<job>.json, one child per chunk)
        child: CheckCancel -> Addresses (inline Map, one address at a time):
            GetMarker -> done? next | deleting? DeleteRecords
            GetCounter -> changed since the plan? Skip
            GetSuppression -> archive head + query pages (archives/...) ->
            DeleteCounter+MarkDeleting (one transaction, counter version unchanged) ->
            DeleteRecords (reads the archive back, BatchWriteItem 25 at a time,
            UnprocessedItems retried with backoff) -> Suppress + EmailRemoved -> Commit
    -> Finish (succeeded or cancelled) | MarkFailed on any error
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CDK is loaded only by `add_mass_delete_workflow` (provision skips it)
    from aws_cdk import aws_dynamodb, aws_events, aws_iam, aws_s3, aws_stepfunctions
    from constructs import Construct

STATE_MACHINE_NAME = "rebound-mass-delete"
SUBSTITUTIONS = ("TableName", "BucketName", "EventBusName")
TABLE = "${TableName}"
BUCKET = "${BucketName}"
BUS = "${EventBusName}"

# How many archived records one Query page holds: small enough that a page of history items
# (diagnostic text included) stays far below the 256 KiB state payload limit.
QUERY_PAGE_SIZE = 100
# The most records (counter excluded) one address may hold: its keys travel in the state and
# in its progress marker (about 170 bytes each; 256 KiB state, 400 KiB item).
MAX_KEYS = 1000
BATCH_SIZE = 25  # BatchWriteItem's limit
# Addresses handled at once inside one child, and chunks at once across the Distributed Map.
ADDRESS_CONCURRENCY = 1
# UnprocessedItems: wait 1, 2, 4, ... 32 s between attempts, then fail the execution (a
# re-run resumes from the per-address markers).
UNPROCESSED_FIRST_DELAY = 1
UNPROCESSED_MAX_DELAY = 32

_DDB_THROTTLES_OPTIMIZED = [
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.InternalServerErrorException",
]
_DDB_THROTTLES_SDK = [
    "DynamoDb.ProvisionedThroughputExceededException",
    "DynamoDb.ThrottlingException",
    "DynamoDb.RequestLimitExceededException",
    "DynamoDb.InternalServerErrorException",
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
_S3_TRANSIENT = ["S3.InternalErrorException", "S3.SlowDownException", "S3.S3Exception"]


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
    """An optimized DynamoDB task (getItem, putItem, updateItem, deleteItem)."""
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::dynamodb:{action}",
        "Parameters": {"TableName": TABLE, **parameters},
        "Retry": _retry(_DDB_THROTTLES_OPTIMIZED),
        **extra,
    }


def _sdk(service: str, action: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An aws-sdk task (DynamoDB query/batchWriteItem/transactWriteItems, S3 objects)."""
    retries = _DDB_THROTTLES_SDK if service == "dynamodb" else _S3_TRANSIENT
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::aws-sdk:{service}:{action}",
        "Parameters": parameters,
        "Retry": _retry(retries),
        **extra,
    }


def _s(path: str) -> dict[str, str]:
    return {"S.$": path}


def _get(key_path: str, result_path: str, next_state: str, **extra: Any) -> dict[str, Any]:
    """A strongly consistent GetItem of the key at `key_path`."""
    parameters = {"Key.$": key_path, "ConsistentRead": True, **extra}
    return _ddb("getItem", parameters, ResultPath=result_path, Next=next_state)


def _query(result_path: str, next_state: str, **extra: Any) -> dict[str, Any]:
    """A strongly consistent Query of the address's partition (history and markers)."""
    parameters = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": _s("$.partition")},
        "ConsistentRead": True,
        **extra,
    }
    return _sdk("dynamodb", "query", parameters, ResultPath=result_path, Next=next_state)


def _cancel_requested(path: str, next_state: str) -> dict[str, Any]:
    """A Choice rule: the job item at `path` says cancel_requested."""
    return {
        "And": [
            {"Variable": f"{path}.cancel_requested", "IsPresent": True},
            {"Variable": f"{path}.cancel_requested.BOOL", "BooleanEquals": True},
        ],
        "Next": next_state,
    }


def _on_cancelled_transaction(next_state: str, result_path: str | None = None) -> list[Any]:
    """A TransactWriteItems whose condition failed goes to `next_state` (not an error)."""
    return [
        {
            "ErrorEquals": ["DynamoDb.TransactionCanceledException"],
            "ResultPath": result_path,
            "Next": next_state,
        }
    ]


def _address_states() -> dict[str, Any]:
    """One address: archive, delete if unchanged since the plan, remove, commit. Input: one
    plan entry (see chalicelib/massdelete/plan.py `plan_entry`); results go under $.r."""
    present_with = lambda path, value: {  # noqa: E731 - a local shorthand for Choice rules
        "And": [
            {"Variable": path, "IsPresent": True},
            {"Variable": f"{path}.stage.S", "StringEquals": value},
        ]
    }
    return {
        "GetMarker": _get("$.marker_key", "$.r.marker", "MarkerStage"),
        "MarkerStage": {
            "Type": "Choice",
            "Choices": [
                {**present_with("$.r.marker.Item", "done"), "Next": "AddressDone"},
                {**present_with("$.r.marker.Item", "deleting"), "Next": "ResumeDeleting"},
            ],
            "Default": "GetCounter",
        },
        # A run that stopped after the counter was deleted resumes from the keys it recorded.
        "ResumeDeleting": {
            "Type": "Pass",
            "Parameters": {
                "keys.$": "States.StringToJson($.r.marker.Item.keys.S)",
                "records.$": "States.StringToJson($.r.marker.Item.records.N)",
            },
            "ResultPath": "$.r.snapshot",
            "Next": "ForgetMarker",
        },
        "ForgetMarker": {
            "Type": "Pass",
            "Parameters": {},
            "ResultPath": "$.r.marker",
            "Next": "DeleteBatches",
        },
        "GetCounter": _get("$.counter_key", "$.r.counter", "CounterUnchanged"),
        # A bounce counted since the plan changed the version: leave the address alone.
        "CounterUnchanged": {
            "Type": "Choice",
            "Choices": [
                {
                    "Not": {"Variable": "$.r.counter.Item", "IsPresent": True},
                    "Next": "SkipAddress",
                },
                {
                    "Not": {
                        "Variable": "$.r.counter.Item.version.N",
                        "StringEqualsPath": "$.version",
                    },
                    "Next": "SkipAddress",
                },
            ],
            "Default": "GetSuppression",
        },
        "GetSuppression": _get("$.suppression_key", "$.r.suppression", "ArchiveHead"),
        # Archive first: the counter and the suppression as they were (undo's source).
        "ArchiveHead": _sdk(
            "s3",
            "putObject",
            {
                "Bucket": BUCKET,
                "Key.$": "States.Format('{}head.json', $.archive_prefix)",
                "ContentType": "application/json",
                "Body.$": "States.JsonToString($.r)",
            },
            ResultPath=None,
            Next="FirstPage",
        ),
        "FirstPage": _query("$.r.page", "CountFirstPage", Limit=QUERY_PAGE_SIZE),
        "CountFirstPage": {
            "Type": "Pass",
            "Parameters": {"page_no": 0, "records.$": "$.r.page.Count"},
            "ResultPath": "$.r.tally",
            "Next": "ArchivePage",
        },
        "ArchivePage": _sdk(
            "s3",
            "putObject",
            {
                "Bucket": BUCKET,
                "Key.$": "States.Format('{}p{}.json', $.archive_prefix, $.r.tally.page_no)",
                "ContentType": "application/json",
                "Body.$": "States.JsonToString($.r.page.Items)",
            },
            ResultPath=None,
            Next="MorePages",
        ),
        "MorePages": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.r.page.LastEvaluatedKey", "IsPresent": True, "Next": "NextPage"}
            ],
            "Default": "DropPage",
        },
        "NextPage": _query(
            "$.r.page",
            "CountNextPage",
            Limit=QUERY_PAGE_SIZE,
            **{"ExclusiveStartKey.$": "$.r.page.LastEvaluatedKey"},
        ),
        "CountNextPage": {
            "Type": "Pass",
            "Parameters": {
                "page_no.$": "States.MathAdd($.r.tally.page_no, 1)",
                "records.$": "States.MathAdd($.r.tally.records, $.r.page.Count)",
            },
            "ResultPath": "$.r.tally",
            "Next": "ArchivePage",
        },
        # Keep the state small (256 KiB): the archived items are in S3 now.
        "DropPage": {"Type": "Pass", "Parameters": {}, "ResultPath": "$.r.page", "Next": "Keys"},
        # The keys to delete, read after archiving: if the counter is still at the planned
        # version when it is deleted below, nothing was written to the address since the
        # plan (every counted bounce changes the version in the transaction that writes its
        # history and marker), so these keys are exactly the planned records.
        "Keys": {
            **_query("$.r.snapshot", "KeysFit", ProjectionExpression="pk, sk", Limit=MAX_KEYS),
            "ResultSelector": {"keys.$": "$.Items", "records.$": "$.Count", "all.$": "$"},
        },
        # More keys than one page: the address grew past its plan (a skip follows anyway) or
        # it is larger than the workflow takes in one step (the plan reports it as oversized).
        "KeysFit": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.r.snapshot.all.LastEvaluatedKey",
                    "IsPresent": True,
                    "Next": "SkipAddress",
                }
            ],
            "Default": "SlimSnapshot",
        },
        "SlimSnapshot": {
            "Type": "Pass",
            "Parameters": {"keys.$": "$.r.snapshot.keys", "records.$": "$.r.snapshot.records"},
            "ResultPath": "$.r.snapshot",
            "Next": "DeleteCounter",
        },
        # The counter goes in the same transaction that records "deleting" with the keys, so
        # a re-run after a crash deletes exactly these keys and nothing written since.
        "DeleteCounter": _sdk(
            "dynamodb",
            "transactWriteItems",
            {
                "TransactItems": [
                    {
                        "Delete": {
                            "TableName": TABLE,
                            "Key.$": "$.counter_key",
                            "ConditionExpression": "#version = :v",
                            "ExpressionAttributeNames": {"#version": "version"},
                            "ExpressionAttributeValues": {":v": {"N.$": "$.version"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {
                                "pk.$": "$.marker_key.pk",
                                "sk.$": "$.marker_key.sk",
                                "address": _s("$.address"),
                                "stage": {"S": "deleting"},
                                "pages": {
                                    "N.$": "States.Format('{}', "
                                    "States.MathAdd($.r.tally.page_no, 1))"
                                },
                                "records": {"N.$": "States.Format('{}', $.r.snapshot.records)"},
                                "keys": _s("States.JsonToString($.r.snapshot.keys)"),
                                "archive_prefix": _s("$.archive_prefix"),
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                ]
            },
            ResultPath=None,
            Catch=_on_cancelled_transaction("SkipAddress", "$.r.cancelled"),
            Next="DeleteBatches",
        ),
        "DeleteBatches": {
            "Type": "Pass",
            "Parameters": {"batches.$": f"States.ArrayPartition($.r.snapshot.keys, {BATCH_SIZE})"},
            "ResultPath": "$.r.delete",
            "Next": "DeleteEachBatch",
        },
        "DeleteEachBatch": {
            "Type": "Map",
            "ItemsPath": "$.r.delete.batches",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "DeleteRequests",
                "States": _batch_states(),
            },
            "ResultPath": None,
            "Next": "RemoveEmail",
        },
        "RemoveEmail": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.remove", "BooleanEquals": True, "Next": "Suppress"}],
            "Default": "Commit",
        },
        "Suppress": _ddb(
            "putItem",
            {
                "Item": {
                    "pk": _s("$.suppression_key.pk.S"),
                    "sk": _s("$.suppression_key.sk.S"),
                    "address": _s("$.address"),
                    "reason": {"S": "removed"},
                    "since": _s("$.removed_since"),
                    "actor": _s("$.actor"),
                    "job_id": _s("$.job"),
                }
            },
            ResultPath=None,
            Next="EmailRemoved",
        ),
        "EmailRemoved": {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {
                "Entries": [
                    {
                        "EventBusName": BUS,
                        "Source": "rebound.mass-delete",
                        "DetailType": "EmailRemoved",
                        "Detail": {
                            "tenant.$": "$.tenant",
                            "address.$": "$.address",
                            "job.$": "$.job",
                            "reason": "mass-delete",
                            "idempotency_key.$": "States.Format('{}/{}', $.job, $.address)",
                        },
                    }
                ]
            },
            "Retry": _retry(["EventBridge.EventBridgeException", "States.TaskFailed"]),
            "ResultPath": None,
            "Next": "Commit",
        },
        # The marker turns "done" and the job's counters move in one transaction: a re-run
        # never counts an address twice.
        "Commit": _sdk(
            "dynamodb",
            "transactWriteItems",
            {
                "TransactItems": [
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key.$": "$.marker_key",
                            "UpdateExpression": "SET #stage = :done, #outcome = :deleted "
                            "REMOVE #keys",
                            "ConditionExpression": "#stage = :deleting",
                            "ExpressionAttributeNames": {
                                "#stage": "stage",
                                "#outcome": "outcome",
                                "#keys": "keys",
                            },
                            "ExpressionAttributeValues": {
                                ":done": {"S": "done"},
                                ":deleted": {"S": "deleted"},
                                ":deleting": {"S": "deleting"},
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key.$": "$.job_key",
                            "UpdateExpression": (
                                "ADD #archived :records, #deleted :records, #removed :removed, "
                                "#done :one"
                            ),
                            "ExpressionAttributeNames": {
                                "#archived": "archived",
                                "#deleted": "deleted",
                                "#removed": "removed",
                                "#done": "addresses_done",
                            },
                            "ExpressionAttributeValues": {
                                ":records": {
                                    "N.$": "States.Format('{}', "
                                    "States.MathAdd($.r.snapshot.records, 1))"
                                },
                                ":removed": {"N.$": "$.removed_n"},
                                ":one": {"N": "1"},
                            },
                        }
                    },
                ]
            },
            ResultPath=None,
            Catch=_on_cancelled_transaction("AddressDone"),
            Next="AddressDone",
        ),
        "SkipAddress": _sdk(
            "dynamodb",
            "transactWriteItems",
            {
                "TransactItems": [
                    {
                        "Put": {
                            "TableName": TABLE,
                            "Item": {
                                "pk.$": "$.marker_key.pk",
                                "sk.$": "$.marker_key.sk",
                                "address": _s("$.address"),
                                "stage": {"S": "done"},
                                "outcome": {"S": "skipped"},
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key.$": "$.job_key",
                            "UpdateExpression": "ADD #skipped :one, #done :one",
                            "ExpressionAttributeNames": {
                                "#skipped": "skipped",
                                "#done": "addresses_done",
                            },
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            },
            ResultPath=None,
            Catch=_on_cancelled_transaction("AddressDone"),
            Next="AddressDone",
        ),
        "AddressDone": {"Type": "Succeed"},
    }


def _batch_states() -> dict[str, Any]:
    """Up to 25 archived items -> one BatchWriteItem of DeleteRequests, UnprocessedItems
    retried with exponential backoff (Wait doubles each time), throttling retried."""
    return {
        "DeleteRequests": {
            "Type": "Map",
            "ItemsPath": "$",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "DeleteRequest",
                "States": {
                    "DeleteRequest": {
                        "Type": "Pass",
                        "Parameters": {"DeleteRequest": {"Key": {"pk.$": "$.pk", "sk.$": "$.sk"}}},
                        "End": True,
                    }
                },
            },
            "Next": "FirstAttempt",
        },
        "FirstAttempt": {
            "Type": "Pass",
            "Parameters": {"requests.$": "$", "delay": UNPROCESSED_FIRST_DELAY},
            "Next": "BatchWrite",
        },
        "BatchWrite": _sdk(
            "dynamodb",
            "batchWriteItem",
            {"RequestItems": {f"{TABLE}.$": "$.requests"}},
            ResultPath="$.result",
            Next="AllProcessed",
        ),
        "AllProcessed": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": f"$.result.UnprocessedItems.{TABLE}", "IsPresent": True},
                        {"Variable": "$.delay", "NumericGreaterThan": UNPROCESSED_MAX_DELAY},
                    ],
                    "Next": "UnprocessedExhausted",
                },
                {
                    "Variable": f"$.result.UnprocessedItems.{TABLE}",
                    "IsPresent": True,
                    "Next": "Backoff",
                },
            ],
            "Default": "BatchDone",
        },
        "Backoff": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "RetryUnprocessed"},
        "RetryUnprocessed": {
            "Type": "Pass",
            "Parameters": {
                "requests.$": f"$.result.UnprocessedItems.{TABLE}",
                "delay.$": "States.MathAdd($.delay, $.delay)",
            },
            "Next": "BatchWrite",
        },
        "UnprocessedExhausted": {
            "Type": "Fail",
            "Error": "MassDelete.UnprocessedItems",
            "Cause": "DynamoDB left items unprocessed through every backoff; re-run the job",
        },
        "BatchDone": {"Type": "Succeed"},
    }


def definition() -> dict[str, Any]:
    """The whole state machine, with ${TableName}, ${BucketName}, ${EventBusName} left for
    DefinitionSubstitutions (CloudFormation) or `rendered_definition` (local stack)."""
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
                    "StartAt": "CheckCancel",
                    "States": {
                        "CheckCancel": _get(
                            "$.job_key",
                            "$.job",
                            "Cancelled",
                            ProjectionExpression="cancel_requested",
                        ),
                        "Cancelled": {
                            "Type": "Choice",
                            "Choices": [_cancel_requested("$.job.Item", "ChunkSkipped")],
                            "Default": "Addresses",
                        },
                        "ChunkSkipped": {"Type": "Succeed"},
                        "Addresses": {
                            "Type": "Map",
                            "ItemsPath": "$.entries",
                            "MaxConcurrency": ADDRESS_CONCURRENCY,
                            "ItemProcessor": {
                                "ProcessorConfig": {"Mode": "INLINE"},
                                "StartAt": "GetMarker",
                                "States": _address_states(),
                            },
                            "ResultPath": None,
                            "End": True,
                        },
                    },
                },
                # From the execution input: 10 on AWS; 1 in moto, whose DynamoDB deep-copies
                # the table inside each transaction and breaks under concurrent writers.
                "MaxConcurrencyPath": "$.concurrency",
                "ResultPath": None,
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}
                ],
                "Next": "ReadJob",
            },
            "ReadJob": _get("$.job_key", "$.job", "WasCancelled"),
            "WasCancelled": {
                "Type": "Choice",
                "Choices": [
                    _cancel_requested("$.job.Item", "MarkCancelled"),
                    # Every planned address must have committed (deleted or skipped): a chunk
                    # lost without an error (moto's interpreter lets a failed child pass) must
                    # not read as success.
                    {
                        "And": [
                            {"Variable": "$.job.Item.addresses_done", "IsPresent": True},
                            {
                                "Variable": "$.job.Item.addresses_done.N",
                                "StringEqualsPath": "$.job.Item.addresses.N",
                            },
                        ],
                        "Next": "MarkSucceeded",
                    },
                ],
                "Default": "Incomplete",
            },
            "Incomplete": {
                "Type": "Pass",
                "Parameters": {
                    "Error": "MassDelete.Incomplete",
                    "Cause": "not every planned address was committed; re-run the job",
                },
                "ResultPath": "$.error",
                "Next": "MarkFailed",
            },
            "MarkCancelled": _finish("cancelled", "Cancelled"),
            "MarkSucceeded": _finish("succeeded", "Succeeded"),
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


def _finish(state: str, next_state: str) -> dict[str, Any]:
    return _ddb(
        "updateItem",
        {
            "Key.$": "$.job_key",
            "UpdateExpression": "SET #state = :state, finished_at = :now REMOVE #error",
            "ConditionExpression": "#state = :running",
            "ExpressionAttributeNames": {"#state": "state", "#error": "error"},
            "ExpressionAttributeValues": {
                ":state": {"S": state},
                ":running": {"S": "running"},
                ":now": _s("$$.State.EnteredTime"),
            },
        },
        ResultPath=None,
        Next=next_state,
    )


def definition_string() -> str:
    return json.dumps(definition(), indent=1, sort_keys=True)


def render(text: str, substitutions: dict[str, str]) -> str:
    """What CloudFormation does with DefinitionSubstitutions: replace each ${Name}."""
    for name in SUBSTITUTIONS:
        text = text.replace("${" + name + "}", substitutions[name])
    return text


def rendered_definition(table: str, bucket: str, bus: str) -> str:
    """The definition with real names, as the local stack creates it in moto."""
    return render(
        definition_string(), {"TableName": table, "BucketName": bucket, "EventBusName": bus}
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
    event_bus: aws_events.IEventBus,
    plans_prefix: str,
    archives_prefix: str,
) -> MassDeleteWorkflow:
    """The state machine (STANDARD) and its least-privilege role, under `scope`.

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
        (
            "JobsArchiveDelete",
            [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                "dynamodb:BatchWriteItem",
                "dynamodb:ConditionCheckItem",
            ],
            [table.table_arn],
        ),
        ("ReadPlans", ["s3:GetObject"], [bucket.arn_for_objects(f"{plans_prefix}*")]),
        ("WriteArchives", ["s3:PutObject"], [bucket.arn_for_objects(f"{archives_prefix}*")]),
        ("EmailRemovedEvents", ["events:PutEvents"], [event_bus.event_bus_arn]),
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
            "EventBusName": event_bus.event_bus_name,
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
            (
                f"AwsSolutions-IAM5[Resource::<{logical_id(bucket)}.Arn>/{archives_prefix}*]",
                "Archives are objects under archives/ named per tenant, job and address.",
            ),
        ):
            acknowledge(policy_node, rule, reason)
    # The role's policy must exist before the first execution, not only the role.
    policy = role.node.try_find_child("DefaultPolicy")
    if policy is not None:
        machine.node.add_dependency(policy)
    return MassDeleteWorkflow(machine, role, arn, executions)
