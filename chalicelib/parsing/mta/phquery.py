"""phquery, the CSO/ph nameserver mailer that universities put in front of their mail hubs.

Quirks: From MAILER-DAEMON@<hub>, subject "Returned mail - nameserver error report"; the text
is indented by one space: " --------Message not delivered to the following:" then one line per
failure with the bare name the sender used and the nameserver's verdict (" userx    No matches
to nameserver query", "Multiple matches found for nameserver query"), then " --------Error
Detail (phquery V4.1):" with help text that quotes sample addresses ("if mike.fox@... fails")
which are never recipients. A bare name is an address at the mail hub's domain; the help text's
`NAME@<host>` template names the other domain the name may be tried at.
"""

from __future__ import annotations

import re
from functools import cache

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, fold
from chalicelib.parsing.mta.family import Family, after

FAMILY = Family(
    name="phquery",
    markers=("nameserver error report", "(phquery v", "message not delivered to the following:"),
    subjects=("nameserver error report",),
    phrases=(
        (Reason.USER_UNKNOWN, r"no matches to nameserver query"),
        (Reason.FILTERED, r"multiple matches found"),
    ),
)
NAME = FAMILY.name


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The entry and template patterns, compiled on first use: few reports come from a PH
    nameserver hub, and these two were a millisecond of every `rebound parse` start-up."""
    entry = re.compile(r"^\s*([a-z0-9][\w.+-]{0,63})\s{2,}(\S.*)$", re.IGNORECASE | re.MULTILINE)
    # "reachable by emailing NAME@<domain>, try emailing to NAME@<other domain> instead"
    template = re.compile(r"emailing (?:to )?NAME@([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.IGNORECASE)
    return entry, template


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    entry, template = _patterns()
    listed = after(ctx.body, "message not delivered to the following:").split("--------", 1)[0]
    domains = [m.group(1).lower().rstrip(".") for m in template.finditer(ctx.body)]
    if not domains:
        # The hub's own domain: the last two labels of the reporting host.
        hub = ctx.sender.rpartition("@")[2].strip(" >").lower()
        domains = [".".join(hub.split(".")[-2:])] if "." in hub else []
    out: list[Finding] = []
    for match in entry.finditer(listed):
        name, verdict = match.group(1), fold(match.group(2))
        for host in dict.fromkeys(domains):
            address = addresses.normalise(f"{name}@{host}")
            if address and addresses.is_candidate(address):
                out.append(FAMILY.tidy(Finding(address=address, diagnostic=verdict)))
    return out
