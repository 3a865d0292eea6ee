"""Verizon Wireless (vtext.com / vzwpix.com SMS and MMS gateways) and Verizon's old mail.

Quirks: From post_master@vtext.com; the Apache James layout ("Error: Invalid user address",
"Error message below:", "Message details:" with "RCPT TO:"), or "Message could not be delivered
to mobile." for an MMS refusal; the mobile number is the local part.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.mta import apachejames
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="verizon",
    senders=("vtext", "vzwpix", "verizon"),
    phrases=(
        (
            Reason.USER_UNKNOWN,
            r"invalid user address|no such user|could not be delivered to mobile",
        ),
    ),
)

NAME = FAMILY.name


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    found = apachejames.detect(ctx) or FAMILY.read(ctx)
    return [FAMILY.tidy(f.with_(reason_hint=None)) for f in found]
