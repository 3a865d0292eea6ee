"""The parser's speed-ups answer exactly as the plain forms they replace.

Each fast form is checked against the obvious one it stands for: the first phrase row found by
word keys (`FirstMatch`) against testing every row's `Matcher` in order, the status and reply
code patterns that start with their class digit against the lookbehind-first spellings, the
returned original found a chunk at a time against lower-casing the whole message, and the
marker cut searched from newlines against a line-anchored search, an address match
normalised without a second search against `normalise`, the case-blind alternations that
first look ahead for their wordings' first letters against the plain alternations, and the
registry's walk over the recognised families against calling every detector in order.
"""

from __future__ import annotations

import re
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.classification.matcher import FirstMatch, Matcher
from chalicelib.classification.phrases import PHRASES, match_reason
from chalicelib.parsing import addresses, message, pipeline, rfc3464
from chalicelib.parsing.context import Context, cut_original, is_header_line
from chalicelib.parsing.findings import find_reply_code, find_status
from chalicelib.parsing.message import (
    _COMMON_TYPES,
    _MEDIA_TYPE,
    ORIGINAL_HEADERS,
    _first_original_part,
    clean_header,
    load,
)
from chalicelib.parsing.mta import registry
from chalicelib.parsing.mta.generic import _NOT_RECIPIENT_BEFORE, ERRORISH
from chalicelib.parsing.signals import CHALLENGE

_ROWS = [patterns for _, patterns in PHRASES]
_MATCHERS = [Matcher(row) for row in _ROWS]
_WORDS = sorted(
    {w for row in _ROWS for p in row for w in re.findall(r"[a-z0-9.'-]+", p) if len(w) > 1}
)


def _first_by_rows(text: str) -> int | None:
    return next((i for i, m in enumerate(_MATCHERS) if m.search(text)), None)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*_WORDS, " ", "  ", "\n", "x", "<a@example.net>"]), max_size=30))
def test_first_match_is_the_first_row_that_matches(words: list[str]) -> None:
    text = " ".join(words).lower()
    first = FirstMatch(_ROWS).first(text)
    assert first == _first_by_rows(text)
    assert match_reason(text) == (None if first is None else PHRASES[first][0])


def test_first_match_on_documented_wordings() -> None:
    texts = [
        "550 5.1.1 <ann@example.net>: recipient address rejected: user unknown in local table",
        "552 5.2.2 mailbox full",
        "554 5.7.1 service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org",
        "550 5.7.1 message refused: content rejected as spam",
        "421 4.7.0 too many connections from your ip, try again later",
        "the mailbox is inactive",
        "",
    ]
    for text in texts:
        assert FirstMatch(_ROWS).first(text) == _first_by_rows(text), text


# The spellings the fast patterns replace.
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_REPLY = re.compile(r"(?<![\d.#-])([245]\d\d)(?=[\s,-]|$)")


def _status(text: str) -> str | None:
    m = _STATUS.search(text)
    return None if m is None else f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}"


def _reply(text: str) -> str | None:
    m = _REPLY.search(text)
    return None if m is None else m.group(1)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="245.0139 -#,\nx", max_size=30))
def test_status_and_reply_code_as_the_lookbehind_spellings(text: str) -> None:
    assert find_status(text) == _status(text)
    assert find_reply_code(text) == _reply(text)


def test_status_and_reply_code_examples() -> None:
    assert find_status("550-5.1.1 The email account") == "5.1.1"
    assert find_status("version 1.5.1.1 of the filter") is None
    assert find_status("smtp; 5.7.001") == "5.7.1"
    assert find_status("550 5.0.0 no reason") == "5.0.0"
    assert find_status("smtp; 4.10.07") == "4.10.7"
    assert find_status("smtp; 5.1.10") == "5.1.10"
    assert find_reply_code("550-5.1.1 The email account") == "550"
    assert find_reply_code("#550 not a reply") is None
    assert find_reply_code("x 421") == "421"


# The returned original's media types, as the plain search over the lower-cased message finds
# them (`message._first_original_part` finds them from their slash).
_ORIGINAL_TYPES = (b"message/rfc822", b"text/rfc822-headers", b"message/global\n")


