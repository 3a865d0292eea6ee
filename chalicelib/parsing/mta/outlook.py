"""Outlook.com / Hotmail / Windows Live / MSN consumer mail.

Quirks: From postmaster@hotmail.com, postmaster@outlook.com or postmaster@live.com, header
X-Message-Delivery and X-Message-Info; older reports say "This is an automatically generated
Delivery Status Notification." then "Delivery to the following recipients failed." with the
address indented; replies carry Microsoft's own codes: "550 Requested action not taken:
mailbox unavailable" (no such mailbox), "(S3140)" rate limits, "(S3150)" / "(S3113)" IP
reputation blocks with links to postmaster.live.com.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="outlook",
    headers=("x-message-delivery", "x-message-info"),
    senders=("hotmail.com", "outlook.com", "live.com", "msn.com"),
    start=("delivery to the following recipients failed",),
    phrases=(
        (Reason.USER_UNKNOWN, r"requested action not taken: mailbox unavailable"),
        (Reason.BAD_REPUTATION, r"due to ip reputation|s3113"),
        (Reason.BLOCKED, r"s3150|part of their network is on our block list"),
        (Reason.REQUIRE_PTR, r"mismatches client ip"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
