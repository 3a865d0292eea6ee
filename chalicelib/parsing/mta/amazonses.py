"""Amazon SES: bounces it sends back (and the SNS JSON notifications some tenants forward).

Quirks: From MAILER-DAEMON@amazonses.com (or "@<region>.amazonses.com"), X-SES-Outgoing,
Feedback-ID; a standard DSN whose Remote-MTA names the recipient's MX and Diagnostic-Code holds
the reply; "Amazon SES has suppressed sending to this address because it has a recent history
of bouncing" is SES's own suppression list. The SNS notification form is JSON ("notificationType"
: "Bounce", "bouncedRecipients": [{"emailAddress": ..., "status": ..., "diagnosticCode": ...}]).
Inbound SES (receiving) rejects with "550 5.1.1 Mailbox does not exist".
"""

from __future__ import annotations

import json
import re

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="amazonses",
    headers=("x-ses-outgoing",),
    senders=("amazonses",),
    markers=("notificationtype",),
    phrases=(
        (
            Reason.SUPPRESSED,
            r"suppressed sending to this address|on the (?:account-level )?suppression list",
        ),
        (Reason.SECURITY_ERROR, r"5\.7\.6 failed to delivery|5\.7\.9 rejected"),
    ),
)

NAME = FAMILY.name
_JSON = re.compile(r"\{.*\}", re.DOTALL)


def _loads(text: str) -> object:
    """JSON, also when a mail client folded its long lines (a newline and a space inserted)."""
    for candidate in (text, text.replace("\n ", "")):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def _notification(text: str) -> list[Finding] | None:
    """Findings from an SNS bounce notification in the text (it may be nested as a string)."""
    match = _JSON.search(text)
    if match is None or len(match.group(0)) > 200_000:
        return None
    data = _loads(match.group(0))
    if isinstance(data, dict) and isinstance(data.get("Message"), str):
        data = _loads(data["Message"])
    bounce = data.get("bounce") if isinstance(data, dict) else None
    if not isinstance(bounce, dict):
        return None
    out: list[Finding] = []
    for item in bounce.get("bouncedRecipients") or []:
        if not isinstance(item, dict):
            continue
        address = addresses.normalise(str(item.get("emailAddress", "")))
        if not address or not addresses.is_candidate(address):
            continue
        diagnostic = fold(str(item.get("diagnosticCode", "")))
        out.append(
            FAMILY.tidy(
                Finding(
                    address=address,
                    status=find_status(str(item.get("status", ""))) or find_status(diagnostic),
                    reply_code=find_reply_code(diagnostic),
                    diagnostic=diagnostic,
                )
            )
        )
    return out


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    if "notificationtype" in ctx.lowered.body:
        found = _notification(ctx.full_text)
        if found is not None:
            return found
    return FAMILY.read(ctx)
