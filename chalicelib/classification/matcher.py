"""Fast "does any of these wordings occur" tests for the phrase tables, as data stays regexes.

Most wordings MTAs write are plain text ("mailbox full", "spamhaus") or a few plain variants
("(?:recipient|mailbox) (?:is )?unknown"): those are expanded and tested with `in`, never
compiled. The rest are grouped by the longest literal run every match must contain
(`anchor_of`) and compiled on first use, one alternation per anchor, so the regex engine runs
only on texts that contain the anchor and a process pays only for the wordings it meets
(compiling is the largest part of `rebound parse`'s start-up on a short batch).

The entry points that parse mail install a native search for many literals at once
(`accelerate`, from chalicelib.native): `FirstMatch` and the family registry's markers then read
each text once instead of testing literal after literal. The pure search stays the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from operator import itemgetter

_META = frozenset("()[]{}?*+|^$.")
_QUANTIFIERS = frozenset("?*{")
# Any character that makes a pattern more than plain text. Half the wordings in the tables are
# plain: found by one search in C, they skip the character-by-character analysis below, which
# would otherwise run for every pattern at every start of `rebound parse`.
_SPECIAL = re.compile(r"[()\[\]{}?*+|^$.\\]")
# What `expansions` never expands: a class, a repeat, any character, an anchor, or a class
# escape such as \b or \s (when not itself escaped). Found in C, it saves the character loop
# for most of the patterns that are not plain text.
_NOT_EXPANDABLE = re.compile(r"(?<!\\)(?:[\[*+{.^$]|\\[A-Za-z0-9])")
_PLAIN_RUN = re.compile(r"[^()\[\]{}?*+|^$.\\]+")


def literal_of(pattern: str) -> str | None:
    """The text a pattern matches when it is plain text (escaped punctuation allowed)."""
    if "\\" not in pattern:  # no escapes (most patterns): plain unless it has a metacharacter
        return None if _SPECIAL.search(pattern) else pattern
    out: list[str] = []
    i = 0
    size = len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if not following or following.isalnum():
                return None
            out.append(following)
            i += 2
            continue
        if char in _META:
            return None
        out.append(char)
        i += 1
    return "".join(out)


def expansions(pattern: str, limit: int = 4) -> list[str] | None:  # noqa: C901, PLR0911, PLR0912 - one branch per phrase-pattern construct, a small interpreter
    """Every text a pattern made only of literals, `(?:a|b)` groups of literals and optional
    `x?` / `(?:...)?` parts can match ("mail ?box" -> ["mail box", "mailbox"]), or None when it
    uses anything else or would expand past `limit`. Such patterns need no regex at all."""
    options: list[list[str]] = []
    i = 0
    size = len(pattern)
    while i < size:
        char = pattern[i]
        if pattern.startswith("(?:", i):
            close = pattern.find(")", i)
            if close < 0:
                return None
            branches = [literal_of(b) for b in pattern[i + 3 : close].split("|")]
            if any(b is None or "(" in b for b in branches):
                return None
            choice = [b for b in branches if b is not None]
            i = close + 1
        elif char == "\\":
            following = pattern[i + 1 : i + 2]
            if not following or following.isalnum():
                return None
            choice = [following]
            i += 2
        elif char in _META:
            return None
        else:
            # A run of plain characters is one part (one string, not one part per character);
            # a run followed by "?" leaves its last character to be the optional part.
            end = _PLAIN_RUN.match(pattern, i).end()  # type: ignore[union-attr]
            if end - i > 1 and pattern[end : end + 1] == "?":
                end -= 1
            choice = [pattern[i:end]]
            i = end
        if pattern[i : i + 1] == "?":
            choice = [*choice, ""]
            i += 1
        elif pattern[i : i + 1] in _META and pattern[i : i + 1] not in "(\\":
            return None  # another quantifier (*, +, {m,n}) on this part
        options.append(choice)
    texts = [""]
    for choice in options:
        texts = [t + c for t in texts for c in choice]
        if len(texts) > limit:
            return None
    return texts if all(texts) else None


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a pattern ("a|b(c|d)" -> ["a", "b(c|d)"])."""
    out: list[str] = []
    depth = 0
    in_class = False
    start = 0
    i = 0
    size = len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def anchor_of(pattern: str) -> str | None:
    """The longest literal run every match of `pattern` must contain (outside groups, classes
    and optional characters), or None when there is none of three characters or more."""
    runs: list[str] = []
    current = ""
    depth = 0
    i = 0
    in_class = False
    size = len(pattern)
    while i < size:
        char = pattern[i]
        if in_class:
            i += 2 if char == "\\" else 1
            in_class = char != "]"
            continue
        following = pattern[i + 2 : i + 3] if char == "\\" else pattern[i + 1 : i + 2]
        literal: str | None
        if char == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            literal = pattern[i + 1]
            i += 2
        elif char == "\\":
            literal = None
            i += 2
        elif char == "|" and depth == 0:
            return None  # an alternation at the top: no single run is required
        elif char == "{":
            # A {m,n} quantifier: its digits are not text.
            close = pattern.find("}", i)
            literal = None
            i = close + 1 if close > 0 else len(pattern)
        elif char in "()[.+^$?*|":
            depth += char == "("
            depth -= char == ")"
            in_class = char == "["
            literal = None
            i += 1
        else:
            literal = char
            i += 1
        if literal is None or depth or following in _QUANTIFIERS:
            runs.append(current)
            current = ""
        else:
            current += literal
    runs.append(current)
    best = max(runs, key=len)
    return best if len(best) >= 3 else None


