"""Step Functions: start, describe and stop the mass-delete workflow's executions."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.aws.clients import client
from chalicelib.massdelete.ports import AlreadyStarted, ExecutionStatus


class StepFunctionsWorkflow:
    """Workflow port on one state machine."""

    def __init__(self, state_machine_arn: str) -> None:
        self._arn = state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> str:
        sfn = client("stepfunctions")
        try:
            response = sfn.start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(payload)
            )
        except sfn.exceptions.ExecutionAlreadyExists as error:
            # An execution name is never reused for a state machine: a job runs at most once.
            raise AlreadyStarted(name) from error
        arn: str = response["executionArn"]
        return arn

    def describe(self, execution_arn: str) -> ExecutionStatus:
        response = client("stepfunctions").describe_execution(executionArn=execution_arn)
        return ExecutionStatus(
            status=response["status"],
            error=str(response.get("error", "")),
            cause=str(response.get("cause", "")),
        )

    def stop(self, execution_arn: str, cause: str) -> None:
        client("stepfunctions").stop_execution(
            executionArn=execution_arn, error="MassDelete.Cancelled", cause=cause
        )
