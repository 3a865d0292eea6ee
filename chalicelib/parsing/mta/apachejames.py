"""Apache James, and gateways built on it (Verizon Wireless's vtext.com / vzwpix.com SMS and MMS
gateways, whose mobile number is the recipient's local part).

Quirks: From post_master@<host>, subject "Re:<original subject>" or "[BOUNCE]"; the text is
"Error: Invalid user address" (or another one-line error), "Error message below:" and the reply
on the next line ("550 - Requested action not taken: no such user here"), then "Message details:"
with "MAIL FROM:" and "RCPT TO:" of the original. The recipient appears only in "RCPT TO:".
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.mta.family import Family, after

FAMILY = Family(
    name="apachejames",
    markers=("error message below:",),
    start=("rcpt to:",),
    senders=("vtext", "vzwpix"),
    phrases=((Reason.USER_UNKNOWN, r"invalid user address|no such user"),),
)

NAME = FAMILY.name
_RCPT = re.compile(r"^\s*rcpt to:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    error = fold(after(ctx.body, "error message below:").strip().split("\n", 1)[0])
    heading = fold(after(ctx.body, "error:", 200).split("\n", 1)[0])
    out: list[Finding] = []
    for match in _RCPT.finditer(ctx.body):
        for address in addresses.find_all(match.group(1)):
            if addresses.is_candidate(address):
                diagnostic = (heading + " " + error).strip()
                out.append(
                    FAMILY.tidy(
                        Finding(
                            address=address,
                            status=find_status(error),
                            reply_code=find_reply_code(error),
                            diagnostic=diagnostic,
                        )
                    )
                )
    return out or FAMILY.read(ctx)
