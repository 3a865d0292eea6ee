"""The aggregation mapping's filter (STREAM_FILTER, evaluated by Lambda on AWS) and `wanted`
(the same test in code, for the local stream pump) keep the same records: new history items
that are not a mass delete's restored ones."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.storage import keys
from chalicelib.storage.aggregate import STREAM_FILTER, wanted
from chalicelib.storage.items import BounceHistoryItem


def _matches(pattern: Any, value: Any) -> bool:
    """Lambda's event-filter rules for the operators the filter uses: a list of allowed values,
    {"prefix": ...} and {"exists": ...}, which sees only leaf values (an object under the key
    counts as absent); nested objects match key by key."""
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        for key, inner in pattern.items():
            if (
                isinstance(inner, list)
                and inner
                and all(isinstance(r, dict) and "exists" in r for r in inner)
            ):
                present = key in value and not isinstance(value[key], dict | list)
                if present is not inner[0]["exists"]:
                    return False
                continue
            # An absent object matches only a sub-pattern that asks for absence.
            if not _matches(inner, value.get(key, {})):
                return False
        return True
    for rule in pattern:
        if isinstance(rule, dict) and "prefix" in rule:
            if isinstance(value, str) and value.startswith(rule["prefix"]):
                return True
        elif value == rule:
            return True
    return False


def _record(event: str, sk: str, restored: bool) -> dict[str, Any]:
    image: dict[str, Any] = {"sk": {"S": sk}, "rc": {"S": "userunknown"}}
    if restored:
        image[BounceHistoryItem.restored.attr_name] = {"BOOL": True}
    return {
        "eventName": event,
        "dynamodb": {
            "Keys": {"pk": {"S": "T#t1#A#a@example.net"}, "sk": {"S": sk}},
            "NewImage": image,
        },
    }


HISTORY = keys.HISTORY_SK_PREFIX + "2025-03-04T09:15:00Z#m1"


@pytest.mark.parametrize(
    ("record", "kept"),
    [
        (_record("INSERT", HISTORY, restored=False), True),
        (_record("INSERT", HISTORY, restored=True), False),
        (_record("MODIFY", HISTORY, restored=False), False),
        (_record("REMOVE", HISTORY, restored=False), False),
        (_record("INSERT", "COUNTER", restored=False), False),
    ],
)
def test_the_filter_and_its_code_keep_the_same_records(record: dict[str, Any], kept: bool) -> None:
    assert _matches(STREAM_FILTER, record) is kept
    assert wanted(record) is kept
