"""Principals and roles: who is calling, and may they touch this tenant?

A principal is a person (signed in through Cognito, see chalicelib.tenancy.people) or a machine
key. A key is `rbk.<scope>.<key id>.<secret>`. Only a SHA-256 of the secret is stored (the
secret has 256 bits of entropy, so a slow hash adds nothing). The scope is a tenant id, `_staff`
or `_mms`. Roles: a tenant viewer reads, a tenant admin also changes, staff reach every tenant,
and `mms` is the sending system's key: it reads every tenant (suppression checks), reports
sends and sets contact counts, and decides nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.tenancy.ids import MMS_SCOPE, STAFF_SCOPE, is_tenant_id

_KEY_RE = re.compile(r"^rbk\.([a-z0-9_][a-z0-9-]{0,62})\.([a-z0-9]{12})\.([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    VIEWER = "viewer"
    ADMIN = "admin"
    STAFF = "staff"
    MMS = "mms"


class PrincipalKind(StrEnum):
    PERSON = "person"
    KEY = "key"


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """What is stored for one key (never the secret)."""

    scope: str
    key_id: str
    secret_sha256: str
    role: Role
    label: str = ""
    created_at: str = ""
    revoked: bool = False
    created_by: str = ""  # the actor who minted it
    last_used_at: str = ""  # updated at most once an hour (see service.KEY_TOUCH_SECONDS)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request: a person or a machine key.

    For a person, `key_id` is the Cognito subject and `name` the username (an e-mail address);
    for a key, `name` is the key's label."""

    scope: str
    key_id: str
    role: Role
    name: str = ""
    kind: PrincipalKind = PrincipalKind.KEY

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF

    @property
    def is_person(self) -> bool:
        return self.kind is PrincipalKind.PERSON

    @property
    def is_mms(self) -> bool:
        return self.role is Role.MMS

    def can_read(self, tenant: str) -> bool:
        return self.is_staff or self.is_mms or self.scope == tenant

    def can_admin(self, tenant: str) -> bool:
        return self.is_staff or (self.scope == tenant and self.role is Role.ADMIN)

    def can_report_sends(self, tenant: str) -> bool:
        """The MMS reports what it sent; an admin or staff may too (scripts, corrections)."""
        return self.is_mms or self.can_admin(tenant)

    @property
    def can_set_contact_count(self) -> bool:
        """The circuit breaker's denominator: never the tenant it protects (issue 10)."""
        return self.is_staff or self.is_mms

    @property
    def actor(self) -> str:
        """How this caller appears in audit trails: the person's username, or the key's label
        with its id (labels need not be unique)."""
        if self.is_person:
            return self.name
        return f"{self.name or self.scope} (key {self.key_id})"


@dataclass(frozen=True, slots=True)
class KeyParts:
    scope: str
    key_id: str
    secret: str


def new_key(
    scope: str, role: Role, label: str, created_at: str, created_by: str = ""
) -> tuple[str, ApiKeyRecord]:
    """Mint a key: returns the token to hand out once, and the record to store."""
    if role is Role.STAFF:
        if scope != STAFF_SCOPE:
            raise ValueError("staff keys have no tenant")
    elif role is Role.MMS:
        if scope != MMS_SCOPE:
            raise ValueError("the sending system's keys have no tenant")
    elif not is_tenant_id(scope):
        raise ValueError(f"tenant id {scope!r} must match [a-z0-9][a-z0-9-]{{0,62}}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"rbk.{scope}.{key_id}.{secret}"
    record = ApiKeyRecord(
        scope, key_id, _digest(secret), role, label, created_at, False, created_by
    )
    return token, record


def split_token(token: str) -> KeyParts | None:
    """The parts of a well-formed token, or None. Never raises."""
    match = _KEY_RE.fullmatch(token.strip())
    if match is None:
        return None
    return KeyParts(*match.groups())


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_secret(record: ApiKeyRecord | None, parts: KeyParts) -> Principal | None:
    """The principal when the secret matches a live record, else None (constant-time compare)."""
    if record is None or record.revoked:
        # Compare anyway so an unknown key id takes as long as a wrong secret.
        hmac.compare_digest(_digest(parts.secret), "0" * 64)
        return None
    if not hmac.compare_digest(_digest(parts.secret), record.secret_sha256):
        return None
    return Principal(record.scope, record.key_id, record.role, record.label)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
