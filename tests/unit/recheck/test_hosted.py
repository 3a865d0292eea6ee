"""The hosted verifier's HTTP JSON adapter against a fake service on 127.0.0.1: the request
it sends, batching, the answers it keeps, and every failure as HostedVerifierError."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.net.hosted import HttpJsonVerifier
from chalicelib.recheck.model import HostedStatus
from chalicelib.recheck.ports import HostedVerifierError


class FakeService:
    """Answers each address by its local part: gone@ undeliverable, maybe@ risky, odd@ a status
    word it does not know, everyone else deliverable. `mode` breaks it on purpose."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], Any]] = []
        self.mode = "ok"

    def answer(self, headers: dict[str, str], body: Any) -> tuple[int, bytes]:
        self.requests.append((headers, body))
        if self.mode == "500":
            return 500, b"{}"
        if self.mode == "not-json":
            return 200, b"<html>"
        if self.mode == "no-results":
            return 200, b'{"data": []}'
        status = {"gone": "undeliverable", "maybe": "risky", "odd": "catch-all"}
        results = [
            {"address": a, "status": status.get(a.split("@")[0], "deliverable"), "reason": "r"}
            for a in body["addresses"]
        ]
        results.append({"address": "stranger@example.org", "status": "undeliverable"})
        return 200, json.dumps({"results": results}).encode()


@pytest.fixture
def fake() -> Iterator[tuple[FakeService, str]]:
    service = FakeService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            code, payload = service.answer(dict(self.headers), body)
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield service, f"http://127.0.0.1:{server.server_address[1]}/verify"
    server.shutdown()
    server.server_close()
    thread.join()


def test_verifies_in_batches_with_the_key_and_keeps_only_what_was_asked(
    fake: tuple[FakeService, str],
) -> None:
    service, url = fake
    verifier = HttpJsonVerifier(url, "secret-key", batch_size=2)
    asked = ["ann@example.com", "gone@example.net", "maybe@example.org", "odd@example.com"]
    answers = verifier.verify(asked)
    assert [body["addresses"] for _, body in service.requests] == [asked[:2], asked[2:]]
    headers = service.requests[0][0]
    assert headers["Authorization"] == "Bearer secret-key"
    assert headers["Content-Type"] == "application/json"
    assert {a: r.status for a, r in answers.items()} == {
        "ann@example.com": HostedStatus.DELIVERABLE,
        "gone@example.net": HostedStatus.UNDELIVERABLE,
        "maybe@example.org": HostedStatus.RISKY,
        "odd@example.com": HostedStatus.UNKNOWN,  # a word we do not know
    }
    assert "stranger@example.org" not in answers
    assert answers["gone@example.net"].reason == "r"


@pytest.mark.parametrize("mode", ["500", "not-json", "no-results"])
def test_a_broken_service_raises_hosted_verifier_error(
    fake: tuple[FakeService, str], mode: str
) -> None:
    service, url = fake
    service.mode = mode
    with pytest.raises(HostedVerifierError):
        HttpJsonVerifier(url, "k").verify(["ann@example.com"])


def test_an_unreachable_service_raises_hosted_verifier_error(
    fake: tuple[FakeService, str],
) -> None:
    _, url = fake
    dead = url.rsplit(":", 1)[0] + ":1/verify"
    with pytest.raises(HostedVerifierError, match="unreachable"):
        HttpJsonVerifier(dead, "k", timeout=1).verify(["ann@example.com"])


def test_only_https_except_to_loopback() -> None:
    with pytest.raises(ValueError, match="https"):
        HttpJsonVerifier("http://verify.example.com/v1", "k")
    HttpJsonVerifier("https://verify.example.com/v1", "k")
