"""Paging cursors: opaque to clients and tamper-evident. A cursor is the JSON of where a listing
stopped, base64url-encoded, followed by an HMAC-SHA256 tag (128 bits) over it. A cursor whose
tag does not verify is refused before anything inside it is read; one that verifies is still
checked to belong to the very listing it is used with (its partition and key names), so a
cursor of one tenant or listing never reads another.

The key is bound once by the composition root as a source that is read on the first cursor a
process issues or reads (the table's own key item, storage/tenants.py), so a function that never
pages never reads it; tests and tools get a fixed development key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from chalicelib.errors import CursorError

_TAG_BYTES = 16
_DEVELOPMENT_KEY = hashlib.sha256(b"rebound-cursor-development-key").digest()
# One process-wide key, set by the composition root; None until the bound source is first read.
_key: bytes | None = _DEVELOPMENT_KEY
_source: Callable[[], bytes] | None = None


def bind_key(secret: bytes) -> None:
    """Use a key derived from `secret` for every cursor this process issues or reads."""
    global _key, _source
    _key, _source = _derive(secret), None


def bind_key_source(source: Callable[[], bytes]) -> None:
    """Derive the key from `source()` when the first cursor is issued or read, not before."""
    global _key, _source
    _key, _source = None, source


def _derive(secret: bytes) -> bytes:
    return hmac.new(secret, b"rebound-cursor-v1", hashlib.sha256).digest()


def _current_key() -> bytes:
    global _key  # noqa: PLW0603 - see above
    if _key is None:
        assert _source is not None  # bind_key_source set both
        _key = _derive(_source())  # two threads racing here read the same stored secret
    return _key


def encode(position: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    ).rstrip(b"=")
    tag = base64.urlsafe_b64encode(_tag(body)).rstrip(b"=")
    return (body + b"." + tag).decode()


def decode(cursor: str) -> dict[str, Any]:
    """The position inside a cursor this API issued; CursorError (a 400) for anything else."""
    body, _, tag = cursor.encode("utf-8", "replace").partition(b".")
    try:
        given = base64.urlsafe_b64decode(tag + b"=" * (-len(tag) % 4))
        if not hmac.compare_digest(given, _tag(body)):
            raise CursorError("cursor was changed or is not one this API issued; start again")
        position = json.loads(base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4)))
    except (binascii.Error, ValueError):
        raise CursorError("cursor is not one this API issued; start again without it") from None
    if not isinstance(position, dict):
        raise CursorError("cursor is not one this API issued; start again without it")
    return position


def _tag(body: bytes) -> bytes:
    return hmac.new(_current_key(), body, hashlib.sha256).digest()[:_TAG_BYTES]
