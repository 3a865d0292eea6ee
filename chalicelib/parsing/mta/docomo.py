"""NTT docomo (docomo.ne.jp), Japanese mobile mail.

Quirks: docomo's servers answer with bare replies and no enhanced status code. Because
docomo subscribers filter mail by sender domain, "550 Unknown user <address>" from a docomo
host after DATA is that filter refusing our sender, not a missing mailbox; the bounce itself is
usually written by the sending MTA (Postfix, Sendmail) with docomo's reply inside.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="docomo",
    senders=("docomo",),
    markers=("mfsmax.docomo.ne.jp",),
    phrases=(
        (Reason.REJECTED, r"550 unknown user [^\s]+@[^\s]*docomo"),
        (Reason.USER_UNKNOWN, r"unknown user|user unknown"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
