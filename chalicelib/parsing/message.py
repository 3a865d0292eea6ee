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
import re
from collections.abc import KeysView

from chalicelib.record import field, record

MAX_RAW_BYTES = 1_500_000
# Of a returned original message only the headers matter: keep this much of it.
MAX_ORIGINAL_BYTES = 12_000
MAX_HEADER_BYTES = 256_000
MAX_PARTS = 64
MAX_DEPTH = 12
MAX_TEXT_CHARS = 200_000
MAX_HEADER_CHARS = 2_000

# The returned original's media types (any case): message/rfc822, message/global (ending its
# line) and text/rfc822-headers. Searched from their slash, a literal the regex engine scans
# for; the word before it is checked by a fixed-width lookbehind, so one call finds the first.
_ORIGINAL_TYPE = re.compile(
    rb"/(?:(?<=(?i:message)/)(?i:rfc822|global\n)|(?<=(?i:text)/)(?i:rfc822-headers))"
)


# The longest of those names, "message/global\n" or "text/rfc822-headers", with room to spare.
_ORIGINAL_TYPE_SPAN = 24


def _first_original_part(data: bytes, before: int | None = None) -> int:
    """Where the first returned-original media type is named (any case), or -1; with `before`,
    only a name that starts before that offset is looked for (one may still be returned that
    starts after it). (Lower-casing the message to find it, even a chunk at a time, cost more
    than the search.)"""
    end = len(data) if before is None else max(before + _ORIGINAL_TYPE_SPAN, 0)
    found = _ORIGINAL_TYPE.search(data, 0, end)
    if found is None:
        return -1
    slash = found.start()
    return slash - 4 if data[slash - 4 : slash].lower() == b"text" else slash - 7


_ENCODED_WORD = "=?"


@record()
class Part:
    """One leaf part, decoded to text (or raw field blocks for delivery-status parts)."""

    content_type: str
    text: str
    depth: int
    inside_original: bool  # under a message/rfc822 (the returned original message)
    headers: dict[str, str] = field(default_factory=dict)
    # An HTML part's entity, its text not decoded: the report's HTML is read only when it has
    # no plain text (`decoded`), and most reports have.
    undecoded: Entity | None = None

    def decoded(self) -> str:
        """The part's text, decoded now when it was left undecoded."""
        return self.text if self.undecoded is None else payload_text(self.undecoded)


@record()
class Mail:
    """The loaded message: top-level headers, leaf parts in order, and what went wrong."""

    message: Entity
    parts: list[Part]
    defects: list[str]

    _headers: dict[str, str] | None = None
    _cleaned: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        """A top-level header through the one safe accessor, decoded once and cached."""
        cleaned = self._cleaned.get(name)
        if cleaned is None:
            if self._headers is None:
                self._headers = self.message.first_values()
            value = self._headers.get(name.lower())
            cleaned = "" if value is None else clean_header(value)
            self._cleaned[name] = cleaned
        return cleaned

    def header_names(self) -> KeysView[str]:
        """Every top-level header name, lower-cased (a view of the header table: no set is
        built for the few membership tests and one intersection the detectors make)."""
        if self._headers is None:
            self._headers = self.message.first_values()
        return self._headers.keys()

    @property
    def content_type(self) -> str:
        return self.message.get_content_type()


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
    from email.header import decode_header  # only mail with RFC 2047 words pays for it

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


