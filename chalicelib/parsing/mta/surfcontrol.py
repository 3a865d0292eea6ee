"""SurfControl E-mail Filter (Websense).

Quirks: "X-Mailer: SurfControl E-mail Filter" and X-SEF-* headers; "Your message could not be
sent. A transcript of the attempts to send the message follows." then "Addressed To: user@host"
and `user@host: [ip], 550 ...` lines, and a text DSN (Action: failed) in the same part. It
never names the SMTP command.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="surfcontrol",
    mailers=("surfcontrol",),
    headers=("x-sef-processed", "x-sef-zerohour-refid"),
    markers=("surfcontrol",),
    start=("addressed to:", "failed to send to identified host"),
    phrases=((Reason.SYSTEM_ERROR, r"service currently unavailable"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
