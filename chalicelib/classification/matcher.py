"""Fast "does any of these wordings occur" tests for the phrase tables, as data stays regexes.

Most wordings MTAs write are plain text ("mailbox full", "spamhaus") or a few plain variants
("(?:recipient|mailbox) (?:is )?unknown"): those are expanded and tested with `in`, never
compiled. The rest are grouped by the longest literal run every match must contain
(`anchor_of`) and compiled on first use, one alternation per anchor, so the regex engine runs
only on texts that contain the anchor and a process pays only for the wordings it meets
(compiling is the largest part of `rebound parse`'s start-up on a short batch).
"""

from __future__ import annotations

import re

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


def literal_of(pattern: str) -> str | None:
    """The text a pattern matches when it is plain text (escaped punctuation allowed)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
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


def expansions(pattern: str, limit: int = 4) -> list[str] | None:  # noqa: C901, PLR0911 - one branch per phrase-pattern construct, a small interpreter
    """Every text a pattern made only of literals, `(?:a|b)` groups of literals and optional
    `x?` / `(?:...)?` parts can match ("mail ?box" -> ["mail box", "mailbox"]), or None when it
    uses anything else or would expand past `limit`. Such patterns need no regex at all."""
    options: list[list[str]] = []
    i = 0
    while i < len(pattern):
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
            choice = [char]
            i += 1
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
    while i < len(pattern):
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
    while i < len(pattern):
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


class Matcher:
    """Whether any of a set of patterns occurs in a lower-cased text."""

    __slots__ = ("_compiled", "_groups", "_literals")

    def __init__(self, patterns: tuple[str, ...] | list[str]) -> None:
        literals: list[str] = []
        groups: dict[str, list[str]] = {}
        for whole in patterns:
            if not _SPECIAL.search(whole):
                literals.append(whole)
                continue
            for pattern in _top_level(whole):
                texts = None if _NOT_EXPANDABLE.search(pattern) else expansions(pattern)
                if texts:
                    literals.extend(texts)
                else:
                    groups.setdefault(anchor_of(pattern) or "", []).append(pattern)
        self._literals = tuple(dict.fromkeys(literals))
        # Anchored groups first; the unanchored ones (anchor "") always run, last.
        self._groups = sorted(((a, tuple(p)) for a, p in groups.items()), key=lambda g: not g[0])
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
                compiled = re.compile("|".join(f"(?:{p})" for p in patterns))
                self._compiled[anchor] = compiled
            if compiled.search(text):
                return True
        return False
