"""The nightly re-check of one tenant: every suppressed address, and every address marked good
more than `regood_after_days` ago, re-checked by DNS; bounded in time and resumable.

One run is identified by (tenant, run_id), run_id being the night (`2026-12-06`). It reads the
candidates a page at a time from a cursor, re-checks each page in one RecheckService call (so
DNS is asked once per domain of the page; the service's CachingResolver keeps answers for the
rest of the invocation and, through its store, for the next nights), hands the results to the
recorder (history entries, and the changes the tenant's digest lists), and saves a checkpoint
after every page. Before each page it asks the deadline how much time is left: when less than
the longest page so far plus a safety margin remains, it stops and says "paused"; the next
invocation with the same run_id goes on from the checkpoint. A page that was recorded but not
checkpointed (the function died in between) is checked and recorded again: the recorder must
be idempotent per (run_id, address).

A change is what the digest lists: a verdict other than the address's last one (an "unknown"
never counts: it says nothing new), or on a first re-check an address found invalid. A domain
that no longer takes mail (NXDOMAIN, null MX) makes every address there invalid, with the
reason in the explanation.

Sizes (docs/recheck.md has the reckoning): pages of 500 keep a page well under a minute even
with many DNS timeouts; 100,000 addresses are 200 pages, a few minutes in one invocation of a
15-minute Lambda, and any run that does not fit simply resumes.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from chalicelib.recheck.model import MAX_ADDRESSES, RecheckResult, Verdict
from chalicelib.recheck.service import RecheckService

DEFAULT_PAGE_SIZE = 500
DEFAULT_SAFETY_SECONDS = 30.0
DEFAULT_FIRST_PAGE_ESTIMATE = 20.0
DEFAULT_REGOOD_AFTER_DAYS = 90


class CandidateKind(StrEnum):
    SUPPRESSED = "suppressed"
    MARKED_GOOD = "marked_good"


@dataclass(frozen=True, slots=True)
class Candidate:
    address: str
    kind: CandidateKind
    previous: Verdict | None = None  # the verdict of the address's last re-check


@dataclass(frozen=True, slots=True)
class CandidatePage:
    items: tuple[Candidate, ...]
    next_cursor: str | None


class CandidateSource(Protocol):
    def page(
        self, tenant: str, marked_good_before: datetime, cursor: str | None, limit: int
    ) -> CandidatePage:
        """Up to `limit` candidates after `cursor`: suppressed addresses and those marked good
        before `marked_good_before`. Ordered by domain where an index allows (the counters'
        domain facet), so that a page holds few domains."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    tenant: str
    run_id: str
    cursor: str | None = None
    pages: int = 0
    checked: int = 0
    changed: int = 0
    done: bool = False


class CheckpointStore(Protocol):
    def load(self, tenant: str, run_id: str) -> Checkpoint | None: ...

    def save(self, checkpoint: Checkpoint) -> None: ...


@dataclass(frozen=True, slots=True)
class Checked:
    candidate: Candidate
    result: RecheckResult
    changed: bool


class RecheckRecorder(Protocol):
    def record(self, tenant: str, run_id: str, checked: Sequence[Checked]) -> None:
        """Each result into its address's history; the changed ones where the digest reads
        them. Idempotent per (run_id, address)."""


class Deadline(Protocol):
    def remaining_seconds(self) -> float:
        """Time left in this invocation (in Lambda: context.get_remaining_time_in_millis)."""


class LambdaContext(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


class ContextDeadline:
    """The Deadline of a Lambda invocation."""

    def __init__(self, context: LambdaContext) -> None:
        self._context = context

    def remaining_seconds(self) -> float:
        return self._context.get_remaining_time_in_millis() / 1000


class SecondsDeadline:
    """A Deadline `seconds` from now (local runs, the CLI)."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining_seconds(self) -> float:
        return self._end - time.monotonic()


class RunStatus(StrEnum):
    DONE = "done"
    PAUSED = "paused"  # out of time: invoke again with the same run_id


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: RunStatus
    checkpoint: Checkpoint
    checked_now: int  # addresses checked in this invocation


@dataclass(frozen=True, slots=True)
class NightlyConfig:
    page_size: int = DEFAULT_PAGE_SIZE
    safety_seconds: float = DEFAULT_SAFETY_SECONDS
    first_page_estimate: float = DEFAULT_FIRST_PAGE_ESTIMATE
    regood_after_days: int = DEFAULT_REGOOD_AFTER_DAYS  # a tenant setting, 90 by default


def is_change(candidate: Candidate, result: RecheckResult) -> bool:
    if result.verdict is Verdict.UNKNOWN:
        return False
    if candidate.previous is None:
        return result.verdict is Verdict.INVALID
    return result.verdict is not candidate.previous


class NightlyRecheck:
    def __init__(
        self,
        service: RecheckService,
        candidates: CandidateSource,
        checkpoints: CheckpointStore,
        recorder: RecheckRecorder,
        config: NightlyConfig | None = None,
    ) -> None:
        self._service = service
        self._candidates = candidates
        self._checkpoints = checkpoints
        self._recorder = recorder
        self._config = config or NightlyConfig()

    def run(self, tenant: str, run_id: str, now: datetime, deadline: Deadline) -> RunOutcome:
        config = self._config
        checkpoint = self._checkpoints.load(tenant, run_id) or Checkpoint(tenant, run_id)
        marked_good_before = now - timedelta(days=config.regood_after_days)
        longest_page = config.first_page_estimate
        checked_now = 0
        while not checkpoint.done:
            started = deadline.remaining_seconds()
            if started < longest_page + config.safety_seconds:
                return RunOutcome(RunStatus.PAUSED, checkpoint, checked_now)
            page = self._candidates.page(
                tenant, marked_good_before, checkpoint.cursor, config.page_size
            )
            checked = self._check(page.items)
            if checked:
                self._recorder.record(tenant, run_id, checked)
            checkpoint = replace(
                checkpoint,
                cursor=page.next_cursor,
                pages=checkpoint.pages + 1,
                checked=checkpoint.checked + len(checked),
                changed=checkpoint.changed + sum(c.changed for c in checked),
                done=page.next_cursor is None,
            )
            self._checkpoints.save(checkpoint)
            checked_now += len(checked)
            longest_page = max(longest_page, started - deadline.remaining_seconds())
        return RunOutcome(RunStatus.DONE, checkpoint, checked_now)

    def _check(self, candidates: Sequence[Candidate]) -> list[Checked]:
        checked: list[Checked] = []
        # One service call checks at most MAX_ADDRESSES; a page may be configured larger.
        for start in range(0, len(candidates), MAX_ADDRESSES):
            chunk = candidates[start : start + MAX_ADDRESSES]
            report = self._service.check([c.address for c in chunk])
            checked += [
                Checked(c, r, is_change(c, r)) for c, r in zip(chunk, report.results, strict=True)
            ]
        return checked
