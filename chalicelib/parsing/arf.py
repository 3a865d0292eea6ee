"""Feedback reports: a recipient's complaint about our message (never a bounce), and the other
reports that use the same format.

Owns recognising a feedback report and reading it:

- RFC 5965 Abuse Reporting Format: multipart/report; report-type=feedback-report with a
  message/feedback-report part (Feedback-Type, User-Agent, Version, Original-Mail-From,
  Original-Rcpt-To, Arrival-Date, Source-IP, Reporting-MTA) and the reported message (or its
  headers) as the third part. Yahoo, AOL, Comcast, Mail.ru, Microsoft's JMRP and most other
  loops send this format;
- the older forms that say so only in headers: Hotmail/JMRP's X-HmXmrOriginalRecipient with a
  "complaint about message from" subject, and Amazon SES's complaint notifications.

Feedback-Type abuse, fraud, virus and other (RFC 5965 section 7.3) and the providers' own forms
are complaints; not-spam (RFC 6430) and auth-failure (RFC 6591, DMARC failure reports) are
feedback but not complaints. The complaining address is Original-Rcpt-To (or the older
Removal-Recipient), else the Hotmail header, else the returned original's single To address; many
providers redact it, so the returned original's Return-Path (where our signed tag is) is kept for
attribution.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing import addresses
from chalicelib.parsing.dates import parse_date
from chalicelib.parsing.findings import Finding
from chalicelib.parsing.message import Mail
from chalicelib.parsing.model import Action, Complaint
from chalicelib.parsing.rfc3464 import field_blocks
from chalicelib.record import record

# RFC 5965 section 7.3 and its registry: the types that are not a recipient's complaint.
NOT_COMPLAINTS = frozenset({"not-spam", "auth-failure"})


@record(frozen=True)
class FeedbackReport:
    """One feedback report as read: the reported recipients, and the complaint if it is one."""

    findings: list[Finding]
    complaint: Complaint | None  # None: feedback that is not a complaint (not-spam, ...)


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


def _report_fields(mail: Mail) -> dict[str, str]:
    """The message/feedback-report fields (the first value of each), lower-cased names."""
    fields: dict[str, str] = {}
    for part in mail.parts:
        if part.content_type != "message/feedback-report":
            continue
        for block in field_blocks(part.text):
            for key, value in block.items():
                fields.setdefault(key, value)
    return fields


def _original(mail: Mail) -> dict[str, str]:
    for part in mail.parts:
        if part.inside_original and part.headers:
            return part.headers
    return {}


def _complainants(mail: Mail, fields: dict[str, str], original: dict[str, str]) -> list[str]:
    found: list[str] = []
    for key in ("original-rcpt-to", "removal-recipient"):
        addr = addresses.normalise(fields.get(key, ""))
        if addr and addr not in found:
            found.append(addr)
    if not found:
        hotmail = addresses.normalise(mail.header("x-hmxmroriginalrecipient"))
        if hotmail:
            found.append(hotmail)
    if not found and original.get("to"):
        found.extend(addresses.find_all(original["to"]))
    return [a for a in found if not addresses.is_ours(a)]


def _path(value: str) -> str | None:
    """A reverse path as written (the tag in it is case-sensitive), angle brackets removed."""
    text = value.strip().strip("<>").strip()[:500]
    return text or None


def parse(mail: Mail) -> FeedbackReport | None:
    """The report, or None when the message is not a feedback report."""
    if not _is_feedback(mail):
        return None
    fields = _report_fields(mail)
    original = _original(mail)
    found = _complainants(mail, fields, original)
    findings = [
        Finding(address=a, action=Action.DELIVERED, reason_hint=Reason.FEEDBACK.value)
        for a in found
    ]
    feedback_type = fields.get("feedback-type", "abuse").strip().lower() or "abuse"
    if feedback_type in NOT_COMPLAINTS:
        return FeedbackReport(findings, None)
    arrival = fields.get("arrival-date") or fields.get("received-date") or ""
    complaint = Complaint(
        feedback_type=feedback_type[:40],
        complainant=found[0] if len(found) == 1 else None,
        reported_by=(
            fields.get("user-agent") or fields.get("reporting-mta") or mail.header("from")
        )[:200],
        arrival_date=parse_date(arrival) if arrival else None,
        source_ip=(fields.get("source-ip") or "").strip()[:64] or None,
        original_return_path=_path(original.get("return-path", "")),
        original_mail_from=_path(fields.get("original-mail-from", "")),
    )
    return FeedbackReport(findings, complaint)
