"""Authentication and authorisation of API calls, and minting keys.

`authenticate` is the one place every route's caller is established (app.py's `route` calls
it): `Authorization: Bearer <token>` carries either a person's Cognito access token or a
machine key (`rbk.…`), the same in the local stack and on AWS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import msgspec
from msgspec import UNSET

from chalicelib.api import models
from chalicelib.errors import BadRequest, Forbidden, Unauthenticated, UnknownTenant
from chalicelib.ports import TenantSettings, TenantStore
from chalicelib.tenancy.access import (
    ApiKeyRecord,
    Principal,
    Role,
    bearer_token,
    check_secret,
    new_key,
    split_token,
)
from chalicelib.tenancy.ids import MMS_SCOPE, STAFF_SCOPE, is_tenant_id
from chalicelib.tenancy.people import (
    InvalidToken,
    PersonDirectory,
    TokenVerifier,
    person_principal,
)
from chalicelib.timefmt import iso, parse_iso

# A key's "last used" is written at most this often (not a write per request).
KEY_TOUCH_SECONDS = 3600


def authenticate(
    store: TenantStore,
    authorization: str | None,
    verifier: TokenVerifier | None = None,
    directory: PersonDirectory | None = None,
) -> Principal:
    """The caller: a person (a Cognito access token) or a machine key. Unauthenticated (401)
    for anything that does not verify, with a message that says what to do."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthenticated("sign in, or send 'Authorization: Bearer <token or API key>'")
    if token.startswith("rbk."):
        return _key_principal(store, token)
    if token.count(".") != 2:
        raise Unauthenticated(
            "the credentials are malformed: send a sign-in token, or an API key like "
            "rbk.<scope>.<id>.<secret>"
        )
    if verifier is None:
        raise Unauthenticated("sign-in is not configured on this service; use an API key")
    try:
        verified = verifier.verify(token)
    except InvalidToken as error:
        raise Unauthenticated(str(error)) from None
    if directory is not None and not directory.is_enabled(verified.username):
        raise Unauthenticated(f"{verified.username} is disabled; ask staff")
    return person_principal(verified)


def _key_principal(store: TenantStore, token: str) -> Principal:
    parts = split_token(token)
    if parts is None:
        raise Unauthenticated("the API key is malformed; keys look like rbk.<scope>.<id>.<secret>")
    record = store.get_key(parts.scope, parts.key_id)
    principal = check_secret(record, parts)
    if principal is None or record is None:
        raise Unauthenticated("the API key is not valid (unknown, revoked or wrong secret)")
    _touch(store, record)
    return principal


def _touch(store: TenantStore, record: ApiKeyRecord) -> None:
    now = datetime.now(UTC)
    if record.last_used_at:
        try:
            if (now - parse_iso(record.last_used_at)).total_seconds() < KEY_TOUCH_SECONDS:
                return
        except ValueError:
            pass
    store.touch_key(record.scope, record.key_id, iso(now))


def authorise_read(store: TenantStore, principal: Principal, tenant: str) -> None:
    """A tenant key reads only its own tenant; staff read any existing tenant."""
    if not principal.can_read(tenant):
        raise Forbidden(f"this sign-in may not read tenant {tenant!r}")
    if not is_tenant_id(tenant) or not store.tenant_exists(tenant):
        raise UnknownTenant(f"no tenant {tenant!r}")


def authorise_admin(store: TenantStore, principal: Principal, tenant: str) -> None:
    """Changes need a tenant admin key of that tenant, or staff."""
    authorise_read(store, principal, tenant)
    if not principal.can_admin(tenant):
        raise Forbidden(
            f"this sign-in may read but not change tenant {tenant!r}; it needs an admin"
        )


def authorise_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("only staff may use this")


def authorise_send_report(store: TenantStore, principal: Principal, tenant: str) -> None:
    """Send volumes come from the sending system's key (or an admin or staff)."""
    authorise_read(store, principal, tenant)
    if not principal.can_report_sends(tenant):
        raise Forbidden("only the sending system, a tenant admin or staff may report sends")


def create_key(
    store: TenantStore, tenant: str | None, role: Role, label: str = "", created_by: str = ""
) -> str:
    """Mint and store a key; returns the token (shown once, never stored)."""
    fixed = {Role.STAFF: STAFF_SCOPE, Role.MMS: MMS_SCOPE}
    scope = fixed.get(role, tenant or "")
    if role not in fixed and store.get_tenant(scope) is None:
        raise UnknownTenant(f"no tenant {scope!r}; create it first")
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    token, record = new_key(scope, role, label, created, created_by)
    store.put_key(record)
    return token


