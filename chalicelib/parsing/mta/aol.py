"""AOL (aol.com, and Verizon Media / Yahoo Inc. once it took over AOL's mail).

Quirks: From "Mail Delivery Subsystem <MAILER-DAEMON@aol.com>", header X-AOL-IP, subject
"Mail Delivery Problem"; the old AOL report names recipients by screen name only, indented
under "Your mail to the following recipients could not be delivered because they are not
accepting mail from ..." (or "... with attachments or embedded images"), so a bare name means
<name>@aol.com (the reporting service's own domain). Newer reports are Postfix-style DSNs
from AOL's MTAs.
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, fold
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="aol",
    headers=("x-aol-ip",),
    senders=("aol.com",),
    markers=("your mail to the following recipients could not be delivered because",),
    phrases=(
        (Reason.FILTERED, r"not accepting mail (?:from|with attachments)"),
        (Reason.USER_UNKNOWN, r"no such user|user unknown"),
    ),
)

NAME = FAMILY.name
_SCREEN_NAME = re.compile(r"^[ \t]+([a-z0-9][a-z0-9._-]{1,40})[ \t]*$", re.MULTILINE)
_HEADING = "could not be delivered because"


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    found = FAMILY.read(ctx)
    if found:
        return found
    at = ctx.body.lower().find(_HEADING)
    if at < 0:
        return []
    # Screen names indented under the heading: members of the reporting service itself
    # (MAILER-DAEMON@aol.com reports on <name>@aol.com).
    host = ctx.sender.rpartition("@")[2].strip(" >").lower()
    domain = ".".join(host.split(".")[-2:])
    text = ctx.body[at : at + 2_000]
    diagnostic = fold(text.split("\n\n", 1)[0])
    out: list[Finding] = []
    for match in _SCREEN_NAME.finditer(text):
        address = addresses.normalise(f"{match.group(1)}@{domain}")
        if address and addresses.is_candidate(address):
            out.append(FAMILY.tidy(Finding(address=address, diagnostic=diagnostic)))
    return out
