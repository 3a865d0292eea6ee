"""Rebound's Chalice app: the table of contents. Every route is declared once with `route`
(its models and summary, from which come validation, JSON and the OpenAPI document); every
body calls one service. Services are built lazily in chalicelib.wiring."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

from chalice import Chalice, Response

from chalicelib import web, wiring
from chalicelib.api import models as m
from chalicelib.api.codec import convert, decode_body, decode_query, encode
from chalicelib.api.openapi import Operation, openapi_document
from chalicelib.aws.events import objects_from_sqs_body
from chalicelib.config import settings
from chalicelib.errors import NotFound, RetryLater, ServiceError
from chalicelib.notify.settings import apply_settings as apply_notify_settings
from chalicelib.notify.settings import parse_send_volume, send_json
from chalicelib.notify.settings import settings_json as notify_settings_json
from chalicelib.observability import MetricName, logger, metrics
from chalicelib.tenancy.access import Principal
from chalicelib.tenancy.service import (
    authenticate,
    authorise_admin,
    authorise_read,
    authorise_send_report,
    authorise_settings_change,
    authorise_staff,
    keys_json,
    settings_json,
    update_settings,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

app = Chalice(app_name="rebound")
F = TypeVar("F", bound=Callable[..., Any])
OPERATIONS: list[Operation] = []
_JSON = {"Content-Type": "application/json"}


def route(
    path: str,
    method: str,
    summary: str,
    response: type[Any] | None,
    *,
    query: type[Any] | None = None,
    body: type[Any] | None = None,
    status: int = 200,
    authenticated: bool = True,
    errors: tuple[int, ...] = (400, 401, 403, 404),
    csv: bool = False,
) -> Callable[[F], F]:
    """Register a route and describe it for the OpenAPI document. The view receives its path
    parameters (URL-decoded), `principal` when authenticated, `query` and `body` as their models,
    and returns a model (encoded here) or a Response. Service errors become their HTTP status
    here, and nowhere else."""

    def decorate(view: F) -> F:
        described = Operation(path, method, summary, response, status, query, body, errors)
        OPERATIONS.append(replace(described, authenticated=authenticated, csv=csv))

        @functools.wraps(view)
        def handler(**params: str) -> Any:
            request = app.current_request
            kwargs: dict[str, Any] = {name: unquote(value) for name, value in params.items()}
            try:
                if authenticated:
                    kwargs["principal"] = authenticate(
                        wiring.tenants(),
                        request.headers.get("authorization"),
                        wiring.token_verifier(),
                        wiring.person_directory(),
                    )
                if query is not None:
                    kwargs["query"] = decode_query(request.query_params, query)
                if body is not None:
                    kwargs["body"] = decode_body(request.raw_body, body)
                result = view(**kwargs)
            except ServiceError as error:
                return _error(error)
            if isinstance(result, Response):
                return result
            return Response(body=encode(result).decode(), status_code=status, headers=_JSON)

        app.route(path, methods=[method])(handler)
        return view

    return decorate


def _error(error: ServiceError) -> Response:
    headers = dict(_JSON)
    if isinstance(error, RetryLater):
        headers["Retry-After"] = str(error.retry_after)
    body = encode(m.Error(Code=error.code, Message=error.message)).decode()
    return Response(body=body, status_code=error.status, headers=headers)


@route("/v1/health", "GET", "liveness", m.Health, authenticated=False, errors=())
def health() -> m.Health:
    return m.Health(status="ok")


@route(
    "/v1/auth-config",
    "GET",
    "where the page signs people in (Cognito USER_PASSWORD_AUTH); no credentials needed",
    m.AuthConfig,
    authenticated=False,
    errors=(),
)
def auth_config() -> m.AuthConfig:
    s = settings().sign_in
    return m.AuthConfig(
        enabled=s.enabled,
        region=s.region,
        user_pool_id=s.user_pool_id or None,
        client_id=s.client_ids[0] if s.enabled else None,
        endpoint=s.endpoint if s.enabled else None,
    )


@route("/v1/me", "GET", "who the credentials belong to", m.Me, errors=(401, 403))
def me(principal: Principal) -> m.Me:
    everywhere = principal.is_staff or principal.is_mms
    tenants = list(wiring.tenants().list_tenants()) if everywhere else [principal.scope]
    return m.Me(
        scope=principal.scope,
        role=principal.role,
        tenants=tenants,
        name=principal.actor,
        kind=principal.kind,
    )


_BOUNCES = "/v1/tenants/{tenant}/bounces"


@route(
    _BOUNCES,
    "GET",
    "the Bounced Email report (CSV with Accept: text/csv)",
    m.BounceList,
    query=m.BounceQuery,
    csv=True,
)
def list_bounces(principal: Principal, tenant: str, query: m.BounceQuery) -> Any:
    authorise_read(wiring.tenants(), principal, tenant)
    accept = app.current_request.headers.get("accept", "")
    if "text/csv" in accept and "application/json" not in accept:
        return _export(tenant, query)
    return wiring.report_service().bounces(tenant, query)


@route(
    _BOUNCES + ".csv",
    "GET",
    "CSV export of the report; a link to the file when it is large",
    m.ExportLink,
    query=m.BounceQuery,
    csv=True,
)
def export_bounces(principal: Principal, tenant: str, query: m.BounceQuery) -> Any:
    authorise_read(wiring.tenants(), principal, tenant)
    return _export(tenant, query)


@route(
    "/v1/tenants/{tenant}/bounce-count",
    "GET",
    "how many addresses match the report's filters (what 'everything matching' selects)",
    m.BounceCount,
    query=m.BounceQuery,
)
def count_bounces(principal: Principal, tenant: str, query: m.BounceQuery) -> m.BounceCount:
    authorise_read(wiring.tenants(), principal, tenant)
    return wiring.report_service().count(tenant, query)


def _export(tenant: str, query: m.BounceQuery) -> Any:
    result = wiring.report_service().export(tenant, query, wiring.export_sink())
    if result.csv_text is None:
        assert result.download_url is not None
        assert result.expires_at is not None
        return m.ExportLink(
            download_url=result.download_url, rows=result.rows, expires_at=result.expires_at
        )
    return Response(
        body=result.csv_text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="bounces-{tenant}.csv"',
        },
    )


@route(
    _BOUNCES + "/{address}",
    "GET",
    "one address: counters, suppression, and its history newest first",
    m.BounceDetail,
    query=m.PageQuery,
)
def bounce_detail(
    principal: Principal, tenant: str, address: str, query: m.PageQuery
) -> m.BounceDetail:
    authorise_read(wiring.tenants(), principal, tenant)
    return wiring.report_service().detail(tenant, address, query, raw_keys=principal.is_staff)


@route(
    _BOUNCES + "/{address}/reactivate",
    "POST",
    "mark as good (admin or staff): the address leaves the suppressed state",
    m.BounceDetail,
)
def reactivate_address(principal: Principal, tenant: str, address: str) -> m.BounceDetail:
    authorise_admin(wiring.tenants(), principal, tenant)
    result = wiring.report_service().reactivate(tenant, address, principal.actor)
    # No address in logs (kept 90 days, beyond `forget`): the audit trail names it.
    logger.info("reactivated", extra={"tenant": tenant, "actor": principal.actor})
    return result


@route(
    "/v1/tenants/{tenant}/stats",
    "GET",
    "totals, per domain/source/reason, 90 days, signs of being blocked",
    m.Stats,
    errors=(401, 403, 404),
)
def tenant_stats(principal: Principal, tenant: str) -> m.Stats:
    store = wiring.tenants()
    authorise_read(store, principal, tenant)
    settings = store.get_tenant(tenant)
    assert settings is not None  # authorise_read refuses unknown tenants
    return wiring.report_service().stats(tenant, settings)


@route(
    "/v1/tenants/{tenant}/suppressions/{address}",
    "GET",
    "must the sending system skip this address, and why",
    m.Suppression,
)
def suppression(principal: Principal, tenant: str, address: str) -> m.Suppression:
    authorise_read(wiring.tenants(), principal, tenant)
    return wiring.report_service().suppression(tenant, address)


@route(
    "/v1/tenants/{tenant}/suppressions/check",
    "POST",
    "check up to 1,000 addresses at once",
    m.SuppressionCheck,
    body=m.AddressList,
)
def check_suppressions(
    principal: Principal, tenant: str, body: m.AddressList
) -> m.SuppressionCheck:
    authorise_read(wiring.tenants(), principal, tenant)
    return wiring.report_service().check(tenant, body)


_SETTINGS = "/v1/tenants/{tenant}/settings"


@route(_SETTINGS, "GET", "the tenant's settings", m.TenantSettings, errors=(401, 403, 404))
def get_tenant_settings(principal: Principal, tenant: str) -> m.TenantSettings:
    store = wiring.tenants()
    authorise_read(store, principal, tenant)
    settings = store.get_tenant(tenant)
    assert settings is not None  # authorise_read refuses unknown tenants
    return settings_json(settings)


@route(
    _SETTINGS,
    "PATCH",
    "change settings (admin or staff; legacy attribution: staff; contact count: staff or the "
    "sending system's key, audited)",
    m.TenantSettings,
    body=m.TenantSettingsPatch,
)
def patch_tenant_settings(
    principal: Principal, tenant: str, body: m.TenantSettingsPatch
) -> m.TenantSettings:
    store = wiring.tenants()
    authorise_settings_change(store, principal, tenant)
    audit = wiring.settings_audit(tenant)
    return settings_json(update_settings(store, principal, tenant, body, audit))


@app.route("/v1/openapi.json", methods=["GET"])
def openapi() -> Response:
    return Response(body=encode(_document()).decode(), status_code=200, headers=_JSON)


@functools.cache
def _document() -> dict[str, Any]:
    page = Operation("/", "GET", "the report page", None, authenticated=False, errors=())
    document = Operation("/v1/openapi.json", "GET", "this document", dict[str, Any], errors=())
    document = replace(document, authenticated=False)
    asset = Operation("/assets/{name}", "GET", "the page's scripts and styles", None, errors=(404,))
    asset = replace(asset, authenticated=False)
    return openapi_document([*OPERATIONS, page, document, asset])


@app.route("/", methods=["GET"])
def web_page() -> Response:
    return _asset(web.PAGE)


@app.route("/assets/{name}", methods=["GET"])
def web_asset(name: str) -> Response:
    return _asset(name)


def _asset(name: str) -> Response:
    found = web.asset(name)
    if found is None:
        return _error(NotFound(f"no asset {name!r}; the page is served at /"))
    body, content_type = found
    headers = {
        "Content-Type": content_type,
        "Cache-Control": "no-cache",
        **web.security_headers(settings().sign_in.endpoint),
    }
    return Response(body=body.decode("utf-8"), status_code=200, headers=headers)


@route(
    "/v1/tenants/{tenant}/rechecks",
    "POST",
    "re-check up to 1,000 addresses by DNS (syntax, domain, MX or null MX, disposable, role, "
    "likely typo); never by probing a mail server",
    m.RecheckList,
    body=m.RecheckBody,
)
def recheck(principal: Principal, tenant: str, body: m.RecheckBody) -> m.RecheckList:
    authorise_read(wiring.tenants(), principal, tenant)
    report = wiring.recheck_service().check(body.addresses)
    verdicts: dict[str, int] = {}
    for result in report.results:
        verdicts[result.verdict.value] = verdicts.get(result.verdict.value, 0) + 1
    wiring.audit_trail().record(
        tenant,
        "rechecked",
        principal.actor,
        {"addresses": len(body.addresses), "verdicts": verdicts},
    )
    return convert(report.as_json(), m.RecheckList)


@route(
    "/v1/quarantine",
    "GET",
    "bounces whose return-path tag was missing, expired or forged (staff)",
    m.InboundList,
    query=m.PageQuery,
    errors=(400, 401, 403),
)
def list_quarantine(principal: Principal, query: m.PageQuery) -> m.InboundList:
    authorise_staff(principal)
    return wiring.report_service().inbound("quarantined", query)


@route(
    "/v1/unparsed",
    "GET",
    "messages the parser could not read (staff)",
    m.InboundList,
    query=m.PageQuery,
    errors=(400, 401, 403),
)
def list_unparsed(principal: Principal, query: m.PageQuery) -> m.InboundList:
    authorise_staff(principal)
    return wiring.report_service().inbound("unparsed", query)


# -- staff views (issue 10) ----------------------------------------------------------------


@route(
    "/v1/tenants-overview",
    "GET",
    "every tenant at a glance: addresses bounced, invalid share, blocking, last bounce (staff)",
    m.TenantOverview,
    errors=(401, 403),
)
def tenants_overview(principal: Principal) -> m.TenantOverview:
    authorise_staff(principal)
    return wiring.report_service().overview(wiring.tenants())


@route(
    "/v1/inbound-raw",
    "GET",
    "the raw stored message of a bounce, as plain text (staff); never rendered as HTML; "
    "413 over 5 MiB",
    None,
    query=m.RawQuery,
    errors=(400, 401, 403, 404, 413),
)
def inbound_raw(principal: Principal, query: m.RawQuery) -> Response:
    authorise_staff(principal)
    raw = wiring.inbound_reader().read_raw(query.key)
    name = query.key.rsplit("/", 1)[-1]
    disposition = "attachment" if query.download else "inline"
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": f'{disposition}; filename="{name}.eml"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    return Response(body=raw.decode("utf-8", "replace"), status_code=200, headers=headers)


@route(
    "/v1/keys",
    "GET",
    "machine API keys: label, role, created by, last used (staff)",
    m.MachineKeyList,
    errors=(401, 403),
)
def list_keys(principal: Principal) -> m.MachineKeyList:
    authorise_staff(principal)
    return keys_json(wiring.tenants())


@route(
    "/v1/keys/{scope}/{key_id}/revoke",
    "POST",
    "revoke a machine key (staff); the record stays for the audit trail",
    m.MachineKeyList,
    errors=(401, 403, 404),
)
def revoke_key(principal: Principal, scope: str, key_id: str) -> m.MachineKeyList:
    authorise_staff(principal)
    store = wiring.tenants()
    if not store.revoke_key(scope, key_id):
        raise NotFound(f"no key {key_id!r} in {scope!r}")
    logger.info("key revoked", extra={"scope": scope, "key": key_id, "actor": principal.actor})
    return keys_json(store)


@route(
    "/v1/tenants/{tenant}/forget",
    "POST",
    "erase one person's data everywhere Rebound holds it for this tenant (staff): counters, "
    "history, suppression, complaints, re-checks, raw mail, exports, mass-delete archives; "
    "audited with a one-way hash of the address",
    m.ForgetOutcome,
    body=m.ForgetBody,
    errors=(400, 401, 403, 404, 409),
)
def forget_address(principal: Principal, tenant: str, body: m.ForgetBody) -> m.ForgetOutcome:
    authorise_staff(principal)
    outcome = wiring.forget_service().forget(tenant, body.address, principal.actor)
    # The log names the hash, never the address (logs are kept 90 days).
    logger.info(
        "forgotten",
        extra={
            "tenant": tenant,
            "address_sha256": outcome.address_sha256,
            "actor": principal.actor,
        },
    )
    erased = {str(kind): n for kind, n in outcome.erased.items()}
    return m.ForgetOutcome(
        tenant=tenant,
        address_sha256=outcome.address_sha256,
        erased=convert(erased, m.ErasedCounts),
    )


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
    # A processor per invocation: it holds the batch's state, and the local stack, the storm
    # tests and the ingest benchmark run invocations concurrently in one process.
    # Imported here: only the ingest function pays for the batch utilities (cold start).
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=_ingest_record, processor=processor, context=context
    )


@app.lambda_function(name="aggregate")
@metrics.log_metrics
def aggregate(event: dict[str, Any], context: Any) -> dict[str, int]:
    """DynamoDB stream (new history items) -> the tenant's derived figures, each bounce once.
    An error fails the batch and the event-source mapping delivers it again (idempotent)."""
    applied = wiring.aggregator().apply(event.get("Records", []))
    metrics.add_metric(MetricName.BOUNCES_AGGREGATED, "Count", applied)
    return {"applied": applied}


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
_JOB_ERRORS = (400, 401, 403, 404, 409, 503)


@route(
    _MASS_DELETES,
    "POST",
    "plan a Bounce List Mass Delete (admin or staff); a dry run stops there",
    m.MassDeleteJob,
    body=m.MassDeleteBody,
    status=202,
    errors=_JOB_ERRORS,
)
def create_mass_delete(
    principal: Principal, tenant: str, body: m.MassDeleteBody
) -> m.MassDeleteJob:
    return wiring.mass_delete_service().create(principal, tenant, body)


@route(_MASS_DELETES, "GET", "the tenant's jobs", m.MassDeleteJobList, query=m.PageQuery)
def list_mass_deletes(principal: Principal, tenant: str, query: m.PageQuery) -> m.MassDeleteJobList:
    return wiring.mass_delete_service().list(principal, tenant, query)


@route(_MASS_DELETES + "/audit", "GET", "the audit trail", m.AuditList, query=m.PageQuery)
def mass_delete_audit(principal: Principal, tenant: str, query: m.PageQuery) -> m.AuditList:
    return wiring.mass_delete_service().audit(principal, tenant, query)


@route(
    _MASS_DELETES + "/policy",
    "GET",
    "approval and circuit-breaker policy",
    m.MassDeletePolicy,
    errors=(401, 403, 404),
)
def get_mass_delete_policy(principal: Principal, tenant: str) -> m.MassDeletePolicy:
    return wiring.mass_delete_service().get_policy(principal, tenant)


@route(
    _MASS_DELETES + "/policy",
    "PUT",
    "change the policy (staff)",
    m.MassDeletePolicy,
    body=m.MassDeletePolicyPatch,
)
def put_mass_delete_policy(
    principal: Principal, tenant: str, body: m.MassDeletePolicyPatch
) -> m.MassDeletePolicy:
    return wiring.mass_delete_service().put_policy(principal, tenant, body)


@route(_MASS_DELETES + "/{job}", "GET", "one job: state, progress, timings, who", m.MassDeleteJob)
def get_mass_delete(principal: Principal, tenant: str, job: str) -> m.MassDeleteJob:
    return wiring.mass_delete_service().get(principal, tenant, job)


@route(
    _MASS_DELETES + "/{job}/approve",
    "POST",
    "approve and start (a second person if required)",
    m.MassDeleteJob,
    errors=_JOB_ERRORS,
)
def approve_mass_delete(principal: Principal, tenant: str, job: str) -> m.MassDeleteJob:
    return wiring.mass_delete_service().approve(principal, tenant, job)


@route(
    _MASS_DELETES + "/{job}/rerun",
    "POST",
    "run a failed job again; it finishes without deleting twice",
    m.MassDeleteJob,
    errors=_JOB_ERRORS,
)
def rerun_mass_delete(principal: Principal, tenant: str, job: str) -> m.MassDeleteJob:
    return wiring.mass_delete_service().rerun(principal, tenant, job)


@route(
    _MASS_DELETES + "/{job}/cancel",
    "POST",
    "stop a running job cleanly",
    m.MassDeleteJob,
    errors=_JOB_ERRORS,
)
def cancel_mass_delete(principal: Principal, tenant: str, job: str) -> m.MassDeleteJob:
    return wiring.mass_delete_service().cancel(principal, tenant, job)


@route(
    _MASS_DELETES + "/{job}/undo",
    "POST",
    "restore what the job deleted, from its archive",
    m.MassDeleteUndo,
    errors=_JOB_ERRORS,
)
def undo_mass_delete(principal: Principal, tenant: str, job: str) -> m.MassDeleteUndo:
    return wiring.mass_delete_service().undo(principal, tenant, job)


@app.lambda_function(name="mass_delete_worker")
def mass_delete_worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The mass-delete state machine's two tasks: "chunk" deletes one plan chunk (until done,
    cancelled or nearly out of time: the machine runs it again for the rest), "finish" sums the
    chunks' results into the job's outcome after the Distributed Map."""
    from chalicelib.massdelete.worker import finish
    from chalicelib.timefmt import iso

    if event.get("op") == "finish":
        now = iso(datetime.now(UTC))
        store = wiring.chunk_store()
        done = finish(wiring.audit_trail(), store, event["tenant"], event["job"], now)
        logger.info("mass_delete_finished", extra={"job": event["job"], **done.to_json()})
        return done.to_json()
    seconds_left = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    return wiring.mass_delete_worker().run(event["chunk"], seconds_left).to_json()


