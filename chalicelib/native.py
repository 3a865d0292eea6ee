"""The native many-literals search the parser's tables use when it is installed.

`chalicelib.parsing` and `chalicelib.classification` use the standard library only and test
their literals one by one (classification.matcher). The entry points that parse mail (the
Lambda composition root, `rebound parse`, the parser benchmark) call `install()`, which gives
them ahocorasick_rs (Aho-Corasick in Rust): every marker of the family registry and every
phrase of the reason tables found in one pass over a text. The answers are the same either way
(tests/unit/parsing/test_native.py); where the package cannot load (a platform without its
wheel), `install` says so and the pure search stays.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.classification import matcher


def _finder(literals: tuple[str, ...]) -> matcher.Finder:
    import ahocorasick_rs

    # Standard match kind with overlaps: every literal that occurs is reported, also one that
    # starts inside or ends after another (the tables need each, not the leftmost longest).
    automaton = ahocorasick_rs.AhoCorasick(list(literals))
    find = automaton.find_matches_as_indexes

    def occurring(text: str) -> Iterable[int]:
        try:
            return {number for number, _, _ in find(text, overlapping=True)}
        except UnicodeEncodeError:
            # A text with lone surrogates (undecodable bytes kept by surrogateescape) cannot
            # cross into Rust as UTF-8: tested literal by literal instead.
            return [number for number, literal in enumerate(literals) if literal in text]

    return occurring


def install() -> bool:
    """Use the native search from now on; False when it cannot be loaded here."""
    try:
        import ahocorasick_rs  # noqa: F401 - is it there?
    except ImportError:
        return False
    matcher.accelerate(_finder)
    return True
