"""ActiveHunter (TransWARE), a Japanese anti-spam gateway.

Quirks: header X-AHMAILID, subject "FAILURE NOTICE : <subject>"; Sendmail-style text with
"----- The following addresses had permanent fatal errors -----" and `>>> user@host <user@host>`
lines, then the reply under "----- Transcript of session follows -----".
"""

from __future__ import annotations

from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="activehunter",
    headers=("x-ahmailid",),
    start=("following addresses had permanent fatal errors",),
)

NAME = FAMILY.name
detect = FAMILY.detect
