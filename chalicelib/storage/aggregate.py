"""The tenant's figures, derived off the counting path from the table's stream: daily
statistics, all-time totals per reason, domain and source, the address totals (how many
addresses, per category, suppressed: storage/totals.py), each send's and each recipient
domain's bounce tallies (the report, digests and alerts read them as before), and the hourly
block-burst windows (block or policy rejections per receiving domain, over all tenants).

Each new history item is one counted bounce (counting writes it once), and its stream image
carries everything a figure needs. Lambda's event-source mapping delivers a shard's records in
order, in batches, and delivers a batch again, from its first record, until it succeeds (and
moto's stream repeats records), so applying is idempotent per run of records: one
TransactWriteItems per run adds the run's merged increments to each figure it touches and
creates a segment item keyed by the run's first eventID that says how many records it covered
(condition: absent). A redelivered batch finds its first record's segment and skips what it
covered, run by run, and applies only what no run covered yet. The cost is a couple of write
units per run (up to a batch of 1,000 bounces when they touch few figures) instead of a write on
every bounce.

A block-burst window is one more figure of a run's transaction (so a redelivered batch never
counts a rejection twice). After each run, applied now or found applied before, the windows it
touched are read back and handed to the listener the composition root gives (the alert
observer, chalicelib/notify/alerts.py), which decides; a run found applied is told again, so an
alert lost to a crash between the transaction and the listener is raised on the redelivery
(the alert's claim keeps it to one). An error in the listener fails the batch like any other:
delivered again, its applied runs are skipped and only told again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.classification.reasons import BLOCK_CATEGORIES, Category, is_block_rejection
from chalicelib.errors import RetryLater
from chalicelib.notify.model import BlockWindow
from chalicelib.ports import AddressTotals
from chalicelib.storage import keys
from chalicelib.storage.core import (
    DEFAULT_RETRY,
    RetryPolicy,
    cancellation_reasons,
    connection,
    worth_retrying,
)
from chalicelib.storage.items import (
    AddressTotalsItem,
    AggregatedSegmentItem,
    AggregateItem,
    AlertWindowItem,
    BounceHistoryItem,
    DailyStatsItem,
    SendDomainItem,
    SendVolumeItem,
)
from chalicelib.storage.notify import SEND_TTL, UNKNOWN_SEND, WINDOW_TTL
from chalicelib.storage.totals import adds, decode_change, totals_item
from chalicelib.tenancy.ids import SYSTEM_SCOPE
from chalicelib.timefmt import hour_window, parse_iso

# The event-source mapping's filter (infra/; `wanted` is the same test in code, for the local
# stream pump): only new history items, and not those a mass delete's undo puts back (marked
# `rs`: counted when they first arrived), so Lambda is not even invoked for an undo's items.
# Lambda's "exists" sees only leaf values of the record's JSON, so it names the attribute's type
# (BOOL) under the attribute.
STREAM_FILTER: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {
        "Keys": {"sk": {"S": [{"prefix": keys.HISTORY_SK_PREFIX}]}},
        "NewImage": {BounceHistoryItem.restored.attr_name: {"BOOL": [{"exists": False}]}},
    },
}
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
SEGMENT_TTL = timedelta(days=3)  # the stream keeps records for 24 hours; Lambda retries within
_DAY_FIELD = {
    Category.HARD: DailyStatsItem.hard,
    Category.SOFT: DailyStatsItem.soft,
    Category.BLOCK: DailyStatsItem.block,
    Category.SPAM_CONTENT: DailyStatsItem.spam_content,
    Category.MAILBOX_FULL: DailyStatsItem.mailbox_full,
}
# Told the block-burst windows each run of records touched, with their counts after it.
BlockWindowListener = Callable[[Sequence[BlockWindow]], None]


def wanted(record: Mapping[str, Any]) -> bool:
    """Does a stream record match STREAM_FILTER (a new history item), and is it a bounce
    counted now (not one a mass delete's undo put back: counted when it arrived)?"""
    change = record.get("dynamodb", {})
    sk = change.get("Keys", {}).get("sk", {}).get("S", "")
    if record.get("eventName") != "INSERT" or not str(sk).startswith(keys.HISTORY_SK_PREFIX):
        return False
    return BounceHistoryItem.restored.attr_name not in change.get("NewImage", {})


@dataclass(frozen=True, slots=True)
class CountedBounce:
    """One counted bounce as its history item's stream image tells it."""

    history: tuple[str, str]  # the history item's key: the bounce, once
    tenant: str
    domain: str
    day: str
    received_at: str
    expires_at: int
    reason: str
    category: Category
    hard: bool
    blacklisted: bool
    source: str
    send_id: str
    diagnostic: str
    block_window: str | None  # the UTC hour of its block-burst window; None: not a block
    # What it changed of the tenant's address totals (storage/totals.py); most later bounces
    # change nothing.
    totals: AddressTotals = field(default_factory=AddressTotals)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CountedBounce:
        item = BounceHistoryItem.from_raw_data(record["dynamodb"]["NewImage"])
        tenant, address = keys.split_address_pk(item.pk)
        received = parse_iso(item.received_at)
        return cls(
            history=(item.pk, item.sk),
            tenant=tenant,
            domain=address.rpartition("@")[2],
            day=item.bounce_at[:10],
            received_at=item.received_at,
            expires_at=int((received + SEND_TTL).timestamp()),
            reason=item.reason,
            category=Category(item.category),
            hard=bool(item.hard),
            blacklisted=bool(item.blacklisted),
            source=item.source or "unknown",
            send_id=item.send_id or UNKNOWN_SEND,
            diagnostic=item.diagnostic or "",
            block_window=(
                hour_window(received) if is_block_rejection(item.reason, item.category) else None
            ),
            totals=decode_change(item.totals_change, item.category),
        )


@dataclass
class Figure:
    """The merged increments of one figure item within a group."""

    item: Any
    adds: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    first_seen: str = ""
    expires_at: int = 0

    def add(self, name: str, n: int = 1) -> None:
        self.adds[name] += n

    def actions(self) -> list[Action]:
        cls = type(self.item)
        found: list[Action] = [getattr(cls, name).add(n) for name, n in sorted(self.adds.items())]
        if isinstance(self.item, SendVolumeItem):
            found += [
                SendVolumeItem.send_id.set(self.item.sk),
                SendVolumeItem.first_bounce_at.set(
                    SendVolumeItem.first_bounce_at | self.first_seen
                ),
                SendVolumeItem.expires_at.set(self.expires_at),
            ]
        elif isinstance(self.item, AlertWindowItem):
            found.append(AlertWindowItem.expires_at.set(self.expires_at))
        return found


class StreamAggregator:
    """Applies batches of stream records to the tenant's figures, each bounce exactly once."""

    def __init__(
        self,
        retry: RetryPolicy = DEFAULT_RETRY,
        on_block_windows: BlockWindowListener | None = None,
    ) -> None:
        self._retry = retry
        self._on_block_windows = on_block_windows

    def apply(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add the batch's counted bounces to the figures; returns how many were new here."""
        kept = [r for r in records if wanted(r)]
        bounces = [CountedBounce.from_record(r) for r in kept]
        reported = self._reported_sends({(b.tenant, b.send_id) for b in bounces})
        applied, at = 0, 0
        while at < len(kept):
            done = _segment_records(str(kept[at]["eventID"]))
            if done:  # this run was applied before (a redelivered batch): skip it
                self._tell_block_windows(bounces[at : at + done])
                at += done
                continue
            run = _run(bounces, at, reported)
            if self._apply_run(str(kept[at]["eventID"]), bounces[at : at + run], reported):
                self._tell_block_windows(bounces[at : at + run])
                applied += len({b.history for b in bounces[at : at + run]})
                at += run
        return applied

    def _tell_block_windows(self, run: Sequence[CountedBounce]) -> None:
        """Hand the listener the windows this run added to, as they stand after it (read
        consistently: a concurrent shard's run may have added to them as well)."""
        if self._on_block_windows is None:
            return
        latest = latest_block_bounces(run)
        if not latest:
            return
        hits = {
            item.sk: int(item.hits)
            for item in AlertWindowItem.batch_get(
                [(keys.alert_pk(SYSTEM_SCOPE), sk) for sk in sorted(latest)],
                consistent_read=True,
                attributes_to_get=["pk", "sk", "hits"],
            )
        }
        windows = [
            BlockWindow(
                domain=b.domain,
                window=str(b.block_window),
                hits=hits[sk],
                tenant=b.tenant,
                reason=b.reason,
                blacklisted=b.blacklisted,
                diagnostic=b.diagnostic,
            )
            for sk, b in sorted(latest.items())
            if sk in hits  # gone only once its TTL passed: nothing to alert on any more
        ]
        if windows:
            self._on_block_windows(windows)

    def _apply_run(
        self, first_event: str, run: list[CountedBounce], reported: frozenset[tuple[str, str]]
    ) -> bool:
        """Apply one run in one transaction; False when another delivery applied it first."""
        for attempt in range(self._retry.attempts):
            try:
                _write_run(first_event, run, reported)
                return True
            except TransactWriteError as error:
                if cancellation_reasons(error)[:1] == ["ConditionalCheckFailed"]:
                    return False  # its segment exists now: the caller reads and skips it
                if not worth_retrying(error):
                    raise
                self._retry.pause(attempt)
        raise RetryLater("figures stayed contended; the stream batch will be delivered again")

    @staticmethod
    def _reported_sends(sends: set[tuple[str, str]]) -> frozenset[tuple[str, str]]:
        """The sends whose size the MMS reported: only their bounces count towards a domain's
        rate (bounces divided by recipients)."""
        wanted_keys = [(keys.send_pk(t), s) for t, s in sorted(sends) if s != UNKNOWN_SEND]
        found = SendVolumeItem.batch_get(wanted_keys, attributes_to_get=["pk", "sk", "recipients"])
        return frozenset(
            (keys.split_send_pk(i.pk), i.sk) for i in found if i.recipients is not None
        )


def latest_block_bounces(run: Sequence[CountedBounce]) -> dict[str, CountedBounce]:
    """The block-burst windows a run adds to (their sort keys), each with its latest
    rejection (the alert names it)."""
    latest: dict[str, CountedBounce] = {}
    for bounce in run:
        if bounce.block_window is None:
            continue
        sk = keys.block_window_sk(bounce.block_window, bounce.domain)
        if sk not in latest or bounce.received_at >= latest[sk].received_at:
            latest[sk] = bounce
    return latest


def _figures(bounce: CountedBounce, reported: frozenset[tuple[str, str]]) -> list[Any]:
    """The figure items one bounce adds to (keys only)."""
    tenant = bounce.tenant
    items: list[Any] = [
        DailyStatsItem(keys.stats_pk(tenant), keys.stats_sk(bounce.day)),
        AggregateItem(keys.aggregate_pk(tenant), keys.aggregate_sk("reason", bounce.reason)),
        AggregateItem(keys.aggregate_pk(tenant), keys.aggregate_sk("domain", bounce.domain)),
        AggregateItem(keys.aggregate_pk(tenant), keys.aggregate_sk("source", bounce.source)),
        SendVolumeItem(keys.send_pk(tenant), bounce.send_id),
    ]
    if (tenant, bounce.send_id) in reported:
        items.append(SendDomainItem(keys.send_domain_pk(tenant), bounce.domain))
    if bounce.block_window is not None:
        items.append(
            AlertWindowItem(
                keys.alert_pk(SYSTEM_SCOPE),
                keys.block_window_sk(bounce.block_window, bounce.domain),
            )
        )
    if bounce.totals:  # a new address, a category change or a suppression
        items.append(totals_item(tenant))
    return items


def _run(bounces: Sequence[CountedBounce], at: int, reported: frozenset[tuple[str, str]]) -> int:
    """How many records from `at` on fit in one transaction: their segment item and the
    distinct figures they add to."""
    targets: set[tuple[str, str]] = set()
    n = 0
    for bounce in bounces[at:]:
        mine = {(i.pk, i.sk) for i in _figures(bounce, reported)}
        if n and 1 + len(targets | mine) > MAX_TRANSACTION_ITEMS:
            break
        targets |= mine
        n += 1
    return n


def _segment_records(first_event: str) -> int:
    """How many records the run starting at this stream record covered (0: none applied)."""
    try:
        item = AggregatedSegmentItem.get(
            keys.segment_pk(), keys.segment_sk(first_event), consistent_read=True
        )
    except DoesNotExist:
        return 0
    return int(item.records)


def merge_run(
    run: Sequence[CountedBounce], reported: frozenset[tuple[str, str]]
) -> dict[tuple[str, str], Figure]:
    """The run's increments merged per figure item (by key): one update each."""
    figures: dict[tuple[str, str], Figure] = {}
    seen: set[tuple[str, str]] = set()
    for bounce in run:
        if bounce.history in seen:  # a stream that repeats a record (moto) within the run
            continue
        seen.add(bounce.history)
        for item in _figures(bounce, reported):
            figure = figures.setdefault((item.pk, item.sk), Figure(item))
            _count(figure, bounce)
    return figures


def _write_run(
    first_event: str, run: list[CountedBounce], reported: frozenset[tuple[str, str]]
) -> None:
    figures = merge_run(run, reported)
    expires = int((datetime.now(UTC) + SEGMENT_TTL).timestamp())
    with TransactWrite(connection=connection()) as tx:
        # The segment first: a cancellation on it means the run was applied by another delivery.
        tx.save(
            AggregatedSegmentItem(
                keys.segment_pk(),
                keys.segment_sk(first_event),
                records=len(run),
                expires_at=expires,
            ),
            condition=AggregatedSegmentItem.pk.does_not_exist(),
        )
        for figure in figures.values():
            tx.update(figure.item, figure.actions())


def _count(figure: Figure, bounce: CountedBounce) -> None:
    if isinstance(figure.item, AlertWindowItem):
        _count_window(figure, bounce)
    elif isinstance(figure.item, AddressTotalsItem):
        for name, n in adds(bounce.totals).items():
            figure.add(name, n)
    elif isinstance(figure.item, DailyStatsItem):
        _count_day(figure, bounce)
    else:
        _count_tally(figure, bounce)


def _count_window(figure: Figure, bounce: CountedBounce) -> None:
    figure.add("hits")
    expires = int((parse_iso(bounce.received_at) + WINDOW_TTL).timestamp())
    figure.expires_at = max(figure.expires_at, expires)


def _count_day(figure: Figure, bounce: CountedBounce) -> None:
    figure.add("bounces")
    day_field = _DAY_FIELD.get(bounce.category)
    if day_field is not None:
        figure.add(day_field.attr_name)
    if bounce.blacklisted:
        figure.add("blacklisted")


def _count_tally(figure: Figure, bounce: CountedBounce) -> None:
    """A total (reason, domain, source), a send's or a send domain's tally."""
    figure.add("bounces")
    if bounce.hard:
        figure.add("hard")
    item = figure.item
    if isinstance(item, AggregateItem):
        if bounce.category in BLOCK_CATEGORIES:
            figure.add("blocks")
        if bounce.blacklisted:
            figure.add("blacklisted")
    elif isinstance(item, SendVolumeItem):
        if not figure.first_seen or bounce.received_at < figure.first_seen:
            figure.first_seen = bounce.received_at
        figure.expires_at = max(figure.expires_at, bounce.expires_at)
