"""The classifier's rules: only a bad address is hard; blocks never are; blacklisting flagged."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.classification import classify
from chalicelib.classification.explanations import EXPLANATIONS
from chalicelib.classification.matcher import Matcher, anchor_of
from chalicelib.classification.phrases import PHRASES
from chalicelib.classification.reasons import Category, Reason


@pytest.mark.parametrize(
    ("status", "code", "text", "reason", "hard"),
    [
        ("5.1.1", "550", "550 5.1.1 <a@example.net>: User unknown", Reason.USER_UNKNOWN, True),
        ("5.1.2", "550", "Host or domain name not found", Reason.HOST_UNKNOWN, True),
        ("5.2.2", "552", "Mailbox full", Reason.MAILBOX_FULL, False),
        ("5.7.1", "550", "Message Refused", Reason.BLOCKED, False),
        ("5.7.1", "554", "blocked using zen.spamhaus.org", Reason.BLOCKED, False),
        ("5.7.1", "550", "Message rejected as spam by content filter", Reason.SPAM_DETECTED, False),
        (
            "5.7.26",
            "550",
            "Unauthenticated email is not accepted (DMARC)",
            Reason.AUTH_FAILURE,
            False,
        ),
        ("5.7.1", "550", "Relay access denied", Reason.NO_RELAYING, False),
        (None, None, "after MAIL FROM:<x@example.com>: 550 No such user", Reason.REJECTED, False),
        ("4.4.7", None, "retry timeout exceeded", Reason.EXPIRED, False),
        (
            "5.7.1",
            "550",
            "550 5.7.1 Mail from hosts without a valid sender domain refused: no reverse DNS"
            " (PTR) for 192.0.2.1",
            Reason.REQUIRE_PTR,
            False,
        ),
    ],
)
def test_reason_and_hardness(
    status: str | None, code: str | None, text: str, reason: Reason, hard: bool
) -> None:
    verdict = classify(status, code, text)
    assert verdict.reason is reason
    assert verdict.hard is hard


@pytest.mark.parametrize(
    "text",
    [
        "554 Service unavailable; client host blocked using bl.spamcop.net",
        "550 Your IP 198.51.100.7 is listed at b.barracudacentral.org",
        "421 Messages from 198.51.100.7 rejected due to poor reputation",
        "550 sender IP is blacklisted",
    ],
)
def test_blacklisting_is_flagged_and_never_hard(text: str) -> None:
    verdict = classify("5.7.1", "550", text)
    assert verdict.blacklisted
    assert not verdict.hard
    assert verdict.category is Category.BLOCK
    assert "support" in verdict.explanation


def test_temporary_notaccept_is_not_hard() -> None:
    assert classify("5.7.27", "550", "domain does not accept mail").hard
    assert not classify("4.7.27", "450", "domain does not accept mail (null MX)").hard


@pytest.mark.parametrize(
    ("status", "code", "text"),
    [
        ("4.1.1", "450", "450 4.1.1 <a@example.net>: Recipient address rejected: User unknown"),
        ("4.3.2", "421", "421 4.3.2 System not accepting network messages"),
        ("5.7.1", "550", "550 5.7.1 <a@example.net>: unknown user (in reply to RCPT TO command)"),
    ],
)
def test_a_bad_address_reason_that_is_not_hard_is_listed_as_soft(
    status: str, code: str, text: str
) -> None:
    """Only the hard category reads "the address is bad": its reason stays, its category
    follows the hard flag."""
    verdict = classify(status, code, text)
    assert verdict.reason in {Reason.USER_UNKNOWN, Reason.NOT_ACCEPT}
    assert not verdict.hard
    assert verdict.category is Category.SOFT
    permanent = classify("5.1.1", "550", "550 5.1.1 <a@example.net>: User unknown")
    assert permanent.hard and permanent.category is Category.HARD


def test_every_reason_has_an_explanation() -> None:
    missing = [r for r in Reason if r not in EXPLANATIONS]
    assert missing == []


_FRAGMENTS = [pattern for _, patterns in PHRASES for pattern in patterns]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_phrase_prefilter_never_hides_a_match(data: st.DataObject) -> None:
    """Whatever text a phrase pattern matches, the prefiltered matcher (literals by `in`,
    regexes behind their anchors) finds it too, and the anchor is really in the text."""
    pattern = data.draw(st.sampled_from(_FRAGMENTS))
    text = data.draw(st.from_regex(re.compile(pattern), fullmatch=True).map(str.lower))
    if re.search(pattern, text) is None:  # lower-casing changed what matches
        return
    assert Matcher((pattern,)).search(text)
    anchor = anchor_of(pattern)
    assert anchor is None or anchor in text


class _Reader:
    """A report's SMTP command as the pipeline passes it: read on demand, calls counted."""

    def __init__(self, command: str | None) -> None:
        self.command = command
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.command


@pytest.mark.parametrize(
    ("text", "command", "reason", "reads"),
    [
        # The words alone decide: the report's command is never read.
        ("550 Mailbox full", "mail", Reason.MAILBOX_FULL, 0),
        ("550 5.7.1 blocked using zen.spamhaus.org", "connect", Reason.BLOCKED, 0),
        # The failure names its own stage: that one counts, the report's is not read.
        ("after RCPT TO:<a@example.org>: 550 No such user", "mail", Reason.USER_UNKNOWN, 0),
        # "User unknown" words: the report's stage decides, read once.
        ("550 No such user", "mail", Reason.REJECTED, 1),
        ("550 No such user", "rcpt", Reason.USER_UNKNOWN, 1),
        ("550 No such user", None, Reason.FILTERED, 1),
        ("550 Go away", "connect", Reason.BLOCKED, 1),
        ("550 Go away", "data", Reason.UNDEFINED, 1),
    ],
)
def test_the_reports_command_is_read_only_when_it_decides(
    text: str, command: str | None, reason: Reason, reads: int
) -> None:
    reader = _Reader(command)
    assert classify(None, "550", text, command=reader).reason is reason
    assert reader.calls == reads
    # The same verdict as with the command given as text.
    assert classify(None, "550", text, command=command).reason is reason
