"""Rebound's Chalice app: the table of contents. Every body decodes, calls one service, maps
the result. Services are built lazily in chalicelib.wiring."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chalice import (
    BadRequestError,
    Chalice,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)

from chalicelib import wiring
from chalicelib.aws.events import objects_from_sqs_body
from chalicelib.errors import BadRequest
from chalicelib.observability import MetricName, logger, metrics
from chalicelib.ports import CursorError
from chalicelib.tenancy.access import Principal
from chalicelib.tenancy.service import (
    Forbidden,
    Unauthenticated,
    UnknownTenant,
    authenticate,
    authorise_read,
    authorise_staff,
)

app = Chalice(app_name="rebound")
_batch = BatchProcessor(event_type=EventType.SQS)
F = TypeVar("F", bound=Callable[..., Any])


def api(view: F) -> F:
    """Map service exceptions to HTTP errors whose message says what to fix."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except Unauthenticated as error:
            raise UnauthorizedError(str(error)) from None
        except Forbidden as error:
            raise ForbiddenError(str(error)) from None
        except UnknownTenant as error:
            raise NotFoundError(str(error)) from None
        except (BadRequest, CursorError) as error:
            raise BadRequestError(str(error)) from None

    return wrapper  # type: ignore[return-value]


def _principal() -> Principal:
    return authenticate(wiring.repository(), app.current_request.headers.get("authorization"))


def _params() -> dict[str, str]:
    return dict(app.current_request.query_params or {})


@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.route("/v1/tenants/{tenant}/bounces", methods=["GET"])
@api
def list_bounces(tenant: str) -> dict[str, Any]:
    authorise_read(wiring.repository(), _principal(), tenant)
    return wiring.report_service().bounces(tenant, _params())


@app.route("/v1/quarantine", methods=["GET"])
@api
def list_quarantine() -> dict[str, Any]:
    authorise_staff(_principal())
    return wiring.report_service().inbound("quarantined", _params())


@app.route("/v1/unparsed", methods=["GET"])
@api
def list_unparsed() -> dict[str, Any]:
    authorise_staff(_principal())
    return wiring.report_service().inbound("unparsed", _params())


def _ingest_record(record: SQSRecord) -> None:
    service = wiring.ingest_service()
    for stored in objects_from_sqs_body(record.body):
        outcome = service.ingest(stored.key, stored.event_time)
        metrics.add_metric(MetricName.MESSAGES_INGESTED, "Count", 1)
        metrics.add_metric(f"Disposition_{outcome.disposition}", "Count", 1)
        logger.info(
            "ingested",
            extra={
                "key": stored.key,
                "disposition": str(outcome.disposition),
                "tenant": outcome.tenant,
                "counted": outcome.counted,
                "kind": outcome.kind,
            },
        )


@app.lambda_function(name="ingest")
@metrics.log_metrics
def ingest(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS (S3 notifications) -> counted bounces; failed records are retried, then dead-lettered."""
    return process_partial_response(
        event=event, record_handler=_ingest_record, processor=_batch, context=context
    )


@app.lambda_function(name="summary")
def summary(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fired by EventBridge Scheduler: email staff the new bounces since the last run."""
    outcome = wiring.summary_service().run()
    logger.info("summary", extra=outcome.as_dict())
    return outcome.as_dict()
