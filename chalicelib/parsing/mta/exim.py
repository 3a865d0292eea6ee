"""Exim (and Exim-based providers: Mail.ru, GMX/1&1 before their own formats, cPanel hosts).

Quirks: From "Mail Delivery System <Mailer-Daemon@host>", subject "Mail delivery failed:
returning message to sender"; X-Failed-Recipients names the failed addresses; the text says
"This message was created automatically by mail delivery software." then "The following
address(es) failed:" with each address indented on its own line and the reason on the following
indented lines: `SMTP error from remote mail server after RCPT TO:<...>: host mx [ip]: 550 ...`.
"retry timeout exceeded" and "all hosts ... have been failing for a long time" are expiries;
"Unrouteable address" is a missing domain. Delays: "Warning: message ... delayed".
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, fold
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="exim",
    markers=("this message was created automatically by mail delivery software",),
    senders=("mailer-daemon",),
    subjects=("mail delivery failed", "mail failure", "warning: message"),
    start=("following address(es) failed", "following address failed", "failed:"),
    phrases=(
        (Reason.HOST_UNKNOWN, r"unrouteable (?:mail )?domain|all relevant mx records point to non"),
        (Reason.EXPIRED, r"retry timeout exceeded|have been failing for a long time"),
        (Reason.HOST_UNKNOWN, r"unrouteable address|the account or domain may not exist"),
        (Reason.MESG_TOO_BIG, r"line limit exceeded|message is too big"),
        (Reason.CONTENT_ERROR, r"message has lines too long for transport"),
        (Reason.MAILBOX_FULL, r"mailbox is full|quota exceeded"),
        (Reason.REQUIRE_PTR, r"unverifiable sending ips?|unverifyable sending ips?"),
    ),
)

NAME = FAMILY.name
# "A message that you sent contained one or more recipient addresses that were incorrectly
# constructed: <text>: malformed address: <address> may not follow <text>"
_MALFORMED = re.compile(r"malformed address: <?([^\s<>]+@[^\s<>]+?)>? may not follow", re.I)


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    malformed = [
        Finding(
            address=address,
            diagnostic=fold(match.group(0)),
            reason_hint=Reason.SYNTAX_ERROR.value,
        )
        for match in _MALFORMED.finditer(ctx.body)
        if (address := addresses.normalise(match.group(1))) and addresses.is_candidate(address)
    ]
    return malformed or FAMILY.read(ctx)
