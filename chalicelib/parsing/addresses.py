"""Email addresses in bounce text: finding them, normalising them, and telling ours apart.

Owns the address grammar the detectors use (a deliberately simple, fast approximation of RFC
5321 mailboxes), normalisation (lower-case, angle brackets and mailto: stripped), and the rules
for addresses that are never a failed recipient: our own VERP return path
(`groupmessaging+<tag>@...`), mailer daemons and postmasters.
"""

from __future__ import annotations

import re

# The local part is possessive: its class has no "@", so characters given back could never
# reach the "@" that must follow (each word of the text was otherwise read a second time).
ADDRESS = re.compile(
    r"(?<![\w.+=/-])([\w.!#$%&'*+/=?^`{|}~-]{1,64}+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)*"
    r"[A-Za-z0-9-]{0,62}[A-Za-z0-9])",
)
_STRIP = " \t\r\n<>()[]\"';:,."

_SYSTEM_LOCALPARTS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "mailerdaemon",
        "mail-daemon",
        "maildaemon",
        "root",
        "nobody",
        "noreply",
        "no-reply",
        "daemon",
        "mdaemon",
        "double-bounce",
    }
)
RETURN_PATH_LOCALPART = "groupmessaging"
# RFC 3464 section 2.3.2 allows "rfc822;" and "RFC822;"; some MTAs write other types.
_ADDR_TYPE = re.compile(r"^\s*(?:rfc822|x400|utf-8|unknown|smtp)\s*;\s*", re.IGNORECASE)


def normalise(address: str) -> str | None:
    """One address in canonical form, or None when it is not an address at all."""
    text = address or ""
    if ";" in text:  # every address type is followed by one
        # The common type as written by most MTAs without the regex; the pattern's blanks after
        # the ";" are what lstrip takes.
        text = text[7:].lstrip() if text[:7].lower() == "rfc822;" else _ADDR_TYPE.sub("", text)
    if text[:7].lower() == "mailto:":
        text = text[7:]
    text = text.strip().strip(_STRIP)
    match = ADDRESS.search(text)
    if match is None:
        return None
    addr = match.group(1).strip(".")
    local, _, domain = addr.rpartition("@")
    if not local or "." not in domain:
        return None
    return addr.lower()


def matched(match: re.Match[str]) -> str | None:
    """`normalise` of the address an `ADDRESS` match found, without searching it again: the
    match is already an address, so only a leading "." or "'" (both allowed in the local part,
    both stripped by `normalise`) sends it the long way; otherwise it needs a dot in its domain
    and is lower-cased."""
    found = match.group(1)
    if found[0] in ".'":
        return normalise(found)
    return found.lower() if "." in found.rpartition("@")[2] else None


_OURS_PREFIX = RETURN_PATH_LOCALPART + "+"
_SYSTEM_PREFIXES = ("mailer-daemon", "postmaster")
# Every local part `is_candidate` rejects by a prefix starts with one of these.
_NOT_CANDIDATE_STARTS = (RETURN_PATH_LOCALPART, *_SYSTEM_PREFIXES)


def is_ours(address: str) -> bool:
    """Our own return path (plain or VERP-tagged): the sender, never a failed recipient."""
    local = address.split("@", 1)[0].lower()
    return local == RETURN_PATH_LOCALPART or local.startswith(_OURS_PREFIX)


def is_system(address: str) -> bool:
    local = address.split("@", 1)[0].lower()
    return local in _SYSTEM_LOCALPARTS or local.startswith(_SYSTEM_PREFIXES)


def is_candidate(address: str) -> bool:
    """Could this address be a failed recipient? (Neither `is_ours` nor `is_system`, with the
    local part split and lower-cased once: this runs for every address the parser meets.)"""
    local = address.split("@", 1)[0].lower()
    if not local.startswith(_NOT_CANDIDATE_STARTS):  # most addresses: one test decides
        return local not in _SYSTEM_LOCALPARTS
    return not (local == RETURN_PATH_LOCALPART or local.startswith(_OURS_PREFIX)) and not (
        local in _SYSTEM_LOCALPARTS or local.startswith(_SYSTEM_PREFIXES)
    )


def find_all(text: str) -> list[str]:
    """Every normalised address in text, in order, without duplicates."""
    seen: dict[str, None] = {}
    for match in ADDRESS.finditer(text):
        addr = matched(match)
        if addr and addr not in seen:
            seen[addr] = None
    return list(seen)
