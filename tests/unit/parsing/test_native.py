"""The native many-literals search (chalicelib.native) gives the parser the answers its pure
search gives: the same first phrase row for any text, the same families recognised, the same
parse of every fixture and of every documented reply wrapped by each MTA."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import native
from chalicelib.classification import matcher
from chalicelib.classification.phrases import _FIRST, PHRASES
from chalicelib.classification.replies import REPLIES
from chalicelib.parsing import parse_message
from chalicelib.parsing.mta import registry
from tests.unit.parsing.wrappers import WRAPPERS

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
FIXTURES = sorted(MAIL.rglob("*.eml"))


@pytest.fixture
def pure() -> Iterator[None]:
    matcher.accelerate(None)
    yield
    matcher.accelerate(None)


def _both(fn: object, *args: object) -> tuple[object, object]:
    """`fn(*args)` with the pure search, then with the native one installed."""
    assert callable(fn)
    matcher.accelerate(None)
    plain = fn(*args)
    assert native.install()
    try:
        return plain, fn(*args)
    finally:
        matcher.accelerate(None)


def test_the_native_search_loads_here() -> None:
    """A runtime dependency (the Lambda package carries its aarch64 wheel): it must load."""
    try:
        assert native.install()
    finally:
        matcher.accelerate(None)


def test_uninstalling_returns_to_the_pure_search(pure: None) -> None:
    finder = matcher.LiteralFinder(("mailbox full", "spam"))
    assert finder.get() is None
    assert native.install()
    found = finder.get()
    assert found is not None and set(found("the mailbox full of spam")) == {0, 1}
    matcher.accelerate(None)
    assert finder.get() is None


# The tables' own words, their anchors, and words around them: texts that hit many rows at once,
# overlapping literals ("spam" inside "spamhaus") and none at all.
_WORDS = [text for text in _FIRST._texts if text] + [
    "the",
    "user",
    "550",
    "5.1.1",
    "<ann@example.net>:",
    "mail",
    "box",
    "spam",
    "ham",
    "\n",
    "  ",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_WORDS), max_size=12), st.sampled_from([" ", "", "\n", "-"]))
def test_the_first_phrase_row_is_the_same(words: list[str], glue: str) -> None:
    text = glue.join(words).lower()
    plain, fast = _both(_FIRST.first, text)
    assert plain == fast


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_pattern_matched_anywhere_gives_the_same_row(data: st.DataObject) -> None:
    pattern = data.draw(st.sampled_from([p for _, patterns in PHRASES for p in patterns]))
    inner = data.draw(st.from_regex(re.compile(pattern), fullmatch=True).map(str.lower))
    text = data.draw(st.text(max_size=20)).lower() + inner + data.draw(st.text(max_size=20))
    plain, fast = _both(_FIRST.first, text)
    assert plain == fast


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_parses_the_same(path: Path) -> None:
    raw = path.read_bytes()
    plain, fast = _both(lambda: repr(parse_message(raw)))
    assert plain == fast


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
def test_every_documented_reply_parses_the_same(wrapper: str) -> None:
    raws = [WRAPPERS[wrapper]("member@example.net", row.text) for row in REPLIES]
    plain, fast = _both(lambda: [repr(parse_message(raw)) for raw in raws])
    assert plain == fast


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from((*registry._MARKER_LIST, "hello", "\n", " ")), max_size=8))
def test_the_same_families_are_recognised(markers: list[str]) -> None:
    body = " ".join(markers)
    plain, fast = _both(_markers_found, body)
    assert plain == fast


def _markers_found(body: str) -> set[str]:
    found: set[str] = set()
    registry._add_markers(body, found)
    return found


def test_a_text_with_lone_surrogates_is_searched_too(pure: None) -> None:
    """Undecodable bytes kept as lone surrogates cannot be encoded for the native search: the
    finder tests such a text literal by literal instead of failing the parse."""
    assert native.install()
    finder = matcher.LiteralFinder(("mailbox full", "spam"))
    found = finder.get()
    assert found is not None
    assert set(found("mailbox full \udcff spam")) == {0, 1}
    text = "550 5.2.2 mailbox full \udce9"
    assert _FIRST.first(text) == _both(_FIRST.first, text)[0]
