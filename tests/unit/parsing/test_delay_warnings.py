"""A plain-text report that only warns that delivery is still being retried is a delay, never a
bounce: it must not count against the member (the MTAs' own delay templates say so)."""

from __future__ import annotations

import pytest

from chalicelib.parsing import parse_message
from chalicelib.parsing.model import Action, MessageKind

HEAD = (
    "From: Mail Delivery System <Mailer-Daemon@mail.example.org>\n"
    "To: groupmessaging+t1.abc123@bounces.example.com\n"
    "Subject: {subject}\nDate: Tue, 4 Mar 2025 09:15:00 +0000\n"
    "Message-ID: <warn-1@mail.example.org>\n\n"
)

EXIM = (
    "This message was created automatically by mail delivery software.\n"
    "A message that you sent has not yet been delivered to one or more of its\n"
    "recipients after more than 24 hours on the queue on mail.example.org.\n\n"
    "The address to which the message has not yet been delivered is:\n\n"
    "  member@example.net\n"
    "    host mx.example.net [192.0.2.25]\n"
    "    Delay reason: SMTP error from remote mail server after RCPT TO:<member@example.net>:\n"
    "    451 4.3.0 Temporary local problem - please try later\n\n"
    "No action is required on your part. Delivery attempts will continue for\n"
    "some time, and this warning may be repeated at intervals if the message\n"
    "remains undelivered. Eventually the mail delivery software will give up,\n"
    "and when that happens, the message will be returned to you.\n"
)
SENDMAIL = (
    "    **********************************************\n"
    "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
    "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
    "    **********************************************\n\n"
    "The original message was received at Tue, 4 Mar 2025 05:14:00 GMT\n\n"
    "   ----- Transcript of session follows -----\n"
    "member@example.net... Deferred: Connection timed out with mx.example.net.\n"
    "Warning: message still undelivered after 4 hours\n"
)
POSTFIX = (
    "This is the mail system at host mail.example.org.\n\n"
    "####################################################################\n"
    "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
    "####################################################################\n\n"
    "Your message could not be delivered for more than 4 hour(s).\n"
    "It will be retried until it is 5 day(s) old.\n\n"
    "<member@example.net>: connect to mx.example.net[192.0.2.25]:25: Connection timed out\n"
)


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Warning: message 1abcde-000001-XY delayed 24 hours", EXIM),
        ("Warning: could not send message for past 4 hours", SENDMAIL),
        ("Delayed Mail (still being retried)", POSTFIX),
    ],
)
def test_a_delay_warning_is_not_a_bounce(subject: str, text: str) -> None:
    result = parse_message((HEAD.format(subject=subject) + text).encode())
    assert result.kind is MessageKind.DELAY
    assert [r.address for r in result.recipients] == ["member@example.net"]
    assert result.recipients[0].action is Action.DELAYED
    assert not result.recipients[0].hard


def test_a_final_failure_that_quotes_the_warning_is_still_a_bounce() -> None:
    text = (
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  member@example.net\n"
        "    host mx.example.net [192.0.2.25]\n"
        "    SMTP error from remote mail server after RCPT TO:<member@example.net>:\n"
        "    550 5.1.1 User unknown\n\n"
        "(An earlier warning said: no action is required on your part.)\n"
    )
    result = parse_message((HEAD.format(subject="Mail delivery failed") + text).encode())
    assert result.kind is MessageKind.BOUNCE
    assert result.recipients[0].hard
