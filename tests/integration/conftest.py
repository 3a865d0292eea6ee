"""Every JSON response any integration test receives through chalice.test's HTTP client is
validated against the operation's schema in the generated OpenAPI document: the document is
checked by the whole suite, not by a list of chosen calls."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
from chalice.test import TestHTTPClient


@cache
def _document() -> dict[str, Any]:
    import app as chalice_app

    document: dict[str, Any] = chalice_app._document()
    return document


@cache
def _routes() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in _document()["paths"]:
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template))
        out.append((re.compile(f"^{pattern}$"), template))
    # Literal segments before parameters: /bounces.csv must not be read as /bounces/{address}.
    out.sort(key=lambda item: item[1].count("{"))
    return out


def _operation(method: str, path: str) -> dict[str, Any] | None:
    bare = path.split("?", 1)[0]
    for pattern, template in _routes():
        if pattern.match(bare):
            found: dict[str, Any] | None = _document()["paths"][template].get(method.lower())
            return found
    return None


def check_response(
    method: str, path: str, status: int, headers: dict[str, str], body: bytes
) -> None:
    """Fail when a JSON answer does not match what the document says for its status."""
    operation = _operation(method, path)
    assert operation is not None, f"{method} {path} is not in the OpenAPI document"
    content_type = headers.get("Content-Type", headers.get("content-type", ""))
    if not content_type.startswith("application/json"):
        return
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {path} answered {status}, which is not documented"
    schema = response["content"]["application/json"]["schema"]
    jsonschema.validate(
        json.loads(body),
        {**schema, "components": _document()["components"]},
        cls=jsonschema.Draft202012Validator,
    )


@pytest.fixture(autouse=True)
def responses_match_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    real = TestHTTPClient.request

    def request(self: TestHTTPClient, method: str, path: str, **kwargs: Any) -> Any:
        response = real(self, method, path, **kwargs)
        check_response(method, path, response.status_code, response.headers, response.body)
        return response

    monkeypatch.setattr(TestHTTPClient, "request", request)
