"""Postfix (and Postfix-based providers that keep its report: Yandex, SendGrid's MTA, many
hosting gateways).

Quirks: From "MAILER-DAEMON (Mail Delivery System)", subject "Undelivered Mail Returned to
Sender"; the text part starts "This is the mail system at host <name>." and lists each failure as
`<user@host>: host mx[ip] said: 550 5.1.1 ... (in reply to RCPT TO command)`, the reply folded
over several lines; the DSN part carries `X-Postfix-Queue-ID` and `X-Postfix-Sender`. Local
delivery failures read `<user@host>: unknown user: "user"` with no reply code; delays come as
"Delayed Mail (still being retried)" with Action: delayed. Older versions (before 2.3) write
"The Postfix program" instead.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="postfix",
    markers=("this is the mail system at host", "the postfix program", "x-postfix-queue-id"),
    senders=("mail delivery system",),
    subjects=("undelivered mail returned to sender", "delayed mail (still being retried)"),
    phrases=(
        (Reason.MAILER_ERROR, r"command (?:died|failed|output)|mail for .{0,80} loops back"),
        (Reason.USER_UNKNOWN, r"unknown user: \""),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
