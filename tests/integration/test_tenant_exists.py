"""A read request's tenant check: asked of the table once per tenant and process (a tenant is
never deleted), and every time for a tenant that does not exist (it may be created next)."""

from __future__ import annotations

from typing import Any

from chalicelib.storage import keys
from chalicelib.storage.items import TenantItem
from chalicelib.storage.tenants import TenantRepository
from chalicelib.tenancy.service import ensure_tenant


def test_a_found_tenant_is_remembered_and_an_unknown_one_asked_again(aws: Any) -> None:
    repo = TenantRepository()
    assert repo.tenant_exists("riverside") is False
    ensure_tenant(repo, "riverside")
    assert repo.tenant_exists("riverside") is True  # not remembered as unknown
    # Gone behind its back (no code path deletes a tenant): this process remembers it.
    TenantItem(keys.tenant_pk("riverside"), keys.TENANT_SK).delete()
    assert repo.tenant_exists("riverside") is True
    assert TenantRepository().tenant_exists("riverside") is False  # another process asks
