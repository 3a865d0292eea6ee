"""Sending staff mail through SES (never from the GroupMessaging@ address): plain text with
SendEmail, text + HTML (multipart/alternative) with SendRawEmail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.policy import SMTP

from chalicelib.aws.clients import client


class SesMailer:
    """RichMailer port (chalicelib/notify/ports.py) on SES SendRawEmail."""

    def send_multipart(
        self,
        *,
        sender: str,
        to: Sequence[str],
        subject: str,
        text: str,
        html: str,
        headers: Mapping[str, str],
    ) -> str:
        """One multipart/alternative message (text first, HTML last: clients show the last
        part they can render). SendRawEmail, because SendEmail's Text+Html body cannot carry
        our own headers (Auto-Submitted, X-Rebound-Notification). `Source` is given, so SES
        sends bounces of this mail to the no-reply sender, not to any Return-Path header."""
        response = client("ses").send_raw_email(
            Source=sender,
            # No Destinations: SES takes them from the To header (given both, moto lists
            # every recipient twice and SES would deliver to the union).
            RawMessage={
                "Data": build_multipart(
                    sender=sender, to=to, subject=subject, text=text, html=html, headers=headers
                )
            },
        )
        message_id: str = response["MessageId"]
        return message_id


def build_multipart(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str,
    headers: Mapping[str, str],
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    for name, value in headers.items():
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # CRLF line ends, as SMTP (and SES) expect. Lines up to RFC 5322's hard limit of 998:
    # the 78-character fold would break a long Subject right after "Subject:", which some
    # parsers then read with a leading space.
    return message.as_bytes(policy=SMTP.clone(max_line_length=998))