# -- notifications -------------------------------------------------------------------------
_NOTIFICATIONS = "/v1/tenants/{tenant}/notification-settings"


@route(
    _NOTIFICATIONS,
    "GET",
    "digest schedule, recipients, alert levels",
    m.NotificationSettings,
    errors=(401, 403, 404),
)
def get_notification_settings(principal: Principal, tenant: str) -> m.NotificationSettings:
    authorise_admin(wiring.tenants(), principal, tenant)
    return notify_settings_json(wiring.digest_service().settings_for(tenant))


@route(
    _NOTIFICATIONS,
    "PUT",
    "change notification settings (admin or staff)",
    m.NotificationSettings,
    body=m.NotificationSettingsPut,
)
def put_notification_settings(
    principal: Principal, tenant: str, body: m.NotificationSettingsPut
) -> m.NotificationSettings:
    authorise_admin(wiring.tenants(), principal, tenant)
    current = wiring.digest_service().settings_for(tenant)
    updated = apply_notify_settings(current, body, wiring.mail_policy().inbound_domain)
    wiring.notify_repository().put_notification_settings(updated)
    return notify_settings_json(updated)


@route(
    "/v1/tenants/{tenant}/sends/{send_id}",
    "PUT",
    "the MMS reports a send's size (recipients, per domain): the denominator of its rates",
    m.Send,
    body=m.SendPut,
    errors=(400, 401, 403, 404, 503),
)
def put_send(principal: Principal, tenant: str, send_id: str, body: m.SendPut) -> m.Send:
    authorise_send_report(wiring.tenants(), principal, tenant)
    source, recipients, per_domain = parse_send_volume(send_id, body)
    stored = wiring.notify_repository().put_send_volume(
        tenant,
        send_id,
        source=source,
        recipients=recipients,
        per_domain=per_domain,
        now=datetime.now(UTC),
    )
    return send_json(stored)


