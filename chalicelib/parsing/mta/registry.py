"""The explicit, ordered list of MTA detectors. The first one that recognises a message and
reads failed recipients from it wins; `generic` is always last.

Order matters where formats are copied: providers and gateways that reuse another MTA's report
(Zoho and MX Logic copy Exim's wording, Yandex and SendGrid Postfix's, ActiveHunter Sendmail's)
come before the MTA they copy, and header-identified families before text-identified ones.
Adding an MTA is one module here and one line in `DETECTORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from chalicelib.classification.matcher import LiteralFinder
from chalicelib.parsing.context import Context, Lowered
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.mta import (
    activehunter,
    amavis,
    amazonses,
    amazonworkmail,
    aol,
    apachejames,
    barracuda,
    biglobe,
    courier,
    docomo,
    dovecot,
    dragonfly,
    einsundeins,
    exchange,
    exim,
    fml,
    generic,
    gmail,
    gmx,
    googlegroups,
    googleworkspace,
    groupwise,
    imailserver,
    interscan,
    kddi,
    mailfoundry,
    mailru,
    mcafee,
    messagingserver,
    mfilter,
    mimecast,
    mxlogic,
    notes,
    office365,
    opensmtpd,
    outlook,
    phquery,
    postfix,
    powermta,
    qmail,
    sendgrid,
    sendmail,
    smtp32,
    surfcontrol,
    yahoo,
    yandex,
    zoho,
)
from chalicelib.parsing.mta.family import Family

Detect = Callable[[Context], list[Finding] | None]

DETECTORS: tuple[ModuleType, ...] = (
    # Providers, recognised by their own headers or sender domains. A service built on
    # another comes first (WorkMail sends through SES, Office 365 from outlook.com hosts,
    # 1&1 shares GMX's infrastructure).
    amazonworkmail,
    amazonses,
    googlegroups,
    googleworkspace,
    gmail,
    yahoo,
    aol,
    office365,
    outlook,
    exchange,
    zoho,
    mailru,
    yandex,
    einsundeins,
    gmx,
    apachejames,
    kddi,
    biglobe,
    docomo,
    # Gateways and filters that write their own reports.
    mfilter,
    interscan,
    mcafee,
    surfcontrol,
    mxlogic,
    mimecast,
    barracuda,
    activehunter,
    amavis,
    powermta,
    sendgrid,
    mailfoundry,
    fml,
    dovecot,
    phquery,
    # Server software.
    notes,
    groupwise,
    messagingserver,
    imailserver,
    smtp32,
    courier,
    dragonfly,
    opensmtpd,
    qmail,
    exim,
    postfix,
    sendmail,
    generic,
)


def family_of(module: ModuleType | None) -> Family | None:
    family = getattr(module, "FAMILY", None)
    return family if isinstance(family, Family) else None


_FAMILIES = {f.name: f for f in (family_of(m) for m in DETECTORS) if f is not None}


# Every family's fingerprints flattened once, so one message is checked against all of them in
# a few comprehensions instead of a Python loop per family.
def _index(kind: str) -> dict[str, tuple[str, ...]]:
    """fingerprint -> the families that use it, for one kind of fingerprint."""
    index: dict[str, tuple[str, ...]] = {}
    for family in _FAMILIES.values():
        for fingerprint in getattr(family, kind):
            index[fingerprint] = (*index.get(fingerprint, ()), family.name)
    return index


_HEADERS = _index("headers")
_MAILERS = _index("mailers")
_MARKERS = _index("markers")
_SENDERS = _index("senders")


def _word_keys(
    markers: dict[str, tuple[str, ...]],
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """Markers of three words or more, by their longest inner word, and the others. An inner
    word has a space on both sides inside the marker, so wherever the marker occurs that word is
    a whole whitespace-separated word of the text: one set of the text's words then replaces
    most of the substring searches (a marker is still confirmed with `in`)."""
    keyed: dict[str, tuple[str, ...]] = {}
    plain: list[str] = []
    for marker in markers:
        inner = [w for w in marker.split(" ")[1:-1] if w]
        if not inner or marker != " ".join(marker.split()):
            plain.append(marker)
            continue
        word = max(inner, key=len)
        keyed[word] = (*keyed.get(word, ()), marker)
    return keyed, tuple(plain)


_MARKER_WORDS, _PLAIN_MARKERS = _word_keys(_MARKERS)

# Characters rare in mail text, rarest first: punctuation prose seldom uses, then the letters
# from the least frequent in English. A plain marker is searched for only when its rarest
# character occurs in the text, which one `in` of a single character (memchr) tells.
_RARE = "&_(qjzxkvbywgpfmuclrdhsnioate"


def _by_rarest(markers: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The markers grouped under their rarest character."""
    rank = {char: i for i, char in enumerate(_RARE)}
    groups: dict[str, tuple[str, ...]] = {}
    for marker in markers:
        char = min(marker, key=lambda c: rank.get(c, len(rank)))
        groups[char] = (*groups.get(char, ()), marker)
    return tuple(groups.items())


