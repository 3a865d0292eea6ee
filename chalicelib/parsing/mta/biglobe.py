"""BIGLOBE (biglobe.ne.jp), a Japanese ISP.

Quirks: From postmaster@<host>.biglobe.ne.jp, subject "Returned mail: ..."; the text is
Japanese then English, with "   ----- The following addresses had delivery problems -----"
above the address and the reason in a short English sentence: "The number of messages in
recipient's mailbox exceeded the local limit." (a full mailbox) or "Unknown user" lines.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="biglobe",
    senders=("biglobe",),
    start=("the following addresses had delivery problems",),
    phrases=(
        (Reason.MAILBOX_FULL, r"recipient's mailbox exceeded the local limit"),
        (Reason.USER_UNKNOWN, r"unknown user"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
