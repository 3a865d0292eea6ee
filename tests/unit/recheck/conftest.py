"""The DNS stub of rebound/dnsstub.py, and a fake hosted verification service, on 127.0.0.1
for the tests that resolve and verify for real."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rebound.dnsstub import Behaviour, DnsStub

from .fakes import FakeVerificationService


@pytest.fixture(scope="module")
def dns_stub() -> Iterator[DnsStub]:
    with DnsStub.start() as stub:
        yield stub


@pytest.fixture
def stub(dns_stub: DnsStub) -> Iterator[DnsStub]:
    """The module's stub, with the hooks a test set removed afterwards."""
    before = dict(dns_stub.zones.behaviours)
    yield dns_stub
    for name in list(dns_stub.zones.behaviours):
        if name not in before:
            dns_stub.simulate(name.to_text(), Behaviour.ANSWER)


@pytest.fixture
def verification_service() -> Iterator[tuple[FakeVerificationService, str]]:
    """A fake hosted verification service on 127.0.0.1 speaking HttpJsonVerifier's shape."""
    service = FakeVerificationService()

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
