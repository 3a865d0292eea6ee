"""`chalicelib.record`: the dataclass subset the parser's value classes use."""

from __future__ import annotations

import pytest

from chalicelib.parsing.findings import Finding
from chalicelib.parsing.model import Action, MessageKind, ParseResult, RecipientResult
from chalicelib.record import field, record, replace


@record(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=())


@record()
class Box:
    items: list[int] = field(default_factory=list)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.items)


def test_fields_defaults_and_positional_order() -> None:
    assert (Point(1).x, Point(1).y, Point(1).tags) == (1, 0, ())
    assert Point(1, 2) == Point(x=1, y=2)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]


def test_frozen_records_are_equal_and_hashable_by_their_fields() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != (1, 2)  # type: ignore[comparison-overlap]
    assert len({Point(1, 2), Point(1, 2), Point(3)}) == 2
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=())"


def test_mutable_records_get_a_fresh_default_and_no_hash() -> None:
    a, b = Box(), Box()
    a.items.append(1)
    assert b.items == []
    assert Box([1, 2]).size == 2
    with pytest.raises(TypeError):
        hash(Box())


def test_slots_only() -> None:
    with pytest.raises(AttributeError):
        Point(1).z = 3  # type: ignore[attr-defined]


def test_replace_builds_a_changed_copy() -> None:
    p = Point(1, 2, ("a",))
    assert replace(p, y=5) == Point(1, 5, ("a",))
    assert p == Point(1, 2, ("a",))
    assert replace(Box([1, 2, 3]), items=[9]).size == 1


def test_the_parser_models_keep_their_dataclass_behaviour() -> None:
    r = RecipientResult(address="ann@example.net", action=Action.DELAYED)
    assert r == RecipientResult(address="ann@example.net", action=Action.DELAYED)
    assert hash(r) == hash(RecipientResult(address="ann@example.net", action=Action.DELAYED))
    result = ParseResult(kind=MessageKind.BOUNCE, recipients=(r,))
    assert replace(result, mta="postfix").recipients == (r,)
    assert Finding("ann@example.net").with_(status="5.1.1").status == "5.1.1"
