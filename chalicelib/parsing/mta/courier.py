"""Courier mail server.

Quirks: From postmaster, subject "NOTICE: mail delivery status."; the text is "This is a
delivery status notification from <host>, running the Courier mail server, version ..." then
"UNDELIVERABLE MAIL" and "Your message to the following recipients cannot be delivered:" with
`<user@host>:` followed by an indented `mx [ip]:` line and the session as `>>> RCPT TO:<...>`
and `<<< 550 ...` lines. Delays: "DELAYED MAIL". "can't determine Purported Responsible Address"
is Courier's Sender-ID check on our envelope sender.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="courier",
    markers=("running the courier mail server", "courier mail server"),
    start=("cannot be delivered:", "undeliverable mail"),
    phrases=((Reason.REJECTED, r"can't determine purported responsible address"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
