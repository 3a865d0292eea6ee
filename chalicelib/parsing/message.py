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
# Of a returned original message only the headers matter: keep this much of it.
MAX_ORIGINAL_BYTES = 12_000
MAX_HEADER_BYTES = 256_000
MAX_PARTS = 64
MAX_DEPTH = 12
MAX_TEXT_CHARS = 200_000
MAX_HEADER_CHARS = 2_000

_ORIGINAL_TYPES = (b"message/rfc822", b"text/rfc822-headers", b"message/global\n")


def _first_original_part(lowered: bytes) -> int:
    found = [i for i in (lowered.find(t) for t in _ORIGINAL_TYPES) if i >= 0]
    return min(found) if found else -1


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

    _headers: dict[str, str] | None = None

    def header(self, name: str) -> str:
        """A top-level header through the one safe accessor, decoded once and cached."""
        if self._headers is None:
            self._headers = _raw_headers(self.message)
        value = self._headers.get(name.lower())
        return "" if value is None else clean_header(value)

    def header_names(self) -> frozenset[str]:
        """Every top-level header name, lower-cased."""
        if self._headers is None:
            self._headers = _raw_headers(self.message)
        return frozenset(self._headers)

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


def _raw_headers(msg: Message) -> dict[str, str]:
    """First value of every header by lower-cased name, in one pass (Message.get is a linear
    scan per call)."""
    out: dict[str, str] = {}
    try:
        items = msg.items()
    except Exception:  # hostile headers must never break parsing
        return out
    for key, value in items[:500]:
        low = key.lower()
        if low not in out:
            out[low] = value if isinstance(value, str) else str(value)
    return out


def clean_header(value: str) -> str:
    """A raw header value RFC 2047-decoded, unfolded and bounded."""
    value = value[:MAX_HEADER_CHARS]
    return _WS.sub(" ", _decode_header_value(value)).strip()


def header_text(msg: Message, name: str) -> str:
    """The one safe accessor: first value of a header, RFC 2047-decoded, unfolded, bounded."""
    try:
        value = msg.get(name)
    except Exception:  # hostile headers must never break parsing
        return ""
    if value is None:
        return ""
    return clean_header(value if isinstance(value, str) else str(value))


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
    return {k: clean_header(v) for k, v in _raw_headers(msg).items()}


_HEADER_NAME = re.compile(r"^[!-9;-~]{1,200}$")


def _entity(data: bytes) -> Message:
    """One MIME entity as a compat32 `Message`: RFC 5322 header fields unfolded by a simple
    bounded split (the feed parser's per-line generator machinery and per-boundary regex
    compilation would dominate the cost), the body attached raw and never MIME-parsed."""
    if data.startswith(b"\n"):
        head, body = b"", data[1:]
    else:
        end = data.find(b"\n\n")
        head, body = (data, b"") if end < 0 else (data[:end], data[end + 2 :])
    msg = Message()
    name: str | None = None
    value: list[str] = []
    for line in head.decode("ascii", "surrogateescape").split("\n")[:5000]:
        if line[:1] in {" ", "\t"} and name is not None:
            value.append(line)
            continue
        if name is not None:
            msg[name] = "\n".join(value)
            name = None
        key, colon, rest = line.partition(":")
        key = key.rstrip()
        if colon and _HEADER_NAME.match(key):
            name, value = key, [rest.lstrip()]
        elif line.startswith("From "):
            continue  # mbox separator
    if name is not None:
        msg[name] = "\n".join(value)
    msg.set_payload(body.decode("ascii", "surrogateescape"))
    return msg


def _body_bytes(data: bytes) -> bytes:
    if data.startswith(b"\n"):
        return data[1:]
    end = data.find(b"\n\n")
    return b"" if end < 0 else data[end + 2 :]


_DELIMITER_LINE = re.compile(rb"^(--[!-~]{6,70}?)[ \t]*$", re.MULTILINE)


