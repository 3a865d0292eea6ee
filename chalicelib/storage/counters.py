"""Bounced addresses on the single table: counting bounces exactly once, and everything the
report reads (counters in every order, history, daily and dimension totals, suppressions).
Implements the BounceStore, ReportStore and CounterSource ports.

Counting is exactly-once in DynamoDB itself, at the least that can be written:
- An address's first bounce creates its counter with one conditional Put (condition: absent),
  atomic on its own; the counter keeps that bounce's history key (`first_history`), which is
  its exactly-once guard. The history entry (and a suppression, when the bounce suppressed the
  address) follow as idempotent Puts; a delivery of the same bounce that finds the counter but
  not its history entry (the first one stopped in between) writes them, so the stored message's
  redelivery always completes it.
- Every later bounce is one TransactWriteItems of what must change together: the "applied"
  marker (condition: absent), the history entry and the counter (condition: unchanged since
  read — optimistic concurrency, so concurrent bounces for one address serialise). A
  redelivered bounce fails on the marker and is reported as counted before; a lost race on the
  counter re-reads and tries again.
A bounce counted before is told apart by the stored message its history entry names
(Counting): the same message again (an SQS redelivery) or another one (an SMTP duplicate, which
ingest keeps an inbound record of: no history entry leads to it).
A storm is mostly first bounces of distinct addresses, so most bounces cost single-item writes,
at half a transaction's price. The tenant's day, dimension and send figures are derived off
this path from the table's stream (chalicelib/storage/aggregate.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import KeysOnlyProjection
from pynamodb.transactions import TransactWrite

from chalicelib.bounces import (
    DEFAULT_POLICY,
    AddressCounter,
    AddressState,
    BounceEvent,
    Counting,
    Suppression,
    SuppressionPolicy,
    SuppressionReason,
    apply_bounce,
    reactivate,
)
from chalicelib.classification.reasons import Category, Reason
from chalicelib.config import RetentionSettings
from chalicelib.errors import RetryLater
from chalicelib.ports import (
    AddressTotals,
    CounterOrder,
    CounterScan,
    DayTotals,
    DimensionTotals,
    Facet,
    HistoryEntry,
    Page,
    Resume,
)
from chalicelib.storage import keys
from chalicelib.storage.core import (
    DEFAULT_RETENTION,
    DEFAULT_RETRY,
    VERSION_CHECK,
    KeyShape,
    RetryPolicy,
    cancellation_reasons,
    client,
    condition_failed,
    connection,
    decode_cursor,
    decode_positions,
    encode_cursor,
    encode_positions,
    expires_at,
    newest_first_page,
    table_name,
    worth_retrying,
)
from chalicelib.storage.items import (
    AddressCounterItem,
    AggregateItem,
    AppliedMarkerItem,
    BounceHistoryItem,
    DailyStatsItem,
    SuppressionItem,
)
from chalicelib.storage.totals import actions as totals_actions
from chalicelib.storage.totals import encode_change, read_totals, totals_item, write_totals
from chalicelib.timefmt import iso, parse_iso

T = TypeVar("T")


class CounterRepository:
    """BounceStore, ReportStore and CounterSource on the single table."""

    def __init__(
        self, retry: RetryPolicy = DEFAULT_RETRY, retention: RetentionSettings = DEFAULT_RETENTION
    ) -> None:
        self._retry = retry
        self._retention = retention

    def record_bounce(self, event: BounceEvent, policy: SuppressionPolicy = DEFAULT_POLICY) -> bool:
        """count_bounce's yes or no: True when the bounce counted now."""
        return self.count_bounce(event, policy) is Counting.NEW

    def count_bounce(
        self, event: BounceEvent, policy: SuppressionPolicy = DEFAULT_POLICY
    ) -> Counting:
        for attempt in range(self._retry.attempts):
            found = self._read_counter(event.tenant, event.address)
            if found is None:
                if self._first_bounce(event, apply_bounce(None, event, policy)):
                    return Counting.NEW
                continue  # another bounce created the counter meanwhile: read it
            current, first_history = found
            if first_history and keys.is_history_of(first_history, event.once_key):
                # The address's first bounce, counted before (its history item may be missing:
                # the totals change it carries is the first bounce's, never the counter's now).
                first = apply_bounce(None, event, policy)
                entry = self._complete_first(
                    event, current, first_history, first.state is AddressState.SUPPRESSED
                )
                return _counted_before(event, entry)
            updated = apply_bounce(current, event, policy)
            try:
                self._write_bounce(event, current, updated, first_history)
                return Counting.NEW
            except TransactWriteError as error:
                if cancellation_reasons(error)[:1] == ["ConditionalCheckFailed"]:
                    # This (bounce, recipient) was counted before: a delivery of the same stored
                    # message dates it alike, so its history entry has this key (one read, only
                    # for a repeated later bounce).
                    sk = keys.history_sk(event.bounce_at, event.once_key)
                    entry = _entry_message(keys.address_pk(event.tenant, event.address), sk)
                    return _counted_before(event, entry)
                if not worth_retrying(error, VERSION_CHECK):
                    raise
                # Lost a race for the counter (or the service throttled): back off and re-read.
                self._retry.pause(attempt)
        raise RetryLater(f"address {event.address} stayed contended; will be redelivered")

    def _first_bounce(self, event: BounceEvent, counter: AddressCounter) -> bool:
        """Count an address's first bounce: create the counter (False when it exists by now),
        then the suppression and the history entry."""
        history = self._history_item(event, keys.history_sk(event.bounce_at, event.once_key))
        item = _counter_item(counter, first_history=history.sk)
        try:
            item.save(condition=AddressCounterItem.pk.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        suppressed = counter.state is AddressState.SUPPRESSED
        self._complete_first(event, counter, history.sk, suppressed, written=False)
        return True

    def _complete_first(
        self,
        event: BounceEvent,
        counter: AddressCounter,
        sk: str,
        suppressed_first: bool,
        written: bool = True,
    ) -> str | None:
        """Write what follows the first bounce's counter, unless it is there: the suppression
        (before the history entry, so an existing entry says both were written) and the entry.
        Both Puts are conditional: a delivery racing this one writes each at most once. The
        stored message the entry names. The entry tells the totals that the address is new
        (and suppressed, when its first bounce suppressed it)."""
        change = encode_change(created=True, was=None, suppressed=suppressed_first)
        history = self._history_item(event, sk, change)
        if written:  # maybe: another delivery of this bounce created the counter
            entry = _entry_message(history.pk, sk)
            if entry is not None:
                return entry
        if counter.state is AddressState.SUPPRESSED and counter.reactivated_at is None:
            suppression = _suppression_item(
                Suppression(
                    event.tenant,
                    event.address,
                    SuppressionReason.HARD_BOUNCE,
                    counter.first_bounce_at,
                    "rebound",
                )
            )
            _put_once(suppression, SuppressionItem.pk.does_not_exist())
        if _put_once(history, BounceHistoryItem.pk.does_not_exist()):
            return event.message_id
        return _entry_message(history.pk, sk)  # a racing delivery wrote it: which message?

    def _write_bounce(
        self,
        event: BounceEvent,
        current: AddressCounter,
        updated: AddressCounter,
        first_history: str | None,
    ) -> None:
        apk = keys.address_pk(event.tenant, event.address)
        moment = datetime.now(UTC)
        marker = AppliedMarkerItem(
            apk,
            keys.marker_sk(event.once_key),
            applied_at=iso(moment),
            expires_at=expires_at(moment, self._retention.marker_days),
        )
        newly_suppressed = (
            updated.state is AddressState.SUPPRESSED
            and current.state is not AddressState.SUPPRESSED
        )
        # What the totals must hear (read by the stream aggregator, not written here).
        change = encode_change(
            created=False,
            was=None if updated.category is current.category else str(current.category),
            suppressed=newly_suppressed,
        )
        sk = keys.history_sk(event.bounce_at, event.once_key)
        history = self._history_item(event, sk, change)
        counter = _counter_item(updated, first_history=first_history)
        with TransactWrite(connection=connection()) as tx:
            tx.save(marker, condition=AppliedMarkerItem.pk.does_not_exist())
            tx.save(history)
            tx.save(counter, condition=AddressCounterItem.version == current.version)
            # The suppression changes with the counter's state (and "mark as good" changes both
            # back together): once per address, never per bounce.
            if newly_suppressed:
                tx.save(
                    _suppression_item(
                        Suppression(
                            event.tenant,
                            event.address,
                            SuppressionReason.HARD_BOUNCE,
                            event.bounce_at,
                            "rebound",
                        )
                    )
                )

    def _history_item(
        self, event: BounceEvent, sk: str, totals_change: str | None = None
    ) -> BounceHistoryItem:
        return BounceHistoryItem(
            keys.address_pk(event.tenant, event.address),
            sk,
            message_id=event.message_id,
            bounce_at=iso(event.bounce_at),
            received_at=iso(event.received_at),
            source=event.source,
            send_id=event.send_id,
            status=event.status,
            reply_code=event.reply_code,
            reason=str(event.reason),
            category=str(event.category),
            hard=event.hard,
            blacklisted=event.blacklisted,
            diagnostic=event.diagnostic,
            remote_mta=event.remote_mta,
            attribution=str(event.attribution),
            bounce_id=event.once_key,
            expires_at=expires_at(event.received_at, self._retention.history_days),
            totals_change=totals_change,
        )

    def _read_counter(self, tenant: str, address: str) -> tuple[AddressCounter, str | None] | None:
        """The counter as counting reads it (consistently), with its first bounce's key."""
        try:
            item = AddressCounterItem.get(
                keys.tenant_pk(tenant), keys.counter_sk(address), consistent_read=True
            )
        except DoesNotExist:
            return None
        return _counter_from_item(item), item.first_history

    def _get_counter(self, tenant: str, address: str) -> AddressCounter | None:
        found = self._read_counter(tenant, address)
        return None if found is None else found[0]

    def get_counter(self, tenant: str, address: str) -> AddressCounter | None:
        return self._get_counter(tenant, address)

    def scan_counters(
        self, scan: CounterScan, page_size: int = 100
    ) -> Iterator[tuple[AddressCounter, Resume]]:
        """A tenant's counters in the scan's order, each with the cursor that resumes after it
        (made when asked for: signing one per row cost a page ~100 HMACs for the one it needs).

        Every order and facet is a key or index query on the tenant's partition: the cost of a
        page depends on the page, never on the tenant's size (but for the once-bounced
        addresses' stream, `_one_bounce_spec` says what its filter may read).
        """
        streams = _two_streams(scan)
        if streams is not None:
            yield from _scan_two(streams, not scan.descending, scan.cursor, page_size)
            return
        spec = _scan_spec(scan)
        start = decode_cursor(scan.cursor, spec.hash_value, spec.cursor_fields, spec.hash_name)
        for counter, key in _entries(spec, start, not scan.descending, page_size):
            yield counter, partial(_resume_at, key)

    def history(
        self, tenant: str, address: str, limit: int, cursor: str | None
    ) -> Page[HistoryEntry]:
        """An address's counted bounces, newest first."""
        pk = keys.address_pk(tenant, address)
        return newest_first_page(
            BounceHistoryItem,
            pk,
            sk_prefix=keys.HISTORY_SK_PREFIX,
            limit=limit,
            cursor=cursor,
            convert=_history_from_item,
        )

    def reactivate(self, tenant: str, address: str) -> AddressCounter | None:
        """Mark an address as good: counter state and suppression list change together."""
        for attempt in range(self._retry.attempts):
            found = self._read_counter(tenant, address)
            if found is None:
                return None
            current, first_history = found
            updated = reactivate(current, datetime.now(UTC))
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.save(
                        _counter_item(updated, first_history=first_history),
                        condition=AddressCounterItem.version == current.version,
                    )
                    tx.delete(SuppressionItem(keys.suppression_pk(tenant), address))
                    if current.state is AddressState.SUPPRESSED:
                        tx.update(totals_item(tenant), totals_actions(AddressTotals(suppressed=-1)))
                return updated
            except TransactWriteError as error:
                if not worth_retrying(error, VERSION_CHECK):
                    raise
                self._retry.pause(attempt)
        raise RetryLater(f"address {address} stayed contended; nothing changed, try again")

    def daily_totals(self, tenant: str, first_day: str, last_day: str) -> Sequence[DayTotals]:
        results = DailyStatsItem.query(
            keys.stats_pk(tenant),
            DailyStatsItem.sk.between(keys.stats_sk(first_day), keys.stats_sk(last_day)),
        )
        return [
            DayTotals(
                day=i.sk.removeprefix(keys.STATS_SK_PREFIX),
                bounces=int(i.bounces),
                hard=int(i.hard),
                soft=int(i.soft),
                block=int(i.block),
                spam_content=int(i.spam_content),
                mailbox_full=int(i.mailbox_full),
                blacklisted=int(i.blacklisted),
                complaints=int(i.complaints or 0),
            )
            for i in results
        ]

    def dimension_totals(
        self, tenant: str, dimension: str, max_items: int = 5000
    ) -> Sequence[DimensionTotals]:
        """All-time totals per value of one dimension (reason, domain, source), bounded read."""
        results = AggregateItem.query(
            keys.aggregate_pk(tenant),
            AggregateItem.sk.startswith(keys.aggregate_sk(dimension, "")),
            limit=max_items,
        )
        return [
            DimensionTotals(
                dimension=dimension,
                value=i.sk.split("#", 1)[1],
                bounces=int(i.bounces),
                hard=int(i.hard),
                blocks=int(i.blocks),
                blacklisted=int(i.blacklisted),
            )
            for i in results
        ]

    def count_counters(self, tenant: str, facet: tuple[Facet, str] | None = None) -> int:
        """How many addresses (of one facet value): a COUNT-only query, keys read, no items."""
        if facet is None:
            return int(
                AddressCounterItem.count(
                    keys.tenant_pk(tenant),
                    AddressCounterItem.sk.startswith(keys.COUNTER_SK_PREFIX),
                )
            )
        if facet == (Facet.STATE, str(AddressState.ACTIVE)):
            # Not in the sparse by_state, and by_count holds only addresses that bounced more
            # than once: by_last_bounce holds every address.
            return int(
                AddressCounterItem.by_last_bounce.count(
                    keys.tenant_pk(tenant),
                    filter_condition=AddressCounterItem.state == str(AddressState.ACTIVE),
                )
            )
        spec = _scan_spec(CounterScan(tenant, facet=facet))
        assert spec.index is not None
        return int(spec.index.count(spec.hash_value))

    def address_totals(self, tenant: str) -> AddressTotals:
        """The kept totals (one read); a tenant whose totals were never reconciled yet (one
        that had addresses before the totals existed, or a new one before its first nightly
        reconcile) is recounted instead: exact, but it reads every counter."""
        kept = read_totals(tenant)
        return kept if kept is not None else self.recount_totals(tenant)

    def recount_totals(self, tenant: str) -> AddressTotals:
        """The totals from the counters themselves (count_counters' COUNT queries)."""
        categories = (
            (str(c), self.count_counters(tenant, (Facet.CATEGORY, str(c)))) for c in Category
        )
        return AddressTotals(
            self.count_counters(tenant),
            tuple(sorted((c, n) for c, n in categories if n)),
            self.count_counters(tenant, (Facet.STATE, str(AddressState.SUPPRESSED))),
        )

    def reconcile_totals(self, tenant: str) -> tuple[AddressTotals | None, AddressTotals]:
        """Recount the tenant's totals and rewrite them (the nightly repair, and the backfill of
        a tenant that had addresses before the totals existed): (as kept before, recounted).
        A change applied while the recount reads is lost or counted twice until the next
        reconcile: run it when the tenant is quiet."""
        before = read_totals(tenant)
        recounted = self.recount_totals(tenant)
        write_totals(tenant, recounted)
        return before, recounted

    def iter_counters(self, tenant: str) -> Iterator[AddressCounter]:
        """Every bounced address of a tenant, in address order (paged reads underneath)."""
        results = AddressCounterItem.query(
            keys.tenant_pk(tenant), AddressCounterItem.sk.startswith(keys.COUNTER_SK_PREFIX)
        )
        for item in results:
            yield _counter_from_item(item)

    def get_suppression(self, tenant: str, address: str) -> Suppression | None:
        try:
            item = SuppressionItem.get(keys.suppression_pk(tenant), address)
        except DoesNotExist:
            return None
        return Suppression(
            tenant,
            item.address,
            SuppressionReason(item.reason),
            parse_iso(item.since),
            item.actor,
            item.job_id,
        )

    def delete_suppression(self, tenant: str, address: str) -> None:
        SuppressionItem(keys.suppression_pk(tenant), address).delete()


def _suppression_item(s: Suppression) -> SuppressionItem:
    return SuppressionItem(
        keys.suppression_pk(s.tenant),
        s.address,
        address=s.address,
        reason=str(s.reason),
        since=iso(s.since),
        actor=s.actor,
        job_id=s.job_id,
    )


def _put_once(item: Any, condition: Condition) -> bool:
    """A Put that a racing delivery may have made already (then nothing more is written, and
    False)."""
    try:
        item.save(condition=condition)
    except PutError as error:
        if not condition_failed(error):
            raise
        return False
    return True


def _entry_message(pk: str, sk: str) -> str | None:
    """The stored message a history entry names (None when there is no such entry)."""
    try:
        entry = BounceHistoryItem.get(
            pk, sk, consistent_read=True, attributes_to_get=["message_id"]
        )
    except DoesNotExist:
        return None
    return str(entry.message_id)


def _counted_before(event: BounceEvent, entry_message: str | None) -> Counting:
    """A bounce counted before: this delivery's message is its record when the history entry
    names it (an SQS redelivery), not when it names another (an SMTP duplicate) or none."""
    return Counting.REDELIVERED if entry_message == event.message_id else Counting.DUPLICATE


def _counter_item(c: AddressCounter, first_history: str | None = None) -> AddressCounterItem:
    return AddressCounterItem(
        keys.tenant_pk(c.tenant),
        keys.counter_sk(c.address),
        tenant=c.tenant,
        address=c.address,
        domain=c.domain,
        bounce_count=c.bounce_count,
        hard_count=c.hard_count,
        first_bounce_at=iso(c.first_bounce_at),
        last_bounce_at=iso(c.last_bounce_at),
        last_received_at=iso(c.last_received_at),
        status=c.status,
        reply_code=c.reply_code,
        reason=str(c.reason),
        category=str(c.category),
        hard=c.hard,
        blacklisted=c.blacklisted,
        diagnostic=c.diagnostic,
        explanation=c.explanation,
        remote_mta=c.remote_mta,
        source=c.source,
        send_id=c.send_id,
        state=str(c.state),
        version=c.version,
        active_hard=c.active_hard,
        active_soft=c.active_soft,
        active_soft_days=list(c.active_soft_days),
        daily=[f"{day}={n}" for day, n in c.daily],
        reactivated_at=None if c.reactivated_at is None else iso(c.reactivated_at),
        first_history=first_history,
        category_pk=keys.facet_pk(c.tenant, Facet.CATEGORY, str(c.category)),
        domain_pk=keys.facet_pk(c.tenant, Facet.DOMAIN, c.domain),
        # Sparse: only suppressed and reactivated addresses are in by_state (_scan_spec).
        state_pk=None
        if c.state is AddressState.ACTIVE
        else keys.facet_pk(c.tenant, Facet.STATE, str(c.state)),
        # Sparse: only addresses that bounced more than once are in by_count and
        # by_first_bounce; a first bounce writes neither index (_two_streams reads the rest).
        repeat_count=c.bounce_count if c.bounce_count > 1 else None,
        repeat_first_at=iso(c.first_bounce_at) if c.bounce_count > 1 else None,
    )


def _counter_from_item(i: AddressCounterItem) -> AddressCounter:
    return AddressCounter(
        tenant=i.tenant,
        address=i.address,
        bounce_count=int(i.bounce_count),
        first_bounce_at=parse_iso(i.first_bounce_at),
        last_bounce_at=parse_iso(i.last_bounce_at),
        last_received_at=parse_iso(i.last_received_at),
        status=i.status,
        reply_code=i.reply_code,
        reason=Reason(i.reason),
        category=Category(i.category),
        hard=bool(i.hard),
        blacklisted=bool(i.blacklisted),
        diagnostic=i.diagnostic,
        explanation=i.explanation,
        remote_mta=i.remote_mta,
        source=i.source,
        send_id=i.send_id,
        state=AddressState(i.state),
        hard_count=int(i.hard_count),
        # Not projected into the listing indexes (items.ROW_ATTRIBUTES): counting reads them
        # from the table itself, listings never.
        version=int(i.version or 0),
        active_hard=int(i.active_hard or 0),
        active_soft=int(i.active_soft or 0),
        active_soft_days=tuple(str(d) for d in i.active_soft_days or ()),
        daily=tuple(_day_count(str(entry)) for entry in i.daily),
        reactivated_at=None if i.reactivated_at is None else parse_iso(i.reactivated_at),
    )


def _raw_query(
    spec: _ScanSpec,
    start: dict[str, Any] | None,
    forward: bool,
    page_size: int,
    beyond: str | None = None,
) -> Iterator[dict[str, Any]]:
    """The lean listing: the table's own botocore client queries the index (or the table),
    and each row is read straight from DynamoDB's JSON by _counter_from_raw. A page of 100
    through PynamoDB spent most of its time building model instances, not in DynamoDB.
    `beyond`: only the index keys before it in the read's order (newer, reading newest first).
    A filtered read returns short pages: the next request examines twice as many (up to
    MAX_FILTERED_READ), so a stretch of filtered-out rows costs few requests."""
    values: dict[str, Any] = {":h": {"S": spec.hash_value}}
    condition = f"{spec.hash_name} = :h"
    if spec.index is None:
        condition += " AND begins_with(sk, :p)"
        values[":p"] = {"S": keys.COUNTER_SK_PREFIX}
    elif spec.since is not None:
        condition += " AND last_bounce_at >= :s"
        values[":s"] = {"S": spec.since}
    if beyond is not None:
        assert spec.since is None  # one condition on the range key
        condition += f" AND {spec.range_name} {'<' if forward else '>'} :b"
        values[":b"] = {"S": beyond}
    request: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": forward,
        "Limit": page_size,
    }
    if spec.equals:
        # Attribute names through placeholders: `state` is a reserved word.
        names = {f"#f{i}": name for i, (name, _) in enumerate(spec.equals)}
        request["ExpressionAttributeNames"] = names
        request["FilterExpression"] = " AND ".join(f"#f{i} = :f{i}" for i in range(len(names)))
        values.update({f":f{i}": value for i, (_, value) in enumerate(spec.equals)})
    if spec.index is not None:
        request["IndexName"] = spec.index.Meta.index_name
    while True:
        if start:
            request["ExclusiveStartKey"] = start
        page = client().query(**request)
        items = page.get("Items", [])
        yield from items
        start = page.get("LastEvaluatedKey")
        if not start:
            return
        if spec.equals and len(items) < request["Limit"] < MAX_FILTERED_READ:
            request["Limit"] = min(MAX_FILTERED_READ, 2 * request["Limit"])


