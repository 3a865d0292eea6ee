"""Zoho Mail.

Quirks: From mailer-daemon@mail.zoho.com, headers X-ZohoMail and X-Zoho-Virus-Status; the text
copies Exim's "This message was created automatically by mail delivery software." then one line
per recipient: `user@host Invalid Address, ERROR_CODE :550, ERROR_CODE :Requested action not
taken: mailbox unavailable` (the reply split across ERROR_CODE fields), and for delays
`Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.`.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="zoho",
    mailers=("zoho mail",),
    headers=("x-zohomail",),
    senders=("zoho",),
    markers=("error_code :",),
    phrases=(
        (Reason.EXPIRED, r"error_code :4\d\d.{0,40}host not reachable"),
        (Reason.USER_UNKNOWN, r"error_code :5\.1\.1"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
