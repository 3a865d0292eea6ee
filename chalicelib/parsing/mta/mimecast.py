"""Mimecast.

Quirks: headers X-MC-System and X-Mimecast-*; subject "[Postmaster] Email Delivery Failure";
"This is an automated alert notification." then "An email that you attempted to send to the
following address could not be delivered:" with the address, "The problem appears to be : --
Recipient email address is possibly incorrect" (Mimecast's wording for a missing mailbox) and
"Additional information follows :" with the remote reply.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="mimecast",
    headers=("x-mc-system", "x-mimecast-originator"),
    markers=("the problem appears to be :",),
    reply_after=("additional information follows :",),
    phrases=(
        (Reason.USER_UNKNOWN, r"recipient email address is possibly incorrect"),
        (Reason.EXPIRED, r"delivery attempts? (?:have )?timed out"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
