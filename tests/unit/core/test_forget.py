"""Forgetting one address (chalicelib/forget.py): the service's decisions with fake adapters,
and the pure helpers that rewrite plans, audit details and inbound records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.errors import BadRequest, Conflict, UnknownTenant
from chalicelib.forget import (
    CitedMessage,
    Erased,
    ForgetService,
    address_hash,
    history_citations,
    redacted,
    scrubbed,
    without_address,
)
from chalicelib.massdelete.plan import archive_prefix, plan_key
from chalicelib.ports import TenantSettings
from chalicelib.tenancy.tags import SigningKey

KEY = SigningKey("k1", b"a-test-key-for-hashing")
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _message(message_id: str, *recipients: str) -> CitedMessage:
    return CitedMessage("oldtown", "counted", AT, message_id, f"inbound/{message_id}", recipients)


def _unrecorded(message_id: str) -> CitedMessage:
    """A bounce counted for one address: its history entry is its record."""
    return CitedMessage(
        "oldtown", "counted", AT, message_id, f"inbound/{message_id}", (), recorded=False
    )


class FakeStore:
    def __init__(self) -> None:
        self.cited = [
            _message("m1", "ann@example.net"),
            _message("m2", "ann@example.net", "Bob@example.net"),
            _unrecorded("m5"),
        ]
        self.citing = {("bob@example.net", "m2")}
        self.deleted: list[str] = []
        self.redacted: list[tuple[str, str]] = []
        self.running = False
        self.archived = {
            _message("m3", "ann@example.net").message_id: _message("m3", "ann@example.net")
        }

    def cited_messages(self, tenant: str, address: str) -> list[CitedMessage]:
        return list(self.cited)

    def counted_message(self, tenant: str, received_at: datetime, message_id: str) -> CitedMessage:
        return self.archived.get(message_id) or _unrecorded(message_id)

    def cites(self, tenant: str, address: str, message_id: str) -> bool:
        return (address, message_id) in self.citing

    def erase_address(self, tenant: str, address: str) -> dict[str, int]:
        return {"counters": 1, "history": 2}

    def delete_inbound(self, message: CitedMessage) -> int:
        self.deleted.append(message.message_id)
        return 1

    def redact_inbound(self, message: CitedMessage, address: str) -> None:
        self.redacted.append((message.message_id, address))

    def job_ids(self, tenant: str) -> list[str]:
        return ["md-1"]

    def mass_delete_running(self, tenant: str) -> bool:
        return self.running


class FakeObjects:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = dict(objects)

    def delete_under(self, prefix: str) -> int:
        doomed = [k for k in self.objects if k.startswith(prefix)]
        for key in doomed:
            del self.objects[key]
        return len(doomed)

    def read_under(self, prefix: str) -> list[bytes]:
        return [v for k, v in self.objects.items() if k.startswith(prefix)]

    def delete(self, keys: Any) -> int:
        return sum(1 for k in keys if self.objects.pop(k, None) is not None)

    def read_if_any(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def write(self, key: str, raw: bytes) -> None:
        self.objects[key] = raw


class FakeTenants:
    def get_tenant(self, tenant: str) -> TenantSettings | None:
        return TenantSettings(tenant) if tenant == "oldtown" else None


class FakeAudit:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, dict[str, Any]]] = []

    def record(self, tenant: str, action: str, actor: str, detail: dict[str, Any]) -> None:
        self.lines.append((tenant, action, actor, detail))


def _history(message_id: str) -> dict[str, Any]:
    return {
        "pk": {"S": "T#oldtown#A#ann@example.net"},
        "sk": {"S": f"H#2026-11-20T09:27:00.000000Z#{message_id}"},
        "message_id": {"S": message_id},
        "received_at": {"S": "2026-11-20T09:30:00.000000Z"},
    }


def _plan() -> bytes:
    entries = [{"address": "ann@example.net", "records": 3}, {"address": "dee@example.org"}]
    return json.dumps([{"job_key": {}, "entries": entries}]).encode()


def _service() -> tuple[ForgetService, FakeStore, FakeObjects, FakeAudit]:
    store, audit = FakeStore(), FakeAudit()
    archive = archive_prefix("oldtown", "md-1", "ann@example.net")
    objects = FakeObjects(
        {
            "inbound/m1": b"bounce for ann",
            "inbound/m2": b"bounce for ann and bob",
            "inbound/m3": b"archived bounce for ann",
            "inbound/m4": b"archived bounce for ann, no inbound record",
            "inbound/m5": b"bounce for ann, no inbound record",
            f"{archive}head.json": b"{}",
            f"{archive}p0.json": json.dumps([_history("m3"), _history("m4")]).encode(),
            plan_key("oldtown", "md-1"): _plan(),
            "exports/oldtown/a.csv": b"ann@example.net",
            "exports/hillside/b.csv": b"ann@example.net",
        }
    )
    return ForgetService(store, objects, FakeTenants(), audit, KEY), store, objects, audit


def test_forget_deletes_what_only_this_person_is_cited_by_and_keeps_shared_mail() -> None:
    service, store, objects, audit = _service()
    outcome = service.forget("oldtown", " <Ann@Example.NET> ", "stan@example.net")
    # m1, m5, and m3 and m4 found through the archive; m4 and m5 have no inbound record
    assert outcome.count(Erased.RAW_MAIL) == 4
    assert outcome.count(Erased.RAW_MAIL_KEPT) == 1  # m2: bob's bounce still cites it
    assert store.deleted == ["m1", "m3"]
    assert outcome.count(Erased.INBOUND_RECORDS) == 2
    assert not any(k in objects.objects for k in ("inbound/m3", "inbound/m4", "inbound/m5"))
    assert store.redacted == [("m2", "ann@example.net")]
    assert "inbound/m2" in objects.objects and "inbound/m1" not in objects.objects
    assert outcome.count(Erased.ARCHIVES) == 2
    assert outcome.count(Erased.PLANS) == 1
    plan = json.loads(objects.objects[plan_key("oldtown", "md-1")])
    assert plan == [{"job_key": {}, "entries": [{"address": "dee@example.org"}]}]
    assert outcome.count(Erased.EXPORTS) == 1
    assert "exports/hillside/b.csv" in objects.objects  # another tenant's export
    assert (outcome.count(Erased.COUNTERS), outcome.count(Erased.HISTORY)) == (1, 2)
    ((tenant, action, actor, detail),) = audit.lines
    assert (tenant, action, actor) == ("oldtown", "forgotten", "stan@example.net")
    assert detail["address_sha256"] == address_hash(KEY, "oldtown", "ann@example.net")
    assert detail["hash_key"] == "k1"
    assert "ann" not in json.dumps(detail)


def test_forget_refuses_what_it_cannot_do() -> None:
    service, store, _, _ = _service()
    with pytest.raises(BadRequest):
        service.forget("oldtown", "no-at-sign", "stan@example.net")
    with pytest.raises(UnknownTenant):
        service.forget("nosuch", "ann@example.net", "stan@example.net")
    store.running = True
    with pytest.raises(Conflict):
        service.forget("oldtown", "ann@example.net", "stan@example.net")


def test_the_hash_is_one_way_per_tenant_and_key() -> None:
    ann = address_hash(KEY, "oldtown", "ann@example.net")
    assert len(ann) == 64 and "ann" not in ann
    assert ann == address_hash(KEY, "oldtown", "ann@example.net")
    assert ann != address_hash(KEY, "hillside", "ann@example.net")
    assert ann != address_hash(SigningKey("k2", b"another"), "oldtown", "ann@example.net")


def test_plan_rewrite_drops_the_address_and_empty_chunks() -> None:
    plan = [
        {"job_key": {}, "entries": [{"address": "ann@example.net"}]},
        {"job_key": {}, "entries": [{"address": "bob@example.net"}]},
    ]
    rest, removed = without_address(plan, "ann@example.net")
    assert removed and rest == [plan[1]]
    assert without_address(plan, "zed@example.net") == (plan, False)


def test_history_citations_are_found_at_any_depth() -> None:
    document = {"Items": [_history("m1"), {"sk": {"S": "M#x"}}], "head": {"x": [_history("m2")]}}
    assert history_citations(document) == [
        ("m1", "2026-11-20T09:30:00.000000Z"),
        ("m2", "2026-11-20T09:30:00.000000Z"),
    ]


def test_redaction_replaces_every_spelling() -> None:
    text = "Undelivered: <Ann@Example.net> and ann@example.net, not bob@example.net"
    assert redacted(text, "ann@example.net") == (
        "Undelivered: <[forgotten]> and [forgotten], not bob@example.net"
    )
    detail = {"selection": {"addresses": ["ann@example.net", "dee@example.org"]}, "n": 2}
    assert scrubbed(detail, "ann@example.net") == {
        "selection": {"addresses": ["[forgotten]", "dee@example.org"]},
        "n": 2,
    }


def test_every_kind_erased_is_a_field_of_the_answer() -> None:
    from chalicelib.api import models

    assert {str(k) for k in Erased} == set(models.ErasedCounts.__struct_fields__)
