"""The cursor key is read from its source when the first cursor is issued or read, never at
binding: a function that never pages never reads it (and needs no grant for it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import cursors
from chalicelib.errors import CursorError


@pytest.fixture(autouse=True)
def development_key_afterwards() -> Iterator[None]:
    yield
    cursors.bind_key(b"")  # any fixed key; later tests bind their own through wiring
    cursors.bind_key_source(lambda: b"rebound-cursor-development-key")


def test_the_source_is_read_at_the_first_cursor_and_only_once() -> None:
    reads: list[int] = []

    def source() -> bytes:
        reads.append(1)
        return b"s3cret"

    cursors.bind_key_source(source)
    assert reads == []
    issued = cursors.encode({"pk": {"S": "T#acme"}})
    assert cursors.decode(issued) == {"pk": {"S": "T#acme"}}
    assert len(reads) == 1


def test_a_cursor_verifies_under_the_same_secret_and_no_other() -> None:
    cursors.bind_key_source(lambda: b"one")
    issued = cursors.encode({"sk": {"S": "A#ann@example.net"}})
    cursors.bind_key_source(lambda: b"one")  # another process of the same deployment
    assert cursors.decode(issued) == {"sk": {"S": "A#ann@example.net"}}
    cursors.bind_key_source(lambda: b"two")  # the key item was deleted: a new secret
    with pytest.raises(CursorError):
        cursors.decode(issued)
    cursors.bind_key(b"one")  # the direct binding derives the same key
    assert cursors.decode(issued) == {"sk": {"S": "A#ann@example.net"}}
