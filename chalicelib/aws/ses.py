"""Sending staff mail through SES (never from the GroupMessaging@ address)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.aws.clients import client


class SesMailer:
    """Mailer port on SES SendEmail."""

    def send(self, *, sender: str, to: Sequence[str], subject: str, text: str) -> str:
        response = client("ses").send_email(
            Source=sender,
            Destination={"ToAddresses": list(to)},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
            },
        )
        message_id: str = response["MessageId"]
        return message_id