def _counter_from_raw(a: dict[str, Any]) -> AddressCounter:
    """_counter_from_item for an item in DynamoDB's JSON (the listing indexes project every
    attribute a row reads; the policy's bookkeeping is absent there and reads as 0)."""

    def text(name: str) -> str:
        value = a.get(name)
        return str(value.get("S", "")) if value else ""  # absent or NULL: empty

    def number(name: str) -> int:
        value = a.get(name)
        return int(value["N"]) if value else 0

    def flag(name: str) -> bool:
        value = a.get(name)
        return bool(value["BOOL"]) if value else False

    def texts(name: str) -> tuple[str, ...]:
        value = a.get(name)
        return tuple(str(v["S"]) for v in value["L"]) if value else ()

    return AddressCounter(
        tenant=text("tenant"),
        address=text("address"),
        # by_count holds bounce_count as its key, repeat_count (items.ByCountIndex)
        bounce_count=number("bounce_count") or number("repeat_count"),
        first_bounce_at=parse_iso(text("first_bounce_at")),
        last_bounce_at=parse_iso(text("last_bounce_at")),
        last_received_at=parse_iso(text("last_received_at")),
        status=text("status"),
        reply_code=text("reply_code"),
        reason=Reason(text("reason")),
        category=Category(text("category")),
        hard=flag("hard"),
        blacklisted=flag("blacklisted"),
        diagnostic=text("diagnostic"),
        explanation=text("explanation"),
        remote_mta=text("remote_mta"),
        source=text("source"),
        send_id=text("send_id"),
        state=AddressState(text("state")),
        hard_count=number("hard_count"),
        version=number("version"),
        active_hard=number("active_hard"),
        active_soft=number("active_soft"),
        active_soft_days=texts("active_soft_days"),
        daily=tuple(_day_count(entry) for entry in texts("daily")),
        reactivated_at=parse_iso(reactivated) if (reactivated := text("reactivated_at")) else None,
    )


