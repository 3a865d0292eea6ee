"""One JSON call to a Rebound API, for the CLI commands that talk HTTP only (`rebound
mass-delete`, `rebound forget`): the refusal comes back as ApiError with the API's message."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def call_api(base: str, key: str, method: str, path: str, body: Any = None) -> Any:
    """`method` `base``path` with the bearer key and a JSON body; the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's API
        base.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        with contextlib.suppress(ValueError, AttributeError):  # not JSON: keep the text
            text = json.loads(text).get("Message", text)
        raise ApiError(error.code, text) from None