@app.lambda_function(name="recheck_nightly")
def recheck_nightly(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fired hourly through the night by EventBridge Scheduler: re-check by DNS every suppressed
    address, and every address marked good longer ago than the tenant's setting. One run per
    night (run id: the UTC date), bounded by the invocation's time and resumed by the next."""
    from chalicelib.recheck.nightly import ContextDeadline, SecondsDeadline

    run_id = datetime.now(UTC).date().isoformat()
    timed = hasattr(context, "get_remaining_time_in_millis")  # Lambda's; tools pass none
    deadline = ContextDeadline(context) if timed else SecondsDeadline(600)
    tenants = wiring.tenants()
    outcome: dict[str, Any] = {"run_id": run_id, "tenants": {}}
    for tenant in tenants.list_tenants():
        settings = tenants.get_tenant(tenant)
        days = settings.regood_after_days if settings else 90
        result = wiring.nightly_recheck(days).run(tenant, run_id, datetime.now(UTC), deadline)
        outcome["tenants"][tenant] = {
            "status": str(result.status),
            "checked": result.checkpoint.checked,
            "changed": result.checkpoint.changed,
        }
        if str(result.status) == "paused":
            break  # out of time: the next invocation goes on from the checkpoints
    logger.info("recheck_nightly", extra=outcome)
    return outcome


@app.lambda_function(name="alerts_check")
def alerts_check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fired by EventBridge Scheduler: alert when dead-letter queues or unparsed mail grew."""
    outcome = wiring.alerts_check().run()
    logger.info("alerts_check", extra=outcome)
    return outcome