def _day_count(entry: str) -> tuple[str, int]:
    day, _, n = entry.partition("=")
    return day, int(n or 0)


def _history_from_item(i: BounceHistoryItem) -> HistoryEntry:
    return HistoryEntry(
        message_id=i.message_id,
        bounce_at=parse_iso(i.bounce_at),
        received_at=parse_iso(i.received_at),
        source=i.source,
        send_id=i.send_id,
        status=i.status,
        reply_code=i.reply_code,
        reason=i.reason,
        category=i.category,
        hard=bool(i.hard),
        blacklisted=bool(i.blacklisted),
        diagnostic=i.diagnostic,
        remote_mta=i.remote_mta,
        attribution=i.attribution,
    )


@dataclass(frozen=True, slots=True)
class _ScanSpec:
    index: Any  # a PynamoDB index, or None for the table itself
    hash_name: str
    hash_value: str
    range_condition: Any
    cursor_fields: frozenset[str]
    range_name: str = "sk"  # the index's (or table's) range key
    keys_only: bool = False  # the index holds keys only: rows are read from the table
    since: str | None = None  # last_bounce_at >= since (the "rising" candidates)
    # Only rows with these attribute values (DynamoDB JSON): a filter, for rows the index
    # holds among others (active addresses in by_count, once-bounced ones in by_last_bounce).
    equals: tuple[tuple[str, dict[str, str]], ...] = ()

    @property
    def shape(self) -> KeyShape:
        return KeyShape(self.hash_value, self.cursor_fields, self.hash_name)


