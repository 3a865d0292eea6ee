"""Block-burst alerts from the stream aggregator's windows: a run of counted bounces merged into
one increment per (receiving domain, UTC hour), and the alert raised when a window is at or over
`block_burst`, once however many runs (concurrent shards, a redelivered batch) see it there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.classification.reasons import Category, Reason, is_block_rejection
from chalicelib.config import NotifySettings
from chalicelib.notify.alerts import AlertDispatcher, AlertObserver, AlertOutcome
from chalicelib.notify.model import AlertKind, BlockWindow
from chalicelib.notify.service import MailPolicy
from chalicelib.storage import keys
from chalicelib.storage.aggregate import CountedBounce, latest_block_bounces, merge_run
from chalicelib.timefmt import iso

NOW = datetime(2026, 11, 20, 9, 40, tzinfo=UTC)
ZEN = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
POLICY = "550 5.7.1 Message rejected due to local policy"


def counted(
    n: int,
    domain: str = "example.com",
    *,
    at: datetime = NOW,
    reason: Reason = Reason.POLICY_VIOLATION,
    category: Category = Category.BLOCK,
    blacklisted: bool = False,
    diagnostic: str = POLICY,
    tenant: str = "riverside",
) -> CountedBounce:
    """Counted bounce number n, as its history item's stream image tells it."""
    received = at + timedelta(seconds=n)
    block = is_block_rejection(reason, category)
    return CountedBounce(
        history=(f"T#{tenant}#A#m{n}@{domain}", f"H#{n}"),
        tenant=tenant,
        domain=domain,
        day=received.date().isoformat(),
        received_at=iso(received),
        expires_at=0,
        reason=str(reason),
        category=category,
        hard=False,
        blacklisted=blacklisted,
        source="broadcast",
        send_id="s1",
        diagnostic=diagnostic,
        block_window=received.strftime("%Y-%m-%dT%H") if block else None,
    )


def window_hits(run: list[CountedBounce]) -> dict[str, int]:
    merged = merge_run(run, frozenset())
    return {
        sk: figure.adds["hits"]
        for (pk, sk), figure in merged.items()
        if pk == keys.alert_pk("_system")
    }


def test_a_run_adds_once_per_domain_and_hour_and_only_rejections_about_us() -> None:
    run = [counted(i) for i in range(4)]  # 09:40:00-03, example.com
    run.append(counted(5, at=NOW + timedelta(minutes=30)))  # 10:10, the next window
    run.append(counted(6, "example.net", reason=Reason.SPAM_DETECTED, category=Category.SOFT))
    run.append(counted(7, "example.net", reason=Reason.USER_UNKNOWN, category=Category.HARD))
    run.append(counted(8, "example.org", reason=Reason.EXPIRED, category=Category.SOFT))
    run.append(run[0])  # a stream that repeats a record within the run
    assert window_hits(run) == {
        "W#2026-11-20T09#blocks#example.com": 4,
        "W#2026-11-20T10#blocks#example.com": 1,
        "W#2026-11-20T09#blocks#example.net": 1,
    }
    window = merge_run(run, frozenset())[
        (keys.alert_pk("_system"), "W#2026-11-20T09#blocks#example.com")
    ]
    # Kept two days past its last rejection, then removed by the table's TTL.
    assert window.expires_at == int((NOW + timedelta(seconds=3, days=2)).timestamp())


def test_each_window_names_its_latest_rejection() -> None:
    run = [
        counted(3, blacklisted=True, diagnostic=ZEN, tenant="harbour"),
        counted(1),
        counted(2, "example.net"),
    ]
    latest = latest_block_bounces(run)
    assert sorted(latest) == [
        "W#2026-11-20T09#blocks#example.com",
        "W#2026-11-20T09#blocks#example.net",
    ]
    assert latest["W#2026-11-20T09#blocks#example.com"].tenant == "harbour"
    assert latest_block_bounces([counted(1, reason=Reason.EXPIRED, category=Category.SOFT)]) == {}


class MemoryStore:
    """The alert claims and email budget of NotifyStore, in memory (the conditional writes
    themselves are tested on DynamoDB in tests/integration/test_notify_storage.py)."""

    def __init__(self) -> None:
        self.claims: dict[tuple[str, str], datetime] = {}
        self.budget: dict[tuple[str, str], int] = {}

    def claim_alert(self, scope: str, key: str, now: datetime, cooldown: timedelta) -> bool:
        last = self.claims.get((scope, key))
        if last is not None and last >= now - cooldown:
            return False
        self.claims[(scope, key)] = now
        return True

    def release_alert(self, scope: str, key: str, claimed_at: datetime) -> None:
        if self.claims.get((scope, key)) == claimed_at:
            del self.claims[(scope, key)]

    def take_alert_budget(self, scope: str, window: str, limit: int) -> bool:
        sent = self.budget.get((scope, window), 0)
        if sent >= limit:
            return False
        self.budget[(scope, window)] = sent + 1
        return True