def _first_in_lowered(data: bytes) -> int:
    lowered = data.lower()
    found = [i for i in (lowered.find(t) for t in _ORIGINAL_TYPES) if i >= 0]
    return min(found) if found else -1


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=70_000),
    st.sampled_from([b"Message/RFC822", b"TEXT/rfc822-Headers", b"message/global\n"]),
    st.booleans(),
)
def test_original_part_found_as_in_the_whole_lowered_message(
    at: int, media_type: bytes, present: bool
) -> None:
    data = b"x" * at + (media_type if present else b"message/rfc82") + b"\n" * 40
    assert _first_original_part(data) == _first_in_lowered(data)


_TYPE_PIECES = [
    b"Message/RFC822",
    b"message/rfc822-headers",
    b"TEXT/rfc822-Headers",
    b"text/rfc822",
    b"text/plain",
    b"message/global\n",
    b"message/global-headers",
    b"Message/Global",
    b"/rfc822",
    b"message/",
    b"xtext",
    b"/",
    b"\n",
    b"a",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TYPE_PIECES), max_size=12))
def test_original_part_first_of_several_and_near_misses(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert _first_original_part(data) == _first_in_lowered(data)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_TYPE_PIECES), max_size=12), st.integers(-30, 120))
def test_original_part_before_an_offset_as_in_the_whole_message(
    pieces: list[bytes], before: int
) -> None:
    # `load` cuts only at an original that starts before the offset: the bounded search finds
    # that one exactly, and otherwise none before the offset.
    data = b"".join(pieces)
    whole, bounded = _first_original_part(data), _first_original_part(data, before)
    if 0 <= whole < before:
        assert bounded == whole
    else:
        assert bounded < 0 or bounded >= before


# The line-anchored spelling of `context.ORIGINAL_MARKERS`.
_MARKERS = re.compile(
    r"^(?:[ \t]*-{2,}.{0,10}(?:original message|returned message|undelivered message"
    r"|message headers? follow|original message headers|headers of the original"
    r"|this is a copy of the message|below this line is a copy|rfc822 message"
    r"|unsent message (?:below|follows)|copy of the original|forwarded message|start of returned)"
    r"[^\n]{0,40}"
    r"|[ \t]*-+ ?(?:original|returned) (?:message|mail)"
    r"|------ This is a copy of the message"
    r"|--- Below this line is a copy of the message"
    r"|Original message follows\.?"
    r"|[ \t]*-+ ?The header of the original message is following"
    r"|[ \t]*Original message headers:"
    r"|[ \t]*-+ ?Message header follows"
    r"|Received: from .*|Return-Path: <.*)$",
    re.IGNORECASE | re.MULTILINE,
)


def test_cut_original_at_line_starts_only() -> None:
    texts = [
        "The mail system\n\n<ann@example.net>: unknown\n\n--- Original message ---\nFrom: x",
        "  ------ This is a copy of the message, including all the headers. ------\nTo: y",
        "report\nRECEIVED: from mx.example.net\nmore",
        "Original message follows.\nbody",
        "  Original message follows.\nstays: leading blanks are not that marker",
        "text with -- original message -- inside a line is not cut",
        "\t\tOriginal message headers:\nFrom: z",
        "- The header of the original message is following.\n",
        "a\n-- Message header follows\nb",
        "no marker at all\njust words\n",
    ]
    for text in texts:
        match = _MARKERS.search(text)
        assert cut_original(text) == (text[: match.start()] if match else text), text


_ADDRESS_PIECES = [
    "ann",
    ".",
    "'",
    "@",
    "example",
    ".net",
    "-",
    "+tag",
    "<",
    ">",
    ";",
    ":",
    " ",
    "\n",
    "Bob",
    "\u00e4",
    "mailto:",
    "rfc822;",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_ADDRESS_PIECES), max_size=16))
def test_matched_address_as_normalise(pieces: list[str]) -> None:
    text = "".join(pieces)
    for match in addresses.ADDRESS.finditer(text):
        assert addresses.matched(match) == addresses.normalise(match.group(1))


def test_matched_address_examples() -> None:
    text = "to .ann@example.net, 'bob@Example.NET' and carol@localhost"
    found = [addresses.matched(m) for m in addresses.ADDRESS.finditer(text)]
    assert found == ["ann@example.net", "bob@example.net", None]


