"""The local stack's SMTP listener (aiosmtpd): plays SES inbound for the GroupMessaging address.

It refuses every recipient the receipt rule would not accept (550 5.1.1), refuses messages over
SES's 40 MB limit (552), and stores each accepted message in the bucket under inbound/<id> with
the headers SES prepends, which is what starts the pipeline (S3 notification -> SQS ->
dispatcher -> ingest). Like SES it never replies to, or sends any mail to, the sender: the only
answers are SMTP replies within the session.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from rebound.local.inbound import (
    SES_MAX_MESSAGE_BYTES,
    RecipientRule,
    inbound_key,
    new_message_id,
    ses_stored_message,
)

log = logging.getLogger("rebound.local.smtp")

Store = Callable[[str, bytes], None]


class SesInboundHandler:
    """aiosmtpd handler: the receipt rule's recipient condition and its S3 action."""

    def __init__(self, rule: RecipientRule, store: Store, prefix: str = "inbound/") -> None:
        self.rule, self._store, self._prefix = rule, store, prefix

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not self.rule.accepts(address):
            log.info("refused recipient %s", address)
            return self.rule.refusal(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message_id = new_message_id()
        raw = envelope.original_content or b""
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "")
        stored = ses_stored_message(
            raw,
            message_id=message_id,
            mail_from=envelope.mail_from or "",
            recipients=list(envelope.rcpt_tos),
            peer=peer,
            helo=session.host_name or "",
        )
        key = inbound_key(self._prefix, message_id)
        try:
            # boto3 blocks: run it off the event loop so other sessions keep being served.
            await asyncio.get_running_loop().run_in_executor(None, self._store, key, stored)
        except Exception:
            log.exception("could not store %s", key)
            return "451 4.3.0 could not store the message; try again later"
        log.info("stored %s (%d bytes) for %s", key, len(stored), ", ".join(envelope.rcpt_tos))
        return f"250 Ok {message_id}"


class _PreBoundController(Controller):
    """aiosmtpd's Controller on a socket bound by the caller, so port 0 works: the real port is
    known before start and nothing else can take it in between."""

    def __init__(self, handler: Any, sock: socket.socket, **smtp_parameters: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **smtp_parameters)
        self._sock = sock

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


def bind_tcp(host: str, port: int) -> socket.socket:
    """A listening TCP socket; port 0 picks a free one. SO_REUSEADDR so a restart right after
    a stop does not fail on a socket in TIME_WAIT."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


class SmtpListener:
    """Owns the listening socket and the aiosmtpd thread."""

    def __init__(self, sock: socket.socket, handler: SesInboundHandler) -> None:
        self.host, self.port = sock.getsockname()[:2]
        self._controller = _PreBoundController(
            handler,
            sock,
            server_hostname="inbound-smtp.rebound.local",
            data_size_limit=SES_MAX_MESSAGE_BYTES,
            ident="Rebound local SES inbound",
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop(no_assert=True)
