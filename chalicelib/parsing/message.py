"""Bounded, never-raising access to one raw inbound message.

Owns everything that touches the `email` package: line-end normalisation, size caps, the one
safe header accessor, and a bounded walk over MIME parts that yields decoded text. Parsing uses
`policy.compat32` (fast, tolerant). Limits keep hostile mail cheap: the raw message is cut at
`MAX_RAW_BYTES` (bounces put the report first; the returned original comes last), the walk
stops after `MAX_PARTS` parts or `MAX_DEPTH` levels, and each text part is cut at
`MAX_TEXT_CHARS`. Attachments are never decompressed.
"""

from __future__ import annotations

import binascii
import email
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.policy import compat32

MAX_RAW_BYTES = 1_500_000
MAX_HEADER_BYTES = 256_000
MAX_PARTS = 64
MAX_DEPTH = 12
MAX_TEXT_CHARS = 200_000
MAX_HEADER_CHARS = 2_000

_MULTIPART_BOUNDARY = re.compile(rb"boundary\s*=", re.IGNORECASE)
_BLANK_LINE = re.compile(rb"\n[ \t]*\n")
_WS = re.compile(r"\s+")
_ENCODED_WORD = "=?"
_FALLBACK_CHARSETS = ("utf-8", "cp1252")


@dataclass(slots=True)
class Part:
    """One leaf part, decoded to text (or raw field blocks for delivery-status parts)."""

    content_type: str
    text: str
    depth: int
    inside_original: bool  # under a message/rfc822 (the returned original message)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Mail:
    """The loaded message: top-level headers, leaf parts in order, and what went wrong."""

    message: Message
    parts: list[Part]
    defects: list[str]

    def header(self, name: str) -> str:
        return header_text(self.message, name)

    @property
    def content_type(self) -> str:
        return safe_content_type(self.message)