class Entity:
    """One MIME entity: its header fields in order and its raw body, read without the `email`
    package's feed parser (whose per-line generators and per-boundary regexes would dominate
    the cost). Offers the few `email.message.Message` accessors the parser needs, each one
    tolerant: a malformed field yields the RFC 2045 defaults, never an exception."""

    __slots__ = ("_fields", "_first", "_head", "_params", "_type", "_wanted", "body")

    def __init__(self, head: str, body: bytes) -> None:
        self._head = head
        self.body = body
        self._fields: list[tuple[str, str]] | None = None
        self._first: dict[str, str] | None = None
        self._wanted: dict[str, str] | None = None
        self._type: str | None = None
        self._params: dict[str, str] | None = None

    @property
    def fields(self) -> list[tuple[str, str]]:
        """Every header field in order: RFC 5322 fields unfolded by a bounded split."""
        if self._fields is None:
            # One regex pass (RFC 5322 2.2.3: a field is a name, a colon and the value with
            # its folded continuation lines); names with spaces or controls are not fields.
            fields = _FIELD.findall(self._head[:MAX_HEADER_BYTES])[:5000]
            self._fields = fields
        return self._fields

    def first_values(self) -> dict[str, str]:
        """First value of every field by lower-cased name."""
        if self._first is None:
            first: dict[str, str] = {}
            for key, value in self.fields[:500]:
                first.setdefault(key.lower(), value)
            self._first = first
        return self._first

    def get(self, name: str) -> str | None:
        """The first value of the field `name` (lower-case), or None."""
        if self._first is None and name in _WANTED_NAMES:
            return self.few_fields().get(name)
        return self.first_values().get(name)

    def few_fields(self) -> dict[str, str]:
        """The first value of each of the few fields the parser reads of MIME parts and the
        returned original (`_WANTED_NAMES`) by lower-cased name, found in one pass instead of
        splitting every Received and DKIM line (every field once they are split)."""
        if self._first is not None:
            return self._first
        if self._wanted is None:
            wanted: dict[str, str] = {}
            for key, value in _WANTED.findall("\n" + self._head[:MAX_HEADER_BYTES]):
                wanted.setdefault(key.lower(), value)
            self._wanted = wanted
        return self._wanted

    def get_content_type(self) -> str:
        """RFC 2045 section 5.2: text/plain when absent or malformed."""
        if self._type is None:
            value = self.few_fields().get("content-type") or ""
            ctype = value.split(";", 1)[0].strip().lower()
            # The common types need no check of their form.
            valid = ctype in _COMMON_TYPES or _MEDIA_TYPE.match(ctype)
            self._type = ctype if valid else "text/plain"
        return self._type

    def get_param(self, name: str) -> str | None:
        """A Content-Type parameter (quoted or not; RFC 2231 continuations joined)."""
        if self._params is None:
            self._params = _params(self.few_fields().get("content-type") or "")
        return self._params.get(name.lower())

    def get_boundary(self) -> str | None:
        return self.get_param("boundary")

    def decoded_body(self) -> bytes:
        """The body with its Content-Transfer-Encoding undone; broken base64 or quoted-printable
        degrades to what can be decoded, never an exception."""
        cte = (self.few_fields().get("content-transfer-encoding") or "").strip().lower()
        body = self.body[: MAX_TEXT_CHARS * 3]
        if cte == "base64":
            return _base64(body)
        if cte == "quoted-printable":
            try:
                return binascii.a2b_qp(body)
            except (binascii.Error, ValueError):
                return body
        return body


_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
_COMMON_TYPES = frozenset(
    (
        "text/plain",
        "text/html",
        "multipart/mixed",
        "multipart/alternative",
        "multipart/related",
        "multipart/report",
        "message/rfc822",
        "message/delivery-status",
        "text/rfc822-headers",
    )
)
_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')
_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")


