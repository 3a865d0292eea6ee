"""Paging cursors: opaque to clients and tamper-evident. A cursor is the JSON of where a listing
stopped, base64url-encoded, followed by an HMAC-SHA256 tag (128 bits) over it. A cursor whose
tag does not verify is refused before anything inside it is read; one that verifies is still
checked to belong to the very listing it is used with (its partition and key names), so a
cursor of one tenant or listing never reads another.

The key is bound once by the composition root (derived from the tag-signing key, so rotating
that key also retires old cursors); tests and tools get a fixed development key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from chalicelib.errors import CursorError

_TAG_BYTES = 16
_key = hashlib.sha256(b"rebound-cursor-development-key").digest()


def bind_key(secret: bytes) -> None:
    """Use a key derived from `secret` for every cursor this process issues or reads."""
    global _key  # noqa: PLW0603 - one process-wide key, set by the composition root
    _key = hmac.new(secret, b"rebound-cursor-v1", hashlib.sha256).digest()


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
    return hmac.new(_key, body, hashlib.sha256).digest()[:_TAG_BYTES]
