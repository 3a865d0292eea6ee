"""Authentication and authorisation of API calls, and minting keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import msgspec
from msgspec import UNSET

from chalicelib.api import models
from chalicelib.errors import BadRequest, Forbidden, Unauthenticated, UnknownTenant
from chalicelib.ports import TenantSettings, TenantStore
from chalicelib.tenancy.access import (
    Principal,
    Role,
    bearer_token,
    check_secret,
    new_key,
    split_token,
)
from chalicelib.tenancy.ids import STAFF_SCOPE, is_tenant_id


def authenticate(store: TenantStore, authorization: str | None) -> Principal:
    token = bearer_token(authorization)
    if token is None:
        raise Unauthenticated("send 'Authorization: Bearer <api key>'")
    parts = split_token(token)
    if parts is None:
        raise Unauthenticated("the API key is malformed; keys look like rbk.<scope>.<id>.<secret>")
    principal = check_secret(store.get_key(parts.scope, parts.key_id), parts)
    if principal is None:
        raise Unauthenticated("the API key is not valid (unknown, revoked or wrong secret)")
    return principal


def authorise_read(store: TenantStore, principal: Principal, tenant: str) -> None:
    """A tenant key reads only its own tenant; staff read any existing tenant."""
    if not principal.can_read(tenant):
        raise Forbidden(f"this API key may not read tenant {tenant!r}")
    if not is_tenant_id(tenant) or store.get_tenant(tenant) is None:
        raise UnknownTenant(f"no tenant {tenant!r}")


def authorise_admin(store: TenantStore, principal: Principal, tenant: str) -> None:
    """Changes need a tenant admin key of that tenant, or staff."""
    authorise_read(store, principal, tenant)
    if not principal.can_admin(tenant):
        raise Forbidden(f"this API key may read but not change tenant {tenant!r}; use an admin key")


def authorise_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("only staff keys may use this")


def create_key(store: TenantStore, tenant: str | None, role: Role, label: str = "") -> str:
    """Mint and store a key; returns the token (shown once, never stored)."""
    scope = STAFF_SCOPE if role is Role.STAFF else (tenant or "")
    if role is not Role.STAFF and store.get_tenant(scope) is None:
        raise UnknownTenant(f"no tenant {scope!r}; create it first")
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    token, record = new_key(scope, role, label, created)
    store.put_key(record)
    return token


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


def update_settings(
    store: TenantStore, principal: Principal, tenant: str, patch: models.TenantSettingsPatch
) -> TenantSettings:
    """Apply a partial update; only staff may switch legacy untagged attribution on or off
    (it weakens the tag check for that tenant)."""
    current = store.get_tenant(tenant)
    if current is None:
        raise UnknownTenant(f"no tenant {tenant!r}")
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
    store.put_tenant(updated)
    return updated
