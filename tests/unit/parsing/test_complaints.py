"""Feedback reports: complaints (RFC 5965 abuse/fraud/virus/other, providers' own forms) are read
with the complaining address and the returned original's return path; not-spam and auth-failure
reports are feedback, not complaints; none of them is ever a bounce."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.parsing import parse_message
from chalicelib.parsing.model import Action, MessageKind

TAG = "groupmessaging+t1.AbC123@bounces.example.com"


def _arf(fields: str, original: str, original_type: str = "message/rfc822") -> bytes:
    return (
        "From: fbl@feedback.example.net\n"
        "To: groupmessaging@bounces.example.com\n"
        "Subject: Abuse report\nDate: Tue, 4 Mar 2025 09:15:00 +0000\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"\n\n'
        "--ARF\nContent-Type: text/plain\n\nThis is an email abuse report.\n\n"
        f"--ARF\nContent-Type: message/feedback-report\n\n{fields}\n"
        f"--ARF\nContent-Type: {original_type}\n\n{original}\n--ARF--\n"
    ).encode()


ORIGINAL = (
    f"Return-Path: <{TAG}>\nFrom: Chamber News <news@example.com>\nTo: ann@example.net\n"
    "Subject: Monthly newsletter\nMessage-ID: <orig-7@mms.example.com>\n\nHello.\n"
)
FIELDS = (
    "Feedback-Type: abuse\nUser-Agent: ExampleFBL/2.1\nVersion: 1\n"
    f"Original-Mail-From: <{TAG}>\nOriginal-Rcpt-To: <ann@example.net>\n"
    "Arrival-Date: Tue, 4 Mar 2025 09:10:00 +0000\nSource-IP: 192.0.2.44\n"
)


def test_abuse_report_is_a_complaint_with_its_fields() -> None:
    result = parse_message(_arf(FIELDS, ORIGINAL))
    assert result.kind is MessageKind.COMPLAINT
    complaint = result.complaint
    assert complaint is not None
    assert complaint.feedback_type == "abuse"
    assert complaint.complainant == "ann@example.net"
    assert complaint.reported_by == "ExampleFBL/2.1"
    assert complaint.arrival_date == datetime(2025, 3, 4, 9, 10, tzinfo=UTC)
    assert complaint.source_ip == "192.0.2.44"
    assert complaint.original_return_path == TAG  # the tag's case is kept
    assert complaint.original_mail_from == TAG
    assert result.original_message_id == "orig-7@mms.example.com"
    assert [(r.address, r.action) for r in result.recipients] == [
        ("ann@example.net", Action.DELIVERED)
    ]


def test_redacted_recipient_keeps_the_return_path_for_attribution() -> None:
    fields = "Feedback-Type: abuse\nUser-Agent: YahooFBL/1.0\nVersion: 1\n"
    original = ORIGINAL.replace("To: ann@example.net", "To: redacted")
    result = parse_message(_arf(fields, original, "text/rfc822-headers"))
    assert result.kind is MessageKind.COMPLAINT
    assert result.complaint is not None
    assert result.complaint.complainant is None
    assert result.complaint.original_return_path == TAG


@pytest.mark.parametrize("kind", ["fraud", "virus", "other"])
def test_every_complaint_type(kind: str) -> None:
    result = parse_message(_arf(FIELDS.replace("abuse", kind), ORIGINAL))
    assert result.kind is MessageKind.COMPLAINT
    assert result.complaint is not None and result.complaint.feedback_type == kind


@pytest.mark.parametrize("kind", ["not-spam", "auth-failure"])
def test_not_spam_and_auth_failure_reports_are_not_complaints(kind: str) -> None:
    result = parse_message(_arf(FIELDS.replace("abuse", kind), ORIGINAL))
    assert result.kind is MessageKind.FEEDBACK
    assert result.complaint is None


def test_hotmail_style_complaint_without_a_report_part() -> None:
    raw = (
        "From: staff@hotmail.example.com\nTo: groupmessaging@bounces.example.com\n"
        "Subject: complaint about message from 192.0.2.44\n"
        "X-HmXmrOriginalRecipient: <ann@example.net>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="M"\n\n'
        f"--M\nContent-Type: message/rfc822\n\n{ORIGINAL}\n--M--\n"
    ).encode()
    result = parse_message(raw)
    assert result.kind is MessageKind.COMPLAINT
    assert result.complaint is not None
    assert result.complaint.complainant == "ann@example.net"
    assert result.complaint.original_return_path == TAG
