"""Expectation tables, one per MTA family, keyed by fixture file under tests/data/mail.

Each row: fixture -> (kind, [(address, reason, hard, blacklisted), ...]). A table named after a
module of chalicelib/parsing/mta is also the family that must claim its fixtures (ParseResult.mta;
a standard DSN that no family claims reports "rfc3464"). Adding an MTA adds a module, its
fixtures and a table here; nothing else changes.
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
    "exchange-01.eml": ("bounce", [("heidi@example.org", "userunknown", True, False)]),
}
OFFICE365: dict[str, Row] = {
    "office365-01.eml": ("bounce", [("grace@example.net", "userunknown", True, False)]),
}
OUTLOOK: dict[str, Row] = {
    # Microsoft's S3113: a rate limit caused by our IP's reputation.
    "outlook-01.eml": ("bounce", [("zora@example.net", "badreputation", False, True)]),
}
AMAZONSES: dict[str, Row] = {
    "amazonses-01.eml": ("bounce", [("ivan@example.net", "authfailure", False, False)]),
}
AMAZONWORKMAIL: dict[str, Row] = {
    "amazonworkmail-01.eml": ("bounce", [("cyril@example.net", "expired", False, False)]),
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
}
GOOGLEGROUPS: dict[str, Row] = {
    "googlegroups-01.eml": (
        "bounce",
        [("board@googlegroups.example.com", "rejected", False, False)],
    ),
}
GOOGLEWORKSPACE: dict[str, Row] = {
    # "Send mail as" misconfigured: our sender alias, never the recipient's fault.
    "googleworkspace-01.eml": ("bounce", [("nadia@example.net", "rejected", False, False)]),
}
YAHOO: dict[str, Row] = {
    "yahoo-01.eml": ("bounce", [("olivia@example.net", "userunknown", True, False)]),
}
AOL: dict[str, Row] = {
    # A bare screen name is a member of the reporting service's domain.
    "aol-01.eml": ("bounce", [("dorianscreen@example.com", "filtered", False, False)]),
}
NOTES: dict[str, Row] = {
    "notes-01.eml": ("bounce", [("peggy@example.org", "userunknown", True, False)]),
}
GROUPWISE: dict[str, Row] = {
    "groupwise-01.eml": ("bounce", [("oscar@example.org", "userunknown", True, False)]),
}
COURIER: dict[str, Row] = {
    "courier-01.eml": ("bounce", [("hugo@example.net", "userunknown", True, False)]),
}
MESSAGINGSERVER: dict[str, Row] = {
    "messagingserver-01.eml": ("bounce", [("ulla@example.net", "mailboxfull", False, False)]),
}
MFILTER: dict[str, Row] = {
    "mfilter-01.eml": ("bounce", [("victor@example.net", "userunknown", True, False)]),
}
INTERSCAN: dict[str, Row] = {
    "interscan-01.eml": ("bounce", [("quinn@example.net", "userunknown", True, False)]),
}
MCAFEE: dict[str, Row] = {
    # "No such user" with no sign of the RCPT stage: a gateway filter, not a bad address.
    "mcafee-01.eml": ("bounce", [("tomas@example.net", "filtered", False, False)]),
}
KDDI: dict[str, Row] = {
    "kddi-01.eml": ("bounce", [("quentin@example.net", "mailboxfull", False, False)]),
}
BIGLOBE: dict[str, Row] = {
    "biglobe-01.eml": ("bounce", [("gina@example.net", "mailboxfull", False, False)]),
}
DOCOMO: dict[str, Row] = {
    # docomo's "Unknown user" after DATA is its sender-domain filter refusing us.
    "docomo-01.eml": ("bounce", [("ines@docomo.example.net", "rejected", False, False)]),
}
ACTIVEHUNTER: dict[str, Row] = {
    "activehunter-01.eml": ("bounce", [("abel@example.net", "userunknown", True, False)]),
}
AMAVIS: dict[str, Row] = {
    "amavis-01.eml": ("bounce", [("bianca@example.net", "virusdetected", False, False)]),
}
APACHEJAMES: dict[str, Row] = {
    "apachejames-01.eml": ("bounce", [("elena@example.net", "userunknown", True, False)]),
    # Verizon's SMS gateway: the mobile number is the local part.
    "apachejames-02.eml": (
        "bounce",
        [("5551234567@vtext.example.com", "userunknown", True, False)],
    ),
}
BARRACUDA: dict[str, Row] = {
    "barracuda-01.eml": ("bounce", [("felix@example.net", "spamdetected", False, False)]),
}
DOVECOT: dict[str, Row] = {
    "dovecot-01.eml": ("bounce", [("jonas@example.net", "mailboxfull", False, False)]),
}
DRAGONFLY: dict[str, Row] = {
    "dragonfly-01.eml": ("bounce", [("karl@example.net", "userunknown", True, False)]),
}
EINSUNDEINS: dict[str, Row] = {
    "einsundeins-01.eml": ("bounce", [("lena@example.org", "mailboxfull", False, False)]),
}
FML: dict[str, Row] = {
    # Posting to a list we are not a member of: the list address, our sender refused.
    "fml-01.eml": ("bounce", [("members@lists.example.org", "rejected", False, False)]),
}
GMX: dict[str, Row] = {
    "gmx-01.eml": ("bounce", [("marta@example.net", "userunknown", True, False)]),
}
IMAILSERVER: dict[str, Row] = {
    "imailserver-01.eml": ("bounce", [("paula@example.org", "mailboxfull", False, False)]),
}
MAILFOUNDRY: dict[str, Row] = {
    "mailfoundry-01.eml": ("bounce", [("rosa@example.net", "mailboxfull", False, False)]),
}
MAILRU: dict[str, Row] = {
    # A null MX (RFC 7505): the domain accepts no mail at all.
    "mailru-01.eml": ("bounce", [("stefan@example.net", "notaccept", True, False)]),
}
MIMECAST: dict[str, Row] = {
    "mimecast-01.eml": ("bounce", [("wanda@example.net", "userunknown", True, False)]),
}
MXLOGIC: dict[str, Row] = {
    "mxlogic-01.eml": ("bounce", [("xavi@example.org", "mailboxfull", False, False)]),
}
OPENSMTPD: dict[str, Row] = {
    "opensmtpd-01.eml": ("bounce", [("yuki@example.net", "userunknown", True, False)]),
}
PHQUERY: dict[str, Row] = {
    "phquery-01.eml": (
        "bounce",
        [
            ("amos@example.org", "userunknown", True, False),
            ("amos@cs.example.org", "userunknown", True, False),
        ],
    ),
}
POWERMTA: dict[str, Row] = {
    "powermta-01.eml": ("bounce", [("bert@example.net", "suspend", False, False)]),
}
SENDGRID: dict[str, Row] = {
    "sendgrid-01.eml": ("bounce", [("celia@example.net", "blocked", False, True)]),
}
SMTP32: dict[str, Row] = {
    "smtp32-01.eml": ("bounce", [("dora@example.net", "userunknown", True, False)]),
}
SURFCONTROL: dict[str, Row] = {
    "surfcontrol-01.eml": ("bounce", [("emil@example.net", "systemerror", False, False)]),
}
YANDEX: dict[str, Row] = {
    # Still timing out when the queue lifetime ran out: an expiry, not a bad address.
    "yandex-01.eml": ("bounce", [("fiona@example.net", "expired", False, False)]),
}
ZOHO: dict[str, Row] = {
    "zoho-01.eml": ("bounce", [("gustav@example.net", "userunknown", True, False)]),
}
GENERIC: dict[str, Row] = {
    "base64-01.eml": ("bounce", [("xavier@example.net", "userunknown", True, False)]),
    # A person forwarded a Postfix bounce as text: its report is read.
    "forwarded-01.eml": ("bounce", [("hanna@example.net", "userunknown", True, False)]),
}
NOT_BOUNCES: dict[str, Row] = {
    "arf-01.eml": ("complaint", [("rupert@example.net", "feedback", False, False)]),
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
    "office365": OFFICE365,
    "outlook": OUTLOOK,
    "amazonses": AMAZONSES,
    "amazonworkmail": AMAZONWORKMAIL,
    "exim": EXIM,
    "qmail": QMAIL,
    "gmail": GMAIL,
    "googlegroups": GOOGLEGROUPS,
    "googleworkspace": GOOGLEWORKSPACE,
    "yahoo": YAHOO,
    "aol": AOL,
    "notes": NOTES,
    "groupwise": GROUPWISE,
    "courier": COURIER,
    "messagingserver": MESSAGINGSERVER,
    "mfilter": MFILTER,
    "interscan": INTERSCAN,
    "mcafee": MCAFEE,
    "kddi": KDDI,
    "biglobe": BIGLOBE,
    "docomo": DOCOMO,
    "activehunter": ACTIVEHUNTER,
    "amavis": AMAVIS,
    "apachejames": APACHEJAMES,
    "barracuda": BARRACUDA,
    "dovecot": DOVECOT,
    "dragonfly": DRAGONFLY,
    "einsundeins": EINSUNDEINS,
    "fml": FML,
    "gmx": GMX,
    "imailserver": IMAILSERVER,
    "mailfoundry": MAILFOUNDRY,
    "mailru": MAILRU,
    "mimecast": MIMECAST,
    "mxlogic": MXLOGIC,
    "opensmtpd": OPENSMTPD,
    "phquery": PHQUERY,
    "powermta": POWERMTA,
    "sendgrid": SENDGRID,
    "smtp32": SMTP32,
    "surfcontrol": SURFCONTROL,
    "yandex": YANDEX,
    "zoho": ZOHO,
    "generic": GENERIC,
    "not-bounces": NOT_BOUNCES,
}
