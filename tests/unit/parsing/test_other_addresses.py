"""Addresses a report names that are not failed recipients: a help desk to contact, an alias the
mail was forwarded from, an alternate contact inside the server's reply. Only the recipient the
report is about may be counted (each extra address would charge a bounce to someone else)."""

from __future__ import annotations

import pytest

from chalicelib.parsing import parse_message
from chalicelib.parsing.model import MessageKind

HEAD = (
    "From: {sender}\nTo: groupmessaging+t1.abc123@bounces.example.com\nSubject: {subject}\n"
    "Date: Tue, 4 Mar 2025 09:15:00 +0000\nMessage-ID: <other-1@mail.example.org>\n\n"
)

CASES = [
    (
        "MAILER-DAEMON@mail.example.org",
        "failure notice",
        "Hi. This is the qmail-send program at mail.example.org.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<member@example.net>:\n192.0.2.5 does not like recipient.\n"
        "Remote host said: 550 5.1.1 <member@example.net>: Recipient address rejected: User"
        " unknown; forwarded from <alias@example.net>\nGiving up on 192.0.2.5.\n",
    ),
    (
        "postmaster@mail.example.org",
        "Undeliverable: Newsletter",
        "Your message to member@example.net couldn't be delivered.\n"
        "member wasn't found at example.net.\n\n"
        "If the problem continues, contact your email admin (helpdesk@example.com).\n",
    ),
    (
        "MAILER-DAEMON@mail.example.org",
        "Mail System Error - Returned Mail",
        "member@example.net: 550 Mailbox unavailable (alternate contact: assistant@example.net)\n",
    ),
]


@pytest.mark.parametrize(("sender", "subject", "text"), CASES)
def test_only_the_failed_recipient_is_named(sender: str, subject: str, text: str) -> None:
    result = parse_message((HEAD.format(sender=sender, subject=subject) + text).encode())
    assert result.kind is MessageKind.BOUNCE
    assert [r.address for r in result.recipients] == ["member@example.net"]


def test_recipients_listed_on_one_line_are_all_read() -> None:
    text = (
        "The following recipients failed:\n"
        "first@example.net, second@example.net: 550 User unknown\n"
    )
    result = parse_message(
        (
            HEAD.format(sender="MAILER-DAEMON@mail.example.org", subject="Undeliverable") + text
        ).encode()
    )
    assert [r.address for r in result.recipients] == ["first@example.net", "second@example.net"]
