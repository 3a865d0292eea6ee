"""In-memory stand-ins for the adapters several test folders share."""

from __future__ import annotations

import threading


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