def _params(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    continued: dict[str, list[tuple[int, str]]] = {}
    # A quoted value that is empty and an absent one both read "" (findall gives "" for a
    # group that took no part).
    for name, quoted, plain in _PARAM.findall(value[:MAX_HEADER_CHARS]):
        key = name.lower()
        raw = quoted or plain
        if "*" in key:
            # RFC 2231: name*0, name*1*, name*=charset'lang'value
            base, _, index = key.partition("*")
            number = index.rstrip("*")
            text = raw
            if key.endswith("*") and "'" in raw and number in {"", "0"}:
                text = raw.split("'", 2)[-1]
            if key.endswith("*"):
                text = _percent_decoded(text)
            continued.setdefault(base, []).append((int(number) if number.isdigit() else 0, text))
            continue
        out.setdefault(key, raw.replace('\\"', '"'))
    for base, pieces in continued.items():
        out.setdefault(base, "".join(text for _, text in sorted(pieces)))
    return out


def _percent_decoded(text: str) -> str:
    if "%" not in text:
        return text
    from urllib.parse import unquote  # rare: RFC 2231 encoded parameters

    return unquote(text, errors="replace")


def _base64(body: bytes) -> bytes:
    data = _BASE64_JUNK.sub(b"", body)
    data = data[: len(data) - len(data) % 4]
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return body


def clean_header(value: str) -> str:
    """A raw header value RFC 2047-decoded, unfolded and bounded."""
    value = value[:MAX_HEADER_CHARS]
    if _ENCODED_WORD in value:  # only mail with RFC 2047 words pays for decoding
        value = _decode_header_value(value)
    return " ".join(value.split())


def payload_text(msg: Entity) -> str:
    data = msg.decoded_body()
    if not data:
        return ""
    return decode_bytes(data, msg.get_param("charset"))[:MAX_TEXT_CHARS]


# The returned original's headers the parser reads (sender, recipient, identity).
ORIGINAL_HEADERS = ("from", "to", "cc", "subject", "date", "message-id", "return-path", "sender")


def _headers_of(msg: Entity) -> dict[str, str]:
    fields = msg.few_fields()
    return {name: clean_header(fields[name]) for name in ORIGINAL_HEADERS if name in fields}


_FIELD = re.compile(r"^([!-9;-~]{1,200})[ \t]*:[ \t]*(.*(?:\n[ \t].*)*)", re.MULTILINE)
_WANTED_NAMES = frozenset(
    ("content-type", "content-transfer-encoding", *ORIGINAL_HEADERS, "auto-submitted")
)
# Searched in "\n" + the header block: the newline is a literal prefix the regex engine scans
# for, where a line-start anchor is tried at every character; the lookahead (the names' first
# letters) passes over continuation lines and the many other fields (Received, DKIM-Signature,
# X-...) before the alternatives are tried one by one.
_WANTED = re.compile(
    r"\n(?=["
    + "".join(sorted({name[0] for name in _WANTED_NAMES}))
    + r"])("
    + "|".join(sorted(_WANTED_NAMES))
    + r")[ \t]*:[ \t]*(.*(?:\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)


def _entity(data: bytes, end: int | None = None) -> Entity:
    """One MIME entity: RFC 5322 header fields unfolded by a simple bounded split, the body
    kept raw and never MIME-parsed here. `end`: where its blank line is, when already found."""
    if data.startswith(b"\n"):
        head, body = b"", data[1:]
    else:
        if end is None:
            end = data.find(b"\n\n")
        head, body = (data, b"") if end < 0 else (data[:end], data[end + 2 :])
    try:
        text = head.decode("utf-8")  # RFC 6532 allows UTF-8 header fields
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    return Entity(text, body)


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
    _walk_entity(_entity(data), depth, inside, sink)


def _walk_entity(msg: Entity, depth: int, inside: bool, sink: Mail) -> None:  # noqa: C901 - the MIME walk: one branch per part kind, bounded depth
    ctype = msg.get_content_type()
    maintype = ctype.split("/", 1)[0]
    if ctype in _REPORT_TYPES:
        sink.parts.append(Part(ctype, payload_text(msg), depth, inside))
        return
    if ctype in {"message/rfc822", "message/global"} or ctype == "text/rfc822-headers":
        inner = _entity(msg.body)
        sink.parts.append(Part("text/rfc822-headers", "", depth, True, _headers_of(inner)))
        if ctype != "text/rfc822-headers" and depth < MAX_DEPTH:
            _walk_entity(inner, depth + 1, True, sink)
        return
    if maintype == "multipart":
        try:
            boundary = msg.get_boundary()
        except Exception:
            boundary = None
        if not boundary:
            sink.defects.append("multipart-without-boundary")
            sink.parts.append(Part("text/plain", _leaf_text(msg, inside), depth, inside))
            return
        chunks = _split_multipart(msg.body, boundary, sink.defects)
        if not chunks:
            # No delimiter at all: read the body as the text it is.
            sink.parts.append(Part("text/plain", _leaf_text(msg, inside), depth, inside))
        for chunk in chunks:
            _walk(chunk, depth + 1, inside, sink)
            if len(sink.parts) >= MAX_PARTS:
                break
        return
    if ctype == "text/html" and not inside:
        sink.parts.append(Part(ctype, "", depth, inside, undecoded=msg))
    elif maintype in {"text", "message"} or (ctype == "application/octet-stream" and depth == 0):
        sink.parts.append(Part(ctype, _leaf_text(msg, inside), depth, inside))


def _leaf_text(msg: Entity, inside: bool) -> str:
    """A leaf part's text; none for the returned original's own parts, whose words no reader
    uses (its headers and any report parts inside it are kept): decoding a returned newsletter
    body would be the largest cost of a bounce that carries one."""
    return "" if inside else payload_text(msg)


_REPORT_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/feedback-report",
        "message/disposition-notification",
    }
)