_ORDER_INDEX = {
    CounterOrder.COUNT: ("by_count", "repeat_count"),
    CounterOrder.LAST_BOUNCE: ("by_last_bounce", "last_bounce_at"),
    CounterOrder.FIRST_BOUNCE: ("by_first_bounce", "repeat_first_at"),
}
_FACET_INDEX = {
    Facet.CATEGORY: ("by_category", "category_pk"),
    Facet.DOMAIN: ("by_domain", "domain_pk"),
    Facet.STATE: ("by_state", "state_pk"),
}
_ACTIVE = ("state", {"S": str(AddressState.ACTIVE)})
# How many index entries one filtered request may examine at most (its Limit grows to this
# while pages come back short): about 700 KB of by_last_bounce's rows, under the 1 MB a Query
# returns anyway.
MAX_FILTERED_READ = 1000


def _scan_spec(scan: CounterScan) -> _ScanSpec:
    """The one index query of a listing that one index serves (not _two_streams')."""
    tenant_pk = keys.tenant_pk(scan.tenant)
    if scan.facet is not None:
        facet, value = scan.facet
        index_name, hash_name = _FACET_INDEX[facet]
        return _ScanSpec(
            getattr(AddressCounterItem, index_name),
            hash_name,
            keys.facet_pk(scan.tenant, facet, value),
            None,
            frozenset({"pk", "sk", hash_name, "bounce_count"}),
            range_name="bounce_count",
        )
    if scan.order is CounterOrder.ADDRESS:
        return _ScanSpec(None, "pk", tenant_pk, None, frozenset({"pk", "sk"}))
    index_name, range_name = _ORDER_INDEX[scan.order]
    condition, since = None, None
    if scan.since is not None and scan.order is CounterOrder.LAST_BOUNCE:
        since = iso(scan.since)
        condition = AddressCounterItem.last_bounce_at >= since
    index = getattr(AddressCounterItem, index_name)
    return _ScanSpec(
        index,
        "pk",
        tenant_pk,
        condition,
        frozenset({"pk", "sk", range_name}),
        range_name=range_name,
        keys_only=isinstance(index.Meta.projection, KeysOnlyProjection),
        since=since,
    )