def _top_level(pattern: str) -> list[str] | tuple[str]:
    """`alternatives`, by plain splitting when no group, class or escape can hide a bar."""
    if "|" not in pattern:
        return (pattern,)
    if "(" in pattern or "[" in pattern or "\\" in pattern:
        return alternatives(pattern)
    return pattern.split("|")


def split_patterns(
    patterns: tuple[str, ...] | list[str], limit: int = 4
) -> tuple[tuple[str, ...], list[tuple[str, tuple[str, ...]]]]:
    """A set of patterns as the plain texts it matches (a pattern that expands to at most
    `limit` texts counts as those texts) and the rest grouped by anchor (anchored groups first;
    the unanchored ones, anchor "", last)."""
    literals: list[str] = []
    groups: dict[str, list[str]] = {}
    for whole in patterns:
        if not _SPECIAL.search(whole):
            literals.append(whole)
            continue
        for pattern in _top_level(whole):
            texts = None if _NOT_EXPANDABLE.search(pattern) else expansions(pattern, limit)
            if texts:
                literals.extend(texts)
            else:
                groups.setdefault(anchor_of(pattern) or "", []).append(pattern)
    ordered = sorted(((a, tuple(p)) for a, p in groups.items()), key=lambda g: not g[0])
    return tuple(dict.fromkeys(literals)), ordered


# A search for many literals at once: given the literals, a function from a text to the
# positions (in that tuple, each once) of those that occur in it. The pure code of this module
# tests the literals one by one; an entry point may install a native one (chalicelib.native,
# outside this standard-library-only layer) that reads each text once. Results are the same.
Finder = Callable[[str], Iterable[int]]
FinderFactory = Callable[[tuple[str, ...]], Finder]


class _Installed:
    factory: FinderFactory | None = None
    generation = 0


def accelerate(factory: FinderFactory | None) -> None:
    """Find literals with `factory` from now on (None: with the pure search again)."""
    _Installed.factory = factory
    _Installed.generation += 1


class LiteralFinder:
    """The installed finder for a fixed tuple of non-empty literals, built on first use after
    each `accelerate` (the tables are built at import, before an entry point installs one); None
    while none is installed."""

    __slots__ = ("_finder", "_generation", "literals")

    def __init__(self, literals: tuple[str, ...]) -> None:
        self.literals = literals
        self._finder: Finder | None = None
        self._generation = 0

    def get(self) -> Finder | None:
        if self._generation != _Installed.generation:
            factory = _Installed.factory
            self._finder = None if factory is None else factory(self.literals)
            self._generation = _Installed.generation
        return self._finder


