"""In-memory stand-ins for the adapters several test folders share."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any


class MemoryObjects:
    """The bucket of stored mail: raw objects by key (ports.RawMail / ObjectStore), safe for
    the tests that write from several threads."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def read(self, key: str) -> bytes:
        return self.objects[key]

    def write(self, key: str, raw: bytes) -> None:
        with self._lock:
            self.objects[key] = raw


class MemoryEvents:
    """The event bus (massdelete.ports.EventPublisher): each publish, in order, with its type."""

    def __init__(self) -> None:
        self.published: list[tuple[str, list[dict[str, Any]]]] = []

    def publish(self, detail_type: str, details: Sequence[dict[str, Any]]) -> int:
        self.published.append((detail_type, list(details)))
        return 0

    def details(self) -> list[dict[str, Any]]:
        """Every published detail, whatever its type, in order."""
        return [detail for _, details in self.published for detail in details]
