"""API keys: minting, parsing, constant-time checks and role rules."""

from __future__ import annotations

import pytest

from chalicelib.tenancy.access import (
    Principal,
    Role,
    bearer_token,
    check_secret,
    new_key,
    split_token,
)


def test_minted_key_authenticates_and_only_its_hash_is_stored() -> None:
    token, record = new_key("riverside", Role.ADMIN, "ops", "2026-11-26T00:00:00Z")
    parts = split_token(token)
    assert parts is not None
    assert parts.secret not in repr(record)
    principal = check_secret(record, parts)
    assert principal == Principal("riverside", record.key_id, Role.ADMIN, "ops")
    assert principal.actor == f"ops (key {record.key_id})"


def test_wrong_secret_or_revoked_key_fails() -> None:
    token, record = new_key("riverside", Role.VIEWER, "", "")
    parts = split_token(token)
    assert parts is not None
    other = split_token(new_key("riverside", Role.VIEWER, "", "")[0])
    assert other is not None
    assert check_secret(record, other) is None
    assert check_secret(None, parts) is None
    from dataclasses import replace

    assert check_secret(replace(record, revoked=True), parts) is None


def test_staff_keys_have_no_tenant_and_tenant_keys_need_a_valid_id() -> None:
    with pytest.raises(ValueError, match="staff"):
        new_key("riverside", Role.STAFF, "", "")
    with pytest.raises(ValueError, match="tenant id"):
        new_key("Not Valid", Role.VIEWER, "", "")
    token, _ = new_key("_staff", Role.STAFF, "", "")
    assert token.startswith("rbk._staff.")


def test_roles() -> None:
    viewer = Principal("riverside", "k", Role.VIEWER)
    admin = Principal("riverside", "k", Role.ADMIN)
    staff = Principal("_staff", "k", Role.STAFF)
    assert viewer.can_read("riverside") and not viewer.can_read("hillside")
    assert not viewer.can_admin("riverside") and admin.can_admin("riverside")
    assert not admin.can_admin("hillside")
    assert staff.can_read("hillside") and staff.can_admin("hillside")
    mms = Principal("_mms", "k", Role.MMS, "the MMS")
    assert mms.can_read("hillside") and not mms.can_admin("hillside")
    assert mms.can_report_sends("hillside") and mms.can_set_contact_count
    assert not admin.can_set_contact_count and staff.can_set_contact_count


def test_mms_keys_have_no_tenant() -> None:
    with pytest.raises(ValueError, match="sending system"):
        new_key("riverside", Role.MMS, "", "")
    token, record = new_key("_mms", Role.MMS, "MMS production", "", "ann@example.com")
    assert token.startswith("rbk._mms.") and record.created_by == "ann@example.com"


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("Basic abc", None), ("Bearer ", None), ("bearer tok", "tok")],
)
def test_bearer_token(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


@pytest.mark.parametrize(
    "token", ["", "rbk", "rbk.a.b.c", "xyz.riverside.0123456789ab." + "a" * 43]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert split_token(token) is None
