"""The OpenAPI 3.1 document, generated: each route of app.py declares its operation (summary,
path parameters, query model, body model, response model) where it is registered, and the JSON
Schemas come from the models in chalicelib.api.models. Nothing here is written by hand twice.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from chalicelib.api import models
from chalicelib.api.codec import _is_list

_REF = "#/components/schemas/{name}"
_ERROR_TEXT = {
    400: "the request is wrong; the message says what to fix",
    401: "no credentials, or credentials that are not valid",
    403: "not allowed for these credentials",
    404: "no such tenant, address or job",
    409: "the resource's state forbids this now",
    413: "the body is too large",
    503: "contended or throttled; nothing changed, send it again after Retry-After seconds",
}


@dataclass(frozen=True, slots=True)
class Operation:
    """One route and method, as the document describes it."""

    path: str
    method: str
    summary: str
    response: type[Any] | None = None  # a models.* type; None for a non-JSON answer
    status: int = 200
    query: type[Any] | None = None
    body: type[Any] | None = None
    errors: tuple[int, ...] = (400, 401, 403, 404)
    authenticated: bool = True
    csv: bool = False  # also answers text/csv
    description: str = ""


def openapi_document(operations: Iterable[Operation]) -> dict[str, Any]:
    ops = sorted(operations, key=lambda o: (o.path, o.method))
    types: list[Any] = [models.Error]
    for op in ops:
        types.extend(t for t in (op.response, op.body, op.query) if t is not None)
    schemas, components = msgspec.json.schema_components(types, ref_template=_REF)
    by_type = dict(zip(types, schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, by_type, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Rebound",
            "version": "1",
            "description": "The Bounced Email report API of the membership-management system",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(
    op: Operation, schema_of: dict[Any, Any], components: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "operationId": _operation_id(op)}
    if op.description:
        out["description"] = op.description
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _path_names(op.path)
    ]
    if op.query is not None:
        parameters.extend(_query_parameters(op.query, components))
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema_of[op.body]}},
        }
    out["responses"] = _responses(op, schema_of)
    if op.authenticated:
        out["security"] = [{"bearer": []}]
    return out


def _responses(op: Operation, schema_of: dict[Any, Any]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = {"application/json": {"schema": schema_of[op.response]}}
        if op.csv:
            ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    else:
        ok["content"] = {"text/html": {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): ok}
    error = {"application/json": {"schema": schema_of[models.Error]}}
    codes = set(op.errors) | ({401} if op.authenticated else set())
    if op.body is not None:
        codes |= {400, 413}
    if op.method != "GET":
        codes |= {503}  # a write that stays contended or throttled: nothing changed, retry
    for code in sorted(codes):
        responses[str(code)] = {"description": _ERROR_TEXT[code], "content": error}
    return responses


def _query_parameters(model: type[Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    properties = components[model.__name__]["properties"]
    hints = typing.get_type_hints(model, include_extras=True)
    out = []
    for f in msgspec.structs.fields(model):
        prop = properties[f.encode_name]
        param: dict[str, Any] = {"name": f.encode_name, "in": "query", "schema": prop}
        if _is_list(hints[f.name]):
            # category=hard,soft: one parameter, its values comma-separated
            param.update(style="form", explode=False)
        out.append(param)
    return out


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def _operation_id(op: Operation) -> str:
    words = [p.strip("{}").replace("-", "_").replace(".", "_") for p in op.path.split("/") if p]
    return "_".join([op.method.lower(), *words]) or op.method.lower()