_PLAIN_BY_CHAR = _by_rarest(_PLAIN_MARKERS)


_MARKER_KEYS = frozenset(_MARKER_WORDS)
_HEADER_NAMES = frozenset(_HEADERS)


def recognised(ctx: Context) -> set[str]:
    """The names of the families whose fingerprints the message carries (the same rule as
    `Family.recognises`, for all families at once). Substring tests are written as `in` in the
    loops: `filter(text.__contains__, ...)` calls the slot through a method wrapper, slower than
    the operator on these short texts."""
    low = ctx.lowered
    found: set[str] = set()
    _add_markers(low.body, found)
    for header in _HEADER_NAMES.intersection(low.header_names):
        found.update(_HEADERS[header])
    mailer = low.mailer
    for fragment in _MAILERS:
        if fragment in mailer:
            found.update(_MAILERS[fragment])
    _add_senders(low, found)
    return found


_MARKER_LIST = tuple(_MARKERS)
_MARKER_FINDER = LiteralFinder(_MARKER_LIST)


def _add_markers(body: str, found: set[str]) -> None:
    """The families whose report markers occur: found in one pass by an installed finder, or
    else only the markers that can occur are tested, each where it is met (no list of candidates
    built): those of the text's key words, and the plain ones whose rarest character it has."""
    finder = _MARKER_FINDER.get()
    if finder is not None:
        for number in finder(body):
            found.update(_MARKERS[_MARKER_LIST[number]])
        return
    # Split at spaces only: a key word has a space on both sides wherever its marker occurs,
    # and splitting at one character is cheaper than at every kind of whitespace.
    for word in _MARKER_KEYS.intersection(body.split(" ")):
        for marker in _MARKER_WORDS[word]:
            if marker in body:
                found.update(_MARKERS[marker])
    for char, group in _PLAIN_BY_CHAR:
        if char in body:
            for marker in group:
                if marker in body:
                    found.update(_MARKERS[marker])


def _add_senders(low: Lowered, found: set[str]) -> None:
    """The families named by the From header (and, for some, the subject too)."""
    sender = low.sender
    for fragment in _SENDERS:
        if fragment not in sender:
            continue
        for name in _SENDERS[fragment]:
            if name in found:
                continue
            subjects = _FAMILIES[name].subjects
            if not subjects:
                found.add(name)
                continue
            for wording in subjects:
                if wording in low.subject:
                    found.add(name)
                    break


# Each detector with its name, its family (None for the two without one) and whether its
# `detect` is the family's standard reading; `run` walks only the recognised families and the
# detectors without a family, in registry order.
_PLAN: tuple[tuple[ModuleType, str, Family | None, bool], ...] = tuple(
    (m, str(m.NAME), f, f is not None and m.detect == f.detect)
    for m, f in ((m, family_of(m)) for m in DETECTORS)
)
_POSITION = {name: i for i, (_, name, family, _) in enumerate(_PLAN) if family is not None}
_UNFAMILIED = tuple(i for i, (_, _, family, _) in enumerate(_PLAN) if family is None)


def run(ctx: Context, read: bool = True) -> tuple[ModuleType | None, list[Finding]]:
    """The first detector that reads failed recipients from the message, and its findings. A
    detector that recognises the message but finds nobody lets the next one try; the first such
    one is still reported as the message's MTA. Families not recognised are skipped without
    calling them. With `read=False` (a complete DSN says it all) the first recognised family
    that only reads text is taken as the MTA without reading; detectors with their own logic
    (hints from vendor fields, quoted replies) still run."""
    claimed: ModuleType | None = None
    for i in sorted((*_UNFAMILIED, *map(_POSITION.__getitem__, recognised(ctx)))):
        module, _, family, standard = _PLAN[i]
        if family is not None and standard:
            if not read:
                return module, []
            # Recognised above by the same rule: `read` without `detect`'s second check.
            result: list[Finding] | None = family.read(ctx)
        else:
            detect: Detect = module.detect
            result = detect(ctx)
        if result:
            return module, result
        if result is not None and claimed is None:
            claimed = module
    return claimed, []
