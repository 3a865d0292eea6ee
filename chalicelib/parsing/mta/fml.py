"""fml, the Japanese mailing-list manager.

Quirks: header X-MLServer: fml [...]; it answers a post from a non-member with "You are not a
member of this mailing list <list@host>." (subject "You <addr> are not member (<list> ML)"), so
the failed recipient is the list address and the reason is a rejection of our sender, not a bad
address; other refusals: "Command is not allowed", "Your mail exceeds the limit".
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, fold
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="fml",
    headers=("x-mlserver",),
    markers=("you are not a member of this mailing list",),
    phrases=(
        (Reason.REJECTED, r"not a member|are not member|not allowed to post"),
        (Reason.SECURITY_ERROR, r"command is not allowed"),
    ),
)

NAME = FAMILY.name
_LIST = re.compile(r"not a member of this mailing list\s*<([^<>\s]+@[^<>\s]+)>", re.IGNORECASE)


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    match = _LIST.search(ctx.body)
    if match is None:
        return FAMILY.read(ctx)
    address = addresses.normalise(match.group(1))
    if not address:
        return []
    diagnostic = fold(ctx.body[match.start() : match.start() + 300].split("\n\n", 1)[0])
    return [FAMILY.tidy(Finding(address=address, diagnostic=diagnostic))]
