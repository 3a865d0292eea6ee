"""Tenants, their API keys, and small named state on the single table. Implements the
TenantStore and StateStore ports."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.bounces import SuppressionPolicy
from chalicelib.ports import TenantSettings
from chalicelib.storage import keys
from chalicelib.storage.core import condition_failed
from chalicelib.storage.items import ApiKeyItem, SystemStateItem, TenantIndexItem, TenantItem
from chalicelib.storage.totals import start_totals
from chalicelib.tenancy.access import ApiKeyRecord, Role
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import iso


class TenantRepository:
    """TenantStore on the single table."""

    def __init__(self) -> None:
        # Tenants this process has found. A tenant is never deleted (forget erases people, not
        # tenants), so a read request's existence check costs a GetItem once per tenant and
        # process, not once per request; an unknown tenant is asked again every time.
        self._known: set[str] = set()

    def tenant_exists(self, tenant: str) -> bool:
        if tenant in self._known:
            return True
        try:
            TenantItem.get(keys.tenant_pk(tenant), keys.TENANT_SK, attributes_to_get=["pk"])
        except DoesNotExist:
            return False
        self._known.add(tenant)
        return True

    def get_tenant(self, tenant: str) -> TenantSettings | None:
        try:
            item = TenantItem.get(keys.tenant_pk(tenant), keys.TENANT_SK)
        except DoesNotExist:
            return None
        return TenantSettings(
            item.tenant,
            item.name,
            item.accept_legacy_untagged,
            None if item.contact_count is None else int(item.contact_count),
            SuppressionPolicy(
                int(item.policy_hard_bounces),
                int(item.policy_soft_bounces),
                int(item.policy_soft_days),
            ),
            int(item.regood_after_days),
            bool(item.suppress_complainers),
        )

    def put_tenant(self, settings: TenantSettings) -> None:
        """Create or change a tenant's settings; created_at is set once, never reset."""
        now = iso(datetime.now(UTC))
        item = TenantItem(keys.tenant_pk(settings.tenant), keys.TENANT_SK)
        contact_count = (
            TenantItem.contact_count.remove()
            if settings.contact_count is None
            else TenantItem.contact_count.set(settings.contact_count)
        )
        item.update(
            actions=[
                TenantItem.tenant.set(settings.tenant),
                TenantItem.name.set(settings.name),
                TenantItem.accept_legacy_untagged.set(settings.accept_legacy_untagged),
                TenantItem.created_at.set(TenantItem.created_at | now),
                contact_count,
                TenantItem.policy_hard_bounces.set(settings.policy.hard_bounces),
                TenantItem.policy_soft_bounces.set(settings.policy.soft_bounces),
                TenantItem.policy_soft_days.set(settings.policy.soft_days),
                TenantItem.regood_after_days.set(settings.regood_after_days),
                TenantItem.suppress_complainers.set(settings.suppress_complainers),
            ]
        )
        if item.created_at == now:  # created by this call (the update returns the item as stored)
            start_totals(settings.tenant)
        TenantIndexItem(
            keys.tenant_pk(SYSTEM_SCOPE),
            keys.tenant_index_sk(settings.tenant),
            tenant=settings.tenant,
        ).save()

    def list_tenants(self) -> Sequence[str]:
        results = TenantIndexItem.query(
            keys.tenant_pk(SYSTEM_SCOPE), TenantIndexItem.sk.startswith(keys.tenant_index_sk(""))
        )
        return [item.tenant for item in results]

    def get_key(self, scope: str, key_id: str) -> ApiKeyRecord | None:
        try:
            item = ApiKeyItem.get(keys.key_pk(scope), key_id)
        except DoesNotExist:
            return None
        return _key_from_item(item)

    def list_keys(self, scope: str) -> list[ApiKeyRecord]:
        """Every key of one scope (a tenant, `_staff` or `_mms`), revoked ones included."""
        return [_key_from_item(item) for item in ApiKeyItem.query(keys.key_pk(scope))]

    def touch_key(self, scope: str, key_id: str, at: str) -> None:
        """Record when a key was last used (the caller limits how often)."""
        item = ApiKeyItem(keys.key_pk(scope), key_id)
        # A key deleted meanwhile has nothing to record.
        with contextlib.suppress(UpdateError):
            item.update(actions=[ApiKeyItem.last_used_at.set(at)], condition=ApiKeyItem.pk.exists())

    def revoke_key(self, scope: str, key_id: str) -> bool:
        """Revoke a key (kept for the record); False when there is no such key."""
        try:
            ApiKeyItem(keys.key_pk(scope), key_id).update(
                actions=[ApiKeyItem.revoked.set(True)], condition=ApiKeyItem.pk.exists()
            )
        except UpdateError:
            return False
        return True

    def put_key(self, record: ApiKeyRecord) -> None:
        ApiKeyItem(
            keys.key_pk(record.scope),
            record.key_id,
            scope=record.scope,
            key_id=record.key_id,
            secret_sha256=record.secret_sha256,
            role=str(record.role),
            label=record.label,
            created_at=record.created_at,
            revoked=record.revoked,
            created_by=record.created_by,
            last_used_at=record.last_used_at,
        ).save()


def _key_from_item(item: ApiKeyItem) -> ApiKeyRecord:
    return ApiKeyRecord(
        scope=item.scope,
        key_id=item.key_id,
        secret_sha256=item.secret_sha256,
        role=Role(item.role),
        label=item.label,
        created_at=item.created_at,
        revoked=item.revoked,
        created_by=item.created_by,
        last_used_at=item.last_used_at,
    )


class StateRepository:
    """StateStore on the single table: small named values (e.g. when a check last ran)."""

    def get_state(self, name: str) -> str | None:
        try:
            return SystemStateItem.get(keys.tenant_pk(SYSTEM_SCOPE), keys.state_sk(name)).value
        except DoesNotExist:
            return None

    def put_state(self, name: str, value: str) -> None:
        SystemStateItem(keys.tenant_pk(SYSTEM_SCOPE), keys.state_sk(name), value=value).save()


CURSOR_KEY_STATE = "cursor-key"


def cursor_secret() -> bytes:
    """The secret paging cursors are signed with: random, created by the first process that
    needs it (a conditional Put: racing processes all end with the one that won), kept in the
    table. Cursors guard positions against clients, who never read the table; whoever can read
    the table reads every row a cursor could reach anyway, so no Secrets Manager read (and no
    grant) is needed for it, and a function that never pages never reads it. Deleting the item
    retires every cursor issued (clients start their listing again)."""
    pk, sk = keys.tenant_pk(SYSTEM_SCOPE), keys.state_sk(CURSOR_KEY_STATE)
    try:
        return SystemStateItem.get(pk, sk, consistent_read=True).value.encode()
    except DoesNotExist:
        pass
    fresh = secrets.token_urlsafe(32)
    try:
        SystemStateItem(pk, sk, value=fresh).save(condition=SystemStateItem.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        return SystemStateItem.get(pk, sk, consistent_read=True).value.encode()
    return fresh.encode()
