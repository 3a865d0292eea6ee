"""API keys and roles: who is calling, and may they touch this tenant?

A key is `rbk.<scope>.<key id>.<secret>`. Only a SHA-256 of the secret is stored (the secret
has 256 bits of entropy, so a slow hash adds nothing). The scope is a tenant id or `_staff`.
Roles: a tenant viewer reads, a tenant admin also changes, staff reach every tenant.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.tenancy.ids import STAFF_SCOPE, is_tenant_id

_KEY_RE = re.compile(r"^rbk\.([a-z0-9_][a-z0-9-]{0,62})\.([a-z0-9]{12})\.([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    VIEWER = "viewer"
    ADMIN = "admin"
    STAFF = "staff"


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


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    scope: str
    key_id: str
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role is Role.STAFF

    def can_read(self, tenant: str) -> bool:
        return self.is_staff or self.scope == tenant

    def can_admin(self, tenant: str) -> bool:
        return self.is_staff or (self.scope == tenant and self.role is Role.ADMIN)

    @property
    def actor(self) -> str:
        """How this caller appears in audit trails."""
        return f"{self.scope}/{self.key_id}"


@dataclass(frozen=True, slots=True)
class KeyParts:
    scope: str
    key_id: str
    secret: str


def new_key(scope: str, role: Role, label: str, created_at: str) -> tuple[str, ApiKeyRecord]:
    """Mint a key: returns the token to hand out once, and the record to store."""
    if role is Role.STAFF:
        if scope != STAFF_SCOPE:
            raise ValueError("staff keys have no tenant")
    elif not is_tenant_id(scope):
        raise ValueError(f"tenant id {scope!r} must match [a-z0-9][a-z0-9-]{{0,62}}")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = f"rbk.{scope}.{key_id}.{secret}"
    record = ApiKeyRecord(scope, key_id, _digest(secret), role, label, created_at)
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
    return Principal(record.scope, record.key_id, record.role)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
