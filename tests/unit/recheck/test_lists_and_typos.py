"""The vendored lists (sizes, sources and licences in their headers), role and disposable
detection, and the keyboard-aware typo suggestion for big providers' domains."""

from __future__ import annotations

import pytest

from chalicelib.recheck import lists
from chalicelib.recheck.typos import BIG_PROVIDERS, keyboard_distance, likely_typo


def test_lists_are_loaded_with_their_sources_and_licences_noted() -> None:
    assert len(lists.disposable_domains()) == 10181
    assert len(lists.role_local_parts()) == 1018
    for path in (lists.DISPOSABLE_FILE, lists.ROLE_FILE):
        header = path.read_text().split("\n", 8)[:8]
        assert any("Licence" in line for line in header)
        assert path.with_suffix(".LICENSE").is_file()


@pytest.mark.parametrize(
    ("domain", "disposable"),
    [
        ("mailinator.com", True),
        ("inbox.mailinator.com", True),  # a subtree handed out by the service
        ("example.com", False),
        ("gmail.com", False),
        ("com", False),
    ],
)
def test_disposable_domains(domain: str, disposable: bool) -> None:
    assert lists.is_disposable(domain) is disposable


@pytest.mark.parametrize(
    ("local", "role"),
    [
        ("info", True),
        ("INFO", True),
        ("postmaster", True),
        ("noreply", True),
        ("info+newsletter", True),
        ('"info"', True),
        ("ann", False),
        ("ann.lee", False),
    ],
)
def test_role_local_parts(local: str, role: bool) -> None:
    assert lists.is_role(local) is role


@pytest.mark.parametrize(
    ("domain", "provider"),
    [
        ("gmial.com", "gmail.com"),  # two letters swapped
        ("gmail.con", "gmail.com"),  # a key next to the right one
        ("gmail.co", "gmail.com"),
        ("gmailcom", "gmail.com"),
        ("gmaill.com", "gmail.com"),
        ("hotmial.com", "hotmail.com"),
        ("hotmail.co", "hotmail.com"),
        ("yaho.com", "yahoo.com"),
        ("outlok.com", "outlook.com"),
        ("icloud.co", "icloud.com"),
        ("gmx.dr", "gmx.de"),  # short provider: only a cheap slip
        ("wbe.de", "web.de"),
        ("gmx.ne", None),  # as near gmx.net as gmx.de: a tie suggests nothing
        ("gmail.com", None),  # a provider itself
        ("mail.com", None),
        ("web.de", None),
        ("example.com", None),
        ("example.net", None),
        ("gxm.net.example.org", None),
    ],
)
def test_typo_suggestions(domain: str, provider: str | None) -> None:
    assert likely_typo(domain) == provider


def test_short_providers_need_a_cheap_slip() -> None:
    # One ordinary edit from aol.com is a different, real-looking domain: no suggestion.
    assert likely_typo("aql.com") is None
    assert keyboard_distance("aql.com", "aol.com") == 1.0


def test_keyboard_distance_weights() -> None:
    assert keyboard_distance("gmail", "gmail") == 0
    assert keyboard_distance("gmial", "gmail") == 0.5  # transposition
    assert keyboard_distance("gnail", "gmail") == 0.5  # n is next to m
    assert keyboard_distance("gpail", "gmail") == 1.0  # p is not
    assert keyboard_distance("gmail", "gmailxyz", limit=2) > 2  # stops early past the limit


def test_every_provider_is_a_lowercase_domain() -> None:
    assert all(p == p.lower() and "." in p for p in BIG_PROVIDERS)
    assert len(set(BIG_PROVIDERS)) == len(BIG_PROVIDERS)
