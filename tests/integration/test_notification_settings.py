"""GET/PUT /v1/tenants/{tenant}/notification-settings and PUT .../sends/{send_id} through
chalice.test.Client: admin or staff only, 400s that say what to fix, repeated send reports
never counted twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from tests.integration.helpers import auth, setup_tenant, staff_key

pytestmark = pytest.mark.integration
SETTINGS = "/v1/tenants/riverside/notification-settings"


def put(client: Client, path: str, key: str, body: Any) -> Any:
    headers = {**auth(key), "Content-Type": "application/json"}
    return client.http.put(path, headers=headers, body=json.dumps(body))


def test_settings_default_to_off_and_admins_or_staff_change_them(aws: Any) -> None:
    keys = setup_tenant("riverside")
    setup_tenant("hillside")
    staff = staff_key()
    with Client(chalice_app.app) as client:
        got = client.http.get(SETTINGS, headers=auth(keys["admin"]))
        assert got.status_code == 200
        assert json.loads(got.body)["cadence"] == "off"
        assert client.http.get(SETTINGS, headers=auth(keys["viewer"])).status_code == 403
        other = setup_tenant("elsewhere")["admin"]
        assert client.http.get(SETTINGS, headers=auth(other)).status_code == 403
        body = {"cadence": "weekly", "weekday": "friday", "hour": 16, "recipients": ["a@x.org"]}
        changed = put(client, SETTINGS, staff, body)
        assert changed.status_code == 200, changed.body
        # Fields left out keep their values.
        again = put(client, SETTINGS, keys["admin"], {"timezone": "Europe/Vienna"})
        stored = json.loads(again.body)
        assert (stored["cadence"], stored["hour"], stored["timezone"]) == (
            "weekly",
            16,
            "Europe/Vienna",
        )
        bad = put(client, SETTINGS, keys["admin"], {"timezone": "Europe/Atlantis"})
        assert bad.status_code == 400
        assert "use an IANA time zone name" in json.loads(bad.body)["Message"]
        missing = client.http.get("/v1/tenants/nobody/notification-settings", headers=auth(staff))
        assert missing.status_code == 404


def test_send_sizes_feed_domain_rates_and_a_repeat_is_not_counted_twice(aws: Any) -> None:
    keys = setup_tenant("riverside")
    body = {"source": "broadcast", "recipients": 500, "per_domain": {"example.net": 300}}
    with Client(chalice_app.app) as client:
        first = put(client, "/v1/tenants/riverside/sends/s-1", keys["admin"], body)
        assert first.status_code == 200, first.body
        assert json.loads(first.body)["hard_bounce_rate"] == 0.0
        put(client, "/v1/tenants/riverside/sends/s-1", keys["admin"], body)  # a retry
        corrected = {**body, "per_domain": {"example.net": 250, "example.org": 50}}
        put(client, "/v1/tenants/riverside/sends/s-1", keys["admin"], corrected)
        denied = put(client, "/v1/tenants/riverside/sends/s-1", keys["viewer"], body)
        assert denied.status_code == 403
        bad = put(client, "/v1/tenants/riverside/sends/s-1", keys["admin"], {"recipients": 5})
        assert bad.status_code == 400 and "missing required field 'source'" in bad.body.decode()
    volumes = {
        v.domain: v.recipients for v in wiring.notify_repository().domain_volumes("riverside")
    }
    assert volumes == {"example.net": 250, "example.org": 50}


def test_a_send_with_hundreds_of_domains_is_stored(aws: Any) -> None:
    # Once a 500: every domain was an item of one transaction, and DynamoDB allows 100.
    keys = setup_tenant("riverside")
    per_domain = {f"d{i:03d}.example.net": 2 for i in range(150)}
    body = {"source": "broadcast", "recipients": 300, "per_domain": per_domain}
    with Client(chalice_app.app) as client:
        response = put(client, "/v1/tenants/riverside/sends/s-2", keys["admin"], body)
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["per_domain"] == per_domain
    volumes = wiring.notify_repository().domain_volumes("riverside")
    assert sum(v.recipients for v in volumes) == 300
