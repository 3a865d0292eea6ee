"""The mechanics every storage adapter shares, once: what a failed condition looks like, the one
retry policy (bounded, jittered exponential backoff) for conditional writes, transactions and
batches, the table's connection, and the newest-first paged query behind a signed cursor.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from botocore.exceptions import ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib import cursors
from chalicelib.config import RetentionSettings
from chalicelib.errors import CursorError
from chalicelib.ports import Page
from chalicelib.storage.items import AddressCounterItem

T = TypeVar("T")

CONDITION_FAILED = "ConditionalCheckFailedException"
# Worth another attempt: the request was refused for load or a concurrent transaction, and
# nothing was written (DynamoDB's documented retryable errors).
RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "TransactionConflictException",
    }
)
# Cancellation reasons of TransactWriteItems that a fresh read and another attempt may clear.
RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughput"})


def error_code(error: BaseException) -> str:
    """DynamoDB's error code of a botocore or PynamoDB error ("" for anything else)."""
    cause = error.cause if isinstance(error, PynamoDBException) else error
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", ""))
    return ""


def condition_failed(error: BaseException) -> bool:
    """Did a conditional write fail on its condition (someone else got there first)?"""
    return error_code(error) == CONDITION_FAILED


def cancellation_reasons(error: TransactWriteError) -> list[str]:
    """The per-item reasons a transaction was cancelled, in item order ("None" for an item
    that did not cause it)."""
    return [(r.code or "None") if r else "None" for r in error.cancellation_reasons or []]


def worth_retrying(error: TransactWriteError, contended: frozenset[str] = frozenset()) -> bool:
    """May the same transaction, read afresh, succeed later? Yes when it was cancelled only for
    load or a concurrent transaction, or for a condition in `contended` (an optimistic version
    check that a re-read fixes); no for anything the request itself got wrong."""
    reasons = {r for r in cancellation_reasons(error) if r != "None"}
    if not reasons:
        return error_code(error) in RETRYABLE_CODES
    return reasons <= RETRYABLE_REASONS | contended


VERSION_CHECK = frozenset({"ConditionalCheckFailed"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter (delay uniform in [0, min(cap, base*2^n)]),
    the scheme AWS recommends for contended and throttled writes."""

    attempts: int = 8
    base: float = 0.05
    cap: float = 2.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def pause(self, attempt: int) -> None:
        ceiling = min(self.cap, self.base * (2**attempt))
        self.sleep(random.uniform(0, ceiling))  # noqa: S311 - backoff jitter, not a secret


DEFAULT_RETRY = RetryPolicy()
# The documented retention; the composition root passes the settings' (from the environment).
DEFAULT_RETENTION = RetentionSettings()


def expires_at(moment: datetime, days: int) -> int:
    """The table's TTL value (`expires_at`, epoch seconds) of an item kept `days` after
    `moment` (docs/retention.md; config.RetentionSettings holds the days)."""
    return int((moment + timedelta(days=days)).timestamp())


def connection() -> Connection:
    """The table's own connection: one botocore client per process, not one per call."""
    found: Connection = AddressCounterItem._get_connection().connection
    return found


def client() -> Any:
    """The table's botocore client, for the few calls PynamoDB has no model for (raw items)."""
    return connection().client


def table_name() -> str:
    name: str = AddressCounterItem.Meta.table_name
    return name


def newest_first_page(
    model: Any,
    pk: str,
    *,
    sk_prefix: str | None,
    limit: int,
    cursor: str | None,
    convert: Callable[[Any], T],
) -> Page[T]:
    """One page of a partition (optionally one sk prefix), newest first, behind a cursor that
    only this partition accepts."""
    condition = model.sk.startswith(sk_prefix) if sk_prefix else None
    results = model.query(
        pk,
        condition,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, pk, {"pk", "sk"}),
    )
    items = tuple(convert(i) for i in results)
    return Page(items, encode_cursor(results.last_evaluated_key))


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    return cursors.encode(last_evaluated_key) if last_evaluated_key else None


def decode_cursor(
    cursor: str | None, pk: str, fields: set[str] | frozenset[str], hash_name: str = "pk"
) -> dict[str, Any] | None:
    """The LastEvaluatedKey inside a signed cursor, checked to belong to this very listing and
    to hold only key values of the right types."""
    if not cursor:
        return None
    key = cursors.decode(cursor)
    if not _is_key_of(key, pk, fields, hash_name):
        raise CursorError(_NOT_THIS_LISTING)
    return key


_NOT_THIS_LISTING = "cursor is not one this API issued for this listing; start again"


@dataclass(frozen=True, slots=True)
class KeyShape:
    """What a LastEvaluatedKey of one index holds: its attribute names, and which one is the
    partition key with which value (so a cursor of one tenant never reads another)."""

    hash_value: str
    fields: frozenset[str]
    hash_name: str = "pk"


def encode_positions(listing: str, positions: dict[str, dict[str, Any] | None]) -> str:
    """A cursor of a listing read from several indexes at once: where each stopped (None:
    not begun), and the listing's name, so it resumes no other listing."""
    return cursors.encode({"listing": listing, **positions})


def decode_positions(
    cursor: str | None, listing: str, shapes: dict[str, KeyShape]
) -> dict[str, dict[str, Any] | None]:
    """The positions inside a cursor of `encode_positions`, each checked like `decode_cursor`
    (every position None when there is no cursor)."""
    if not cursor:
        return dict.fromkeys(shapes)
    found = cursors.decode(cursor)
    positions = {name: found.get(name) for name in shapes}
    valid = (
        set(found) == {"listing", *shapes}
        and found["listing"] == listing
        and any(key is not None for key in positions.values())
        and all(
            positions[name] is None
            or _is_key_of(positions[name], shape.hash_value, shape.fields, shape.hash_name)
            for name, shape in shapes.items()
        )
    )
    if not valid:
        raise CursorError(_NOT_THIS_LISTING)
    return positions


def _is_key_of(key: Any, pk: str, fields: set[str] | frozenset[str], hash_name: str) -> bool:
    return (
        isinstance(key, dict)
        and set(key) == fields
        and all(_is_key_value(v) for v in key.values())
        and key[hash_name] == {"S": pk}
    )


def _is_key_value(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((kind, text),) = value.items()
    if kind == "S":
        return isinstance(text, str)
    return kind == "N" and isinstance(text, str) and text.isdigit() and len(text) <= 38
