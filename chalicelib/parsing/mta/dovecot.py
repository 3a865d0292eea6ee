"""Dovecot LDA / Pigeonhole Sieve rejections (RFC 5429).

Quirks: From "Mail Delivery Subsystem", subject "Automatically rejected mail" (or "Rejected:
..."); a multipart/report of type disposition-notification, not delivery-status: the text part
"Your message to <user@host> was automatically rejected:" and the reason on the next line
("Quota exceeded", the Sieve script's own words), and a message/disposition-notification part
with "Disposition: automatic-action/MDN-sent-automatically; deleted". It is a failure, never a
read receipt.
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, fold
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="dovecot",
    markers=("was automatically rejected:", "dovecot mail delivery agent"),
    phrases=(
        (Reason.MAILBOX_FULL, r"quota exceeded|mailbox is full|over quota"),
        (Reason.REJECTED, r"sieve"),
    ),
)

NAME = FAMILY.name
_REJECTED = re.compile(
    r"your message to <?([^\s<>]+@[^\s<>]+?)>? was automatically rejected:?"
    r"\s*([^\n]*(?:\n[^\n]+)?)",
    re.IGNORECASE,
)


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    out: list[Finding] = []
    for match in _REJECTED.finditer(ctx.body):
        address = addresses.normalise(match.group(1))
        if address and addresses.is_candidate(address):
            out.append(FAMILY.tidy(Finding(address=address, diagnostic=fold(match.group(2)))))
    return out or FAMILY.read(ctx)
