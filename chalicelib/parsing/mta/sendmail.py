"""Sendmail, including the V5/V8 era formats and their many derivatives.

Quirks: subject "Returned mail: see transcript for details" (or the failure named: "User
unknown", "Host unknown"); the text starts "The original message was received at ...", then
"----- The following addresses had permanent fatal errors -----" with the addresses, then
"----- Transcript of session follows -----" with `... while talking to host:` and `>>> RCPT
To:<...>` / `<<< 550 5.1.1 ...` lines, which name the SMTP command that failed. V5 writes
"----- Unsent message follows -----" and puts the reply first ("550 <addr>... User unknown").
Delays: "Warning: could not send message for past 4 hours".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="sendmail",
    markers=(
        "----- transcript of session follows -----",
        "----- the following addresses had permanent fatal errors -----",
        "----- unsent message follows -----",
    ),
    subjects=("returned mail:", "warning: could not send message"),
    senders=("mailer-daemon",),
    phrases=(
        (Reason.HAS_MOVED, r"\b551 .{0,40}(?:not our customer|user not local)"),
        (Reason.EXPIRED, r"message could not be delivered for \d+ (?:days|hours)"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
