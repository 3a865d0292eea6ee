"""The nightly run with fakes: it completes, pauses when time runs short and resumes from its
checkpoint, counts changes for the digest, asks DNS once per domain over a tenant's pages,
and fits 100,000 suppressed addresses in one invocation's time at the stub's speed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from chalicelib.recheck.cache import CachingResolver
from chalicelib.recheck.model import DomainAnswer, DomainStatus, Verdict
from chalicelib.recheck.nightly import (
    Candidate,
    CandidateKind,
    CandidatePage,
    Checked,
    Checkpoint,
    NightlyConfig,
    NightlyRecheck,
    RunStatus,
)
from chalicelib.recheck.service import RecheckService

from .fakes import FakeResolver, mx

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


class Candidates:
    def __init__(self, items: Sequence[Candidate]) -> None:
        self.items = list(items)
        self.asked: list[tuple[str | None, datetime]] = []

    def page(
        self, tenant: str, marked_good_before: datetime, cursor: str | None, limit: int
    ) -> CandidatePage:
        self.asked.append((cursor, marked_good_before))
        start = int(cursor or 0)
        end = start + limit
        following = str(end) if end < len(self.items) else None
        return CandidatePage(tuple(self.items[start:end]), following)


class Checkpoints:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], Checkpoint] = {}

    def load(self, tenant: str, run_id: str) -> Checkpoint | None:
        return self.saved.get((tenant, run_id))

    def save(self, checkpoint: Checkpoint) -> None:
        self.saved[(checkpoint.tenant, checkpoint.run_id)] = checkpoint


class Recorder:
    def __init__(self) -> None:
        self.history: dict[str, Checked] = {}  # idempotent per address within the run

    def record(self, tenant: str, run_id: str, checked: Sequence[Checked]) -> None:
        for item in checked:
            self.history[item.candidate.address] = item


class Deadline:
    """Each page costs `per_page` seconds of the invocation's `total`."""

    def __init__(self, total: float, per_page: float, candidates: Candidates) -> None:
        self.total, self.per_page, self.candidates = total, per_page, candidates

    def remaining_seconds(self) -> float:
        return self.total - self.per_page * len(self.candidates.asked)


def answers() -> dict[str, DomainAnswer]:
    found = {f"d{i}.example.com": mx(f"d{i}.example.com") for i in range(10)}
    found["gone.example.net"] = DomainAnswer("gone.example.net", DomainStatus.NULL_MX)
    found["slow.example.net"] = DomainAnswer("slow.example.net", DomainStatus.TIMEOUT)
    return found


def suppressed(count: int) -> list[Candidate]:
    return [
        Candidate(f"m{i}@d{i % 10}.example.com", CandidateKind.SUPPRESSED, Verdict.VALID)
        for i in range(count)
    ]


def nightly(
    items: Sequence[Candidate], config: NightlyConfig, resolver: FakeResolver | None = None
) -> tuple[NightlyRecheck, Candidates, Checkpoints, Recorder, FakeResolver]:
    resolver = resolver or FakeResolver(answers())
    candidates, checkpoints, recorder = Candidates(items), Checkpoints(), Recorder()
    service = RecheckService(CachingResolver(resolver))
    run = NightlyRecheck(service, candidates, checkpoints, recorder, config)
    return run, candidates, checkpoints, recorder, resolver


def test_a_run_with_time_enough_completes_and_asks_dns_once_per_domain() -> None:
    run, candidates, checkpoints, recorder, resolver = nightly(
        suppressed(1200), NightlyConfig(page_size=500)
    )
    outcome = run.run("riverside", "2026-12-06", NOW, Deadline(900, 1, candidates))
    assert outcome.status is RunStatus.DONE
    assert outcome.checkpoint.checked == outcome.checked_now == 1200
    assert outcome.checkpoint.pages == 3 and outcome.checkpoint.done
    assert len(recorder.history) == 1200
    assert sum(len(batch) for batch in resolver.batches) == 10  # the run's cache
    assert checkpoints.saved[("riverside", "2026-12-06")] == outcome.checkpoint


def test_marked_good_addresses_are_those_older_than_the_tenant_setting() -> None:
    run, candidates, *_ = nightly(suppressed(1), NightlyConfig(regood_after_days=30))
    run.run("riverside", "2026-12-06", NOW, Deadline(900, 1, candidates))
    assert candidates.asked[0][1] == NOW - timedelta(days=30)


