"""Mailbox syntax (RFC 5321 §4.1.2 with RFC 5322 atext): dot-atom and quoted local parts,
the 64/254 limits, IDN domains to A-labels, address literals, and plain problems otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.recheck.syntax import MAX_ADDRESS, MAX_LOCAL, Mailbox, SyntaxProblem, parse_mailbox


@pytest.mark.parametrize(
    "address",
    [
        "ann@example.com",
        "ann.lee+news@example.net",
        "o'brien@example.org",
        "a!#$%&'*+-/=?^_`{|}~@example.com",
        '"ann lee"@example.com',
        '"ann@home"@example.com',
        '"quote\\"inside"@example.com',
        "ANN@EXAMPLE.COM",
        "  ann@example.com  ",
        "ann@mail.sub.example.co.uk",
        "ann@xn--exmple-cua.org",
    ],
)
def test_accepts_rfc_5321_mailboxes(address: str) -> None:
    assert isinstance(parse_mailbox(address), Mailbox)


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("", "empty"),
        ("ann.example.com", "no @"),
        ("@example.com", "nothing before"),
        ("ann@", "nothing after"),
        ("ann..lee@example.com", "two dots"),
        (".ann@example.com", "starts or ends with a dot"),
        ("ann.@example.com", "starts or ends with a dot"),
        ("ann lee@example.com", "needs quoting"),
        ('"ann@example.com', "not closed"),
        ("Ann <ann@example.com>", "angle brackets"),
        ("ann@example", "no dot"),
        ("ann@example..com", "two dots in a row"),
        ("ann@-example.com", "letters, digits and inner hyphens"),
        ("ann@exa_mple.com", "letters, digits and inner hyphens"),
        ("ann@192.0.2.1", "ends in a number"),
        ("ann@[192.0.2.999]", "not an IPv4 or IPv6"),
        ("ann@[192.0.2.1", "not closed"),
        ("änn@example.com", "SMTPUTF8"),
        ("ann@xn--zz.example.com", "not a valid internationalised label"),
    ],
)
def test_refuses_what_is_not_a_mailbox_with_plain_words(address: str, words: str) -> None:
    parsed = parse_mailbox(address)
    assert isinstance(parsed, SyntaxProblem)
    assert words in parsed.problem


def test_local_part_limit_is_64_octets() -> None:
    assert isinstance(parse_mailbox("a" * MAX_LOCAL + "@example.com"), Mailbox)
    parsed = parse_mailbox("a" * (MAX_LOCAL + 1) + "@example.com")
    assert isinstance(parsed, SyntaxProblem) and "64" in parsed.problem


def test_address_limit_is_254_octets() -> None:
    domain = ".".join(["d" * 60] * 3) + ".example.com"  # 195 characters
    local = "a" * (MAX_ADDRESS - len(domain) - 1)  # 58: within the local-part limit
    assert isinstance(parse_mailbox(f"{local}@{domain}"), Mailbox)
    parsed = parse_mailbox(f"{local}a@{domain}")
    assert isinstance(parsed, SyntaxProblem) and "254" in parsed.problem


def test_label_limit_is_63() -> None:
    parsed = parse_mailbox("ann@" + "d" * 64 + ".example.com")
    assert isinstance(parsed, SyntaxProblem) and "63" in parsed.problem


def test_idn_domain_becomes_a_labels_and_keeps_its_written_form() -> None:
    parsed = parse_mailbox("ann@Exämple.org")
    assert parsed == Mailbox("ann", "xn--exmple-cua.org", "Exämple.org")
    # IDNA 2008, not 2003: ß stays ß (2003 would have made it "strasse")
    german = parse_mailbox("ann@straße.example")
    assert isinstance(german, Mailbox) and german.domain == "xn--strae-oqa.example"


def test_a_domain_idna_refuses_has_a_clear_problem() -> None:
    parsed = parse_mailbox("ann@exa\u200dmple.org")  # a zero-width joiner out of context
    assert isinstance(parsed, SyntaxProblem)
    assert "not a valid internationalised domain name" in parsed.problem


def test_domain_is_lowercased_and_local_part_kept() -> None:
    assert parse_mailbox("Ann.Lee@Example.COM") == Mailbox("Ann.Lee", "example.com")


def test_address_literals_parse_as_literals() -> None:
    v4 = parse_mailbox("ann@[192.0.2.1]")
    v6 = parse_mailbox("ann@[IPv6:2001:db8::1]")
    assert isinstance(v4, Mailbox) and v4.literal
    assert isinstance(v6, Mailbox) and v6.literal


@given(st.text(max_size=300))
@settings(max_examples=400, deadline=None)
def test_never_raises_and_a_mailbox_parses_again_to_itself(text: str) -> None:
    parsed = parse_mailbox(text)
    assert isinstance(parsed, Mailbox | SyntaxProblem)
    if isinstance(parsed, Mailbox):
        assert parse_mailbox(parsed.address) == Mailbox(
            parsed.local, parsed.domain, None, parsed.literal
        )


@given(st.from_regex(r"[a-z0-9.+_-]{1,20}@[a-zé0-9-]{1,20}\.(com|org|net|de)", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_plausible_addresses_never_raise(text: str) -> None:
    parsed = parse_mailbox(text)
    if isinstance(parsed, Mailbox):
        assert parsed.domain.isascii() and parsed.domain == parsed.domain.lower()


def test_hostile_lengths_are_refused_early() -> None:
    parsed = parse_mailbox("a@" + "é" * 100_000 + ".example.com")
    assert isinstance(parsed, SyntaxProblem) and "254" in parsed.problem
    idn = parse_mailbox("a@" + "\u200d" * 300 + ".example.com")
    assert isinstance(idn, SyntaxProblem) and len(idn.problem) < 300