# `context.ORIGINAL_MARKERS` with its dashes retried (before they were possessive).
_MARKERS_RETRYING_DASHES = re.compile(
    r"\n(?=[ \t\-ORor])(?i:"
    r"[ \t]*+(?:-{2,}.{0,10}(?:original message|returned message|undelivered message"
    r"|message headers? follow|original message headers|headers of the original"
    r"|this is a copy of the message|below this line is a copy|rfc822 message"
    r"|unsent message (?:below|follows)|copy of the original|forwarded message|start of returned)"
    r"[^\n]{0,40}"
    r"|-+ ?(?:original|returned) (?:message|mail)"
    r"|-+ ?The header of the original message is following"
    r"|Original message headers:"
    r"|-+ ?Message header follows)"
    r"|Original message follows\.?"
    r"|Received: from .*|Return-Path: <.*)$",
    re.MULTILINE,
)
_MARKER_PIECES = [
    "-",
    "--",
    "-" * 70,
    " ",
    "\t",
    "\n",
    "x",
    "a" * 12,
    "original message",
    "Returned Mail",
    "message headers follow",
    "the header of the original message is following",
    "Message header follows",
    "Original message headers:",
    "Original message follows.",
    "Received: from",
    "Return-Path: <",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_MARKER_PIECES), max_size=10))
def test_cut_original_as_with_dashes_retried(pieces: list[str]) -> None:
    text = "".join(pieces)
    match = _MARKERS_RETRYING_DASHES.search("\n" + text)
    assert cut_original(text) == (text[: match.start()] if match else text)


# The plain spellings of the case-blind alternations that now look ahead for a first letter.
_CHALLENGE_PLAIN = re.compile(
    r"please (?:confirm|verify) (?:that )?(?:you|your|this)|verify (?:that )?you are (?:a )?human"
    r"|challenge|boxbe|spam ?arrest|bluebottle|whitelist|approved senders|sender verification"
    r"|waiting for your (?:confirmation|verification)|click the link below to (?:confirm|verify)"
    r"|is being held|pending (?:approval|confirmation)",
    re.IGNORECASE,
)
_NOT_RECIPIENT_PLAIN = re.compile(
    r"(?:mail from:?|from:|generated from|expanded from|sender|\bid|return-path:?|by"
    r"|contact|send mail to|write to|questions to|form of (?:e-?mail )?address.{0,20} is"
    r"|e\.g\.,?|for example,?|such as)\s*<?\s*$",
    re.IGNORECASE,
)
# Case variants the regex engine folds (long s, dotless and dotted I, Kelvin sign) included.
_CASE_BLIND_PIECES = [
    "Please CONFIRM that you",
    "verify you are a Human",
    "chaLLenge",
    "\u017fpam arrest",
    "Spamarrest",
    "whitelist",
    "\u0131s being held",
    "\u0130S being held",
    "Pending approval",
    "Mail From:",
    "FROM:",
    "Expanded from",
    "\u017fender",
    "id",
    "aid",
    "Return-Path",
    "\u212aontact",
    "form of e-mail address x is",
    "e.g.,",
    "such as",
    "<",
    " ",
    "\n",
    "x",
]


def _span(pattern: re.Pattern[str], text: str) -> tuple[int, int] | None:
    match = pattern.search(text)
    return None if match is None else match.span()


_HEADERISH_PLAIN = re.compile(
    r"^[\s>]*(?:from|to|cc|bcc|reply-to|sender|return-path|subject|message-id|in-reply-to"
    r"|references|received|date|x-[\w-]+|envelope-to|delivered-to|list-[\w-]+|errors-to)\s*:",
    re.IGNORECASE,
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_CASE_BLIND_PIECES), max_size=8))
def test_lookahead_alternations_as_the_plain_ones(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert _span(CHALLENGE, text) == _span(_CHALLENGE_PLAIN, text)
    assert _span(_NOT_RECIPIENT_BEFORE, text) == _span(_NOT_RECIPIENT_PLAIN, text)
    for line in (text, f"> {text}: x", f"\u0130n-Reply-To: {text}", f"\u017fender: {text}"):
        assert is_header_line(line) == (_HEADERISH_PLAIN.match(line) is not None)


# The reply and status code patterns of `generic.ERRORISH` as they were written before they
# started with their class digit.
_CODES_PLAIN = re.compile(r"\b[45]\d\d\b|\b[45]\.\d{1,3}\.\d{1,3}\b")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="4550123.9 x-_\n", max_size=16))
def test_errorish_codes_as_the_word_boundary_spelling(text: str) -> None:
    has_word = any(literal in text for literal in ERRORISH._literals)
    assert ERRORISH.search(text) == (has_word or _CODES_PLAIN.search(text) is not None)


