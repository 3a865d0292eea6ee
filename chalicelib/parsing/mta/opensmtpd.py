"""OpenSMTPD.

Quirks: From MAILER-DAEMON, subject "Delivery status notification: error" (or ": delay");
the text is "This is the MAILER-DAEMON, please DO NOT REPLY to this email." then "An error has
occurred while attempting to deliver a message for the following list of recipients:" and one
line per recipient `user@host: 550 5.1.1 ...` or `user@host: Envelope expired`. The reply has no
status code for local failures ("Network error on destination MXs", "Envelope expired", "No MX
found for domain").
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="opensmtpd",
    markers=("this is the mailer-daemon, please do not reply", "following list of recipients:"),
    start=("following list of recipients",),
    phrases=(
        (Reason.EXPIRED, r"envelope expired"),
        (Reason.NETWORK_ERROR, r"network error on destination mxs"),
        (Reason.HOST_UNKNOWN, r"no mx found for domain|domain not found"),
        (Reason.SECURITY_ERROR, r"\btls\b.{0,20}required"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
