"""A tenant's address totals (AddressTotalsItem, one item under the tenant's AGG partition):
how many bounced addresses, how many per category, how many suppressed, kept up to date off the
counting path so the stats view and the digests read one item instead of COUNT queries that
read every counter (about 10,000 read units at 100,000 addresses).

Who changes them, and how each change is applied once:
- A counted bounce: its history item says what it changed of its address (`totals_change`,
  written by storage/counters.py in the same write as the rest of the item, so counting writes
  nothing more), and the stream aggregator (storage/aggregate.py) adds it with the run's other
  figures, exactly once per run.
- Mark as good (counters.py `reactivate`): suppressed -1, in its own transaction.
- A mass delete (storage/jobs.py): one update per chunk run with the addresses it deleted; its
  undo adds back each restored counter in the transaction that restores it (and strips
  `totals_change` from the restored history items, whose INSERTs the stream sees again).
- Forget (storage/erasure.py): the deleted counter's share, after the delete that returned it.
A reconcile (`CounterRepository.reconcile_totals`, `rebound totals`) recounts the counters and
rewrites the item; it is also the backfill of a tenant that had counters before the totals
existed. Until a tenant's item was reconciled once, readers recount (`read_totals` says None). A
tenant created since starts with zero totals, reconciled by definition (`start_totals`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.update import Action

from chalicelib.classification.reasons import Category
from chalicelib.ports import AddressTotals
from chalicelib.storage import keys
from chalicelib.storage.core import condition_failed
from chalicelib.storage.items import AddressTotalsItem
from chalicelib.timefmt import iso

_CREATED = "new"
_SUPPRESSED = "sup"
_WAS = "was="


def encode_change(*, created: bool, was: str | None, suppressed: bool) -> str | None:
    """A history item's `totals_change`: the bounce created its address, moved it from the
    category `was` (to the bounce's own), made it suppressed; None when it changed none of
    these (most later bounces: the attribute is left out)."""
    parts = [_CREATED] if created else []
    if was is not None:
        parts.append(_WAS + was)
    if suppressed:
        parts.append(_SUPPRESSED)
    return ",".join(parts) or None


def decode_change(change: str | None, category: str) -> AddressTotals:
    """What a history item's bounce (of `category`) changed of the tenant's totals."""
    totals = AddressTotals()
    for part in (change or "").split(","):
        if part == _CREATED:
            totals += AddressTotals.of(category, suppressed=False)
        elif part == _SUPPRESSED:
            totals += AddressTotals(suppressed=1)
        elif part.startswith(_WAS):
            totals += AddressTotals.moved(part.removeprefix(_WAS), category)
    return totals


def totals_item(tenant: str) -> AddressTotalsItem:
    return AddressTotalsItem(keys.aggregate_pk(tenant), keys.TOTALS_SK)


def _field(category: str) -> str:
    return category.replace("-", "_")


def adds(change: AddressTotals) -> dict[str, int]:
    """The change as increments of the item's attributes (by Python name)."""
    found = {"addresses": change.addresses, "suppressed": change.suppressed}
    for category, n in change.categories:
        found[_field(category)] = found.get(_field(category), 0) + n
    return {name: n for name, n in found.items() if n}


def actions(change: AddressTotals) -> list[Action]:
    """The UpdateItem actions that add a change (ADD: they create the item when absent)."""
    return [getattr(AddressTotalsItem, name).add(n) for name, n in sorted(adds(change).items())]


def add_to_totals(tenant: str, change: AddressTotals) -> None:
    """One update (for the rare paths that change addresses without a history item)."""
    if change:
        totals_item(tenant).update(actions=actions(change))


def read_totals(tenant: str) -> AddressTotals | None:
    """The tenant's kept totals, or None while they were never reconciled (absent, or holding
    only the changes since the totals were introduced)."""
    try:
        item = AddressTotalsItem.get(keys.aggregate_pk(tenant), keys.TOTALS_SK)
    except DoesNotExist:
        return None
    if item.reconciled_at is None:
        return None
    categories = tuple(
        (str(c), int(getattr(item, _field(str(c))) or 0)) for c in sorted(Category, key=str)
    )
    return AddressTotals(
        int(item.addresses or 0),
        tuple((c, n) for c, n in categories if n),
        int(item.suppressed or 0),
    )


def write_totals(tenant: str, totals: AddressTotals) -> None:
    """Rewrite the tenant's totals (a reconcile's recount), marked as reconciled now."""
    _reconciled(tenant, totals).save()


def start_totals(tenant: str) -> None:
    """A new tenant's totals: zero, and exact from its first bounce on. Never over an item
    that holds changes already (then the tenant had addresses: a reconcile backfills it)."""
    try:
        _reconciled(tenant, AddressTotals()).save(condition=AddressTotalsItem.pk.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise


def _reconciled(tenant: str, totals: AddressTotals) -> AddressTotalsItem:
    item = totals_item(tenant)
    item.addresses = totals.addresses
    item.suppressed = totals.suppressed
    for category in Category:
        setattr(item, _field(str(category)), totals.category(str(category)))
    item.reconciled_at = iso(datetime.now(UTC))
    return item
