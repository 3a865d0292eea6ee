"""No client input gets a 5xx (the cases found by trying the API from outside): wrong types in
every body route, lone surrogates, deep nesting, oversize bodies, tampered cursors, and a write
that stays contended. Each is a 4xx (or a 503 with Retry-After) whose message says what to fix."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import cursors, wiring
from chalicelib.errors import RetryLater
from chalicelib.storage.counters import CounterRepository
from tests.integration.helpers import auth, bounce, put_inbound, setup_tenant, staff_key

pytestmark = pytest.mark.integration
BASE = "/v1/tenants/riverside"
NOW = datetime.now(UTC)


@pytest.fixture
def keys(aws: Any) -> dict[str, str]:
    keys = setup_tenant("riverside")
    setup_tenant("hillside")
    for address in ("ann@example.net", "bob@example.net", "cy@example.net"):
        wiring.ingest_service().ingest(put_inbound(bounce("riverside", address)), NOW)
    return {**keys, "staff": staff_key()}


def send(client: Client, method: str, path: str, key: str, body: bytes) -> tuple[int, Any]:
    headers = {**auth(key), "Content-Type": "application/json"}
    response = getattr(client.http, method)(path, headers=headers, body=body)
    return response.status_code, json.loads(response.body or b"null")


@pytest.mark.parametrize(
    ("method", "path", "body", "words"),
    [
        ("post", "/mass-deletes", {"filter": {"category": [1]}, "dry_run": True}, "category[0]"),
        ("post", "/mass-deletes", {"filter": {"q": None}}, "filter.q: expected `str`"),
        ("put", "/sends/s-1", {"source": ["broadcast"], "recipients": 10}, "source: expected"),
        (
            "put",
            "/sends/s-1",
            {
                "source": "event",
                "recipients": 999,
                "per_domain": {f"d{n}.example.net": 1 for n in range(5001)},
            },
            "per_domain: expected `object` of length <= 5000",
        ),
        ("patch", "/settings", {"name": 7}, "name: expected `str`"),
        ("patch", "/settings", {"suppression_policy": {"soft_days": "3"}}, "soft_days"),
        ("put", "/notification-settings", {"hour": 7.5}, "hour: expected `int`"),
        ("put", "/mass-deletes/policy", {"max_share": "all"}, "max_share"),
        ("put", "/mass-deletes/policy", {"max_share": 4.8e-291}, "max_share: expected `float` >="),
        ("put", "/notification-settings", {"alert_levels": {"warn_rate": 1e-200}}, "warn_rate"),
        ("post", "/suppressions/check", {"addresses": [None]}, "addresses[0]"),
        ("post", "/suppressions/check", [], "Expected `object`, got `array`"),
    ],
)
def test_wrong_types_are_400_with_the_field_named(
    keys: dict[str, str], method: str, path: str, body: Any, words: str
) -> None:
    with Client(chalice_app.app) as client:
        status, answer = send(client, method, BASE + path, keys["staff"], json.dumps(body).encode())
    assert status == 400, answer
    assert words in answer["Message"]


def test_lone_surrogates_deep_nesting_and_oversize_bodies(keys: dict[str, str]) -> None:
    deep = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    huge = json.dumps({"addresses": ["a" * 300] * 4000}).encode()
    with Client(chalice_app.app) as client:
        for body in (b'{"name": "\\ud800"}', b'{"note": "\\udfff"}', deep, b"{", b"\xff"):
            status, answer = send(client, "patch", BASE + "/settings", keys["admin"], body)
            assert status == 400, (body[:30], answer)
        status, answer = send(client, "post", BASE + "/suppressions/check", keys["admin"], huge)
        assert status == 413
        assert "at most" in answer["Message"]


def test_tampered_cursors_are_400_and_never_another_tenants_rows(keys: dict[str, str]) -> None:
    with Client(chalice_app.app) as client:
        page = client.http.get(f"{BASE}/bounces?limit=1", headers=auth(keys["viewer"]))
        cursor = json.loads(page.body)["next_cursor"]
        assert cursor
        body, _, tag = cursor.partition(".")
        inside = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        forged = dict(inside, bounce_count={"N": "abc"})
        raw = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
        # The same key signing another tenant's position: refused as another listing's.
        other = cursors.encode({**inside, "pk": {"S": "T#hillside"}})
        for bad in (f"{raw}.{tag}", "abc", cursor[:-2] + "xx", other, "r.abc"):
            for path in ("/bounces", "/mass-deletes", "/mass-deletes/audit"):
                response = client.http.get(
                    f"{BASE}{path}?cursor={bad}", headers=auth(keys["viewer"])
                )
                assert response.status_code == 400, (path, bad, response.body)
                assert "cursor" in json.loads(response.body)["Message"]


def test_a_write_that_stays_contended_is_503_with_retry_after(
    keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def contended(self: CounterRepository, tenant: str, address: str) -> None:
        raise RetryLater(f"address {address} stayed contended; nothing changed, try again")

    monkeypatch.setattr(CounterRepository, "reactivate", contended)
    with Client(chalice_app.app) as client:
        response = client.http.post(
            f"{BASE}/bounces/ann%40example.net/reactivate", headers=auth(keys["admin"])
        )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "try again" in json.loads(response.body)["Message"]
