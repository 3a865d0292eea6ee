"""Sendmail, including the V5/V8 era formats and their many derivatives.

Quirks: subject "Returned mail: see transcript for details" (or the failure named: "User
unknown", "Host unknown"); the text starts "The original message was received at ...", then
"----- The following addresses had permanent fatal errors -----" with the addresses, then
"----- Transcript of session follows -----" with `... while talking to host:` and `>>> RCPT
To:<...>` / `<<< 550 5.1.1 ...` lines, which name the SMTP command that failed. V5 writes
"----- Unsent message follows -----" and puts the reply first ("550 <addr>... User unknown").
Delays: "Warning: could not send message for past 4 hours"; the final bounce after the queue
lifetime says "Returned mail: Cannot send message for 5 days" and only the subject says so.
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding
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
# The queue-lifetime bounce names its cause only in the subject.
_GAVE_UP = re.compile(r"cannot send message (?:for|within) \d+ (?:days?|hours?)")


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    found = FAMILY.read(ctx)
    if _GAVE_UP.search(ctx.lowered.subject):
        return [f.with_(reason_hint=Reason.EXPIRED.value) for f in found]
    return found