def normalise_line_ends(raw: bytes) -> bytes:
    """CRLF and CR-only line ends become LF (the email package's feed parser handles both, but
    every regex in the detectors then sees one form)."""
    if b"\r" not in raw:
        return raw
    return raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text with the declared charset, falling back on unknown or wrong charsets."""
    if charset:
        cs = charset.strip().strip('"').lower()
        if cs in {"iso-2022-jp", "csiso2022jp"}:
            cs = "iso2022_jp_ext"
        try:
            return data.decode(cs, "replace")
        except (LookupError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _decode_header_value(value: str) -> str:
    if _ENCODED_WORD not in value:
        return value
    try:
        chunks = decode_header(value)
    except (ValueError, LookupError, AssertionError, binascii.Error):
        return value
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return "".join(out)


def header_text(msg: Message, name: str) -> str:
    """The one safe accessor: first value of a header, RFC 2047-decoded, unfolded, bounded."""
    try:
        value = msg.get(name)
    except Exception:  # hostile headers must never break parsing
        return ""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:
            return ""
    value = value[:MAX_HEADER_CHARS]
    return _WS.sub(" ", _decode_header_value(value)).strip()


def safe_content_type(msg: Message) -> str:
    try:
        return msg.get_content_type()
    except Exception:
        return "text/plain"


def _charset(msg: Message) -> str | None:
    try:
        cs = msg.get_param("charset")
    except Exception:
        return None
    if isinstance(cs, tuple):  # RFC 2231 form
        cs = cs[2] if len(cs) > 2 else None
    return cs if isinstance(cs, str) else None


def _decode_payload(msg: Message) -> bytes:
    """The transfer-decoded body of a leaf part; broken base64/QP degrade to the raw bytes
    (compat32 never raises on them)."""
    try:
        payload = msg.get_payload(decode=True)
    except Exception:
        return b""
    return payload[: MAX_TEXT_CHARS * 2] if isinstance(payload, bytes) else b""


def payload_text(msg: Message) -> str:
    data = _decode_payload(msg)
    if not data:
        return ""
    return decode_bytes(data, _charset(msg))[:MAX_TEXT_CHARS]


def _structured_blocks(msg: Message) -> str:
    """compat32 parses message/delivery-status into a list of header blocks; rebuild the text."""
    try:
        payload = msg.get_payload()
    except Exception:
        return ""
    if isinstance(payload, str):
        return payload_text(msg)
    blocks: list[str] = []
    for block in payload[:MAX_PARTS] if isinstance(payload, list) else []:
        if not isinstance(block, Message):
            continue
        lines = []
        for key, value in block.items():
            text = value if isinstance(value, str) else str(value)
            lines.append(f"{key}: {text[:MAX_HEADER_CHARS]}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _headers_of(msg: Message) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        keys = msg.keys()
    except Exception:
        return out
    for key in keys[:200]:
        low = key.lower()
        if low not in out:
            out[low] = header_text(msg, key)
    return out


def _walk(msg: Message, depth: int, inside: bool, parts: list[Part], defects: list[str]) -> None:
    if len(parts) >= MAX_PARTS:
        if "too-many-parts" not in defects:
            defects.append("too-many-parts")
        return
    if depth > MAX_DEPTH:
        if "nesting-too-deep" not in defects:
            defects.append("nesting-too-deep")
        return
    ctype = safe_content_type(msg)
    maintype = ctype.split("/", 1)[0]
    if ctype in {"message/delivery-status", "message/global-delivery-status"} or ctype in {
        "message/feedback-report",
        "message/disposition-notification",
    }:
        parts.append(Part(ctype, _structured_blocks(msg), depth, inside))
        return
    if ctype in {"message/rfc822", "message/global"} or (
        maintype == "message" and msg.is_multipart()
    ):
        try:
            inner = msg.get_payload()
        except Exception:
            return
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            sub = inner[0]
            parts.append(Part("text/rfc822-headers", "", depth, True, _headers_of(sub)))
            _walk(sub, depth + 1, True, parts, defects)
        elif isinstance(inner, str):
            parts.append(Part("text/rfc822-headers", payload_text(msg), depth, True))
        return
    if msg.is_multipart():
        try:
            children = msg.get_payload()
        except Exception:
            return
        if not isinstance(children, list):
            return
        for child in children[:MAX_PARTS]:
            if isinstance(child, Message):
                _walk(child, depth + 1, inside, parts, defects)
        return
    if maintype in {"text", "message"} or (ctype == "application/octet-stream" and depth == 0):
        parts.append(Part(ctype, payload_text(msg), depth, inside))
    elif ctype in {"text/rfc822-headers"}:
        parts.append(Part(ctype, payload_text(msg), depth, True))


def _split_oversized_headers(raw: bytes) -> bytes:
    """Cut a megabyte header block down so header parsing stays linear and bounded."""
    end = raw.find(b"\n\n")
    head_len = len(raw) if end < 0 else end
    if head_len <= MAX_HEADER_BYTES:
        return raw
    head = raw[:MAX_HEADER_BYTES]
    cut = head.rfind(b"\n")
    head = head[: cut if cut > 0 else MAX_HEADER_BYTES]
    body = b"" if end < 0 else raw[end:]
    return head + body


def load(raw: bytes) -> Mail:
    """Parse raw bytes into a bounded `Mail`; never raises."""
    defects: list[str] = []
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = b""
    data = bytes(raw[:MAX_RAW_BYTES])
    if len(raw) > MAX_RAW_BYTES:
        defects.append("truncated")
    data = normalise_line_ends(data)
    data = _split_oversized_headers(data)
    if len(_MULTIPART_BOUNDARY.findall(data, 0, 2_000_000)) > MAX_PARTS * 4:
        # Pathological nesting: read the headers and the text only, not the MIME tree.
        defects.append("nesting-too-deep")
        return _flat(data, defects)
    try:
        msg = email.message_from_bytes(data, policy=compat32)
    except (RecursionError, MemoryError):
        defects.append("unparseable-mime")
        return _flat(data, defects)
    except Exception:
        defects.append("unparseable-mime")
        return _flat(data, defects)
    parts: list[Part] = []
    try:
        _walk(msg, 0, False, parts, defects)
    except RecursionError:
        defects.append("nesting-too-deep")
    except Exception:
        defects.append("unparseable-mime")
    if msg.defects:
        defects.extend(sorted({type(d).__name__ for d in msg.defects})[:8])
    return Mail(msg, parts, defects)


def _flat(data: bytes, defects: list[str]) -> Mail:
    end = data.find(b"\n\n")
    head = data if end < 0 else data[: end + 1]
    body = b"" if end < 0 else data[end + 2 :]
    try:
        msg = email.message_from_bytes(head, policy=compat32)
    except Exception:
        msg = Message()
    text = decode_bytes(body[: MAX_TEXT_CHARS * 2], None)[:MAX_TEXT_CHARS]
    return Mail(msg, [Part("text/plain", text, 0, False)], defects)
