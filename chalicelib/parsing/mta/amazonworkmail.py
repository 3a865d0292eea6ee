"""Amazon WorkMail.

Quirks: headers "X-Mailer: Amazon WorkMail" and X-Original-Mailer, From the organisation's
postmaster, a standard DSN with a short text "... could not be delivered"; the DSN's Status is
often vaguer than the reply in Diagnostic-Code, and expired deliveries quote the last reply
("Message expired: unable to deliver in 840 minutes.<421 4.4.2 Connection timed out>"), whose
inner code is the real one.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="amazonworkmail",
    mailers=("amazon workmail",),
    markers=("amazon workmail",),
    phrases=((Reason.EXPIRED, r"message expired: unable to deliver in \d+ minutes"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
