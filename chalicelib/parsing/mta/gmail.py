"""Gmail (consumer Google mail; Google Workspace and Google Groups have their own modules).

Quirks: From "Mail Delivery Subsystem <mailer-daemon@googlemail.com>", X-Failed-Recipients.
The 2010-2016 text: "Delivery to the following recipient failed permanently:" with the address
indented, "Technical details of permanent failure:" then "Google tried to deliver your message,
but it was rejected by the server for the recipient domain <d> by <mx>. [<ip>]." and "The error
that the other server returned was:" followed by the real reply on the next lines; delays say
"Delivery to the following recipient has been delayed". Since 2016: "** Address not found **"
/ "** Message not delivered **" headings, a plain-language paragraph, and "The response was:" or
"The response from the remote server was:" followed by the reply; the HTML part repeats it.
Gmail's own reasons have no reply: "The recipient server did not accept our requests to
connect", "DNS Error: Domain name not found", "Message rejected ... TLS".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.context import Context
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.mta.family import Family, after

FAMILY = Family(
    name="gmail",
    senders=("googlemail.com", "gmail.com"),
    markers=("technical details of permanent failure", "google tried to deliver your message"),
    start=(
        "delivery to the following recipient",
        "** address not found **",
        "** message not delivered **",
        "your message wasn't delivered",
    ),
    phrases=(
        (Reason.HOST_UNKNOWN, r"dns error: domain name not found|domain name not found"),
        (
            Reason.EXPIRED,
            r"did not accept our requests to connect"
            r"|delivery to the following recipient has been delayed",
        ),
        (Reason.FAILED_STARTTLS, r"\btls\b|starttls"),
        (
            Reason.USER_UNKNOWN,
            r"address couldn't be found|email account that you tried to reach does not exist",
        ),
        (Reason.MAILBOX_FULL, r"inbox is out of storage space|over quota"),
    ),
)

NAME = FAMILY.name
# Where Gmail writes the other server's own words, newest wording first.
REPLY_MARKERS = (
    "the error that the other server returned was:",
    "the response from the remote server was:",
    "the response was:",
)


def server_reply(body: str) -> str:
    """The remote server's reply Gmail quotes (its first paragraph), or ""."""
    for marker in REPLY_MARKERS:
        text = after(body, marker).strip()
        if text:
            return fold(text.split("\n\n", 1)[0])
    return ""


def with_reply(ctx: Context, found: list[Finding]) -> list[Finding]:
    reply = server_reply(ctx.body)
    if not reply:
        return found
    out = []
    for f in found:
        diagnostic = reply if len(found) == 1 or f.address in reply.lower() else f.diagnostic
        out.append(
            FAMILY.tidy(
                f.with_(
                    diagnostic=diagnostic,
                    status=find_status(diagnostic) or f.status,
                    reply_code=find_reply_code(diagnostic) or f.reply_code,
                    reason_hint=None,
                )
            )
        )
    return out


def detect(ctx: Context) -> list[Finding] | None:
    if not FAMILY.recognises(ctx):
        return None
    return with_reply(ctx, FAMILY.read(ctx))
