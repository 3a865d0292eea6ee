"""Mail.ru.

Quirks: Exim underneath (X-Failed-Recipients, "This message was created automatically by mail
delivery software." in Russian and English), From mailer-daemon@corp.mail.ru; its own
failures: "an MX or SRV record indicated no SMTP service" (a domain with a null MX, RFC 7505),
"Mailbox is full / Blocked".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="mailru",
    senders=("mail.ru",),
    start=("following address(es) failed", "failed:"),
    phrases=(
        (Reason.NOT_ACCEPT, r"mx or srv record indicated no smtp service"),
        (Reason.HOST_UNKNOWN, r"unrouteable address"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
