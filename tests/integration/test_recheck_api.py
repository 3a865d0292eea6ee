"""POST /v1/tenants/{tenant}/rechecks through the API on the local AWS stack, asking our own DNS
stub (rebound.dnsstub): the contract, each verdict, the audit line naming who asked, access."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.config import Env, settings
from rebound.dnsstub import DnsStub
from tests.integration.helpers import auth, setup_tenant

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[DnsStub]:
    server = DnsStub.start()
    monkeypatch.setenv(Env.DNS_SERVER, f"127.0.0.1:{server.port}")
    settings.cache_clear()
    wiring.recheck_service.cache_clear()
    yield server
    server.stop()
    monkeypatch.delenv(Env.DNS_SERVER)
    settings.cache_clear()
    wiring.recheck_service.cache_clear()


def test_each_verdict_and_who_asked(stub: DnsStub) -> None:
    keys = setup_tenant("riverside")
    setup_tenant("hillside")
    asked = [
        "ann@example.net",
        "nobody@nomail.example.org",
        "zed@no-such-domain.example.com",
        "info@example.org",
        "ann@gmial.com",
        "not an address",
    ]
    with Client(chalice_app.app) as client:
        response = client.http.post(
            "/v1/tenants/riverside/rechecks",
            headers={**auth(keys["viewer"]), "Content-Type": "application/json"},
            body=json.dumps({"addresses": asked}),
        )
        assert response.status_code == 200, response.body
        results = json.loads(response.body)["results"]
        trail = client.http.get(
            "/v1/tenants/riverside/mass-deletes/audit", headers=auth(keys["admin"])
        )
        other = client.http.post(
            "/v1/tenants/hillside/rechecks",
            headers={**auth(keys["viewer"]), "Content-Type": "application/json"},
            body=json.dumps({"addresses": ["ann@example.net"]}),
        )
    verdicts = {r["address"]: r["verdict"] for r in results}
    assert verdicts == {
        "ann@example.net": "valid",
        "nobody@nomail.example.org": "invalid",
        "zed@no-such-domain.example.com": "invalid",
        "info@example.org": "risky",
        "ann@gmial.com": "risky",
        "not an address": "invalid",
    }
    by_address = {r["address"]: r for r in results}
    assert by_address["ann@gmial.com"]["suggestion"] == "ann@gmail.com"
    assert by_address["nobody@nomail.example.org"]["checks"]["dns"] == "null_mx"
    assert all(r["explanation"] for r in results)
    (line,) = [e for e in json.loads(trail.body)["items"] if e["action"] == "rechecked"]
    assert line["actor"].startswith("riverside (key ")
    assert line["addresses"] == 6
    assert other.status_code == 403
