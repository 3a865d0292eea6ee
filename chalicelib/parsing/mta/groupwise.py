"""Novell GroupWise (later Micro Focus GroupWise).

Quirks: "X-Mailer: Novell GroupWise Internet Agent"; subject "Message status - undeliverable";
the text says "The message that you sent was not delivered to the following recipients" or
"The attached file had the following undeliverable recipient(s):" then each recipient indented,
and the reason in a separate "Reason" column; often multipart/mixed with the original attached.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="groupwise",
    mailers=("groupwise",),
    markers=(
        "novell groupwise",
        "groupwise internet agent",
        "the attached file had the following undeliverable recipient",
    ),
    subjects=("message status - undeliverable",),
    senders=("postmaster",),
    start=("undeliverable recipient", "not delivered to the following"),
    phrases=((Reason.USER_UNKNOWN, r"user not found|no such user|undeliverable"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
