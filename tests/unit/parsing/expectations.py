"""Expectation tables, one per MTA family, keyed by fixture file under tests/data/mail.

Each row: fixture -> (kind, [(address, reason, hard, blacklisted), ...]). Adding an MTA adds a
table here and its fixtures; nothing else changes.
"""

from __future__ import annotations

Row = tuple[str, list[tuple[str, str, bool, bool]]]

POSTFIX: dict[str, Row] = {
    "postfix-01.eml": ("bounce", [("alice@example.net", "userunknown", True, False)]),
    "postfix-01-crlf.eml": ("bounce", [("alice@example.net", "userunknown", True, False)]),
    "postfix-01-cr.eml": ("bounce", [("alice@example.net", "userunknown", True, False)]),
    "postfix-02.eml": ("bounce", [("bob@example.net", "blocked", False, True)]),
    "postfix-03.eml": ("bounce", [("carol@example.net", "mailboxfull", False, False)]),
    "postfix-delay-01.eml": ("delay", [("dave@example.net", "networkerror", False, False)]),
}
SENDMAIL: dict[str, Row] = {
    "sendmail-01.eml": ("bounce", [("erin@example.net", "userunknown", True, False)]),
    "sendmail-02.eml": ("bounce", [("frank@example.net", "spamdetected", False, False)]),
}
EXCHANGE: dict[str, Row] = {
    "office365-01.eml": ("bounce", [("grace@example.net", "userunknown", True, False)]),
    "exchange-01.eml": ("bounce", [("heidi@example.org", "userunknown", True, False)]),
}
AMAZONSES: dict[str, Row] = {
    "amazonses-01.eml": ("bounce", [("ivan@example.net", "authfailure", False, False)]),
}
EXIM: dict[str, Row] = {
    "exim-01.eml": ("bounce", [("judy@example.net", "userunknown", True, False)]),
    "exim-02.eml": ("bounce", [("ken@example.net", "blocked", False, True)]),
}
QMAIL: dict[str, Row] = {
    "qmail-01.eml": ("bounce", [("laura@example.net", "userunknown", True, False)]),
    "qmail-02.eml": ("bounce", [("mallory@example.org", "hostunknown", True, False)]),
}
GMAIL: dict[str, Row] = {
    "gmail-01.eml": ("bounce", [("niaj@example.net", "mailboxfull", False, False)]),
    "googlegroups-01.eml": ("bounce", [("board@googlegroups.com", "rejected", False, False)]),
}
YAHOO: dict[str, Row] = {
    "yahoo-01.eml": ("bounce", [("olivia@example.net", "userunknown", True, False)]),
}
NOTES: dict[str, Row] = {
    "notes-01.eml": ("bounce", [("peggy@example.org", "userunknown", True, False)]),
}
KDDI: dict[str, Row] = {
    "kddi-01.eml": ("bounce", [("quentin@example.net", "mailboxfull", False, False)]),
}
GENERIC: dict[str, Row] = {
    "base64-01.eml": ("bounce", [("xavier@example.net", "userunknown", True, False)]),
}
NOT_BOUNCES: dict[str, Row] = {
    "arf-01.eml": ("feedback", [("rupert@example.net", "feedback", False, False)]),
    "autoreply-01.eml": ("auto-reply", []),
    "autoreply-02.eml": ("auto-reply", []),
    "mdn-01.eml": ("read-receipt", []),
    "challenge-01.eml": ("challenge", []),
    "human-01.eml": ("not-bounce", []),
}

FAMILIES: dict[str, dict[str, Row]] = {
    "postfix": POSTFIX,
    "sendmail": SENDMAIL,
    "exchange": EXCHANGE,
    "amazonses": AMAZONSES,
    "exim": EXIM,
    "qmail": QMAIL,
    "gmail": GMAIL,
    "yahoo": YAHOO,
    "notes": NOTES,
    "kddi": KDDI,
    "generic": GENERIC,
    "not-bounces": NOT_BOUNCES,
}
