"""MailFoundry appliance.

Quirks: From MAILER-DAEMON, subject "Message delivery has failed"; "Unable to deliver message
to: <user@host>" then "Delivery failed for the following reason:" and "Server mx[ip] failed
with: 550 ..."; "This has been a permanent failure. No further delivery attempts will be made."
closes it. The SMTP command is never named.
"""

from __future__ import annotations

from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="mailfoundry",
    markers=("delivery failed for the following reason:",),
    subjects=("message delivery has failed",),
    senders=("mailer-daemon",),
    start=("unable to deliver message to",),
    boilerplate=(
        r"this has been a permanent failure\.\s+no further delivery attempts will be made\.",
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
