"""The local outbox: every email the service sends through (moto's) SES becomes a .eml file a
person can open in any mail program.

moto records sent mail in its SES backend (`sent_messages`, moto's documented internal API for
checking what was sent). The local stack runs moto in this same process, so the backend is read
directly: no HTTP endpoint, no format guessing. Each message is written once, atomically (a
temporary name, then a rename), so a reader never sees half a file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("rebound.local.outbox")


def _moto_sent_messages() -> Iterator[Any]:
    from moto.ses.models import ses_backends

    # Every account and region moto has created a backend for (a client may use any region).
    for regional in list(ses_backends.values()):
        for backend in list(regional.values()):
            yield from list(backend.sent_messages)


def render_eml(sent: Any, when: datetime | None = None) -> bytes:
    """One moto SES message as RFC 5322 bytes with the headers SES would have added."""
    when = when or datetime.now(UTC)
    message_id = f"<{sent.id}@email.amazonses.com>"
    raw = getattr(sent, "raw_data", None)
    if raw is not None:  # SendRawEmail: the caller built the message; add only what is missing
        # Prepend the missing headers to the bytes as sent: re-serialising would refold the
        # caller's headers (a long Subject came back as "Subject:\n <text>").
        parsed = message_from_string(raw, policy=policy.default)
        newline = "\r\n" if "\r\n" in raw else "\n"
        missing = ""
        if parsed["Message-ID"] is None:
            missing += f"Message-ID: {message_id}{newline}"
        if parsed["Date"] is None:
            missing += f"Date: {format_datetime(when)}{newline}"
        text: str = missing + raw
        return text.encode("utf-8", "surrogateescape")
    destinations = getattr(sent, "destinations", {}) or {}
    message = EmailMessage()
    message["From"] = sent.source
    if destinations.get("ToAddresses"):
        message["To"] = ", ".join(destinations["ToAddresses"])
    if destinations.get("CcAddresses"):
        message["Cc"] = ", ".join(destinations["CcAddresses"])
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    if hasattr(sent, "template"):  # SendTemplatedEmail: moto keeps the template name and data
        message["Subject"] = f"[template {sent.template}]"
        message.set_content(f"Template: {sent.template}\nData: {sent.template_data}\n")
        return message.as_bytes()
    message["Subject"] = sent.subject or ""
    body = sent.body or ""
    # moto keeps the HTML part when there is one, the text part otherwise.
    subtype = "html" if body.lstrip().lower().startswith(("<!doctype", "<html")) else "plain"
    message.set_content(body, subtype=subtype)
    return message.as_bytes()


def _filename(sent: Any, when: datetime) -> str:
    return f"{when:%Y%m%dT%H%M%S}-{sent.id}.eml"


class Outbox:
    """Writes each new sent message to the folder; `flush()` is safe to call from any thread."""

    def __init__(self, folder: Path, source: Any = _moto_sent_messages) -> None:
        self.folder = folder.resolve()
        self._source = source
        self._written: set[str] = set()
        self._lock = threading.Lock()

    def flush(self) -> list[Path]:
        with self._lock:
            return [self._write(m) for m in self._new(self._source())]

    def _new(self, messages: Iterable[Any]) -> list[Any]:
        return [m for m in messages if getattr(m, "id", None) not in self._written]

    def _write(self, sent: Any) -> Path:
        when = datetime.now(UTC)
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / _filename(sent, when)
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(render_eml(sent, when))
        tmp.replace(path)
        self._written.add(sent.id)
        print(f"outbox: wrote {path}", flush=True)
        return path

    def run(self, stop: threading.Event, interval: float = 0.25) -> None:
        """Poll until `stop` is set, then write whatever arrived last."""
        while not stop.wait(interval):
            try:
                self.flush()
            except Exception:  # a bad message must not stop the outbox; it is logged
                log.exception("outbox flush failed")
        self.flush()
