"""SendGrid (Twilio SendGrid).

Quirks: From "MAILER-DAEMON" at a sendgrid.net host, subject "Undelivered Mail Returned to
Sender"; Postfix's layout ("This is an automatically generated message from SendGrid.", "If you
require assistance with this, please contact SendGrid support.") with a standard DSN; replies
are quoted unchanged from the recipient's server.
"""

from __future__ import annotations

from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="sendgrid",
    senders=("sendgrid",),
    markers=("automatically generated message from sendgrid", "contact sendgrid support"),
)

NAME = FAMILY.name
detect = FAMILY.detect
