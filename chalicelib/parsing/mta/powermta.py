"""PowerMTA (Port25 / SparkPost Momentum's sibling), used by bulk senders and ESPs.

Quirks: From postmaster@<host>, subject "Delivery report"; "Hello, this is the mail server on
<host>." then one line per recipient `<user@host> delivery failed; will not continue trying`,
and a DSN whose recipient block adds `X-PowerMTA-BounceCategory:` with PowerMTA's own verdict
(bad-mailbox, inactive-mailbox, quota-issues, bad-domain, spam-related, policy-related, ...),
which is the most precise reason the report carries.
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import Reason as R
from chalicelib.classification.status import reason_of_status
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="powermta",
    markers=("x-powermta-bouncecategory", "hello, this is the mail server on"),
    start=("affected recipients",),
)

NAME = FAMILY.name
# X-PowerMTA-BounceCategory values (PowerMTA's documented categories) -> reason.
CATEGORIES: dict[str, R] = {
    "bad-mailbox": R.USER_UNKNOWN,
    "inactive-mailbox": R.SUSPEND,
    "quota-issues": R.MAILBOX_FULL,
    "bad-domain": R.HOST_UNKNOWN,
    "no-answer-from-host": R.NETWORK_ERROR,
    "bad-connection": R.NETWORK_ERROR,
    "routing-errors": R.SYSTEM_ERROR,
    "message-expired": R.EXPIRED,
    "spam-related": R.SPAM_DETECTED,
    "virus-related": R.VIRUS_DETECTED,
    "content-related": R.CONTENT_ERROR,
    "policy-related": R.POLICY_VIOLATION,
    "relaying-issues": R.NO_RELAYING,
    "invalid-sender": R.REJECTED,
    "message-too-large": R.MESG_TOO_BIG,
    "protocol-errors": R.SYNTAX_ERROR,
    "bad-configuration": R.SYSTEM_ERROR,
}
_CATEGORY = re.compile(r"x-powermta-bouncecategory:\s*([a-z-]+)")


def category_reason(ctx: Context) -> R | None:
    match = _CATEGORY.search(ctx.lowered.body)
    return CATEGORIES.get(match.group(1)) if match else None


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    found = FAMILY.read(ctx)
    reason = category_reason(ctx)
    if reason is None:
        return found
    # The category is coarser than a specific Status code (5.2.1 "mailbox disabled" is filed
    # under bad-mailbox): it decides only when the DSN's code says nothing by itself.
    specific = {f.address for f in ctx.dsn if reason_of_status(f.status) is not None}
    return [f if f.address in specific else f.with_(reason_hint=reason.value) for f in found]
