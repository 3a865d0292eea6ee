"""Hostile input: parse_message never raises, never hangs, and stays bounded on any bytes.

Properties over arbitrary bytes and over mutations of every fixture (hypothesis), plus the named
worst cases: deep nesting, megabyte headers, a 40 MB message, broken encodings, wrong charsets,
CR-only and CRLF line ends. Every result is checked for "internal:" defects (an exception inside
the parser). HYPOTHESIS_EXAMPLES=3000 runs the properties harder (3,000 examples found none).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.parsing import parse_message
from chalicelib.parsing.model import MessageKind, ParseResult

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
FIXTURES = sorted(p.read_bytes() for p in MAIL.glob("*.eml"))
HEAD = b"From: MAILER-DAEMON@example.org\nTo: groupmessaging+t@bounces.example.com\n"
FAST = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _is_result(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert isinstance(result.kind, MessageKind)
    # parse_message turns any exception into an "internal:" defect: a defect of ours, never
    # the input's, so a hostile input that reaches one has found a bug.
    assert not [d for d in result.defects if d.startswith("internal:")], result.defects
    for r in result.recipients:
        assert "@" in r.address
        assert len(r.diagnostic) <= 1_000


@FAST
@given(st.binary(max_size=4_000))
def test_any_bytes(raw: bytes) -> None:
    _is_result(parse_message(raw))


@FAST
@given(st.text(alphabet=st.sampled_from(list('abc@.<>:;=-\n\r\t "/5')), max_size=2_000))
def test_mail_like_text(text: str) -> None:
    _is_result(parse_message(HEAD + b"Subject: Undeliverable\n\n" + text.encode()))


@FAST
@given(
    st.sampled_from(FIXTURES),
    st.lists(st.tuples(st.integers(0, 10_000), st.binary(min_size=0, max_size=8)), max_size=12),
    st.integers(0, 20_000),
)
def test_mutated_fixtures(raw: bytes, edits: list[tuple[int, bytes]], cut: int) -> None:
    data = bytearray(raw[: max(cut, 1)] if cut else raw)
    for at, chunk in edits:
        pos = at % (len(data) + 1)
        data[pos : pos + len(chunk)] = chunk
    _is_result(parse_message(bytes(data)))


def test_sweep_every_fixture_in_three_line_end_forms() -> None:
    for raw in FIXTURES:
        for variant in (raw, raw.replace(b"\n", b"\r\n"), raw.replace(b"\n", b"\r")):
            _is_result(parse_message(variant))


def test_thousand_level_nesting() -> None:
    depth = 1_000
    parts = [
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'.encode() for i in range(depth)
    ]
    raw = HEAD + b"".join(parts) + b"Content-Type: text/plain\n\nuser unknown <a@example.net>\n"
    start = time.perf_counter()
    result = parse_message(raw)
    assert time.perf_counter() - start < 5
    _is_result(result)


def test_megabyte_header_and_forty_megabyte_message() -> None:
    huge_header = HEAD + b"Subject: " + b"x" * 2_000_000 + b"\n\nhello\n"
    _is_result(parse_message(huge_header))
    folded = HEAD + b"X-Long: a\n" + b" folded line\n" * 200_000 + b"\nbody\n"
    _is_result(parse_message(folded))
    big = (MAIL / "postfix-01.eml").read_bytes() + b"A" * 40_000_000
    start = time.perf_counter()
    result = parse_message(big)
    assert time.perf_counter() - start < 5
    assert result.kind is MessageKind.BOUNCE
    assert "truncated" in result.defects


def test_broken_encodings_and_charsets() -> None:
    broken = (
        HEAD + b"Subject: =?x-unknown?B?!!!?= =?utf-8?Q?=ZZ?=\n"
        b"MIME-Version: 1.0\nContent-Type: multipart/report; boundary=X\n\n"
        b"--X\nContent-Type: text/plain; charset=no-such-charset\n"
        b"Content-Transfer-Encoding: base64\n\n@@@not base64!!!\n"
        b"--X\nContent-Type: text/plain; charset=utf-16\n"
        b"Content-Transfer-Encoding: quoted-printable\n\n"
        b"=ZZ=4\xff\xfe broken =\n"
        b"--X\nContent-Type: message/delivery-status\n\n"
        b"Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n"
    )
    result = parse_message(broken)
    assert [r.address for r in result.recipients] == ["a@example.net"]
    eight_bit = HEAD + "Subject: Unzustellbar für Empfänger\n\n".encode("latin-1") + b"\xff\xfe"
    _is_result(parse_message(eight_bit))


def test_not_bytes_and_empty() -> None:
    _is_result(parse_message(b""))
    _is_result(parse_message(None))  # type: ignore[arg-type]


def test_address_floods_stay_linear() -> None:
    """Tens of thousands of addresses, on one line or one per line, repeated or distinct, and
    a DSN with a block per line: each is read in bounded time (the scan judges an address a
    bounded number of times and reads at most a bounded slice of any line)."""
    head = HEAD + b"Subject: failure notice\n\n"
    floods = [
        head + b"a@example.net " * 200_000,
        head + b"a@example.net\n" * 200_000,
        head + b"".join(b"u%d@example.net " % i for i in range(20_000)),
        head + b"".join(b"<u%d@example.net>: 550 5.1.1 user unknown\n" % i for i in range(20_000)),
        head
        + b"user unknown " * 5_000
        + b"\n"
        + b"".join(b"u%d@example.net\n" % i for i in range(5_000)),
    ]
    for raw in floods:
        start = time.perf_counter()
        result = parse_message(raw)
        _is_result(result)
        assert len(result.recipients) <= 200
        assert time.perf_counter() - start < 5


def test_unreadable_mail_is_unparsed_with_the_reason() -> None:
    """Neither a bounce nor readable: listed for staff with why, never passed over."""
    cases = {
        bytes(range(256)) * 4_000: "unreadable:binary-content",
        b"just a text blob, no header fields\n" * 30_000: "unreadable:no-header-fields",
        b"\n\n  \n": "unreadable:empty",
        b"From: ann@example.net\nSubject: hello\n\n"
        + b"a plain note. " * 200_000: "unreadable:too-large",
    }
    for raw, why in cases.items():
        result = parse_message(raw)
        assert result.kind is MessageKind.UNPARSED
        assert why in result.defects
    readable = parse_message(b"From: ann@example.net\nSubject: hello\n\nA person's reply.\n")
    assert readable.kind is MessageKind.NOT_BOUNCE
    assert not readable.defects


@FAST
@given(
    st.one_of(st.none(), st.text(alphabet="0123456789.x", max_size=8)),
    st.one_of(st.none(), st.text(alphabet="0123456789", max_size=4)),
    st.text(max_size=400),
)
def test_classify_never_raises(status: str | None, code: str | None, text: str) -> None:
    from chalicelib.classification import classify

    verdict = classify(status, code, text)
    assert verdict.explanation
