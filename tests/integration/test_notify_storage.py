"""The conditional writes digests and alerts rely on, on moto AND the real DynamoDB Local:
a digest claimed once per period, an alert once per cool-down, an hourly email budget, send sizes
never counted twice, and a bounce's send and domain tallies derived once per (bounce,
recipient) however often the stream delivers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.notify.model import DigestState
from chalicelib.storage.counters import CounterRepository
from chalicelib.storage.notify import NotifyRepository
from rebound.samples import sample_event
from tests.integration.helpers import aggregate

NOW = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["moto", pytest.param("dynamodb_local", marks=pytest.mark.dynamodb_local)])
def notify(request: pytest.FixtureRequest) -> NotifyRepository:
    request.getfixturevalue("aws" if request.param == "moto" else "dynamodb_local_table")
    return NotifyRepository()


def test_a_digest_period_is_claimed_once_and_a_dead_claim_is_taken_over(
    notify: NotifyRepository,
) -> None:
    stale = timedelta(minutes=15)
    assert notify.claim_digest("riverside", "2026-11-20", NOW, stale)
    assert not notify.claim_digest("riverside", "2026-11-20", NOW + timedelta(minutes=1), stale)
    # A run that died mid-send longer ago than any run lasts: another run may take over.
    later = NOW + timedelta(minutes=20)
    assert notify.claim_digest("riverside", "2026-11-20", later, stale)
    notify.finish_digest("riverside", "2026-11-20", DigestState.SENT, "ses-1")
    assert not notify.claim_digest("riverside", "2026-11-20", later + timedelta(hours=2), stale)
    # A failed send releases only its own claim, so the retry can claim again.
    assert notify.claim_digest("riverside", "2026-11-21", NOW, stale)
    notify.release_digest("riverside", "2026-11-21", NOW + timedelta(seconds=1))  # not ours
    assert not notify.claim_digest("riverside", "2026-11-21", NOW, stale)
    notify.release_digest("riverside", "2026-11-21", NOW)
    assert notify.claim_digest("riverside", "2026-11-21", NOW, stale)


def test_alerts_cool_down_and_emails_have_an_hourly_budget(notify: NotifyRepository) -> None:
    cooldown = timedelta(hours=6)
    assert notify.claim_alert("riverside", "blacklisted:example.net", NOW, cooldown)
    assert not notify.claim_alert("riverside", "blacklisted:example.net", NOW, cooldown)
    assert notify.claim_alert("riverside", "blacklisted:example.org", NOW, cooldown)
    assert notify.claim_alert("riverside", "blacklisted:example.net", NOW + cooldown * 2, cooldown)
    budget = [notify.take_alert_budget("riverside", "2026-11-20T07", 3) for _ in range(5)]
    assert budget == [True, True, True, False, False]
    assert notify.take_alert_budget("riverside", "2026-11-20T08", 3)


def test_send_sizes_and_bounces_are_never_counted_twice(notify: NotifyRepository) -> None:
    for _ in range(2):  # the MMS repeats its report
        sent = notify.put_send_volume(
            "riverside",
            "s1",
            source="broadcast",
            recipients=100,
            per_domain={"example.net": 80, "example.org": 20},
            now=NOW,
        )
    assert sent.recipients == 100
    bounce = sample_event(received_at=NOW)
    counters = CounterRepository()
    assert counters.record_bounce(bounce)
    assert not counters.record_bounce(bounce)  # a redelivery of the same message
    aggregate()
    aggregate()  # the stream delivered again: applied once
    assert notify.send_for(bounce).bounces == 2  # the stored one, and the one in hand
    volumes = {v.domain: (v.recipients, v.bounces) for v in notify.domain_volumes("riverside")}
    assert volumes == {"example.net": (80, 1), "example.org": (20, 0)}
    corrected = notify.put_send_volume(
        "riverside",
        "s1",
        source="broadcast",
        recipients=90,
        per_domain={"example.net": 70},
        now=NOW,
    )
    assert corrected.bounces == 1
    volumes = {v.domain: v.recipients for v in notify.domain_volumes("riverside")}
    assert volumes == {"example.net": 70, "example.org": 0}


@pytest.mark.dynamodb_local
@pytest.mark.usefixtures("dynamodb_local_table")
def test_five_thousand_domains_and_their_corrections_move_the_totals_once() -> None:
    notify = NotifyRepository()
    per_domain = {f"d{i:04d}.example.org": 3 for i in range(5000)}
    sent = notify.put_send_volume(
        "riverside", "big", source="broadcast", recipients=15000, per_domain=per_domain, now=NOW
    )
    assert len(sent.per_domain) == 5000
    again = notify.put_send_volume(
        "riverside", "big", source="broadcast", recipients=15000, per_domain=per_domain, now=NOW
    )
    assert again.per_domain == sent.per_domain
    corrected = {d: n for d, n in per_domain.items() if not d.startswith("d0")}  # 1,000 fewer
    corrected["d4999.example.org"] = 10
    notify.put_send_volume(
        "riverside", "big", source="broadcast", recipients=12007, per_domain=corrected, now=NOW
    )
    volumes = {v.domain: v.recipients for v in notify.domain_volumes("riverside")}
    assert sum(volumes.values()) == 12007
    assert volumes["d4999.example.org"] == 10
    assert volumes["d0001.example.org"] == 0
    stored = notify.get_send_volume("riverside", "big")
    assert stored is not None and stored.recipients == 12007
