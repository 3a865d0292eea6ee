"""The cursor of a listing read from two indexes at once (storage/core.py): it resumes only its
own listing of its own tenant, and refuses anything it did not issue."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import cursors
from chalicelib.errors import CursorError
from chalicelib.storage.core import KeyShape, decode_positions, encode_positions

SHAPES = {
    "repeated": KeyShape("T#riverside", frozenset({"pk", "sk", "repeat_count"})),
    "once": KeyShape("T#riverside", frozenset({"pk", "sk", "last_bounce_at"})),
}
REPEATED = {
    "pk": {"S": "T#riverside"},
    "sk": {"S": "A#ann@example.net"},
    "repeat_count": {"N": "3"},
}
ONCE = {
    "pk": {"S": "T#riverside"},
    "sk": {"S": "A#bob@example.net"},
    "last_bounce_at": {"S": "2026-11-02T08:00:00Z"},
}


def test_positions_round_trip_and_no_cursor_is_the_start() -> None:
    assert decode_positions(None, "count", SHAPES) == {"repeated": None, "once": None}
    cursor = encode_positions("count", {"repeated": REPEATED, "once": None})
    assert decode_positions(cursor, "count", SHAPES) == {"repeated": REPEATED, "once": None}
    both = encode_positions("count", {"repeated": REPEATED, "once": ONCE})
    assert decode_positions(both, "count", SHAPES) == {"repeated": REPEATED, "once": ONCE}


@pytest.mark.parametrize(
    "position",
    [
        {"listing": "first_bounce", "repeated": REPEATED, "once": None},  # another listing
        {"listing": "count", "repeated": None, "once": None},  # never issued
        {"listing": "count", "repeated": REPEATED},  # a position missing
        {"listing": "count", "repeated": REPEATED, "once": None, "extra": None},
        {"listing": "count", "repeated": ONCE, "once": None},  # another index's key
        {"listing": "count", "repeated": None, "once": {**ONCE, "pk": {"S": "T#hillside"}}},
        {"listing": "count", "repeated": {**REPEATED, "repeat_count": {"N": "-1"}}, "once": None},
        {"listing": "count", "repeated": "A#ann@example.net", "once": None},
        REPEATED,  # a one-index cursor
    ],
)
def test_anything_else_is_refused(position: dict[str, Any]) -> None:
    with pytest.raises(CursorError):
        decode_positions(cursors.encode(position), "count", SHAPES)


def test_a_changed_cursor_is_refused() -> None:
    cursor = encode_positions("count", {"repeated": REPEATED, "once": None})
    with pytest.raises(CursorError):
        decode_positions(cursor[:-2] + "xy", "count", SHAPES)
