"""Likely typos of a big mailbox provider's domain: `gmial.com` → `gmail.com`.

The providers are our own list (BIG_PROVIDERS below: the domains most member lists hold, with
the German, French, British and Swiss ones the tenants' members use). A domain gets a
suggestion when it is not itself on the list and exactly one provider is nearest to it by a
keyboard-aware edit distance (optimal string alignment): swapping two neighbouring letters or
hitting a key next to the right one (QWERTY, plus y/z for QWERTZ) costs 0.5, any other
insertion, deletion or substitution costs 1. The nearest must be within 1 for providers of 8
characters or more and within 0.5 for shorter ones (`aol.com`, `gmx.de`), where one free edit
reaches too many real domains. A tie suggests nothing. Pure; results cached per domain.
"""

from __future__ import annotations

from functools import lru_cache

BIG_PROVIDERS: tuple[str, ...] = (
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.de",
    "outlook.fr",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.de",
    "hotmail.fr",
    "live.com",
    "live.de",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.de",
    "yahoo.fr",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "gmx.com",
    "web.de",
    "t-online.de",
    "freenet.de",
    "mail.com",
    "protonmail.com",
    "proton.me",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "wanadoo.fr",
    "btinternet.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "bluewin.ch",
    "libero.it",
    "zoho.com",
    "fastmail.com",
)
_PROVIDERS = frozenset(BIG_PROVIDERS)

_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours() -> dict[str, frozenset[str]]:
    """Keys that touch on a QWERTY keyboard. Each row sits half a key right of the one above,
    so `s` touches `w` and `e` above it and `z` and `x` below it."""
    position = {(r, c): key for r, row in enumerate(_ROWS) for c, key in enumerate(row)}
    touching = ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, -1), (1, 0))
    near: dict[str, set[str]] = {key: set() for key in position.values()}
    for (r, c), key in position.items():
        for dr, dc in touching:
            other = position.get((r + dr, c + dc))
            if other is not None:
                near[key].add(other)
    near["y"].add("z")  # QWERTZ swaps them
    near["z"].add("y")
    return {key: frozenset(value) for key, value in near.items()}


_NEAR = _neighbours()
_CHEAP = 0.5


def _substitution(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return _CHEAP if b in _NEAR.get(a, frozenset()) else 1.0


def keyboard_distance(a: str, b: str, limit: float = 2.0) -> float:
    """Optimal string alignment distance with cheap keyboard slips; stops early above limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[float] = []
    previous = [float(j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        current = [float(i)] + [0.0] * len(b)
        for j in range(1, len(b) + 1):
            cost = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + _substitution(a[i - 1], b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cost = min(cost, before[j - 2] + _CHEAP)
            current[j] = cost
        # The next row can still transpose from `previous`: stop only when both exceed.
        if min(current) > limit and min(previous) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _limit(provider: str) -> float:
    return 1.0 if len(provider) >= 8 else _CHEAP


@lru_cache(maxsize=65536)
def likely_typo(domain: str) -> str | None:
    """The big provider `domain` (A-labels, lowercase) is likely a typo of, or None."""
    if domain in _PROVIDERS:
        return None
    best: list[str] = []
    best_distance = 99.0
    for provider in BIG_PROVIDERS:
        limit = _limit(provider)
        distance = keyboard_distance(domain, provider, limit)
        if distance > limit or distance > best_distance:
            continue
        if distance < best_distance:
            best, best_distance = [provider], distance
        else:
            best.append(provider)
    return best[0] if len(best) == 1 else None