def _one_bounce_spec(tenant: str, *equals: tuple[str, dict[str, str]]) -> _ScanSpec:
    """The once-bounced addresses of a tenant: by_last_bounce filtered on bounce_count = 1,
    which (first bounce = last bounce) is also their first-bounce order. They are not in the
    sparse by_count and by_first_bounce, and they are the bottom of the count order.

    What its filter may read in vain: the entries of addresses that bounced more than once.
    Merged by time (first bounce) while repeated bouncers remain, those whose last bounce
    falls in the span of first bounces of the repeated bouncers' page being merged
    (_merge_by_time bounds the read by that page); after the last of them, newest first next
    to none (a last bounce is never older than its first), oldest first those whose last
    bounce is later than where the listing stands. In count order, those lying between two
    once-bounced addresses in last-bounce order. At worst one page reads past every repeated
    bouncer of the tenant (each once over a whole listing), MAX_FILTERED_READ per request."""
    spec = _scan_spec(CounterScan(tenant, CounterOrder.LAST_BOUNCE))
    return replace(spec, equals=(("bounce_count", {"N": "1"}), *equals))


@dataclass(frozen=True, slots=True)
class _TwoStreams:
    """A listing read from two indexes: `repeated`, the addresses that bounced more than once
    (the sparse by_count or by_first_bounce), and `once`, the once-bounced ones
    (_one_bounce_spec). Either merged by time, or one after the other: count order is every
    repeated bouncer, highest first, then the once-bounced ones, newest first (ascending: the
    reverse)."""

    listing: str  # in the cursor: a cursor of one listing never resumes another
    repeated: _ScanSpec
    once: _ScanSpec
    by_time: bool


