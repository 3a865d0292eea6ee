"""The tag's recipient is charged with a failure only when the bounce names it, or names exactly
one failed address; otherwise the message is quarantined with the reason."""

from __future__ import annotations

from chalicelib.parsing.attribution import attribute
from chalicelib.parsing.model import Action, MessageKind, ParseResult, RecipientResult


def _bounce(*recipients: RecipientResult) -> ParseResult:
    return ParseResult(kind=MessageKind.BOUNCE, recipients=recipients)


A = RecipientResult(address="ann@example.net", diagnostic="550 5.1.1 ann unknown")
B = RecipientResult(address="bob@example.net", diagnostic="552 5.2.2 bob over quota")
DELIVERED = RecipientResult(address="carl@example.net", action=Action.DELIVERED)


def test_the_named_recipient_gets_its_own_failure() -> None:
    got = attribute(_bounce(B, A), "Ann@Example.net")
    assert got.failure is A and got.named and not got.problem


def test_the_only_failure_is_the_tag_recipients_when_forwarded() -> None:
    got = attribute(_bounce(B, DELIVERED), "ann@example.net")
    assert got.failure is B and not got.named


def test_original_recipient_counts_as_named() -> None:
    forwarded = RecipientResult(address="ann@example.org", original_address="ann@example.net")
    assert attribute(_bounce(B, forwarded), "ann@example.net").failure is forwarded


def test_several_other_failures_are_quarantined() -> None:
    c = RecipientResult(address="cy@example.net")
    got = attribute(_bounce(B, c), "ann@example.net")
    assert got.failure is None
    assert "2 failed addresses" in got.problem


def test_no_failed_address_is_quarantined() -> None:
    got = attribute(_bounce(DELIVERED), "ann@example.net")
    assert got.failure is None and "no failed address" in got.problem


def test_the_same_address_twice_is_one_address() -> None:
    again = RecipientResult(address="BOB@example.net")
    assert attribute(_bounce(B, again), "ann@example.net").failure is B
