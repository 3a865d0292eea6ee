"""SES inbound, played locally: which recipients the receipt rule accepts, and what SES writes
to the bucket for one accepted message (the object key and the headers SES prepends).

Pure functions only (no sockets, no AWS), so the rules are unit-tested without a network.
The SMTP listener (rebound.local.smtp) and the storing callback use them.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

# SES refuses messages over 40 MB, headers included (SES Developer Guide, "Email receiving
# quotas"); the listener enforces the same limit so nothing larger is ever stored.
SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024
SES_RECEIVING_HOST = "inbound-smtp.us-east-1.amazonaws.com"


@dataclass(frozen=True, slots=True)
class RecipientRule:
    """The receipt rule's recipient condition: the GroupMessaging address and its +tags."""

    local_part: str
    domain: str

    @property
    def address(self) -> str:
        return f"{self.local_part}@{self.domain}"

    def accepts(self, address: str) -> bool:
        """True for `<local part>@<domain>` and `<local part>+<anything>@<domain>`.

        The local part is compared without case: MTAs lower-case the return path they bounce
        to, and the tags are lower case by design. The domain must match exactly (compared
        without case, as DNS does); a subdomain is a different mailbox provider.
        """
        mailbox = address.strip().strip("<>").strip()
        local, at, domain = mailbox.rpartition("@")
        if not at or not local or domain.lower() != self.domain.lower():
            return False
        base, plus, tag = local.lower().partition("+")
        return base == self.local_part.lower() and (not plus or bool(tag))

    def refusal(self, address: str) -> str:
        """The SMTP reply for a recipient the rule refuses (RFC 3463 5.1.1: bad mailbox)."""
        return (
            f"550 5.1.1 <{address.strip().strip('<>')}>: recipient refused; this server "
            f"accepts mail only for {self.address} and its +tag variants"
        )


def new_message_id() -> str:
    """An SES-like inbound message id: 40 characters of lower-case base32."""
    return base64.b32encode(secrets.token_bytes(25)).decode("ascii").lower()


def ses_stored_message(
    raw: bytes,
    *,
    message_id: str,
    mail_from: str,
    recipients: list[str],
    peer: str,
    helo: str,
    received_at: datetime | None = None,
) -> bytes:
    """The bytes SES writes to S3: its trace headers prepended to the message as received.

    SES adds Return-Path (the envelope sender, `<>` for a bounce), a Received header naming
    the recipient when there is exactly one, and its spam/virus verdicts (scanning is on in
    our receipt rule; locally everything passes). The message itself is not changed.
    """
    when = format_datetime((received_at or datetime.now(UTC)).astimezone(UTC))
    client = helo or peer or "unknown"
    received = (
        f"Received: from {client} ({client} [{peer}])\r\n"
        f" by {SES_RECEIVING_HOST} with SMTP id {message_id}"
    )
    if len(recipients) == 1:
        received += f"\r\n for {recipients[0]}"
    received += f";\r\n {when}"
    headers = [
        # aiosmtpd gives the null sender as "<>"; SES writes it as Return-Path: <>.
        f"Return-Path: <{mail_from.strip().strip('<>')}>",
        received,
        "X-SES-Spam-Verdict: PASS",
        "X-SES-Virus-Verdict: PASS",
    ]
    return ("\r\n".join(headers) + "\r\n").encode("ascii", "replace") + raw


def inbound_key(prefix: str, message_id: str) -> str:
    """The object key SES's S3 action uses: the configured prefix, then the message id."""
    return f"{prefix}{message_id}"
