"""The route × principal table: every route of app.OPERATIONS, called by no one, by bad, expired,
forged and other-pool tokens, by people of every role (Cognito in moto), by another tenant's
admin and by the sending system's key. A route added to app.py is covered at once: the 401 rows
need nothing, and the access rows fail until the route is classified in ACCESS below."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib.tenancy.access import Role
from rebound.people import PeoplePool, create_person, provision_people, sign_in
from tests.conftest import reset_local_aws
from tests.integration.helpers import aggregate, seed_counted_bounces, setup_tenant
from tests.integration.test_mass_delete_workflow import T0

pytestmark = pytest.mark.integration
PASSWORD = "Correct-Horse-42"
PATH_VALUES = {
    "tenant": "riverside",
    "address": "ann@example.net",
    "job": "md-20260101000000-abcdef12",
    "send_id": "s1",
}
BODIES: dict[str, dict[str, Any]] = {
    "MassDeleteBody": {"addresses": ["ann@example.net"], "dry_run": True},
    "MassDeletePolicyPatch": {"max_share": 0.3},
    "TenantSettingsPatch": {"name": "Riverside"},
    "NotificationSettingsPut": {"send_empty": False},
    "SendPut": {"source": "broadcast", "recipients": 10},
    "AddressList": {"addresses": ["ann@example.net"]},
    "RecheckBody": {"addresses": ["ann@example.net"]},
    "ForgetBody": {"address": "zoe@example.net"},
}
# Who may call each route: a class of callers (see ALLOWED).
ACCESS = {
    ("GET", "/v1/me"): "anyone",
    ("GET", "/v1/tenants/{tenant}/bounces"): "read",
    ("GET", "/v1/tenants/{tenant}/bounces.csv"): "read",
    ("GET", "/v1/tenants/{tenant}/bounce-count"): "read",
    ("GET", "/v1/tenants/{tenant}/bounces/{address}"): "read",
    ("POST", "/v1/tenants/{tenant}/bounces/{address}/reactivate"): "admin",
    ("GET", "/v1/tenants/{tenant}/stats"): "read",
    ("GET", "/v1/tenants/{tenant}/suppressions/{address}"): "read",
    ("POST", "/v1/tenants/{tenant}/suppressions/check"): "read",
    ("GET", "/v1/tenants/{tenant}/settings"): "read",
    ("PATCH", "/v1/tenants/{tenant}/settings"): "admin",
    ("GET", "/v1/quarantine"): "staff",
    ("GET", "/v1/unparsed"): "staff",
    ("POST", "/v1/tenants/{tenant}/mass-deletes"): "admin",
    ("GET", "/v1/tenants/{tenant}/mass-deletes"): "read",
    ("GET", "/v1/tenants/{tenant}/mass-deletes/audit"): "read",
    ("GET", "/v1/tenants/{tenant}/mass-deletes/policy"): "read",
    ("PUT", "/v1/tenants/{tenant}/mass-deletes/policy"): "staff",
    ("GET", "/v1/tenants/{tenant}/mass-deletes/{job}"): "read",
    ("POST", "/v1/tenants/{tenant}/mass-deletes/{job}/approve"): "admin",
    ("POST", "/v1/tenants/{tenant}/mass-deletes/{job}/rerun"): "admin",
    ("POST", "/v1/tenants/{tenant}/mass-deletes/{job}/cancel"): "admin",
    ("POST", "/v1/tenants/{tenant}/mass-deletes/{job}/undo"): "admin",
    ("GET", "/v1/tenants/{tenant}/notification-settings"): "admin",
    ("PUT", "/v1/tenants/{tenant}/notification-settings"): "admin",
    ("PUT", "/v1/tenants/{tenant}/sends/{send_id}"): "send",
    ("POST", "/v1/tenants/{tenant}/rechecks"): "read",
    ("GET", "/v1/tenants-overview"): "staff",
    ("GET", "/v1/inbound-raw"): "staff",
    ("GET", "/v1/keys"): "staff",
    ("POST", "/v1/keys/{scope}/{key_id}/revoke"): "staff",
    ("POST", "/v1/tenants/{tenant}/forget"): "staff",
}
ALLOWED = {
    "anyone": {"viewer", "admin", "other_tenant", "staff", "mms"},
    "read": {"viewer", "admin", "staff", "mms"},
    "admin": {"admin", "staff"},
    "staff": {"staff"},
    "send": {"admin", "staff", "mms"},
}
UNAUTHENTICATED = ("none", "bad", "expired", "forged", "other_pool", "disabled")
AUTHENTICATED = ("viewer", "admin", "other_tenant", "staff", "mms")


@dataclass
class World:
    tokens: dict[str, str | None]


def _moto_signed(claims: dict[str, Any]) -> str:
    """A token signed with moto's own pool key (what only the pool can do)."""
    from moto.utilities.utils import load_resource

    private = load_resource("cognitoidp/resources/jwks-private.json")
    key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(private))
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})  # type: ignore[arg-type]


