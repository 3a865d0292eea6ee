"""Who may run mass deletes: tenant admins and staff; never a viewer, never another tenant.
The circuit breaker and the second-person rule, through the API."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib.config import Settings
from chalicelib.tenancy.access import Role
from rebound.provision import provision_mass_delete
from tests.integration.helpers import people_tokens, seed_counted_bounces, setup_tenant, staff_key
from tests.integration.test_mass_delete_workflow import T0, call, wait_for

pytestmark = pytest.mark.integration
logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
BASE = "/v1/tenants/riverside/mass-deletes"
BODY = {"filter": {"min_count": 1}}


@pytest.fixture
def keys(aws: Any) -> dict[str, str]:
    provision_mass_delete(Settings.from_env())
    riverside, hillside = setup_tenant("riverside"), setup_tenant("hillside")
    seed_counted_bounces("riverside", "ann@example.net", 1, T0)
    seed_counted_bounces("riverside", "bob@example.net", 1, T0)
    return {
        "viewer": riverside["viewer"],
        "admin": riverside["admin"],
        "second_admin": setup_tenant("riverside")["admin"],
        "other_admin": hillside["admin"],
        "staff": staff_key(),
    }


def test_viewer_and_other_tenant_cannot(keys: dict[str, str]) -> None:
    with Client(chalice_app.app) as client:
        _, job = call(client, "post", BASE, keys["admin"], BODY)
        job_path = f"{BASE}/{job['id']}"
        for token in (keys["viewer"], keys["other_admin"]):
            assert call(client, "post", BASE, token, BODY)[0] == 403
            for action in ("approve", "cancel", "undo", "rerun"):
                assert call(client, "post", f"{job_path}/{action}", token)[0] == 403
        # Viewers read their own tenant's jobs and audit; other tenants read nothing.
        assert call(client, "get", job_path, keys["viewer"])[0] == 200
        assert call(client, "get", f"{BASE}/audit", keys["viewer"])[0] == 200
        assert call(client, "get", job_path, keys["other_admin"])[0] == 403
        assert call(client, "get", BASE, keys["other_admin"])[0] == 403
        # No key at all.
        assert client.http.get(job_path).status_code == 401
        # Staff may plan for any tenant.
        status, staff_job = call(client, "post", BASE, keys["staff"], BODY)
        assert status == 202
        assert staff_job["requested_by"].startswith("_staff (key ")


def test_bad_request_and_unknown_tenant(keys: dict[str, str]) -> None:
    with Client(chalice_app.app) as client:
        status, body = call(client, "post", BASE, keys["admin"], {"filter": {"hard": "maybe"}})
        assert status == 400
        assert "filter.hard: expected `bool`, got `str`" in body["Message"]
        nowhere = "/v1/tenants/nowhere/mass-deletes"
        assert call(client, "post", nowhere, keys["staff"], BODY)[0] == 404


def test_circuit_breaker_needs_staff(keys: dict[str, str]) -> None:
    with Client(chalice_app.app) as client:
        status, _ = call(client, "put", f"{BASE}/policy", keys["admin"], {"max_share": 0.5})
        assert status == 403  # only staff set the policy
        status, policy = call(client, "put", f"{BASE}/policy", keys["staff"], {"max_share": 0.25})
        assert status == 200
        assert policy["max_share"] == 0.25
        settings = "/v1/tenants/riverside/settings"
        client.http.patch(
            settings,
            headers={
                "Authorization": f"Bearer {keys['staff']}",
                "Content-Type": "application/json",
            },
            body=json.dumps({"contact_count": 4}),
        )
        _, job = call(client, "post", BASE, keys["admin"], BODY)  # 2 of 4 contacts = 50 %
        assert "staff must approve" in job["staff_approval_required"]
        status, body = call(client, "post", f"{BASE}/{job['id']}/approve", keys["admin"])
        assert status == 403
        assert "circuit breaker" in body["Message"]
        status, _ = call(client, "post", f"{BASE}/{job['id']}/approve", keys["staff"])
        assert status == 200
        assert wait_for(client, "riverside", job["id"], keys["admin"])["state"] == "succeeded"


def test_second_person_rule(keys: dict[str, str]) -> None:
    people = people_tokens(
        {
            "ann": ("ann@example.com", Role.ADMIN, "riverside"),
            "bob": ("bob@example.org", Role.ADMIN, "riverside"),
        }
    )
    with Client(chalice_app.app) as client:
        call(client, "put", f"{BASE}/policy", keys["staff"], {"require_second_person": True})
        _, job = call(client, "post", BASE, people["ann"], BODY)
        assert job["requested_by"] == "ann@example.com"
        status, body = call(client, "post", f"{BASE}/{job['id']}/approve", people["ann"])
        assert status == 403
        assert "second person" in body["Message"]
        # A second key is not a second person (issue 10: it approved its owner's job before).
        status, body = call(client, "post", f"{BASE}/{job['id']}/approve", keys["second_admin"])
        assert status == 403
        assert "machine key cannot be the second person" in body["Message"]
        status, approved = call(client, "post", f"{BASE}/{job['id']}/approve", people["bob"])
        assert status == 200, approved
        assert approved["approved_by"] == "bob@example.org"
        wait_for(client, "riverside", job["id"], keys["admin"])