def keys_json(store: TenantStore) -> models.MachineKeyList:
    """Every machine key (secrets are never stored, so none is shown)."""
    scopes = [*store.list_tenants(), STAFF_SCOPE, MMS_SCOPE]
    return models.MachineKeyList(
        items=[
            models.MachineKey(
                scope=k.scope,
                key_id=k.key_id,
                role=k.role,
                label=k.label,
                created_by=k.created_by,
                created_at=k.created_at,
                last_used_at=k.last_used_at or None,
                revoked=k.revoked,
            )
            for scope in scopes
            for k in store.list_keys(scope)
        ]
    )


def ensure_tenant(store: TenantStore, tenant: str, name: str = "", legacy: bool = False) -> None:
    if not is_tenant_id(tenant):
        raise ValueError(f"tenant id {tenant!r} must match [a-z0-9][a-z0-9-]{{0,62}}")
    store.put_tenant(TenantSettings(tenant, name or tenant, legacy))


def settings_json(settings: TenantSettings) -> models.TenantSettings:
    return models.TenantSettings(
        tenant=settings.tenant,
        name=settings.name,
        contact_count=settings.contact_count,
        accept_legacy_untagged=settings.accept_legacy_untagged,
        suppression_policy=models.SuppressionPolicy(
            hard_bounces=settings.policy.hard_bounces,
            soft_bounces=settings.policy.soft_bounces,
            soft_days=settings.policy.soft_days,
        ),
        regood_after_days=settings.regood_after_days,
        suppress_complainers=settings.suppress_complainers,
    )


def authorise_settings_change(store: TenantStore, principal: Principal, tenant: str) -> None:
    """Settings change by a tenant admin or staff; the sending system sets contact counts."""
    authorise_read(store, principal, tenant)
    if not (principal.can_admin(tenant) or principal.can_set_contact_count):
        raise Forbidden(f"this sign-in may read but not change tenant {tenant!r}; ask an admin")


Audit = Callable[[str, str, dict[str, Any]], None]  # (action, actor, detail)


def update_settings(
    store: TenantStore,
    principal: Principal,
    tenant: str,
    patch: models.TenantSettingsPatch,
    audit: Audit | None = None,
) -> TenantSettings:
    """Apply a partial update; only staff may switch legacy untagged attribution on or off
    (it weakens the tag check for that tenant), and only staff or the sending system set the
    contact count (every change and every refused try goes to `audit`)."""
    current = store.get_tenant(tenant)
    if current is None:
        raise UnknownTenant(f"no tenant {tenant!r}")
    others = (
        patch.name,
        patch.regood_after_days,
        patch.accept_legacy_untagged,
        patch.suppression_policy,
    )
    if any(value is not UNSET for value in others) and not principal.can_admin(tenant):
        raise Forbidden(f"only an admin of {tenant!r} or staff may change these settings")
    if patch.contact_count is not UNSET and not principal.can_set_contact_count:
        # The circuit breaker's denominator: a tenant cannot loosen its own protection.
        if audit is not None:
            detail = {"contact_count": patch.contact_count, "was": current.contact_count}
            audit("contact-count-refused", principal.actor, detail)
        raise Forbidden(
            "only staff or the sending system may set contact_count (it limits how much "
            "one mass delete may remove)"
        )
    updated = _patched(current, patch, principal)
    store.put_tenant(updated)
    if audit is not None and updated.contact_count != current.contact_count:
        detail = {"contact_count": updated.contact_count, "was": current.contact_count}
        audit("contact-count-changed", principal.actor, detail)
    return updated


def _patched(
    current: TenantSettings, patch: models.TenantSettingsPatch, principal: Principal
) -> TenantSettings:
    updated = current
    if patch.name is not UNSET:
        updated = replace(updated, name=patch.name)
    if patch.contact_count is not UNSET:
        updated = replace(updated, contact_count=patch.contact_count)
    if patch.regood_after_days is not UNSET:
        updated = replace(updated, regood_after_days=patch.regood_after_days)
    if patch.accept_legacy_untagged is not UNSET:
        if not principal.is_staff:
            raise Forbidden("only staff may change accept_legacy_untagged")
        updated = replace(updated, accept_legacy_untagged=patch.accept_legacy_untagged)
    if patch.suppress_complainers is not UNSET:
        updated = replace(updated, suppress_complainers=patch.suppress_complainers)
    if patch.suppression_policy is not UNSET:
        changes = {
            f.name: getattr(patch.suppression_policy, f.name)
            for f in msgspec.structs.fields(patch.suppression_policy)
            if getattr(patch.suppression_policy, f.name) is not UNSET
        }
        try:
            updated = replace(updated, policy=replace(updated.policy, **changes))
        except ValueError as error:
            raise BadRequest(f"suppression_policy: {error}") from None
    return updated
