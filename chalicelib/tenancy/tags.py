"""Signed VERP return paths: `groupmessaging+<tag>@<inbound domain>`.

The tag carries tenant, source, send id, recipient and an expiry day, authenticated by a
truncated HMAC-SHA256. Keys are rotatable: the first configured key signs, every configured key
verifies, and the key id travels in the tag.

Format (all lower case, because some MTAs lower-case the local part they return to):
    <key id>-<base32(payload)>-<base32(mac[:10])>
payload = "1" US tenant US source-letter US send id US recipient US expiry-day (days since epoch)

Trade-off: a tag that carries the recipient is longer than RFC 5321's 64-octet local-part limit
for most addresses. The MTAs our bounces come from accept long local parts in practice (VERP has
always relied on that); the alternative, a server-side lookup table, would make every send write
to Rebound. The tag stays well under the 256-octet path limit for recipients up to ~120 chars.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from chalicelib.tenancy.ids import Source, is_tenant_id

_SEP = "\x1f"
_VERSION = "1"
_MAC_BYTES = 10
_KID_RE = re.compile(r"^[a-z0-9]{1,8}$")
_EPOCH = date(1970, 1, 1)
_SOURCE_LETTER = {Source.BROADCAST: "b", Source.EVENT: "e", Source.SURVEY: "s"}
_LETTER_SOURCE = {v: k for k, v in _SOURCE_LETTER.items()}
MAX_SEND_ID = 64


class TagProblem(StrEnum):
    """Why a return-path tag did not verify: shown to staff in the quarantine view."""

    MISSING = "missing"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown-key"
    BAD_SIGNATURE = "bad-signature"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    secret: bytes


@dataclass(frozen=True, slots=True)
class ReturnPathClaims:
    """What a verified tag says about the message that bounced."""

    tenant: str
    source: Source
    send_id: str
    recipient: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class TagVerification:
    claims: ReturnPathClaims | None
    problem: TagProblem | None = None
    tag: str = ""

    @property
    def ok(self) -> bool:
        return self.claims is not None


def parse_keys(spec: str) -> tuple[SigningKey, ...]:
    """Parse "kid:secret,kid:secret" (first signs), or the JSON the deployed secret holds:
    {"kid": ..., "secret": ...} or a list of such objects (first signs). Raises ValueError on a
    bad configuration."""
    if spec.lstrip().startswith(("{", "[")):
        try:
            loaded = json.loads(spec)
            entries = loaded if isinstance(loaded, list) else [loaded]
            spec = ",".join(f"{e['kid']}:{e['secret']}" for e in entries)
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError("tag key JSON must be {kid, secret} or a list of them") from error
    keys: list[SigningKey] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kid, sep, secret = part.partition(":")
        kid = kid.strip().lower()
        if not sep or not _KID_RE.fullmatch(kid) or len(secret) < 16:
            raise ValueError(
                "tag keys must be 'kid:secret' pairs, kid 1-8 of [a-z0-9], secret >= 16 chars"
            )
        keys.append(SigningKey(kid, secret.encode()))
    if not keys:
        raise ValueError("no tag signing key configured")
    return tuple(keys)


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def _unb32(text: str) -> bytes:
    text = text.upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def _mac(key: SigningKey, payload: bytes) -> bytes:
    msg = b"rebound-return-path|" + key.kid.encode() + b"|" + payload
    return hmac.new(key.secret, msg, hashlib.sha256).digest()[:_MAC_BYTES]


def make_tag(
    keys: tuple[SigningKey, ...],
    *,
    tenant: str,
    source: Source,
    send_id: str,
    recipient: str,
    expires_on: date,
) -> str:
    """Sign one return-path tag with the first key. Raises ValueError on bad arguments."""
    if not is_tenant_id(tenant):
        raise ValueError(f"tenant id {tenant!r} must match [a-z0-9][a-z0-9-]{{0,62}}")
    if not send_id or len(send_id) > MAX_SEND_ID or _SEP in send_id:
        raise ValueError(f"send id must be 1-{MAX_SEND_ID} characters")
    recipient = normalise_address(recipient)
    if "@" not in recipient or _SEP in recipient:
        raise ValueError(f"recipient {recipient!r} is not an email address")
    fields = (_VERSION, tenant, _SOURCE_LETTER[source], send_id, recipient)
    payload = _SEP.join((*fields, str((expires_on - _EPOCH).days))).encode()
    key = keys[0]
    return f"{key.kid}-{_b32(payload)}-{_b32(_mac(key, payload))}"


def make_return_path(
    keys: tuple[SigningKey, ...],
    *,
    local_part: str,
    domain: str,
    tenant: str,
    source: Source,
    send_id: str,
    recipient: str,
    expires_on: date,
) -> str:
    """The envelope sender (MAIL FROM) the MMS uses for one message to one recipient."""
    tag = make_tag(
        keys,
        tenant=tenant,
        source=source,
        send_id=send_id,
        recipient=recipient,
        expires_on=expires_on,
    )
    return f"{local_part}+{tag}@{domain}"


def verify_tag(keys: tuple[SigningKey, ...], tag: str, today: date) -> TagVerification:  # noqa: PLR0911 - one return per reason a tag does not verify
    """Check one tag; never raises. Expired tags are refused even when the MAC is good."""
    tag = tag.strip().lower()
    parts = tag.split("-")
    if len(parts) != 3:
        return TagVerification(None, TagProblem.MALFORMED, tag)
    kid, payload_text, mac_text = parts
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        return TagVerification(None, TagProblem.UNKNOWN_KEY, tag)
    try:
        payload = _unb32(payload_text)
        mac = _unb32(mac_text)
    except ValueError:
        return TagVerification(None, TagProblem.MALFORMED, tag)
    if not hmac.compare_digest(mac, _mac(key, payload)):
        return TagVerification(None, TagProblem.BAD_SIGNATURE, tag)
    try:
        version, tenant, letter, send_id, recipient, day = payload.decode().split(_SEP)
        source = _LETTER_SOURCE[letter]
        expires_on = _EPOCH + timedelta(days=int(day))
    except (UnicodeDecodeError, ValueError, KeyError, OverflowError):
        return TagVerification(None, TagProblem.MALFORMED, tag)
    if version != _VERSION:
        return TagVerification(None, TagProblem.MALFORMED, tag)
    if expires_on < today:
        return TagVerification(None, TagProblem.EXPIRED, tag)
    claims = ReturnPathClaims(tenant, source, send_id, recipient, expires_on)
    return TagVerification(claims, None, tag)


def find_tags(raw: bytes, local_part: str, domain: str, limit: int = 8) -> tuple[str, ...]:
    """Every distinct tag addressed to our return path in the message, in order of appearance.

    The tag is found wherever the bounce mentions our address: the To header (the original's
    envelope sender), SES's Received "for" clause, Delivered-To, or the returned original's
    Return-Path. Only the first 256 KiB is searched: headers and the DSN come first.
    """
    tag = rb"([a-z0-9]{1,8}-[a-z2-7]{8,400}-[a-z2-7]{16})"
    pattern = re.compile(
        rb"(?i)\b"
        + re.escape(local_part.encode())
        + rb"\+"
        + tag
        + rb"@"
        + re.escape(domain.encode())
        + rb"\b"
    )
    seen: dict[str, None] = {}
    for match in pattern.finditer(raw, 0, 262144):
        seen.setdefault(match.group(1).decode("ascii").lower(), None)
        if len(seen) >= limit:
            break
    return tuple(seen)


def normalise_address(address: str) -> str:
    """One spelling per mailbox: trimmed, angle brackets removed, lower-cased.

    Local parts are case-sensitive in theory (RFC 5321 2.4) but no mailbox provider treats them
    so, and counting "Ann@" and "ann@" separately would split one address's history in two.
    """
    return address.strip().strip("<>").strip().lower()
