"""Rebound's Chalice app: the table of contents. Every body decodes, calls one service, maps
the result. Services are built lazily in chalicelib.wiring."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import unquote

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chalice import (
    BadRequestError,
    Chalice,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    Response,
    UnauthorizedError,
)

from chalicelib import web, wiring
from chalicelib.aws.events import objects_from_sqs_body
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.notify.settings import apply_settings as apply_notify_settings
from chalicelib.notify.settings import parse_send_volume, send_json
from chalicelib.notify.settings import settings_json as notify_settings_json
from chalicelib.observability import MetricName, logger, metrics
from chalicelib.ports import CursorError
from chalicelib.report.openapi import openapi_document
from chalicelib.tenancy.access import Principal
from chalicelib.tenancy.service import (
    Forbidden,
    Unauthenticated,
    UnknownTenant,
    authenticate,
    authorise_admin,
    authorise_read,
    authorise_staff,
    settings_json,
    update_settings,
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
        except NotFound as error:
            raise NotFoundError(str(error)) from None
        except Conflict as error:
            raise ConflictError(str(error)) from None

    return wrapper  # type: ignore[return-value]


def _principal() -> Principal:
    return authenticate(wiring.repository(), app.current_request.headers.get("authorization"))


def _params() -> dict[str, str]:
    return dict(app.current_request.query_params or {})


@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.route("/v1/me", methods=["GET"])
@api
def me() -> dict[str, Any]:
    principal = _principal()
    store = wiring.repository()
    tenants = list(store.list_tenants()) if principal.is_staff else [principal.scope]
    return {"scope": principal.scope, "role": str(principal.role), "tenants": tenants}


@app.route("/v1/tenants/{tenant}/bounces", methods=["GET"])
@api
def list_bounces(tenant: str) -> Any:
    authorise_read(wiring.repository(), _principal(), tenant)
    accept = app.current_request.headers.get("accept", "")
    if "text/csv" in accept and "application/json" not in accept:
        return _export(tenant)
    return wiring.report_service().bounces(tenant, _params())


@app.route("/v1/tenants/{tenant}/bounces.csv", methods=["GET"])
@api
def export_bounces(tenant: str) -> Any:
    authorise_read(wiring.repository(), _principal(), tenant)
    return _export(tenant)


def _export(tenant: str) -> Any:
    result = wiring.report_service().export(tenant, _params(), wiring.export_sink())
    if result.csv_text is None:
        return {
            "download_url": result.download_url,
            "rows": result.rows,
            "expires_at": result.expires_at,
        }
    return Response(
        body=result.csv_text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="bounces-{tenant}.csv"',
        },
    )


@app.route("/v1/tenants/{tenant}/bounces/{address}", methods=["GET"])
@api
def bounce_detail(tenant: str, address: str) -> dict[str, Any]:
    authorise_read(wiring.repository(), _principal(), tenant)
    return wiring.report_service().detail(tenant, unquote(address), _params())


@app.route("/v1/tenants/{tenant}/bounces/{address}/reactivate", methods=["POST"])
@api
def reactivate_address(tenant: str, address: str) -> dict[str, Any]:
    principal = _principal()
    authorise_admin(wiring.repository(), principal, tenant)
    result = wiring.report_service().reactivate(tenant, unquote(address), principal.actor)
    logger.info(
        "reactivated",
        extra={"tenant": tenant, "address": result["address"], "actor": principal.actor},
    )
    return result


@app.route("/v1/tenants/{tenant}/stats", methods=["GET"])
@api
def tenant_stats(tenant: str) -> dict[str, Any]:
    store = wiring.repository()
    authorise_read(store, _principal(), tenant)
    settings = store.get_tenant(tenant)
    assert settings is not None  # authorise_read refuses unknown tenants
    return wiring.report_service().stats(tenant, settings)


@app.route("/v1/tenants/{tenant}/suppressions/{address}", methods=["GET"])
@api
def suppression(tenant: str, address: str) -> dict[str, Any]:
    authorise_read(wiring.repository(), _principal(), tenant)
    return wiring.report_service().suppression(tenant, unquote(address))


@app.route("/v1/tenants/{tenant}/suppressions/check", methods=["POST"])
@api
def check_suppressions(tenant: str) -> dict[str, Any]:
    authorise_read(wiring.repository(), _principal(), tenant)
    return wiring.report_service().check(tenant, _json_body())


@app.route("/v1/tenants/{tenant}/settings", methods=["GET"])
@api
def get_tenant_settings(tenant: str) -> dict[str, Any]:
    store = wiring.repository()
    authorise_read(store, _principal(), tenant)
    settings = store.get_tenant(tenant)
    assert settings is not None  # authorise_read refuses unknown tenants
    return settings_json(settings)


@app.route("/v1/tenants/{tenant}/settings", methods=["PATCH"])
@api
def patch_tenant_settings(tenant: str) -> dict[str, Any]:
    store = wiring.repository()
    principal = _principal()
    authorise_admin(store, principal, tenant)
    return settings_json(update_settings(store, principal, tenant, _json_body()))


@app.route("/v1/openapi.json", methods=["GET"])
def openapi() -> dict[str, Any]:
    return openapi_document()


@app.route("/", methods=["GET"])
def web_page() -> Response:
    return _asset(web.PAGE)


@app.route("/assets/{name}", methods=["GET"])
def web_asset(name: str) -> Response:
    return _asset(name)


def _asset(name: str) -> Response:
    found = web.asset(name)
    if found is None:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    body, content_type = found
    headers = {"Content-Type": content_type, "Cache-Control": "no-cache", **web.SECURITY_HEADERS}
    return Response(body=body.decode("utf-8"), status_code=200, headers=headers)


def _json_body() -> Any:
    try:
        return app.current_request.json_body
    except BadRequestError:
        raise BadRequest("the body must be JSON") from None


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
    """Fired hourly by EventBridge Scheduler: send the digests that are due (each once per
    period; failures raise after the others were sent, so the scheduler retries them)."""
    outcome = wiring.digest_service().run().as_dict()
    logger.info("digests", extra=outcome)
    return outcome


# -- mass delete --------------------------------------------------------------------------------
# Plan, approve, follow, cancel, re-run and undo; the state machine does the deleting.
_MASS_DELETES = "/v1/tenants/{tenant}/mass-deletes"


@app.route(_MASS_DELETES, methods=["POST"])
@api
def create_mass_delete(tenant: str) -> Response:
    job = wiring.mass_delete_service().create(_principal(), tenant, _json_body())
    return Response(body=job, status_code=202, headers={"Content-Type": "application/json"})


@app.route(_MASS_DELETES, methods=["GET"])
@api
def list_mass_deletes(tenant: str) -> dict[str, Any]:
    return wiring.mass_delete_service().list(_principal(), tenant, _params())


@app.route(_MASS_DELETES + "/audit", methods=["GET"])
@api
def mass_delete_audit(tenant: str) -> dict[str, Any]:
    return wiring.mass_delete_service().audit(_principal(), tenant, _params())


@app.route(_MASS_DELETES + "/policy", methods=["GET"])
@api
def get_mass_delete_policy(tenant: str) -> dict[str, Any]:
    return wiring.mass_delete_service().get_policy(_principal(), tenant)


@app.route(_MASS_DELETES + "/policy", methods=["PUT"])
@api
def put_mass_delete_policy(tenant: str) -> dict[str, Any]:
    return wiring.mass_delete_service().put_policy(_principal(), tenant, _json_body())


@app.route(_MASS_DELETES + "/{job}", methods=["GET"])
@api
def get_mass_delete(tenant: str, job: str) -> dict[str, Any]:
    return wiring.mass_delete_service().get(_principal(), tenant, job)


@app.route(_MASS_DELETES + "/{job}/approve", methods=["POST"])
@api
def approve_mass_delete(tenant: str, job: str) -> dict[str, Any]:
    return wiring.mass_delete_service().approve(_principal(), tenant, job)


@app.route(_MASS_DELETES + "/{job}/rerun", methods=["POST"])
@api
def rerun_mass_delete(tenant: str, job: str) -> dict[str, Any]:
    return wiring.mass_delete_service().rerun(_principal(), tenant, job)


@app.route(_MASS_DELETES + "/{job}/cancel", methods=["POST"])
@api
def cancel_mass_delete(tenant: str, job: str) -> dict[str, Any]:
    return wiring.mass_delete_service().cancel(_principal(), tenant, job)


@app.route(_MASS_DELETES + "/{job}/undo", methods=["POST"])
@api
def undo_mass_delete(tenant: str, job: str) -> dict[str, Any]:
    return wiring.mass_delete_service().undo(_principal(), tenant, job)


# -- notifications -------------------------------------------------------------------------


@app.route("/v1/tenants/{tenant}/notification-settings", methods=["GET"])
@api
def get_notification_settings(tenant: str) -> dict[str, Any]:
    authorise_admin(wiring.repository(), _principal(), tenant)
    return notify_settings_json(wiring.digest_service().settings_for(tenant))


@app.route("/v1/tenants/{tenant}/notification-settings", methods=["PUT"])
@api
def put_notification_settings(tenant: str) -> dict[str, Any]:
    authorise_admin(wiring.repository(), _principal(), tenant)
    current = wiring.digest_service().settings_for(tenant)
    updated = apply_notify_settings(current, _json_body(), wiring.mail_policy().inbound_domain)
    wiring.notify_repository().put_notification_settings(updated)
    return notify_settings_json(updated)


@app.route("/v1/tenants/{tenant}/sends/{send_id}", methods=["PUT"])
@api
def put_send(tenant: str, send_id: str) -> dict[str, Any]:
    """The MMS reports a send's size: the denominator of its bounce rate."""
    authorise_admin(wiring.repository(), _principal(), tenant)
    source, recipients, per_domain = parse_send_volume(unquote(send_id), _json_body())
    stored = wiring.notify_repository().put_send_volume(
        tenant,
        unquote(send_id),
        source=source,
        recipients=recipients,
        per_domain=per_domain,
        now=datetime.now(UTC),
    )
    return send_json(stored)


@app.lambda_function(name="alerts_check")
def alerts_check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fired by EventBridge Scheduler: alert when dead-letter queues or unparsed mail grew."""
    outcome = wiring.alerts_check().run()
    logger.info("alerts_check", extra=outcome)
    return outcome
