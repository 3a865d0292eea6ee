"""The plain words people read for reasons and blocklists: one table for the page, digests and
alerts (issue 10: "User unknown", never `userunknown`; "listed on Spamhaus ZEN").

The page (chalicelib/web/app.js, REASONS) carries the same reason labels; a unit test keeps the
two equal. Pure: standard library only.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from chalicelib.classification.reasons import Reason

REASON_LABELS = MappingProxyType(
    {
        "userunknown": "User unknown",
        "hostunknown": "Domain unknown",
        "hasmoved": "Has moved",
        "mailboxfull": "Mailbox full",
        "exceedlimit": "Message too large for mailbox",
        "suspend": "Mailbox suspended",
        "blocked": "Blocked",
        "spamdetected": "Spam detected",
        "virusdetected": "Virus detected",
        "contenterror": "Content error",
        "policyviolation": "Policy violation",
        "securityerror": "Security error",
        "authfailure": "Authentication failure (SPF/DKIM/DMARC)",
        "rejected": "Sender rejected",
        "filtered": "Filtered",
        "norelaying": "Relaying denied",
        "notaccept": "Does not accept mail",
        "requireptr": "Reverse DNS required",
        "badreputation": "Bad sender reputation",
        "toomanyconn": "Too many connections",
        "ratelimited": "Rate limited",
        "expired": "Delivery expired",
        "networkerror": "Network error",
        "systemerror": "Remote system error",
        "systemfull": "Remote system full",
        "mailererror": "Mailer error",
        "syntaxerror": "Syntax error",
        "notcompliantrfc": "Not RFC compliant",
        "onhold": "On hold",
        "mesgtoobig": "Message too big",
        "speeding": "Sending too fast",
        "failedstarttls": "TLS failed",
        "suppressed": "Suppressed by the provider",
        "undefined": "Unknown reason",
        # Never counted as bounces; named for the quarantine and unparsed views.
        "vacation": "Auto-reply (not a bounce)",
        "feedback": "Spam complaint (not a bounce)",
        "delivered": "Delivered (not a bounce)",
        "expanded": "Forwarded (not a bounce)",
    }
)

# DNS blocklists as receiving servers name them in diagnostics, and as people know them.
_BLOCKLISTS = (
    (r"zen\.spamhaus\.org", "Spamhaus ZEN"),
    (r"sbl(?:-xbl)?\.spamhaus\.org", "Spamhaus SBL"),
    (r"xbl\.spamhaus\.org", "Spamhaus XBL"),
    (r"pbl\.spamhaus\.org", "Spamhaus PBL"),
    (r"dbl\.spamhaus\.org", "Spamhaus DBL"),
    (r"spamhaus", "Spamhaus"),
    (r"bl\.spamcop\.net|spamcop", "SpamCop"),
    (r"b\.barracudacentral\.org|barracuda", "Barracuda"),
    (r"cbl\.abuseat\.org", "the CBL"),
    (r"dnsbl\.sorbs\.net|\bsorbs\b", "SORBS"),
    (r"uceprotect", "UCEPROTECT"),
    (r"psbl\.surriel\.com", "PSBL"),
    (r"bl\.mailspike\.net|mailspike", "Mailspike"),
)
_BLOCKLIST_RES = tuple((re.compile(pattern, re.IGNORECASE), name) for pattern, name in _BLOCKLISTS)


def reason_label(reason: Reason | str) -> str:
    """ "User unknown" for userunknown; an unknown value is shown as it is."""
    return REASON_LABELS.get(str(reason), str(reason))


def blocklist_name(diagnostic: str) -> str | None:
    """The blocklist a diagnostic names ("Spamhaus ZEN"), or None when it names none we know."""
    text = diagnostic[:2000]
    for pattern, name in _BLOCKLIST_RES:
        if pattern.search(text):
            return name
    return None


def blocklist_phrase(diagnostic: str) -> str:
    """ "listed on Spamhaus ZEN", or "listed on a blocklist" when the list is not named."""
    name = blocklist_name(diagnostic)
    return f"listed on {name}" if name else "listed on a blocklist"