def _two_streams(scan: CounterScan) -> _TwoStreams | None:
    """The listings that the sparse indexes serve with the once-bounced stream; None for the
    others (one index each: _scan_spec)."""
    if scan.facet == (Facet.STATE, str(AddressState.ACTIVE)):
        # by_state is sparse (_counter_item): active addresses, the most of a tenant's, are read
        # in count order with a filter, so a new address costs that index nothing.
        count = _scan_spec(CounterScan(scan.tenant, CounterOrder.COUNT))
        return _TwoStreams(
            "active",
            replace(count, equals=(_ACTIVE,)),
            _one_bounce_spec(scan.tenant, _ACTIVE),
            by_time=False,
        )
    if scan.facet is not None or scan.order not in (CounterOrder.COUNT, CounterOrder.FIRST_BOUNCE):
        return None
    return _TwoStreams(
        str(scan.order),
        _scan_spec(CounterScan(scan.tenant, scan.order)),
        _one_bounce_spec(scan.tenant),
        by_time=scan.order is CounterOrder.FIRST_BOUNCE,
    )


_Entry = tuple[AddressCounter, dict[str, Any]]  # a row, and its index key (where to resume)


def _resume_at(key: dict[str, Any]) -> str:
    return encode_cursor(key) or ""


def _scan_two(
    streams: _TwoStreams, forward: bool, cursor: str | None, page_size: int
) -> Iterator[tuple[AddressCounter, Resume]]:
    """The rows of both streams in the listing's order, each with a cursor of both streams'
    positions: resuming reads exactly the rows that were not yielded yet (each stream is
    yielded in its own order, so its position says which of its rows were)."""
    at = decode_positions(
        cursor,
        streams.listing,
        {"repeated": streams.repeated.shape, "once": streams.once.shape},
    )
    if streams.by_time:
        rows = _merge_by_time(streams, at, forward, page_size)
    else:
        rows = _one_after_the_other(streams, at, forward, page_size)
    for counter, key, part in rows:
        at[part] = key
        yield counter, partial(encode_positions, streams.listing, dict(at))