def test_out_of_time_it_pauses_and_the_next_invocation_resumes() -> None:
    config = NightlyConfig(page_size=100, safety_seconds=30, first_page_estimate=20)
    run, candidates, _, recorder, _ = nightly(suppressed(1000), config)
    # Pages start with 100, 90, 80, 70, 60 and 50 s left; at 40 s, 20 + 30 no longer fits.
    first = run.run("riverside", "2026-12-06", NOW, Deadline(100, 10, candidates))
    assert first.status is RunStatus.PAUSED
    assert first.checked_now == 600 and first.checkpoint.cursor == "600"
    candidates.asked.clear()
    second = run.run("riverside", "2026-12-06", NOW, Deadline(900, 10, candidates))
    assert second.status is RunStatus.DONE
    assert candidates.asked[0][0] == "600"  # went on from the checkpoint
    assert second.checked_now == 400 and second.checkpoint.checked == 1000
    assert len(recorder.history) == 1000
    again = run.run("riverside", "2026-12-06", NOW, Deadline(900, 10, candidates))
    assert again.status is RunStatus.DONE and again.checked_now == 0


def test_a_slow_page_makes_it_stop_earlier() -> None:
    config = NightlyConfig(page_size=100, safety_seconds=10, first_page_estimate=1)
    run, candidates, *_ = nightly(suppressed(1000), config)
    outcome = run.run("riverside", "2026-12-06", NOW, Deadline(200, 60, candidates))
    # 200 s left: a page; 140 s: a page (longest now 60); 80 s: 60 + 10 fits; 20 s: stop.
    assert outcome.status is RunStatus.PAUSED and outcome.checkpoint.pages == 3


def test_changes_are_what_the_digest_lists() -> None:
    items = [
        Candidate("ann@d1.example.com", CandidateKind.SUPPRESSED, Verdict.VALID),  # same
        Candidate("bob@gone.example.net", CandidateKind.MARKED_GOOD, Verdict.VALID),  # invalid
        Candidate("cy@slow.example.net", CandidateKind.MARKED_GOOD, Verdict.VALID),  # unknown
        Candidate("dee@nosuch.example.org", CandidateKind.SUPPRESSED, None),  # first: invalid
        Candidate("eve@d2.example.com", CandidateKind.SUPPRESSED, None),  # first: valid
        Candidate("info@d3.example.com", CandidateKind.MARKED_GOOD, Verdict.VALID),  # risky
    ]
    run, candidates, _, recorder, _ = nightly(items, NightlyConfig())
    outcome = run.run("riverside", "2026-12-06", NOW, Deadline(900, 1, candidates))
    changed = {a for a, c in recorder.history.items() if c.changed}
    assert changed == {"bob@gone.example.net", "dee@nosuch.example.org", "info@d3.example.com"}
    assert outcome.checkpoint.changed == 3
    gone = recorder.history["bob@gone.example.net"].result
    assert gone.verdict is Verdict.INVALID and "accepts no email" in gone.explanation


def test_100000_suppressed_addresses_fit_one_invocation() -> None:
    """100,000 addresses over 5,000 domains in pages of 500: the work is 200 service calls and
    5,000 lookups (the run's cache), measured here with the clock of this machine."""
    import time

    domains = {f"d{i}.example.com": mx(f"d{i}.example.com") for i in range(5000)}
    items = [
        Candidate(f"m{i}@d{i % 5000}.example.com", CandidateKind.SUPPRESSED, Verdict.VALID)
        for i in range(100_000)
    ]
    run, _, _, recorder, resolver = nightly(
        items, NightlyConfig(page_size=500), FakeResolver(domains)
    )

    class Wall:
        def __init__(self) -> None:
            self.end = time.monotonic() + 15 * 60  # Lambda's limit

        def remaining_seconds(self) -> float:
            return self.end - time.monotonic()

    started = time.monotonic()
    outcome = run.run("riverside", "2026-12-06", NOW, Wall())
    assert outcome.status is RunStatus.DONE and outcome.checkpoint.checked == 100_000
    assert sum(len(b) for b in resolver.batches) == 5000
    assert len(recorder.history) == 100_000
    assert time.monotonic() - started < 120  # the core's share; DNS and writes come on top


def test_deadlines_from_a_lambda_context_and_from_seconds() -> None:
    from chalicelib.recheck.nightly import ContextDeadline, SecondsDeadline

    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 90_500

    assert ContextDeadline(Context()).remaining_seconds() == 90.5
    assert 59 < SecondsDeadline(60).remaining_seconds() <= 60
