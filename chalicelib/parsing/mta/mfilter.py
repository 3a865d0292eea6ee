"""m-FILTER (Digital Arts), a Japanese mail filtering gateway.

Quirks: "X-Mailer: m-FILTER"; From POSTMASTER, subject "failure notice"; the text is Japanese
(ISO-2022-JP) "this mail was issued automatically by m-FILTER" and lists the recipient, the
remote server's reply after a "-------server message" line, and the SMTP command it answered
after a "-------SMTP command" line (RCPT, DATA). The DSN is text only.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="mfilter",
    mailers=("m-filter",),
    markers=("-------server message", "m-filter"),
    start=("-------server message",),
    phrases=((Reason.SYSTEM_FULL, r"insufficient system (?:resources|storage)"),),
)

NAME = FAMILY.name
detect = FAMILY.detect
