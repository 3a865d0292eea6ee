"""EventBridge: publish events for the MMS contact system on the `rebound` bus."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalicelib.aws.clients import client

MAX_ENTRIES = 10  # PutEvents' limit per call


class EventBus:
    """EventPublisher port on one bus."""

    def __init__(self, bus_name: str, source: str = "rebound.mass-delete") -> None:
        self._bus = bus_name
        self._source = source

    def publish(self, detail_type: str, details: Sequence[dict[str, Any]]) -> int:
        """Publish one event per detail; returns how many failed (after one retry)."""
        failed = 0
        for start in range(0, len(details), MAX_ENTRIES):
            entries = [
                {
                    "EventBusName": self._bus,
                    "Source": self._source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, sort_keys=True),
                }
                for detail in details[start : start + MAX_ENTRIES]
            ]
            for attempt in range(2):
                response = client("events").put_events(Entries=entries)
                if not response.get("FailedEntryCount"):
                    break
                entries = [
                    entry
                    for entry, result in zip(entries, response["Entries"], strict=False)
                    if result.get("ErrorCode")
                ]
                if attempt == 1:
                    failed += len(entries)
        return failed
