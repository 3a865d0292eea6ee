"""Bounce messages built the way each major MTA wraps a remote server's reply, for our own tests.

Each wrapper takes the failed address and the remote reply (as a server sends it: reply code,
enhanced status, words) and returns the bounce bytes that MTA would return to our sender: Postfix
(RFC 3464 report, reply folded in both parts), Exim (plain text, X-Failed-Recipients), Sendmail
(report with a session transcript), OpenSMTPD (plain text), Courier (report) and the DragonFly
Mail Agent (plain text, "did not like our RCPT TO:"). The layouts are written from each MTA's own
bounce templates; every address is on example.com/.net/.org.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

SENDER = "groupmessaging+t1.abc123@bounces.example.com"
REMOTE = "mx.example.net"
REMOTE_IP = "192.0.2.25"

Wrapper = Callable[[str, str], bytes]


def _head(sender: str, subject: str, message_id: str, extra: str = "") -> str:
    """The bounce's own header fields: who wrote it, to our return path, when, its id."""
    return (
        f"From: {sender}\nTo: {SENDER}\nSubject: {subject}\n"
        f"Date: Tue, 4 Mar 2025 09:15:00 +0000\nMessage-ID: <{message_id}>\n{extra}"
    )


def _original(address: str) -> str:
    return (
        f"Return-Path: <{SENDER}>\n"
        "From: Chamber News <news@example.com>\n"
        f"To: {address}\n"
        "Subject: Monthly newsletter\n"
        "Message-ID: <orig-1@mms.example.com>\n"
        "Date: Mon, 3 Mar 2025 10:00:00 +0000\n\nHello members.\n"
    )


def _status(reply: str) -> str:
    parts = reply.split()
    status = parts[1] if len(parts) > 1 and parts[1][:1] in "245" and "." in parts[1] else ""
    if status:
        return status
    return "4.0.0" if reply.startswith("4") else "5.0.0"


def _folded(name: str, value: str) -> str:
    """A header field folded as RFC 5322 section 2.2.3 allows (at spaces, lines under 78)."""
    return "\n ".join(textwrap.wrap(f"{name}: {value}", 76, break_long_words=False))


def _report(head: str, text: str, address: str, reply: str, mta: str) -> bytes:
    dsn = "\n".join(
        (
            f"Reporting-MTA: dns; {mta}",
            "",
            f"Final-Recipient: rfc822; {address}",
            "Action: failed",
            f"Status: {_status(reply)}",
            f"Remote-MTA: dns; {REMOTE}",
            _folded("Diagnostic-Code", f"smtp; {reply}"),
        )
    )
    return (
        f"{head}MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B-1"\n\n'
        f"--B-1\nContent-Type: text/plain; charset=us-ascii\n\n{text}\n"
        f"--B-1\nContent-Type: message/delivery-status\n\n{dsn}\n\n"
        f"--B-1\nContent-Type: message/rfc822\n\n{_original(address)}\n--B-1--\n"
    ).encode()


def postfix(address: str, reply: str) -> bytes:
    said = textwrap.fill(
        f"<{address}>: host {REMOTE}[{REMOTE_IP}] said: {reply} (in reply to RCPT TO command)",
        72,
        subsequent_indent="    ",
        break_long_words=False,
    )
    head = _head(
        "MAILER-DAEMON@mx.example.org (Mail Delivery System)",
        "Undelivered Mail Returned to Sender",
        "b-postfix@mx.example.org",
    )
    text = (
        "This is the mail system at host mx.example.org.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n\n"
        f"{said}\n"
    )
    return _report(head, text, address, reply, "mx.example.org")


def exim(address: str, reply: str) -> bytes:
    return (
        _head(
            "Mail Delivery System <Mailer-Daemon@mx.example.org>",
            "Mail delivery failed: returning message to sender",
            "E1exim@mx.example.org",
            f"X-Failed-Recipients: {address}\nAuto-Submitted: auto-replied\n\n",
        )
        + "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {address}\n    host {REMOTE} [{REMOTE_IP}]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{address}>:\n"
        f"    {reply}\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        f"{_original(address)}"
    ).encode()


def sendmail(address: str, reply: str) -> bytes:
    head = _head(
        "Mail Delivery Subsystem <MAILER-DAEMON@mail.example.org>",
        "Returned mail: see transcript for details",
        "s-sendmail@mail.example.org",
        "Auto-Submitted: auto-generated (failure)\n",
    )
    text = (
        "The original message was received at Tue, 4 Mar 2025 09:14:00 +0000\n"
        "from mms.example.com [192.0.2.10]\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{address}>\n    (reason: {reply})\n\n"
        "   ----- Transcript of session follows -----\n"
        f"... while talking to {REMOTE}.:\n>>> RCPT To:<{address}>\n<<< {reply}\n"
    )
    return _report(head, text, address, reply, "mail.example.org")


def opensmtpd(address: str, reply: str) -> bytes:
    return (
        _head(
            "Mailer Daemon <MAILER-DAEMON@mail.example.org>",
            "Delivery status notification: error",
            "o-smtpd@mail.example.org",
            "Content-Type: text/plain; charset=us-ascii\n\n",
        )
        + "Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
        "An error has occurred while attempting to deliver a message for\n"
        "the following list of recipients:\n\n"
        f"{address}: {reply}\n\n"
        "Below is a copy of the original message:\n\n"
        f"{_original(address)}"
    ).encode()


def courier(address: str, reply: str) -> bytes:
    head = _head(
        "Courier mail server at mail.example.org <@>",
        "NOTICE: mail delivery status.",
        "courier.0001@mail.example.org",
    )
    text = (
        "This is a delivery status notification from mail.example.org,\n"
        "running the Courier mail server, version 1.1.\n\n"
        "The original message was received on Tue, 4 Mar 2025 09:14:00 +0000\n"
        "from mms.example.com [192.0.2.10]\n\n"
        "-----------------------------------------------------------------------\n\n"
        "                           UNDELIVERABLE MAIL\n\n"
        "Your message to the following recipients cannot be delivered:\n\n"
        f"<{address}>:\n    {REMOTE} [{REMOTE_IP}]:\n"
        f">>> RCPT TO:<{address}>\n<<< {reply}\n\n"
        "-----------------------------------------------------------------------\n"
    )
    return _report(head, text, address, reply, "mail.example.org")


def dragonfly(address: str, reply: str) -> bytes:
    return (
        _head(
            "MAILER-DAEMON <MAILER-DAEMON@df.example.org>",
            "Mail delivery failed",
            "dma.0001@df.example.org",
            "\n",
        )
        + "This is the DragonFly Mail Agent at df.example.org.\n\n"
        f"There was an error delivering your mail to <{address}>.\n\n"
        f"{REMOTE} [{REMOTE_IP}] did not like our RCPT TO:\n{reply}\n\n"
        "Message headers follow.\n\n"
        f"{_original(address)}"
    ).encode()


WRAPPERS: dict[str, Wrapper] = {
    "postfix": postfix,
    "exim": exim,
    "sendmail": sendmail,
    "opensmtpd": opensmtpd,
    "courier": courier,
    "dragonfly": dragonfly,
}