_FAMILIES = [f for f in map(registry.family_of, registry.DETECTORS) if f is not None]
_FINGERPRINT_PIECES = [
    *sorted({m for f in _FAMILIES for m in (*f.markers, *f.subjects)}),
    *(" ", "\n", "x", "&", "_", "("),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(_FINGERPRINT_PIECES), max_size=12),
    st.sampled_from(["MAILER-DAEMON", "Mail Delivery System", "postmaster", "ann"]),
)
def test_registry_fingerprints_as_each_family(pieces: list[str], sender: str) -> None:
    """`registry.recognised` (word keys, markers behind their rarest character) claims exactly
    the families each `Family.recognises` would."""
    text = "".join(pieces)
    raw = f"From: {sender} <a@example.com>\nSubject: {text[:60]}\n\n{text}\n".encode()
    mail = load(raw)
    body, full, dsn, original, dsn_text = pipeline._texts(mail)
    ctx = Context(mail, body, full, dsn, original, dsn_text)
    assert registry.recognised(ctx) == {f.name for f in _FAMILIES if f.recognises(ctx)}


# `pipeline._INLINE_DSN` as it was written with a line-start anchor (searched in the text
# itself, where the new spelling is searched in "\n" + the text).
_INLINE_DSN_PLAIN = re.compile(r"^(?:final|original)-recipient:", re.IGNORECASE | re.MULTILINE)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Final-Recipient:",
                "ORIGINAL-recipient:",
                "final-recipient",
                "\n",
                " ",
                "x",
                "F",
                "o",
                "-Recipient:",
                "\u0130",
                "Original",
            ]
        ),
        max_size=8,
    )
)
def test_inline_dsn_at_the_same_line_starts(pieces: list[str]) -> None:
    text = "".join(pieces)
    plain = _INLINE_DSN_PLAIN.search(text)
    found = pipeline._INLINE_DSN.search("\n" + text)
    assert (found and found.start()) == (plain and plain.start())


def test_common_media_types_have_the_checked_form() -> None:
    # `Entity.get_content_type` takes these without the form check: each must pass it.
    assert all(_MEDIA_TYPE.match(ctype) for ctype in _COMMON_TYPES)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([b"\n", b"\n\n", b"a: b", b"x" * 7, b"\nc"]), max_size=14))
def test_oversized_headers_say_where_the_blank_line_is(pieces: list[bytes]) -> None:
    # `load` hands the top-level entity the blank line `_split_oversized_headers` found; with
    # a 16-byte cap the cut header block is exercised.
    raw = b"".join(pieces)
    for cap in (16, message.MAX_HEADER_BYTES):
        with patch.object(message, "MAX_HEADER_BYTES", cap):
            data, end = message._split_oversized_headers(raw)
        if not data.startswith(b"\n"):  # `_entity` then ignores it
            assert end == data.find(b"\n\n")


def _inline_headers_line_by_line(text: str) -> dict[str, str]:
    """The plain form of `pipeline._inline_headers`: a match per line, lines 1-199."""
    out: dict[str, str] = {}
    started = False
    for line in text.split("\n", 200)[1:200]:
        match = re.match(r"^([A-Za-z][A-Za-z0-9-]{0,40}):[ \t]*(.*)$", line)
        if match is None:
            if started and not line.strip():
                break
            continue
        started = True
        name = match.group(1).lower()
        if name in ORIGINAL_HEADERS and name not in out:
            out[name] = clean_header(match.group(2))
    return out


