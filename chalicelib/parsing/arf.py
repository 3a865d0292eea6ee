"""RFC 5965 Abuse Reporting Format (feedback-loop) reports: never bounces.

Owns recognising a feedback report (multipart/report; report-type=feedback-report, or a
message/feedback-report part, or the older Hotmail/Yahoo forms that only say so in headers) and
reading the reported recipient: `Original-Rcpt-To`, else the To of the returned original.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.message import Mail
from chalicelib.parsing.model import Action
from chalicelib.parsing.rfc3464 import field_blocks


def _is_feedback(mail: Mail) -> bool:
    try:
        report = mail.message.get_param("report-type")
    except Exception:
        report = None
    if isinstance(report, str) and report.lower() == "feedback-report":
        return True
    if any(p.content_type == "message/feedback-report" for p in mail.parts):
        return True
    return (
        mail.header("x-hmxmroriginalrecipient") != ""
        # Microsoft's JMRP complaints attach the message with its X-HmXmrOriginalRecipient and
        # say so in the subject.
        or mail.header("subject").lower().startswith("complaint about message from")
        or "complaint" in mail.header("x-amazon-ses-notification-type").lower()
    )


def parse(mail: Mail) -> list[Finding] | None:  # noqa: C901 - one branch per RFC 5965 field, in the RFC order
    """The reported recipients, or None when this is not a feedback report."""
    if not _is_feedback(mail):
        return None
    found: list[str] = []
    for part in mail.parts:
        if part.content_type != "message/feedback-report":
            continue
        for block in field_blocks(part.text):
            for key in ("original-rcpt-to", "removal-recipient"):
                if key in block:
                    addr = addresses.normalise(block[key])
                    if addr and addr not in found:
                        found.append(addr)
    if not found:
        hotmail = addresses.normalise(mail.header("x-hmxmroriginalrecipient"))
        if hotmail:
            found.append(hotmail)
    if not found:
        for part in mail.parts:
            if part.inside_original and part.headers.get("to"):
                found.extend(addresses.find_all(part.headers["to"]))
                break
    return [
        Finding(address=a, action=Action.DELIVERED, reason_hint=Reason.FEEDBACK.value)
        for a in found
        if not addresses.is_ours(a)
    ]
