"""The nightly re-check end to end on the local AWS stack, asking our own DNS stub: suppressed
and long-ago-marked-good addresses are re-checked, each result lands in the address's history,
changes reach the tenant's digest, a marked-good address whose domain takes no mail any more is
suppressed again, a second invocation of the same night does nothing twice, and a run out of
time pauses and resumes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import app as chalice_app
from chalicelib import wiring
from chalicelib.bounces import Suppression, SuppressionReason
from chalicelib.config import Env, settings
from chalicelib.recheck.nightly import RunStatus
from chalicelib.storage import keys
from chalicelib.storage.counters import _suppression_item
from chalicelib.storage.items import AddressCounterItem, RecheckHistoryItem, SuppressionItem
from rebound.dnsstub import DnsStub
from tests.integration.helpers import seed_counted_bounces, setup_tenant

pytestmark = pytest.mark.integration
T0 = datetime(2026, 9, 1, 9, tzinfo=UTC)


class FakeDeadline:
    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def remaining_seconds(self) -> float:
        self.left -= 10  # every question costs ten "seconds"
        return self.left


@pytest.fixture
def stub(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[DnsStub]:
    server = DnsStub.start()
    monkeypatch.setenv(Env.DNS_SERVER, f"127.0.0.1:{server.port}")
    settings.cache_clear()
    wiring.recheck_service.cache_clear()
    yield server
    server.stop()
    monkeypatch.delenv(Env.DNS_SERVER)
    settings.cache_clear()
    wiring.recheck_service.cache_clear()


def suppress(tenant: str, address: str) -> None:
    reason = SuppressionReason.HARD_BOUNCE
    _suppression_item(Suppression(tenant, address, reason, T0, "rebound")).save()


def mark_good(tenant: str, address: str, days_ago: int) -> None:
    seed_counted_bounces(tenant, address, 1, T0)
    counters = wiring.counters()
    assert counters.reactivate(tenant, address) is not None
    item = AddressCounterItem.get(keys.tenant_pk(tenant), keys.counter_sk(address))
    item.update(
        actions=[
            AddressCounterItem.reactivated_at.set(
                (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
            )
        ]
    )


def test_a_night_of_rechecks(stub: DnsStub) -> None:
    setup_tenant("riverside")
    suppress("riverside", "ann@example.net")
    suppress("riverside", "gone@nomail.example.org")
    mark_good("riverside", "old@no-such-domain.example.com", days_ago=120)
    mark_good("riverside", "fresh@no-such-domain.example.com", days_ago=5)

    outcome = chalice_app.recheck_nightly({}, None)
    assert outcome["tenants"]["riverside"] == {"status": "done", "checked": 3, "changed": 2}
    again = chalice_app.recheck_nightly({}, None)  # the same night: nothing twice
    assert again["tenants"]["riverside"]["checked"] == 3

    history = RecheckHistoryItem.get(
        keys.address_pk("riverside", "ann@example.net"),
        keys.recheck_history_sk(outcome["run_id"]),
    )
    assert history.verdict == "valid"
    changes = wiring.rechecks().changes("riverside", datetime.now(UTC) - timedelta(days=1))
    assert {c.address: str(c.verdict) for c in changes} == {
        "gone@nomail.example.org": "invalid",
        "old@no-such-domain.example.com": "invalid",
    }
    # Marked good, but the domain takes no mail any more: suppressed again, with the reason.
    renewed = SuppressionItem.get(
        keys.suppression_pk("riverside"), "old@no-such-domain.example.com"
    )
    assert renewed.reason == "no-mail-domain"
    assert not SuppressionItem.count(
        keys.suppression_pk("riverside"),
        SuppressionItem.sk == "fresh@no-such-domain.example.com",
    )

    digest = wiring.digest_service()._builder.tenant_digest(
        "riverside",
        name="Riverside",
        contacts=None,
        since=datetime.now(UTC) - timedelta(days=1),
        until=datetime.now(UTC) + timedelta(minutes=1),
        timezone="UTC",
        warn_rate=0.02,
        critical_rate=0.05,
    )
    assert digest.rechecks_total == 2
    assert not digest.is_empty


def test_a_run_out_of_time_pauses_and_the_next_invocation_resumes(stub: DnsStub) -> None:
    setup_tenant("riverside")
    for n in range(5):
        suppress("riverside", f"member{n}@example.net")
    nightly = wiring.nightly_recheck(90)
    store = wiring.rechecks()
    small = replace(nightly._config, page_size=2, first_page_estimate=5, safety_seconds=1)
    nightly = type(nightly)(nightly._service, store, store, store, small)
    first = nightly.run("riverside", "2026-12-06", datetime.now(UTC), FakeDeadline(30))
    assert first.status is RunStatus.PAUSED
    assert 0 < first.checkpoint.checked < 5
    second = nightly.run("riverside", "2026-12-06", datetime.now(UTC), FakeDeadline(1000))
    assert second.status is RunStatus.DONE
    assert second.checkpoint.checked == 5
