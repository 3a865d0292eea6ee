"""People: groups give role and tenant; the Cognito verifier's checks (signature, issuer,
client, expiry, token use) with a key made here; authenticate() takes tokens and keys."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.api.models import TenantSettingsPatch
from chalicelib.aws.cognito import CognitoTokenVerifier
from chalicelib.errors import Forbidden, Unauthenticated
from chalicelib.ports import TenantSettings
from chalicelib.tenancy.access import Principal, PrincipalKind, Role
from chalicelib.tenancy.people import InvalidToken, VerifiedToken, group_for, role_of
from chalicelib.tenancy.service import authenticate, update_settings

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeJwks:
    def get_signing_key_from_jwt(self, token: str) -> Any:
        return jwt.PyJWK.from_dict(
            {**jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key(), as_dict=True), "alg": "RS256"}
        )


def token(key: Any = KEY, **claims: Any) -> str:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "sub": "sub-1",
        "client_id": "page",
        "token_use": "access",
        "exp": now + 3600,
        "iat": now,
        "username": "ann@example.com",
        "cognito:groups": ["tenant-riverside-admin"],
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": "k"})


VERIFIER = CognitoTokenVerifier(
    issuer=ISSUER, jwks_url="unused", client_ids=("page",), jwks_client=FakeJwks()
)


def test_groups_give_role_and_tenant() -> None:
    assert role_of(["staff", "tenant-riverside-viewer"]) == (Role.STAFF, "_staff")
    assert role_of(["tenant-riverside-viewer", "tenant-riverside-admin"]) == (
        Role.ADMIN,
        "riverside",
    )
    assert role_of(["tenant-riverside-viewer", "everyone"]) == (Role.VIEWER, "riverside")
    assert role_of(["something-else"]) is None
    with pytest.raises(Forbidden, match="more than one tenant"):
        role_of(["tenant-riverside-admin", "tenant-hillside-viewer"])
    assert group_for(Role.VIEWER, "hillside") == "tenant-hillside-viewer"
    with pytest.raises(ValueError, match="people are staff"):
        group_for(Role.MMS, None)


def test_a_good_token_verifies() -> None:
    verified = VERIFIER.verify(token())
    assert verified == VerifiedToken(
        "sub-1", "ann@example.com", ("tenant-riverside-admin",), verified.expires_at
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (token(OTHER_KEY), "signature"),
        (token(exp=int(time.time()) - 120), "expired"),
        (token(iss="https://cognito-idp.us-east-1.amazonaws.com/other"), "another user pool"),
        (token(client_id="someone-else"), "another application"),
        (token(token_use="id"), "access token"),
        (token(exp=None), "not valid"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(bad: str, message: str) -> None:
    with pytest.raises(InvalidToken, match=message):
        VERIFIER.verify(bad)


class Store:
    def get_key(self, scope: str, key_id: str) -> None:
        return None


class Directory:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def is_enabled(self, username: str) -> bool:
        return self.enabled


def test_authenticate_takes_a_person_or_refuses_clearly() -> None:
    store: Any = Store()
    person = authenticate(store, f"Bearer {token()}", VERIFIER, Directory(True))
    assert person == Principal(
        "riverside", "sub-1", Role.ADMIN, "ann@example.com", PrincipalKind.PERSON
    )
    assert person.actor == "ann@example.com"
    with pytest.raises(Unauthenticated, match="disabled"):
        authenticate(store, f"Bearer {token()}", VERIFIER, Directory(False))
    with pytest.raises(Unauthenticated, match="not configured"):
        authenticate(store, f"Bearer {token()}", None, None)
    with pytest.raises(Unauthenticated, match="malformed"):
        authenticate(store, "Bearer nonsense", VERIFIER, None)
    with pytest.raises(Unauthenticated, match="not valid"):
        authenticate(store, "Bearer rbk.riverside.aaaaaaaaaaaa." + "a" * 43, VERIFIER, None)
    with pytest.raises(Forbidden, match="no role yet"):
        authenticate(store, f"Bearer {token(**{'cognito:groups': []})}", VERIFIER, None)


class Tenants:
    def __init__(self) -> None:
        self.saved = TenantSettings("riverside", contact_count=1000)

    def get_tenant(self, tenant: str) -> TenantSettings:
        return self.saved

    def put_tenant(self, settings: TenantSettings) -> None:
        self.saved = settings


def test_only_staff_or_the_mms_set_the_contact_count_and_every_try_is_audited() -> None:
    tenants: Any = Tenants()
    lines: list[tuple[str, str, dict[str, Any]]] = []
    patch = TenantSettingsPatch(contact_count=100_000_000)
    admin = Principal("riverside", "s", Role.ADMIN, "ann@example.com", PrincipalKind.PERSON)
    with pytest.raises(Forbidden, match="only staff or the sending system"):
        update_settings(tenants, admin, "riverside", patch, lambda *a: lines.append(a))
    assert tenants.saved.contact_count == 1000
    mms = Principal("_mms", "k", Role.MMS, "MMS")
    update_settings(
        tenants,
        mms,
        "riverside",
        TenantSettingsPatch(contact_count=5000),
        lambda *a: lines.append(a),
    )
    assert tenants.saved.contact_count == 5000
    assert [(a, who) for a, who, _ in lines] == [
        ("contact-count-refused", "ann@example.com"),
        ("contact-count-changed", "MMS (key k)"),
    ]
    with pytest.raises(Forbidden, match="only an admin"):
        update_settings(tenants, mms, "riverside", TenantSettingsPatch(name="x"))


def test_an_unreachable_key_set_is_our_failure_not_the_callers() -> None:
    from chalicelib.errors import RetryLater

    class Down:
        def get_signing_key_from_jwt(self, token: str) -> Any:
            raise jwt.PyJWKClientConnectionError("connection refused")

    verifier = CognitoTokenVerifier(
        issuer=ISSUER, jwks_url="unused", client_ids=("page",), jwks_client=Down()
    )
    with pytest.raises(RetryLater):
        verifier.verify(token())