class Capture:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.mails: list[tuple[str, str]] = []
        self.events: list[dict[str, Any]] = []

    def send_multipart(self, **kwargs: Any) -> str:
        if self.fail:
            raise OSError("SES unavailable")
        self.mails.append((kwargs["subject"], kwargs["text"]))
        return "m"

    def put_alert(self, detail_type: str, detail: Any) -> None:
        self.events.append(dict(detail))


def observer(capture: Capture, clock: list[datetime], block_burst: int = 5) -> AlertObserver:
    store = MemoryStore()
    dispatcher = AlertDispatcher(
        store=store,  # type: ignore[arg-type]
        mailer=capture,
        events=capture,
        policy=MailPolicy("no-reply@example.com", "bounces", "mx.example.org"),
        staff_recipients=["staff@example.com"],
        emails_per_hour=10,
    )
    return AlertObserver(
        store=store,  # type: ignore[arg-type]
        dispatcher=dispatcher,
        config=NotifySettings(block_burst=block_burst),
        report_url="https://rebound.example.com/api/",
        clock=lambda: clock[0],
    )


def window(hits: int, domain: str = "example.com", **kw: Any) -> BlockWindow:
    fields: dict[str, Any] = {
        "domain": domain,
        "window": "2026-11-20T09",
        "hits": hits,
        "tenant": "riverside",
        "reason": "policyviolation",
        "blacklisted": False,
        "diagnostic": POLICY,
    }
    fields.update(kw)
    return BlockWindow(**fields)


def test_a_window_that_reaches_the_level_alerts_with_the_text_of_before() -> None:
    capture = Capture()
    alerts = observer(capture, [NOW])
    alerts.observe_block_windows([window(4), window(2, "example.net")])
    assert capture.mails == [] and alerts.raised == []
    alerts.observe_block_windows(
        [window(7, blacklisted=True, diagnostic=ZEN, reason="blocked"), window(3, "example.net")]
    )
    [(subject, text)] = capture.mails
    assert (
        subject == "[Rebound Warning] 7 block or policy rejections from example.com within the hour"
    )
    assert "example.com keeps refusing our mail for reasons about our server or content" in text
    assert "listed on Spamhaus ZEN, tenant riverside)." in text
    assert f"Diagnostic: {ZEN}" in text
    [event] = capture.events
    assert (event["kind"], event["key"], event["hits"]) == (
        AlertKind.BLOCK_BURST,
        "block-burst#example.com",
        7,
    )
    assert (event["tenant"], event["domain"]) == ("riverside", "example.com")


def test_runs_that_see_the_window_over_the_level_together_alert_once() -> None:
    """Two shards' runs (3 and 3 of a level of 5) that both read the window after both wrote
    it; then the first batch delivered again: one email, one event."""
    capture = Capture()
    clock = [NOW]
    alerts = observer(capture, clock)
    alerts.observe_block_windows([window(6)])  # the first shard's run, read after both wrote
    alerts.observe_block_windows([window(6)])  # the second shard's run
    clock[0] = NOW + timedelta(minutes=1)
    alerts.observe_block_windows([window(6)])  # the first batch again (its run was applied)
    assert [o.outcome for o in alerts.raised] == [
        AlertOutcome.SENT,
        AlertOutcome.DUPLICATE,
        AlertOutcome.DUPLICATE,
    ]
    assert len(capture.mails) == 1 and len(capture.events) == 1
    # Within the cool-down a later window over the level stays quiet; after it, it alerts.
    clock[0] = NOW + timedelta(hours=2)
    alerts.observe_block_windows([window(5, window="2026-11-20T11")])
    clock[0] = NOW + timedelta(hours=7)
    alerts.observe_block_windows([window(5, window="2026-11-20T16")])
    assert len(capture.mails) == 2


def test_an_alert_whose_email_failed_is_raised_by_the_next_run_over_the_level() -> None:
    capture = Capture(fail=True)
    alerts = observer(capture, [NOW])
    alerts.observe_block_windows([window(5)])
    assert [o.outcome for o in alerts.raised] == [AlertOutcome.FAILED]
    capture.fail = False
    alerts.observe_block_windows([window(5)])  # e.g. the same batch delivered again
    assert [o.outcome for o in alerts.raised][1:] == [AlertOutcome.SENT]
    assert len(capture.mails) == 1
