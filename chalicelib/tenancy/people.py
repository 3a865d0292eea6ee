"""People: who a verified sign-in token names, and what their Cognito groups let them do.

The port is small: a `TokenVerifier` turns a bearer token into `VerifiedToken` claims or raises
`InvalidToken` (the Cognito adapter, chalicelib.aws.cognito, checks signature against the pool's
JWKS, issuer, app client, expiry and token use); a `PersonDirectory` says whether a person is
still enabled (a token outlives the person's disabling by up to an hour otherwise).

Groups give the role and the tenant, one group per person:

    staff                       customer-service staff: every tenant
    tenant-<tenant id>-admin    an administrator of that tenant
    tenant-<tenant id>-viewer   reads that tenant's report

Staff wins over tenant groups; in one tenant, admin wins over viewer. A person in groups of two
different tenants is refused (a person works for one member organisation), and a person in no
group has signed in but may do nothing yet. Pure: no AWS, no JWT library.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.errors import Forbidden
from chalicelib.tenancy.access import Principal, PrincipalKind, Role
from chalicelib.tenancy.ids import STAFF_SCOPE

STAFF_GROUP = "staff"
_TENANT_GROUP_RE = re.compile(r"^tenant-([a-z0-9][a-z0-9-]{0,62})-(admin|viewer)$")


class InvalidToken(Exception):
    """A token that must not be accepted; the message says why, for the 401."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """The claims of a token whose signature, issuer, client, expiry and use were checked."""

    subject: str
    username: str
    groups: tuple[str, ...]
    expires_at: int


class TokenVerifier(Protocol):
    def verify(self, token: str) -> VerifiedToken:
        """The token's claims, or InvalidToken."""


class PersonDirectory(Protocol):
    def is_enabled(self, username: str) -> bool:
        """False when the person was disabled or deleted since signing in."""


def group_for(role: Role, tenant: str | None) -> str:
    """The Cognito group that gives a role (staff: no tenant)."""
    if role is Role.STAFF:
        return STAFF_GROUP
    if role not in (Role.ADMIN, Role.VIEWER) or not tenant:
        raise ValueError("people are staff, or an admin or viewer of one tenant")
    return f"tenant-{tenant}-{role}"


def role_of(groups: Iterable[str]) -> tuple[Role, str] | None:
    """The role and scope (tenant id or `_staff`) the groups give, or None for no group.
    Raises Forbidden for groups of two tenants."""
    names = set(groups)
    if STAFF_GROUP in names:
        return Role.STAFF, STAFF_SCOPE
    tenants: dict[str, Role] = {}
    for name in sorted(names):
        match = _TENANT_GROUP_RE.fullmatch(name)
        if match is None:
            continue
        tenant, role = match.group(1), Role(match.group(2))
        if tenants.get(tenant) is not Role.ADMIN:
            tenants[tenant] = role
    if not tenants:
        return None
    if len(tenants) > 1:
        raise Forbidden(
            "this person belongs to more than one tenant; ask staff to keep one tenant group"
        )
    ((tenant, role),) = tenants.items()
    return role, tenant


def person_principal(token: VerifiedToken) -> Principal:
    """The principal a verified token names; Forbidden when the person has no role yet."""
    found = role_of(token.groups)
    if found is None:
        raise Forbidden(
            f"{token.username} is signed in but has no role yet; ask staff to add them to a "
            "tenant's admin or viewer group"
        )
    role, scope = found
    return Principal(scope, token.subject, role, token.username, PrincipalKind.PERSON)


def describe_groups(groups: Sequence[str]) -> tuple[str | None, str]:
    """(tenant or None, role) for listing people; ("", "none") without a role."""
    try:
        found = role_of(groups)
    except Forbidden:
        return None, "several tenants"
    if found is None:
        return None, "none"
    role, scope = found
    return (None if role is Role.STAFF else scope), str(role)