def _forged(claims: dict[str, Any]) -> str:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


def people_world(pool: PeoplePool) -> dict[str, str]:
    """Sign in a viewer, an admin, another tenant's admin and a staff person: access tokens."""
    people = {
        "viewer": ("viola@example.com", Role.VIEWER, "riverside"),
        "admin": ("ada@example.com", Role.ADMIN, "riverside"),
        "other_tenant": ("otto@example.org", Role.ADMIN, "hillside"),
        "staff": ("stan@example.net", Role.STAFF, None),
        "disabled": ("dora@example.com", Role.ADMIN, "riverside"),
    }
    tokens = {}
    for name, (username, role, tenant) in people.items():
        create_person(
            pool.region, pool.user_pool_id, username, role=role, tenant=tenant, password=PASSWORD
        )
        tokens[name] = sign_in(pool, username, PASSWORD)["AccessToken"]
    return tokens


@pytest.fixture(scope="module")
def world(moto_endpoint: str) -> Iterator[World]:
    from chalicelib import wiring
    from chalicelib.config import settings

    reset_local_aws(moto_endpoint)
    setup_tenant("riverside")
    setup_tenant("hillside")
    seed_counted_bounces("riverside", "ann@example.net", 1, T0)
    aggregate()  # the stream, as within a second of the write: the stats' address totals
    pool = provision_people("us-east-1", ["riverside", "hillside"])
    for cached in (settings, wiring.token_verifier, wiring.person_directory):
        cached.cache_clear()
    tokens: dict[str, str | None] = dict(people_world(pool))
    from rebound.people import disable_person

    disable_person(pool.region, pool.user_pool_id, "dora@example.com")
    claims = jwt.decode(str(tokens["admin"]), options={"verify_signature": False})
    tokens["expired"] = _moto_signed(
        {**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}
    )
    tokens["forged"] = _forged({**claims, "cognito:groups": ["staff"]})
    other = _other_pool_token(pool)
    tokens["other_pool"] = other
    tokens["none"] = None
    tokens["bad"] = "not.a.token"
    from chalicelib import wiring as w
    from chalicelib.tenancy.service import create_key

    tokens["mms"] = create_key(w.tenants(), None, Role.MMS, "MMS production")
    yield World(tokens)
    for cached in (settings, wiring.token_verifier, wiring.person_directory):
        cached.cache_clear()
    # The mass-delete service was built here without a state machine: forget it.
    wiring.mass_delete_service.cache_clear()


def _other_pool_token(pool: PeoplePool) -> str:
    """A genuine token of a second pool in the same moto (same signing key, other issuer)."""
    import boto3

    idp = boto3.client("cognito-idp", region_name=pool.region)
    other = idp.create_user_pool(PoolName="someone-else")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=other, ClientName="x", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.create_group(UserPoolId=other, GroupName="staff")
    idp.admin_create_user(UserPoolId=other, Username="eve@example.org", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=other, Username="eve@example.org", Password=PASSWORD, Permanent=True
    )
    idp.admin_add_user_to_group(UserPoolId=other, Username="eve@example.org", GroupName="staff")
    return str(
        idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "eve@example.org", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]["AccessToken"]
    )


def _operations() -> list[Any]:
    return [op for op in chalice_app.OPERATIONS if op.authenticated]


def _call(client: Client, op: Any, token: str | None) -> tuple[int, dict[str, Any]]:
    path = op.path
    for name, value in {**PATH_VALUES, "scope": "_mms", "key_id": "x"}.items():
        path = path.replace("{" + name + "}", value)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if op.body is not None:
        body = json.dumps(BODIES[op.body.__name__])
    if op.query is not None and op.query.__name__ == "RawQuery":
        path += "?key=inbound/nothing-here"
    response = getattr(client.http, op.method.lower())(path, headers=headers, body=body)
    try:
        payload = json.loads(response.body or b"{}")
    except ValueError:
        payload = {}
    return response.status_code, payload


def test_every_route_is_classified() -> None:
    missing = [(op.method, op.path) for op in _operations() if (op.method, op.path) not in ACCESS]
    assert missing == [], "add these routes to ACCESS (who may call them)"