def _one_after_the_other(
    streams: _TwoStreams, at: dict[str, dict[str, Any] | None], forward: bool, page_size: int
) -> Iterator[tuple[AddressCounter, dict[str, Any], str]]:
    parts = {"repeated": streams.repeated, "once": streams.once}
    order = ["once", "repeated"] if forward else ["repeated", "once"]
    for n, part in enumerate(order):
        if any(at[later] is not None for later in order[n + 1 :]):
            continue  # read to its end before: the next stream has begun
        for counter, key in _entries(parts[part], at[part], forward, page_size):
            yield counter, key, part


def _merge_by_time(
    streams: _TwoStreams, at: dict[str, dict[str, Any] | None], forward: bool, page_size: int
) -> Iterator[tuple[AddressCounter, dict[str, Any], str]]:
    """Both streams by time (first bounce; at equal times the repeated bouncer first), page by
    page of the repeated bouncers' index. While more of them follow, the once-bounced stream
    is read only up to the page's last time (a key condition, strictly before it in the
    order): what lies past it comes after that page, so it is left for the next one."""
    repeated, once = streams.repeated, streams.once
    start, once_at = at["repeated"], at["once"]
    while True:
        page, more = _keys_page(repeated, start, forward, page_size)
        last = None if more is None else _time_of(more, repeated)
        window: Iterator[_Entry] = iter(())
        if last is None or once_at is None or _before(_time_of(once_at, once), last, forward):
            window = _entries(once, once_at, forward, page_size, beyond=last)
        head = next(window, None)
        for counter, key in page:
            time = _time_of(key, repeated)
            while head is not None and _before(_time_of(head[1], once), time, forward):
                once_at = head[1]
                yield *head, "once"
                head = next(window, None)
            yield counter, key, "repeated"
        while head is not None:
            once_at = head[1]
            yield *head, "once"
            head = next(window, None)
        if more is None:
            return
        start = more


