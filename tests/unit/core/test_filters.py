"""The report's filters: parsing with helpful errors, matching, JSON round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.bounces import AddressState
from chalicelib.errors import BadRequest
from chalicelib.report.filters import BounceFilter
from rebound.samples import sample_counter

COUNTER = sample_counter(
    address="ann.smith@mail.example.net",
    bounce_count=3,
    first_bounce_at=datetime(2026, 11, 1, 8, tzinfo=UTC),
    last_bounce_at=datetime(2026, 11, 20, 23, 59, tzinfo=UTC),
    last_received_at=datetime(2026, 11, 20, 23, 59, tzinfo=UTC),
    diagnostic="",
    explanation="",
    remote_mta="",
    source="event",
    state=AddressState.SUPPRESSED,
)


@pytest.mark.parametrize(
    ("params", "matches"),
    [
        ({}, True),
        ({"category": "hard,soft"}, True),
        ({"category": "block"}, False),
        ({"reason": "userunknown"}, True),
        ({"hard": "false"}, False),
        ({"source": "event"}, True),
        ({"source": "survey"}, False),
        ({"domain": "example.net"}, True),
        ({"domain": "mail.example.net"}, True),
        ({"domain": "ample.net"}, False),
        ({"q": "SMITH"}, True),
        ({"last_from": "2026-11-20", "last_to": "2026-11-20"}, True),
        ({"last_to": "2026-11-19"}, False),
        ({"first_from": "2026-11-02"}, False),
        ({"min_count": "3"}, True),
        ({"min_count": "4"}, False),
        ({"state": "suppressed"}, True),
        ({"state": "active,reactivated"}, False),
    ],
)
def test_matching(params: dict[str, str], matches: bool) -> None:
    assert BounceFilter.from_params(params).matches(COUNTER) is matches


@pytest.mark.parametrize(
    ("params", "words"),
    [
        (
            {"category": "nope"},
            r"category\[0\]: invalid enum value 'nope'; one of: block, complaint, hard",
        ),
        ({"hard": "yes"}, "hard: expected `bool"),
        ({"last_from": "20/11/2026"}, "YYYY-MM-DD"),
        ({"min_count": "-1"}, "min_count"),
        ({"domain": "bad domain"}, "domain"),
        ({"first_from": "2026-11-05", "first_to": "2026-11-01"}, "swap"),
    ],
)
def test_bad_values_say_what_to_fix(params: dict[str, str], words: str) -> None:
    with pytest.raises(BadRequest, match=words):
        BounceFilter.from_params(params)


def test_json_round_trip() -> None:
    f = BounceFilter.from_params(
        {"category": "hard", "hard": "true", "last_from": "2026-11-01", "min_count": "2"}
    )
    assert f.to_json() == {
        "category": ["hard"],
        "hard": True,
        "last_from": "2026-11-01",
        "min_count": 2,
    }
    assert BounceFilter.from_json(f.to_json()) == f
    assert f.last_from == date(2026, 11, 1)
    assert BounceFilter().is_empty and not f.is_empty


def test_send_id_filter() -> None:
    assert BounceFilter.from_params({"send_id": "s1"}).matches(COUNTER)
    assert not BounceFilter.from_params({"send_id": "s2"}).matches(COUNTER)
