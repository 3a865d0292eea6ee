"""Ipswitch IMail Server (SMTP32).

Quirks: "X-Mailer: <SMTP32 v...>", From postmaster, subject "Undeliverable Mail"; the text is
one line per recipient with the reason first: `Unknown user: user@host`, `User mailbox exceeds
allowed size: user@host`, then "Original message follows." Remote failures read "Body of
message generated response:" with the reply on the next line.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="imailserver",
    mailers=("smtp32",),
    markers=("body of message generated response",),
    senders=("postmaster",),
    subjects=("undeliverable mail",),
    phrases=(
        (Reason.USER_UNKNOWN, r"^unknown user:|\bunknown user: "),
        (Reason.MAILBOX_FULL, r"user mailbox exceeds allowed size"),
        (Reason.EXPIRED, r"delivery failed \d+ attempts"),
    ),
)

NAME = FAMILY.name

detect = FAMILY.detect
