"""GMX and WEB.DE (United Internet).

Quirks: From "Mail Delivery System <mailer-daemon@gmx.net>" (or @web.de), header
X-UI-Out-Filterresults; "This message was created automatically by mail delivery software."
then `"user@host":` on its own line, quoted, and the reply on the next lines: `SMTP error from
remote server after RCPT command: host: mx 5.1.1 <...>... User unknown`; its own refusals:
"Mailbox quota exceeded", "delivery retry timeout exceeded".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="gmx",
    headers=("x-ui-out-filterresults",),
    senders=("gmx.net", "gmx.de", "gmx.com", "web.de"),
    phrases=(
        (Reason.EXPIRED, r"delivery retry timeout exceeded"),
        (Reason.MAILBOX_FULL, r"mailbox quota exceeded"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
