"""KDDI / au (ezweb.ne.jp, au.com, the older "au one net" mail).

Quirks: From "Mailer-Daemon@...ezweb.ne.jp" or "...au.com", subject "Mail System Error -
Returned Mail"; the text is short English: "Your mail sent on: <date>" then "Could not be
delivered to: <user@host>" and one line "As their mailbox is full." / "As the remote host could
not be reached." ezweb also writes "Each of the following recipients was rejected by a remote
mail server." above the address when the recipient's own domain filter refused us (the
"designated reception" setting), and answers "550 : User unknown" with the address blanked out
for the same filter.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="kddi",
    markers=(
        "your mail sent on:",
        "each of the following recipients was rejected by a remote mail server",
    ),
    senders=("ezweb", "au.com", "kddi"),
    start=("could not be delivered to", "each of the following recipients"),
    phrases=(
        (Reason.MAILBOX_FULL, r"as their mailbox is full"),
        (Reason.NETWORK_ERROR, r"as the remote host could not be reached"),
        (Reason.FILTERED, r"was rejected by a remote mail server|550 : user unknown"),
        (Reason.SUSPEND, r"the user\(s\) account is disabled"),
        (Reason.EXPIRED, r"the following recipients did not receive this message"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
