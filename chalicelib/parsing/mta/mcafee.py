"""McAfee Email Gateway (formerly IronMail / Secure Computing).

Quirks: "X-NAI-Header: Modified by McAfee Email Gateway"; From "<>", subject "Delivery
Status"; the text part says "--- The following addresses had delivery problems ---" then
`<user@host>   (user@host... No such user)`, followed by a DSN in text form (Original-Recipient,
Action, Diagnostic-Code) inside the same part. The SMTP command is never named.
"""

from __future__ import annotations

from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="mcafee",
    headers=("x-nai-header",),
    markers=("modified by mcafee", "mcafee email gateway"),
    start=("--- the following addresses had delivery problems ---",),
)

NAME = FAMILY.name
detect = FAMILY.detect
