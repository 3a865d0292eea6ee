"""The tenant's figures, derived off the counting path from the table's stream: daily
statistics, all-time totals per reason, domain and source, and each send's and each recipient
domain's bounce tallies (the report, digests and alerts read them as before).

Each new history item is one counted bounce (counting writes it once, in the transaction with
the exactly-once marker), and its stream image carries everything a figure needs. Lambda's
event-source mapping delivers the stream in batches, and may deliver a batch again (and moto's
stream repeats records), so applying is idempotent per bounce: one TransactWriteItems per group
of bounces sets `aggregated` on each bounce's marker (condition: not yet set) and adds the
group's merged increments to each figure once. A bounce already aggregated cancels the group;
it is dropped and the rest applied again. A storm of one tenant becomes a few transactions per
batch on a handful of items instead of seven contended items in every bounce's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.classification.reasons import Category
from chalicelib.errors import RetryLater
from chalicelib.storage import keys
from chalicelib.storage.core import (
    DEFAULT_RETRY,
    RetryPolicy,
    cancellation_reasons,
    connection,
    worth_retrying,
)
from chalicelib.storage.items import (
    AggregateItem,
    AppliedMarkerItem,
    BounceHistoryItem,
    DailyStatsItem,
    SendDomainItem,
    SendVolumeItem,
)
from chalicelib.storage.notify import SEND_TTL, UNKNOWN_SEND
from chalicelib.timefmt import parse_iso

# The event-source mapping's filter (infra/) and the local stream pump's: only new history items.
STREAM_FILTER: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"Keys": {"sk": {"S": [{"prefix": keys.HISTORY_SK_PREFIX}]}}},
}
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
_DAY_FIELD = {
    Category.HARD: DailyStatsItem.hard,
    Category.SOFT: DailyStatsItem.soft,
    Category.BLOCK: DailyStatsItem.block,
    Category.SPAM_CONTENT: DailyStatsItem.spam_content,
    Category.MAILBOX_FULL: DailyStatsItem.mailbox_full,
}
_BLOCKS = frozenset({Category.BLOCK, Category.SPAM_CONTENT})


def wanted(record: Mapping[str, Any]) -> bool:
    """Does a stream record match STREAM_FILTER (a new history item)?"""
    sk = record.get("dynamodb", {}).get("Keys", {}).get("sk", {}).get("S", "")
    return record.get("eventName") == "INSERT" and str(sk).startswith(keys.HISTORY_SK_PREFIX)


@dataclass(frozen=True, slots=True)
class CountedBounce:
    """One counted bounce as its history item's stream image tells it."""

    marker: tuple[str, str]
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

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> CountedBounce:
        item = BounceHistoryItem.from_raw_data(record["dynamodb"]["NewImage"])
        tenant, address = keys.split_address_pk(item.pk)
        once_key = item.bounce_id or item.message_id
        received = parse_iso(item.received_at)
        return cls(
            marker=(item.pk, keys.marker_sk(once_key)),
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
        )


@dataclass
class _Figure:
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
        return found


class StreamAggregator:
    """Applies batches of stream records to the tenant's figures, each bounce exactly once."""

    def __init__(self, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self._retry = retry

    def apply(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add the batch's counted bounces to the figures; returns how many were new here."""
        unique: dict[tuple[str, str], CountedBounce] = {}
        for record in records:
            if wanted(record):
                bounce = CountedBounce.from_record(record)
                unique.setdefault(bounce.marker, bounce)
        bounces = list(unique.values())
        reported = self._reported_sends({(b.tenant, b.send_id) for b in bounces})
        applied = 0
        for group in _groups(bounces, reported):
            applied += self._apply_group(group, reported)
        return applied

    def _apply_group(self, group: list[CountedBounce], reported: frozenset[tuple[str, str]]) -> int:
        for attempt in range(self._retry.attempts):
            if not group:
                return 0
            try:
                _write_group(group, reported)
                return len(group)
            except TransactWriteError as error:
                reasons = cancellation_reasons(error)[: len(group)]
                done = {i for i, reason in enumerate(reasons) if reason == "ConditionalCheckFailed"}
                if done:
                    # Aggregated before (a redelivered batch): drop those, apply the rest.
                    group = [b for i, b in enumerate(group) if i not in done]
                    continue
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
    return items


def _groups(
    bounces: Sequence[CountedBounce], reported: frozenset[tuple[str, str]]
) -> Iterable[list[CountedBounce]]:
    """Consecutive groups whose markers and distinct figures fit in one transaction."""
    group: list[CountedBounce] = []
    targets: set[tuple[str, str]] = set()
    for bounce in bounces:
        mine = {(i.pk, i.sk) for i in _figures(bounce, reported)}
        if group and len(group) + 1 + len(targets | mine) > MAX_TRANSACTION_ITEMS:
            yield group
            group, targets = [], set()
        group.append(bounce)
        targets |= mine
    if group:
        yield group


def _write_group(group: list[CountedBounce], reported: frozenset[tuple[str, str]]) -> None:
    figures: dict[tuple[str, str], _Figure] = {}
    for bounce in group:
        for item in _figures(bounce, reported):
            figure = figures.setdefault((item.pk, item.sk), _Figure(item))
            _count(figure, bounce)
    with TransactWrite(connection=connection()) as tx:
        # Markers first: a cancellation reason's index is then the bounce's index in the group.
        for bounce in group:
            tx.update(
                AppliedMarkerItem(*bounce.marker),
                [AppliedMarkerItem.aggregated.set(True)],
                condition=AppliedMarkerItem.pk.exists()
                & AppliedMarkerItem.aggregated.does_not_exist(),
            )
        for figure in figures.values():
            tx.update(figure.item, figure.actions())


def _count(figure: _Figure, bounce: CountedBounce) -> None:
    figure.add("bounces")
    item = figure.item
    if isinstance(item, DailyStatsItem):
        day_field = _DAY_FIELD.get(bounce.category)
        if day_field is not None:
            figure.add(day_field.attr_name)
        if bounce.blacklisted:
            figure.add("blacklisted")
        return
    if bounce.hard:
        figure.add("hard")
    if isinstance(item, AggregateItem):
        if bounce.category in _BLOCKS:
            figure.add("blocks")
        if bounce.blacklisted:
            figure.add("blacklisted")
    elif isinstance(item, SendVolumeItem):
        if not figure.first_seen or bounce.received_at < figure.first_seen:
            figure.first_seen = bounce.received_at
        figure.expires_at = max(figure.expires_at, bounce.expires_at)
