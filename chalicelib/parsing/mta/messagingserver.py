"""Sun Java System / Oracle Communications Messaging Server (formerly iPlanet, PMDF), also
used by iCloud (me.com).

Quirks: MIME boundaries of the form `Boundary_(ID_...)`; the text part says "This report
relates to a message you sent with the following header fields:" then "Your message cannot be
delivered to the following recipients:" (or "Your message has been delayed ..."), and for each
recipient `Recipient address: user@host`, `Original address: ...`, `Reason: ...`, `Diagnostic
code: smtp;550 ...`, `Remote system: dns;mx (TCP|...) (...)`. Some gateways put these DSN
fields into the text instead of a message/delivery-status part. The Status field often carries
a generic 5.0.0 with the reason in parentheses.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="messagingserver",
    markers=("this report relates to a message you sent", "boundary_(id_"),
    start=("cannot be delivered to the following recipients", "recipient address:"),
    phrases=(
        (Reason.MAILBOX_FULL, r"mailbox (?:is )?full|over quota|quota exceeded"),
        (Reason.HOST_UNKNOWN, r"illegal host/domain name found"),
        (Reason.HAS_MOVED, r"user has moved"),
        (Reason.EXPIRED, r"has been delayed|maximum time to live"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
