"""Google Groups: "the group you tried to contact may not exist, or you may not have permission
to post messages to the group".

Quirks: sent by mailer-daemon@googlemail.com as plain text (no DSN part), in the sender's
language, so no phrase can be relied on; the group's address is only in X-Failed-Recipients.
The failure is a posting permission (or a missing group), reported as "rejected".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, fold

NAME = "googlegroups"
_GROUP_HINTS = ("groups.google.", "google groups", "googlegroups.")


def detect(ctx: Context) -> list[Finding] | None:
    if ctx.dsn:  # before any header is read: this runs on every message
        return None
    failed = ctx.mail.header("x-failed-recipients")
    if not failed or "googlemail." not in ctx.sender.lower():
        return None
    body = ctx.body.lower()
    if not any(h in body or h in failed.lower() for h in _GROUP_HINTS):
        return None
    return [
        Finding(address=a, diagnostic=fold(ctx.body[:600]), reason_hint=Reason.REJECTED.value)
        for a in addresses.find_all(failed)
        if addresses.is_candidate(a)
    ]