def _compile_group(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class Matcher:
    """Whether any of a set of patterns occurs in a lower-cased text."""

    __slots__ = ("_compiled", "_groups", "_literals")

    def __init__(self, patterns: tuple[str, ...] | list[str]) -> None:
        self._literals, self._groups = split_patterns(patterns)
        self._compiled: dict[str, re.Pattern[str]] = {}

    def search(self, text: str) -> bool:
        for literal in self._literals:
            if literal in text:
                return True
        for anchor, patterns in self._groups:
            if anchor and anchor not in text:
                continue
            compiled = self._compiled.get(anchor)
            if compiled is None:
                compiled = _compile_group(patterns)
                self._compiled[anchor] = compiled
            if compiled.search(text):
                return True
        return False


# A word's first three characters, taken by C code (`map` over the text's words).
_FIRST_THREE = itemgetter(slice(0, 3))


def _word_key(text: str) -> str | None:
    """The first three characters of the longest word of `text` that follows a space in it, or
    None. Wherever `text` occurs, that word starts a whitespace-separated word of the text it
    occurs in, so the key is the start of one of that text's words."""
    words = [w for w in text.split(" ")[1:] if len(w) >= 3]
    return max(words, key=len)[:3] if words else None


class FirstMatch:
    """Which of an ordered list of pattern sets is the first to occur in a lower-cased text:
    the answer `Matcher(row).search` gives row after row, without testing every literal of
    every row. A literal of several words (or a group's anchor) is filed under the start of its
    longest inner word (`_word_key`); the starts of the text's words, intersected with those
    keys in one set operation, leave only the few that can occur. Those and the one-word
    literals are then tested in row order."""

    __slots__ = (
        "_always",
        "_by_key",
        "_compiled",
        "_entries",
        "_finder",
        "_keys",
        "_numbers",
        "_texts",
        "_unkeyed",
    )

    def __init__(self, rows: list[tuple[str, ...]] | tuple[tuple[str, ...], ...]) -> None:
        # An entry: (row, literal or anchor, the group's patterns or None for a literal), in
        # row order, so that entry numbers sort as rows do.
        entries: list[tuple[int, str, tuple[str, ...] | None]] = []
        for row, patterns in enumerate(rows):
            # Up to 16 texts per pattern: a keyed literal costs a set lookup, a regex group a
            # compile on first use (most of a short run's regex compiling) and a search.
            literals, groups = split_patterns(patterns, 16)
            entries.extend((row, literal, None) for literal in literals)
            entries.extend((row, anchor, group) for anchor, group in groups)
        by_key: dict[str, list[int]] = {}
        unkeyed: list[int] = []
        for number, (_, text, _) in enumerate(entries):
            key = _word_key(text)
            if key is None:
                unkeyed.append(number)
            else:
                by_key.setdefault(key, []).append(number)
        self._entries = entries
        self._by_key = by_key
        self._keys = frozenset(by_key)
        self._unkeyed = tuple(unkeyed)
        self._texts = tuple(text for _, text, _ in entries)
        self._compiled: dict[int, re.Pattern[str]] = {}
        # For an installed finder: the entries with a text to find, and those without (a regex
        # group with no anchor), which are candidates for every text.
        self._numbers = tuple(n for n, text in enumerate(self._texts) if text)
        self._always = [n for n, text in enumerate(self._texts) if not text]
        self._finder = LiteralFinder(tuple(self._texts[n] for n in self._numbers))

    def first(self, text: str) -> int | None:
        """The index of the first row with a pattern in `text`, or None."""
        finder = self._finder.get()
        if finder is not None:
            # Every entry whose literal or anchor occurs, found in one pass: no test left.
            found = self._numbers
            numbers = [*self._always, *(found[i] for i in finder(text))]
            untested = False
        else:
            numbers = list(self._unkeyed)
            by_key = self._by_key
            # Split at spaces only (cheaper than at every kind of whitespace): a key's word
            # follows a space wherever its literal occurs, so it starts one of these pieces.
            for key in self._keys.intersection(map(_FIRST_THREE, text.split(" "))):
                numbers.extend(by_key[key])
            untested = True
        numbers.sort()
        texts = self._texts  # the literal or anchor of each entry, apart: the loop's only test
        for number in numbers:
            if untested and texts[number] not in text:
                continue
            row, _, group = self._entries[number]
            if group is None:
                return row
            compiled = self._compiled.get(number)
            if compiled is None:
                compiled = _compile_group(group)
                self._compiled[number] = compiled
            if compiled.search(text):
                return row
        return None