@pytest.mark.parametrize("who", UNAUTHENTICATED)
def test_no_route_accepts_bad_credentials(world: World, who: str) -> None:
    with Client(chalice_app.app) as client:
        for op in _operations():
            status, body = _call(client, op, world.tokens[who])
            assert status == 401, (who, op.method, op.path, body)
            assert body["Code"] == "UnauthorizedError" and "Traceback" not in body["Message"]


def test_messages_say_what_went_wrong(world: World) -> None:
    me = next(op for op in _operations() if op.path == "/v1/me")
    with Client(chalice_app.app) as client:
        expect = {
            "expired": "expired",
            "forged": "signature",
            "other_pool": "another user pool",
            "disabled": "disabled",
        }
        for who, words in expect.items():
            assert words in _call(client, me, world.tokens[who])[1]["Message"], who


@pytest.mark.parametrize("who", AUTHENTICATED)
def test_each_route_lets_in_exactly_who_it_should(world: World, who: str) -> None:
    wrong = []
    with Client(chalice_app.app) as client:
        for op in _operations():
            allowed = who in ALLOWED[ACCESS[(op.method, op.path)]]
            status, body = _call(client, op, world.tokens[who])
            ok = status not in (401, 403) and status < 500 if allowed else status == 403
            if not ok:
                wrong.append((op.method, op.path, status, body.get("Message")))
    assert wrong == [], who


def test_me_names_the_person_or_the_key(world: World) -> None:
    me = next(op for op in _operations() if op.path == "/v1/me")
    with Client(chalice_app.app) as client:
        _, admin = _call(client, me, world.tokens["admin"])
        assert admin == {
            "scope": "riverside",
            "role": "admin",
            "tenants": ["riverside"],
            "name": "ada@example.com",
            "kind": "person",
        }
        _, staff = _call(client, me, world.tokens["staff"])
        assert staff["role"] == "staff" and set(staff["tenants"]) >= {"riverside", "hillside"}
        _, mms = _call(client, me, world.tokens["mms"])
        assert mms["kind"] == "key" and mms["name"].startswith("MMS production (key ")


def test_staff_views_keys_overview_and_raw_messages(world: World) -> None:
    from chalicelib import wiring
    from chalicelib.tenancy.service import create_key
    from tests.integration.helpers import put_inbound

    script = create_key(wiring.tenants(), "riverside", Role.ADMIN, "nightly script", "ops")
    staff = {"Authorization": f"Bearer {world.tokens['staff']}"}
    with Client(chalice_app.app) as client:
        assert (
            client.http.get("/v1/me", headers={"Authorization": f"Bearer {script}"}).status_code
            == 200
        )
        keys = json.loads(client.http.get("/v1/keys", headers=staff).body)["items"]
        mine = next(k for k in keys if k["label"] == "nightly script")
        assert mine["created_by"] == "ops" and mine["last_used_at"] and not mine["revoked"]
        revoked = client.http.post(f"/v1/keys/riverside/{mine['key_id']}/revoke", headers=staff)
        assert revoked.status_code == 200
        assert (
            client.http.get("/v1/me", headers={"Authorization": f"Bearer {script}"}).status_code
            == 401
        )
        glance = json.loads(client.http.get("/v1/tenants-overview", headers=staff).body)["items"]
        riverside = next(t for t in glance if t["tenant"] == "riverside")
        assert riverside["addresses"] == 1 and riverside["last_bounce_at"]
        key = put_inbound(b"Subject: <b>hi</b>\r\n\r\n<script>alert(1)</script>\r\n", "raw-1")
        raw = client.http.get(f"/v1/inbound-raw?key={key}&download=true", headers=staff)
        assert raw.status_code == 200
        assert raw.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert raw.headers["Content-Disposition"] == 'attachment; filename="raw-1.eml"'
        assert b"<script>alert(1)</script>" in raw.body
        assert client.http.get("/v1/inbound-raw?key=inbound/gone", headers=staff).status_code == 404
        assert client.http.get("/v1/inbound-raw?key=../etc", headers=staff).status_code == 400


def test_the_count_of_everything_matching(world: World) -> None:
    viewer = {"Authorization": f"Bearer {world.tokens['viewer']}"}
    with Client(chalice_app.app) as client:
        all_of_them = client.http.get("/v1/tenants/riverside/bounce-count", headers=viewer)
        assert json.loads(all_of_them.body) == {"addresses": 1, "at_least": False}
        none = client.http.get("/v1/tenants/riverside/bounce-count?q=nobody", headers=viewer)
        assert json.loads(none.body) == {"addresses": 0, "at_least": False}
