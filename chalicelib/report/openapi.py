"""The OpenAPI 3 document served at GET /v1/openapi.json: every route of app.py with its
parameters and response shapes. A test checks that each route is described and that real
responses validate against these schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.bounces import AddressState
from chalicelib.classification.reasons import Category, Reason
from chalicelib.report.filters import FILTER_PARAMS
from chalicelib.report.service import MAX_LIMIT, Sort
from chalicelib.tenancy.ids import Source

_STR: dict[str, Any] = {"type": "string"}
_INT: dict[str, Any] = {"type": "integer"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_NSTR: dict[str, Any] = {"type": ["string", "null"]}


def _obj(props: dict[str, Any], required: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = sorted(props)
    return schema


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str) -> dict[str, Any]:
    return _obj({"items": {"type": "array", "items": _ref(item)}, "next_cursor": _NSTR})


_BOUNCE = _obj(
    {
        "address": _STR,
        "count": _INT,
        "first_bounce_at": _STR,
        "last_bounce_at": _STR,
        "status": _STR,
        "reply_code": _STR,
        "reason": {"type": "string", "enum": [r.value for r in Reason]},
        "category": {"type": "string", "enum": [c.value for c in Category]},
        "hard": _BOOL,
        "blacklisted": _BOOL,
        "diagnostic": _STR,
        "explanation": _STR,
        "remote_mta": _STR,
        "source": _STR,
        "send_id": _STR,
        "state": {"type": "string", "enum": [s.value for s in AddressState]},
        "summary": _STR,
        "recent_count": _INT,
    }
)
_SUPPRESSION_INFO = _obj({"reason": _STR, "since": _STR, "actor": _STR, "job_id": _STR})
_HISTORY = _obj(
    {
        "bounce_at": _STR,
        "received_at": _STR,
        "source": _STR,
        "send_id": _STR,
        "status": _STR,
        "reply_code": _STR,
        "reason": _STR,
        "category": _STR,
        "hard": _BOOL,
        "blacklisted": _BOOL,
        "diagnostic": _STR,
        "remote_mta": _STR,
        "message_id": _STR,
    }
)
_DETAIL = {
    "allOf": [
        _ref("Bounce"),
        _obj(
            {
                "suppression": {"oneOf": [_ref("SuppressionInfo"), {"type": "null"}]},
                "history": _page("HistoryEntry"),
            }
        ),
    ]
}
_INBOUND = _obj(
    {
        "message_id": _STR,
        "s3_key": _STR,
        "received_at": _STR,
        "disposition": _STR,
        "kind": _STR,
        "tenant": _NSTR,
        "problem": _STR,
        "subject": _STR,
        "from": _STR,
        "recipients": {"type": "array", "items": _STR},
        "mta": _STR,
        "defects": {"type": "array", "items": _STR},
    }
)
_SUPPRESSION = {
    "type": "object",
    "required": ["address", "suppressed"],
    "properties": {"address": _STR, "suppressed": _BOOL, **_SUPPRESSION_INFO["properties"]},
}
_COUNTS = {"type": "integer", "minimum": 0}
_STATS = _obj(
    {
        "totals": _obj(
            dict.fromkeys(
                (
                    "addresses",
                    "hard",
                    "soft",
                    "block",
                    "spam_content",
                    "mailbox_full",
                    "suppressed",
                    "blacklisted",
                ),
                _COUNTS,
            )
        ),
        "contact_count": {"type": ["integer", "null"]},
        "invalid_share": {"type": ["number", "null"]},
        "per_domain": {
            "type": "array",
            "items": _obj(
                {
                    "domain": _STR,
                    "bounces": _INT,
                    "hard": _INT,
                    "blocks": _INT,
                    "rate": {"type": ["number", "null"]},
                }
            ),
        },
        "per_source": {"type": "array", "items": _obj({"source": _STR, "bounces": _INT})},
        "per_reason": {
            "type": "array",
            "items": _obj({"reason": _STR, "bounces": _INT, "explanation": _STR}),
        },
        "daily": {
            "type": "array",
            "items": _obj(
                {
                    k: _STR if k == "date" else _INT
                    for k in (
                        "date",
                        "bounces",
                        "hard",
                        "soft",
                        "block",
                        "spam_content",
                        "mailbox_full",
                    )
                }
            ),
        },
        "blocking": _obj(
            {
                "suspected": _BOOL,
                "hosts": {
                    "type": "array",
                    "items": _obj({"domain": _STR, "blocks": _INT, "blacklisted": _INT}),
                },
            }
        ),
    }
)
_SCHEMAS: dict[str, Any] = {
    "Error": _obj({"Code": _STR, "Message": _STR}),
    "Bounce": _BOUNCE,
    "BounceList": _page("Bounce"),
    "BounceDetail": _DETAIL,
    "HistoryEntry": _HISTORY,
    "SuppressionInfo": _SUPPRESSION_INFO,
    "Suppression": _SUPPRESSION,
    "SuppressionCheck": _obj({"results": {"type": "array", "items": _ref("Suppression")}}),
    "ExportLink": _obj({"download_url": _STR, "rows": _INT, "expires_at": _STR}),
    "Stats": _STATS,
    "Me": _obj(
        {
            "scope": _STR,
            "role": {"type": "string", "enum": ["viewer", "admin", "staff"]},
            "tenants": {"type": "array", "items": _STR},
        }
    ),
    "InboundList": _page("Inbound"),
    "MassDeleteJob": {
        "type": "object",
        "required": ["id", "tenant", "state", "selected", "progress", "requested_by"],
        "properties": {
            "id": _STR,
            "tenant": _STR,
            "state": {
                "type": "string",
                "enum": [
                    "planned",
                    "approved",
                    "running",
                    "succeeded",
                    "failed",
                    "cancelled",
                    "undone",
                ],
            },
            "dry_run": _BOOL,
            "remove_emails": _BOOL,
            "selected": _obj({"addresses": _INT, "records": _INT}),
            "sample": {"type": "array", "items": _STR},
            "progress": {"type": "object"},
            "requested_by": _STR,
            "approved_by": _NSTR,
            "timings": {"type": "object"},
        },
    },
    "MassDeleteJobList": _page("MassDeleteJob"),
    "AuditEntry": {
        "type": "object",
        "required": ["at", "action", "actor"],
        "properties": {"at": _STR, "job": _STR, "action": _STR, "actor": _STR},
    },
    "AuditList": _page("AuditEntry"),
    "MassDeletePolicy": {
        "type": "object",
        "properties": {
            "require_second_person": _BOOL,
            "max_share": {"type": "number"},
            "contacts": _INT,
            "max_addresses": _INT,
        },
    },
    "NotificationSettings": {
        "type": "object",
        "required": ["tenant", "cadence", "hour", "timezone", "recipients"],
        "properties": {
            "tenant": _STR,
            "cadence": {"type": "string", "enum": ["off", "daily", "weekly"]},
            "hour": _INT,
            "weekday": {"type": ["integer", "null"]},
            "timezone": _STR,
            "recipients": {"type": "array", "items": _STR},
            "send_empty": _BOOL,
            "alert_levels": {"type": "object"},
        },
    },
    "Send": {
        "type": "object",
        "required": ["tenant", "send_id", "recipients"],
        "properties": {
            "tenant": _STR,
            "send_id": _STR,
            "source": _STR,
            "recipients": _INT,
            "per_domain": {"type": "object", "additionalProperties": _INT},
            "bounces": _INT,
            "hard_bounces": _INT,
            "hard_bounce_rate": {"type": ["number", "null"]},
        },
    },
    "TenantSettings": _obj(
        {
            "tenant": _STR,
            "name": _STR,
            "contact_count": {"type": ["integer", "null"]},
            "accept_legacy_untagged": _BOOL,
            "suppression_policy": _obj(
                {"hard_bounces": _INT, "soft_bounces": _INT, "soft_days": _INT}
            ),
        }
    ),
    "Inbound": _INBOUND,
}

_TENANT = {"name": "tenant", "in": "path", "required": True, "schema": _STR}
_ADDRESS = {
    "name": "address",
    "in": "path",
    "required": True,
    "schema": _STR,
    "description": "the email address, URL-encoded",
}
_PAGING = [
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100},
    },
    {"name": "cursor", "in": "query", "schema": _STR},
]
_FILTER_DOCS = {
    "category": f"comma-separated: {', '.join(c.value for c in Category)}",
    "reason": "comma-separated reasons (see Bounce.reason)",
    "hard": "true or false",
    "source": f"comma-separated: {', '.join(s.value for s in Source)}",
    "domain": "recipient domain, exact",
    "q": "address substring",
    "first_from": "YYYY-MM-DD",
    "first_to": "YYYY-MM-DD",
    "last_from": "YYYY-MM-DD",
    "last_to": "YYYY-MM-DD",
    "min_count": "minimum bounce count",
    "state": f"comma-separated: {', '.join(s.value for s in AddressState)}",
    "send_id": "the send of the address's latest bounce",
}
_LISTING = [
    *(
        {"name": name, "in": "query", "schema": _STR, "description": _FILTER_DOCS[name]}
        for name in sorted(FILTER_PARAMS)
    ),
    {"name": "sort", "in": "query", "schema": {"type": "string", "enum": [s.value for s in Sort]}},
    {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
    {"name": "rising_days", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    *_PAGING,
]


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "bad request", 401: "no or bad key", 403: "not allowed", 404: "not found"}
    return {str(c): _json("Error", text[c]) for c in codes}


def _op(summary: str, ok: dict[str, Any], params: list[Any], *codes: int) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": params,
        "responses": {"200": ok, **_errors(*codes)},
        "security": [{"bearer": []}],
    }


def _body_object() -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}


def _mass_delete_paths() -> dict[str, Any]:
    base = "/v1/tenants/{tenant}/mass-deletes"
    job = {"name": "job", "in": "path", "required": True, "schema": _STR}
    codes = (400, 401, 403, 404)

    def action(summary: str) -> dict[str, Any]:
        return {"post": _op(summary, _json("MassDeleteJob"), [_TENANT, job], *codes)}

    create = _op("plan a Bounce List Mass Delete (admin or staff)", {}, [_TENANT], *codes)
    create["responses"] = {
        "202": _json("MassDeleteJob", "the planned job (a dry run stops there)"),
        **{k: v for k, v in create["responses"].items() if k != "200"},
    }
    return {
        base: {
            "post": {**create, "requestBody": _body_object()},
            "get": _op(
                "the tenant's jobs", _json("MassDeleteJobList"), [_TENANT, *_PAGING], *codes
            ),
        },
        f"{base}/audit": {
            "get": _op("the audit trail", _json("AuditList"), [_TENANT, *_PAGING], *codes)
        },
        f"{base}/policy": {
            "get": _op(
                "approval and circuit-breaker policy", _json("MassDeletePolicy"), [_TENANT], *codes
            ),
            "put": {
                **_op("change the policy (staff)", _json("MassDeletePolicy"), [_TENANT], *codes),
                "requestBody": _body_object(),
            },
        },
        f"{base}/{{job}}": {
            "get": _op(
                "one job: state, progress, timings, who",
                _json("MassDeleteJob"),
                [_TENANT, job],
                *codes,
            )
        },
        f"{base}/{{job}}/approve": action("approve and start (a second person if required)"),
        f"{base}/{{job}}/rerun": action("run a failed job again; finishes without deleting twice"),
        f"{base}/{{job}}/cancel": action("stop a running job cleanly"),
        f"{base}/{{job}}/undo": action("restore what the job deleted from its archive"),
    }


@cache
def openapi_document() -> dict[str, Any]:
    csv_ok: dict[str, Any] = {
        "description": "the CSV itself, or a link when the export is large",
        "content": {
            "text/csv": {"schema": _STR},
            "application/json": {"schema": _ref("ExportLink")},
        },
    }
    listing_ok: dict[str, Any] = dict(csv_ok)
    listing_ok["content"] = {
        **csv_ok["content"],
        "application/json": {"schema": _ref("BounceList")},
    }
    listing_ok["description"] = "a page of bounced addresses (CSV with Accept: text/csv)"
    paths: dict[str, Any] = {
        "/v1/health": {
            "get": {
                "summary": "liveness",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"application/json": {"schema": _obj({"status": _STR})}},
                    }
                },
            }
        },
        "/v1/me": {"get": _op("who the key belongs to", _json("Me"), [], 401)},
        "/v1/tenants/{tenant}/bounces": {
            "get": _op(
                "the Bounced Email report", listing_ok, [_TENANT, *_LISTING], 400, 401, 403, 404
            )
        },
        "/v1/tenants/{tenant}/bounces.csv": {
            "get": _op("CSV export of the report", csv_ok, [_TENANT, *_LISTING], 400, 401, 403, 404)
        },
        "/v1/tenants/{tenant}/bounces/{address}": {
            "get": _op(
                "one address: counters, suppression, history newest first",
                _json("BounceDetail"),
                [_TENANT, _ADDRESS, *_PAGING],
                400,
                401,
                403,
                404,
            )
        },
        "/v1/tenants/{tenant}/bounces/{address}/reactivate": {
            "post": _op(
                "mark as good (admin or staff)",
                _json("BounceDetail"),
                [_TENANT, _ADDRESS],
                400,
                401,
                403,
                404,
            )
        },
        "/v1/tenants/{tenant}/stats": {
            "get": _op(
                "totals, per domain/source/reason, 90 days",
                _json("Stats"),
                [_TENANT],
                401,
                403,
                404,
            )
        },
        "/v1/tenants/{tenant}/suppressions/{address}": {
            "get": _op(
                "must the sending system skip this address?",
                _json("Suppression"),
                [_TENANT, _ADDRESS],
                400,
                401,
                403,
                404,
            )
        },
        "/v1/tenants/{tenant}/suppressions/check": {
            "post": {
                **_op(
                    "check up to 1,000 addresses",
                    _json("SuppressionCheck"),
                    [_TENANT],
                    400,
                    401,
                    403,
                    404,
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": _obj(
                                {"addresses": {"type": "array", "items": _STR, "maxItems": 1000}}
                            )
                        }
                    },
                },
            }
        },
        "/v1/tenants/{tenant}/settings": {
            "get": _op("the tenant's settings", _json("TenantSettings"), [_TENANT], 401, 403, 404),
            "patch": {
                **_op(
                    "change settings (admin or staff; legacy attribution: staff only)",
                    _json("TenantSettings"),
                    [_TENANT],
                    400,
                    401,
                    403,
                    404,
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
            },
        },
        **_mass_delete_paths(),
        "/v1/tenants/{tenant}/notification-settings": {
            "get": _op(
                "digest schedule, recipients, alert levels",
                _json("NotificationSettings"),
                [_TENANT],
                401,
                403,
                404,
            ),
            "put": {
                **_op(
                    "change notification settings (admin or staff)",
                    _json("NotificationSettings"),
                    [_TENANT],
                    400,
                    401,
                    403,
                    404,
                ),
                "requestBody": _body_object(),
            },
        },
        "/v1/tenants/{tenant}/sends/{send_id}": {
            "put": {
                **_op(
                    "the MMS reports a send's size (recipients, per domain) for bounce rates",
                    _json("Send"),
                    [_TENANT, {"name": "send_id", "in": "path", "required": True, "schema": _STR}],
                    400,
                    401,
                    403,
                    404,
                ),
                "requestBody": _body_object(),
            }
        },
        "/v1/quarantine": {
            "get": _op("unverified bounces (staff)", _json("InboundList"), _PAGING, 400, 401, 403)
        },
        "/v1/unparsed": {
            "get": _op("unreadable messages (staff)", _json("InboundList"), _PAGING, 400, 401, 403)
        },
        "/v1/openapi.json": {
            "get": {"summary": "this document", "responses": {"200": {"description": "OK"}}}
        },
        "/": {"get": {"summary": "the report page", "responses": {"200": {"description": "HTML"}}}},
        "/assets/{name}": {
            "get": {
                "summary": "the page's scripts and styles",
                "parameters": [{"name": "name", "in": "path", "required": True, "schema": _STR}],
                "responses": {"200": {"description": "OK"}, "404": {"description": "not found"}},
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rebound", "version": "1", "description": "The Bounced Email report API"},
        "paths": paths,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