def _split_multipart(body: bytes, boundary: str, defects: list[str]) -> list[bytes]:
    """The body parts between `--boundary` lines (RFC 2046 section 5.1.1), bounded."""
    try:
        delimiter = b"--" + boundary.encode("ascii", "surrogateescape")
    except (UnicodeEncodeError, ValueError):
        return []
    chunks: list[bytes] = []
    marker = b"\n" + delimiter
    pos = 0 if body.startswith(delimiter) else body.find(marker)
    if pos < 0:
        defects.append("boundary-not-found")
        # Some gateways rewrite the boundary parameter but not the body's delimiter lines:
        # use the first delimiter-shaped line in the body instead.
        found = _DELIMITER_LINE.search(body[:20_000])
        if found is None or found.group(1) == delimiter:
            return []
        delimiter = found.group(1)
        marker = b"\n" + delimiter
        pos = max(found.start(1) - 1, 0)
    if pos > 0:
        pos += 1
    while pos >= 0 and len(chunks) < MAX_PARTS:
        start = pos + len(delimiter)
        if body.startswith(b"--", start):
            return chunks
        line_end = body.find(b"\n", start)
        if line_end < 0:
            break
        nxt = body.find(marker, line_end)
        chunk = body[line_end + 1 : nxt if nxt >= 0 else len(body)]
        chunks.append(chunk)
        pos = nxt + 1 if nxt >= 0 else -1
    if pos < 0:
        defects.append("close-boundary-not-found")
    return chunks


def _walk(data: bytes, depth: int, inside: bool, sink: Mail) -> None:
    if len(sink.parts) >= MAX_PARTS:
        if "too-many-parts" not in sink.defects:
            sink.defects.append("too-many-parts")
        return
    if depth > MAX_DEPTH:
        if "nesting-too-deep" not in sink.defects:
            sink.defects.append("nesting-too-deep")
        return
    msg = _entity(data)
    _walk_entity(msg, data, depth, inside, sink)


def _walk_entity(msg: Message, data: bytes, depth: int, inside: bool, sink: Mail) -> None:
    ctype = safe_content_type(msg)
    maintype = ctype.split("/", 1)[0]
    if ctype in _REPORT_TYPES:
        sink.parts.append(Part(ctype, payload_text(msg), depth, inside))
        return
    if ctype in {"message/rfc822", "message/global"} or ctype == "text/rfc822-headers":
        body = _body_bytes(data)
        inner = _entity(body)
        sink.parts.append(Part("text/rfc822-headers", "", depth, True, _headers_of(inner)))
        if ctype != "text/rfc822-headers" and depth < MAX_DEPTH:
            _walk_entity(inner, body, depth + 1, True, sink)
        return
    if maintype == "multipart":
        try:
            boundary = msg.get_boundary()
        except Exception:
            boundary = None
        if not boundary:
            sink.defects.append("multipart-without-boundary")
            sink.parts.append(Part("text/plain", payload_text(msg), depth, inside))
            return
        chunks = _split_multipart(_body_bytes(data), boundary, sink.defects)
        if not chunks:
            # No delimiter at all: read the body as the text it is.
            sink.parts.append(Part("text/plain", payload_text(msg), depth, inside))
        for chunk in chunks:
            _walk(chunk, depth + 1, inside, sink)
            if len(sink.parts) >= MAX_PARTS:
                break
        return
    if maintype in {"text", "message"} or (ctype == "application/octet-stream" and depth == 0):
        sink.parts.append(Part(ctype, payload_text(msg), depth, inside))


_REPORT_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/feedback-report",
        "message/disposition-notification",
    }
)


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
    lowered = data.lower()
    original = _first_original_part(lowered)
    if original >= 0 and len(data) - original > MAX_ORIGINAL_BYTES:
        # Skip the body of the returned original: the report comes before it.
        data = data[: original + MAX_ORIGINAL_BYTES]
    try:
        msg = _entity(data)
    except Exception:
        defects.append("unparseable-headers")
        return _flat(data, defects)
    mail = Mail(msg, [], defects)
    try:
        _walk_entity(msg, data, 0, False, mail)
    except RecursionError:
        defects.append("nesting-too-deep")
    except Exception:
        defects.append("unparseable-mime")
    return mail


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