def _split_oversized_headers(raw: bytes) -> tuple[bytes, int]:
    """Cut a megabyte header block down so header parsing stays linear and bounded; with where
    the header block's blank line is (-1: none), found once for the top-level entity too."""
    end = raw.find(b"\n\n")
    head_len = len(raw) if end < 0 else end
    if head_len <= MAX_HEADER_BYTES:
        return raw, end
    head = raw[:MAX_HEADER_BYTES]
    cut = head.rfind(b"\n")
    head = head[: cut if cut > 0 else MAX_HEADER_BYTES]
    body = b"" if end < 0 else raw[end:]
    return head + body, len(head) if end >= 0 else -1


def load(raw: bytes) -> Mail:
    """Parse raw bytes into a bounded `Mail`; never raises."""
    defects: list[str] = []
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = b""
    data = bytes(raw[:MAX_RAW_BYTES])
    if len(raw) > MAX_RAW_BYTES:
        defects.append("truncated")
    data = normalise_line_ends(data)
    data, head_end = _split_oversized_headers(data)
    # Only an original that starts more than MAX_ORIGINAL_BYTES before the end is cut: the
    # search stops where a later one would start (most messages are shorter than that).
    original = _first_original_part(data, len(data) - MAX_ORIGINAL_BYTES)
    if original >= 0 and len(data) - original > MAX_ORIGINAL_BYTES:
        # Skip the body of the returned original: the report comes before it.
        data = data[: original + MAX_ORIGINAL_BYTES]
        if head_end + 2 > len(data):  # the cut went through the header block's blank line
            head_end = -1
    try:
        msg = _entity(data, head_end)
        # Every top-level field is read later (Context, feedback reports): split them once now
        # rather than also running the few-fields pass of `Entity.get` over the same block.
        msg.first_values()
    except Exception:
        defects.append("unparseable-headers")
        return _flat(data, defects)
    mail = Mail(msg, [], defects)
    try:
        _walk_entity(msg, 0, False, mail)
    except RecursionError:
        defects.append("nesting-too-deep")
    except Exception:
        defects.append("unparseable-mime")
    return mail


def _flat(data: bytes, defects: list[str]) -> Mail:
    end = data.find(b"\n\n")
    body = b"" if end < 0 else data[end + 2 :]
    text = decode_bytes(body[: MAX_TEXT_CHARS * 2], None)[:MAX_TEXT_CHARS]
    return Mail(Entity("", body), [Part("text/plain", text, 0, False)], defects)
