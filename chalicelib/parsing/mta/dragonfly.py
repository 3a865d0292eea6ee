"""DragonFly Mail Agent (dma), the small MTA of DragonFly BSD and some Linux distributions.

Quirks: From MAILER-DAEMON, subject "Mail delivery failed"; the text is "This is the
DragonFly Mail Agent at <host>." then "There was an error delivering your mail to
<user@host>." and the remote server's reply on the next lines (`... did not like our RCPT TO:
550 ...`, `... did not like our DATA: 550 ...`), then "Message headers follow." Exactly one
recipient per report.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="dragonfly",
    markers=("dragonfly mail agent", "there was an error delivering your mail to"),
    start=("there was an error delivering your mail to",),
    phrases=((Reason.HOST_UNKNOWN, r"bad destination system address|domain not found"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
