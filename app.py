"""PLACEHOLDER Chalice app, written by the infra engineer so that `make synth` can package.

The app engineer replaces this file. infra/ relies only on these names: the Lambda functions
`ingest` (CDK id `Ingest`) and `summary` (`Summary`), and the REST API (`APIHandler`,
`RestAPI`).
"""

from __future__ import annotations

from typing import Any

from chalice import Chalice

app = Chalice(app_name="rebound")


@app.route("/v1/health")
def health() -> dict[str, str]:
    return {"status": "placeholder"}


@app.lambda_function(name="ingest")
def ingest(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"batchItemFailures": []}


@app.lambda_function(name="summary")
def summary(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {}
