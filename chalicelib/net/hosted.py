"""HostedVerifier over a generic HTTP JSON API (off unless configured; see docs/recheck.md).

Hosted verification services probe mail servers from their own network, which Rebound must
never do from ours. Their APIs differ; this adapter speaks one plain shape that most can be
mapped to by a thin proxy, and that the tests serve from a fake:

    POST <url>   Authorization: Bearer <key>   Content-Type: application/json
    {"addresses": ["ann@example.com", ...]}                       (at most `batch_size`)
    200 {"results": [{"address": "ann@example.com",
                      "status": "deliverable" | "undeliverable" | "risky" | "unknown",
                      "reason": "optional words"}, ...]}

Any other status word is "unknown"; an address missing from the answer is not verified. A
network error, a non-200 status, or a body that is not this shape raises HostedVerifierError
(the re-check then goes on on DNS alone). Only https, except to a loopback host (tests).
Standard library only (urllib), so nothing is added to the Lambda bundle.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.recheck.model import HostedAnswer, HostedStatus
from chalicelib.recheck.ports import HostedVerifierError

DEFAULT_BATCH = 100
DEFAULT_TIMEOUT = 10.0
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_BODY = 5 * 1024 * 1024


class HttpJsonVerifier:
    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        batch_size: int = DEFAULT_BATCH,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ValueError("the hosted verifier's URL must be https (http only to loopback)")
        self._url = url
        self._key = api_key
        self._batch = max(1, batch_size)
        self._timeout = timeout

    def verify(self, addresses: Sequence[str]) -> Mapping[str, HostedAnswer]:
        answers: dict[str, HostedAnswer] = {}
        for start in range(0, len(addresses), self._batch):
            answers.update(self._post(list(addresses[start : start + self._batch])))
        return answers

    def _post(self, addresses: list[str]) -> dict[str, HostedAnswer]:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self._url,
            data=json.dumps({"addresses": addresses}).encode(),
            headers={
                "Authorization": f"Bearer {self._key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                body = response.read(_MAX_BODY + 1)
        except urllib.error.HTTPError as error:
            raise HostedVerifierError(f"the verification service answered {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            raise HostedVerifierError(f"the verification service is unreachable: {error}") from None
        if len(body) > _MAX_BODY:
            raise HostedVerifierError("the verification service's answer is too large")
        return _parse(body, set(addresses))


def _parse(body: bytes, asked: set[str]) -> dict[str, HostedAnswer]:
    try:
        data: Any = json.loads(body)
    except ValueError:
        raise HostedVerifierError("the verification service's answer is not JSON") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise HostedVerifierError("the verification service's answer has no results list")
    answers: dict[str, HostedAnswer] = {}
    for item in results:
        if not isinstance(item, dict) or not isinstance(item.get("address"), str):
            raise HostedVerifierError("a result of the verification service has no address")
        address = item["address"]
        if address not in asked:
            continue  # never let a service answer for what we did not ask
        try:
            status = HostedStatus(str(item.get("status", "")).lower())
        except ValueError:
            status = HostedStatus.UNKNOWN
        reason = item.get("reason")
        answers[address] = HostedAnswer(status, reason[:200] if isinstance(reason, str) else "")
    return answers
