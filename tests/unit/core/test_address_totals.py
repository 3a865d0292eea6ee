"""Address totals as changes: what a history item's `totals_change` says and adds up to, and
the arithmetic the stream aggregator and the mass-delete worker sum with."""

from __future__ import annotations

import pytest

from chalicelib.ports import AddressTotals
from chalicelib.storage.totals import adds, decode_change, encode_change


@pytest.mark.parametrize(
    ("created", "was", "suppressed", "text", "change"),
    [
        (True, None, False, "new", AddressTotals(1, (("soft", 1),))),
        (True, None, True, "new,sup", AddressTotals(1, (("soft", 1),), 1)),
        (False, "hard", False, "was=hard", AddressTotals(0, (("hard", -1), ("soft", 1)))),
        (False, "mailbox-full", True, "was=mailbox-full,sup", None),
        (False, None, True, "sup", AddressTotals(suppressed=1)),
        (False, None, False, None, AddressTotals()),
    ],
)
def test_a_history_item_says_what_its_bounce_changed(
    created: bool, was: str | None, suppressed: bool, text: str | None, change: AddressTotals | None
) -> None:
    assert encode_change(created=created, was=was, suppressed=suppressed) == text
    decoded = decode_change(text, "soft")
    if change is not None:
        assert decoded == change
    assert bool(decoded) == bool(text)


def test_changes_add_up_and_cancel_out() -> None:
    first = decode_change("new,sup", "hard")
    moved = decode_change("was=hard", "block")
    total = first + moved + decode_change("new", "block")
    assert total == AddressTotals(2, (("block", 2),), 1)
    assert total.category("block") == 2 and total.category("hard") == 0
    gone = -AddressTotals.of("block", suppressed=True)
    assert total + gone == AddressTotals(1, (("block", 1),), 0)
    assert not (total + -total)
    assert sum([first, moved], AddressTotals()) == first + moved


def test_a_change_becomes_increments_of_the_item_attributes() -> None:
    change = AddressTotals.of("spam-content", suppressed=True, addresses=-1)
    assert adds(change) == {"addresses": -1, "spam_content": -1, "suppressed": -1}
    assert adds(AddressTotals.moved("soft", "soft")) == {}