def _before(time: str, other: str, forward: bool) -> bool:
    """Does `time` come strictly before `other` in the read's order?"""
    return time < other if forward else time > other


def _time_of(key: dict[str, Any], spec: _ScanSpec) -> str:
    return str(key[spec.range_name]["S"])


def _keys_page(
    spec: _ScanSpec, start: dict[str, Any] | None, forward: bool, limit: int
) -> tuple[list[_Entry], dict[str, Any] | None]:
    """One page of a keys-only index, with its rows (a BatchGetItem), and where it stopped
    (None: at the end)."""
    results = _keys_query(spec, start, forward, limit, limit)
    rows = [(_counter_from_item(i), _key_of(i, spec)) for i in _with_rows(results, limit)]
    return rows, results.last_evaluated_key


def _keys_query(
    spec: _ScanSpec,
    start: dict[str, Any] | None,
    forward: bool,
    page_size: int,
    limit: int | None = None,
) -> Any:
    """A keys-only index's entries (PynamoDB's result iterator: `last_evaluated_key` after)."""
    return spec.index.query(
        spec.hash_value,
        spec.range_condition,
        scan_index_forward=forward,
        last_evaluated_key=start,
        limit=limit,
        page_size=page_size,
    )


def _entries(
    spec: _ScanSpec,
    start: dict[str, Any] | None,
    forward: bool,
    page_size: int,
    beyond: str | None = None,
) -> Iterator[_Entry]:
    """The rows of one index query, each with its key (read lazily, page by page)."""
    if spec.keys_only:
        assert beyond is None  # not needed: the once-bounced stream is never keys only
        results = _keys_query(spec, start, forward, page_size)
        for item in _with_rows(results, page_size):
            yield _counter_from_item(item), _key_of(item, spec)
        return
    for raw in _raw_query(spec, start, forward, page_size, beyond):
        yield _counter_from_raw(raw), {name: raw[name] for name in spec.cursor_fields}


def _with_rows(entries: Iterable[AddressCounterItem], chunk: int) -> Iterator[AddressCounterItem]:
    """Index entries of a keys-only index, each followed by its row (one BatchGetItem per
    chunk, at most 100 keys each), in the index's order; the entry's own key attributes kept
    for the cursor."""
    batch: list[AddressCounterItem] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) >= min(chunk, 100):
            yield from _rows_of(batch)
            batch = []
    if batch:
        yield from _rows_of(batch)


def _rows_of(entries: list[AddressCounterItem]) -> Iterator[AddressCounterItem]:
    rows = {(r.pk, r.sk): r for r in AddressCounterItem.batch_get([(e.pk, e.sk) for e in entries])}
    for entry in entries:
        row = rows.get((entry.pk, entry.sk))
        if row is not None:  # deleted between the index read and now: skipped
            yield row


def _key_of(item: AddressCounterItem, spec: _ScanSpec) -> dict[str, Any]:
    """An item's key in a keys-only index, in DynamoDB's JSON (a cursor's position)."""
    return {name: _key_value(item, name) for name in spec.cursor_fields}


def _key_value(item: AddressCounterItem, name: str) -> dict[str, str]:
    value = getattr(item, name)
    if isinstance(value, int | float):
        return {"N": str(int(value))}
    return {"S": str(value)}