_QUOTED_LINES = [
    "\n",
    "\n\n",
    " \t\n",
    "\u2028\n",
    "\r\n",
    "----- Original message -----\n",
    "From: Ann <ann@example.com>\n",
    "FROM:bob@example.net\n",
    "to: carol@example.org\n",
    "Subject: =?utf-8?q?caf=C3=A9?= \n",
    "Message-ID: <1@example.com>\r\n",
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\n",
    "Return-Path: <>\n",
    "X-Other: value\n",
    "From : spaced@example.com\n",
    "  folded continuation\n",
    "Cc:",
    "Sender: s@example.com",
    "\u017fubject: long s\n",
    "not a field\n",
]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(_QUOTED_LINES), max_size=40),
    st.integers(min_value=0, max_value=230),
)
def test_inline_headers_as_line_by_line(lines: list[str], padding: int) -> None:
    # Padding lines move the fields around the 200-line limit.
    for text in (
        "".join(lines),
        "x\n" * padding + "".join(lines),
        "".join(lines) + "y\n" * padding,
    ):
        assert pipeline._inline_headers(text) == _inline_headers_line_by_line(text)


def _field_blocks_line_by_line(text: str) -> list[dict[str, str]]:
    """The plain form of `rfc3464.field_blocks`: a split and a match per line."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last: str | None = None
    for line in text.split("\n", 4000)[:4000]:
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, None
            continue
        if line[0] in " \t" and last is not None:
            current[last] = current[last] + " " + line.strip()
            continue
        match = re.match(r"^([A-Za-z][A-Za-z0-9-]{1,40})[ \t]*:[ \t]*(.*)$", line)
        if match is None:
            continue
        key = match.group(1).lower()
        repeated = key in current and key in {"final-recipient", "original-recipient", "action"}
        if repeated or (key == "final-recipient" and "action" in current and "status" in current):
            blocks.append(current)
            current = {}
        current[key] = match.group(2).strip()
        last = key
    if current:
        blocks.append(current)
    return blocks


_DSN_LINES = [
    "\n",
    " \t\n",
    "\u2028\n",
    "\r\n",
    "\x0c x\n",
    "Reporting-MTA: dns; mx.example.com\n",
    "Final-Recipient: rfc822; ann@example.com\n",
    "final-recipient:rfc822;bob@example.net \r\n",
    "Original-Recipient: rfc822;ann@example.com\n",
    "Action: failed\n",
    "ACTION : delayed\n",
    "Status: 5.1.1\n",
    "Diagnostic-Code: smtp; 550 5.1.1 user unknown\n",
    "    folded words \u00a0\n",
    "\tmore\n",
    " \u2028 x \u2028\n",
    "X-Actual-Recipient: rfc822; carol@example.org\n",
    "not a field\n",
    "9bad: name\n",
    "A" * 42 + ": too long a name\n",
    "Remote-MTA: dns; [192.0.2.1]",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_DSN_LINES), max_size=40))
def test_field_blocks_as_line_by_line(lines: list[str]) -> None:
    text = "".join(lines)
    assert rfc3464.field_blocks(text) == _field_blocks_line_by_line(text)


def test_field_blocks_read_the_first_4000_lines() -> None:
    for before in (3997, 3998, 3999, 4000):
        text = "x\n" * before + "Action: failed\n \nStatus: 5.0.0\n" + "Action: delayed\n" * 3
        assert rfc3464.field_blocks(text) == _field_blocks_line_by_line(text)


def _run_plain(ctx: Context, read: bool) -> tuple[object, list[object]]:
    """`registry.run` as the walk over every detector in registry order that it stands for."""
    claimed = None
    for module in registry.DETECTORS:
        family = registry.family_of(module)
        standard = family is not None and module.detect == family.detect
        if not read and standard and family is not None and family.recognises(ctx):
            return module, []
        result = module.detect(ctx)
        if result:
            return module, result
        if result is not None and claimed is None:
            claimed = module
    return claimed, []


_FIXTURES = sorted((Path(__file__).resolve().parents[2] / "data" / "mail").glob("*.eml"))


@pytest.mark.parametrize("path", _FIXTURES, ids=lambda p: p.name)
def test_registry_run_as_every_detector_in_order(path: Path) -> None:
    """`registry.run` walks only the recognised families and reads a standard family without
    its `detect`: the same detector and findings as calling every `detect` in order."""
    mail = load(path.read_bytes())
    body, full, dsn, original, dsn_text = pipeline._texts(mail)
    for read in (True, False):
        ctx = Context(mail, body, full, dsn, original, dsn_text)
        expected = _run_plain(Context(mail, body, full, dsn, original, dsn_text), read)
        assert registry.run(ctx, read) == expected
