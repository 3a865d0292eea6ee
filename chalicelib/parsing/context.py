"""What every detector is handed: the loaded mail, its human-readable text, and its DSN.

Owns cutting the bounce's own words away from the returned original message (markers MTAs
write before the copy, as data) and the helpers detectors share for reading recipients out of
free text.
"""

from __future__ import annotations

import re
from collections.abc import KeysView

from chalicelib.parsing import addresses
from chalicelib.parsing.findings import Finding, find_reply_code, find_status, fold
from chalicelib.parsing.message import Mail
from chalicelib.record import field, record

MAX_BODY_CHARS = 60_000

# Lines after which MTAs put a copy of the original message (or its headers). Searched as
# "\n" + text: the newline is a literal the regex engine scans for, the lookahead passes over
# the lines whose first character starts no marker, and the possessive blanks and dashes are
# never retried (no wording starts with a dash, so giving one back to `.{0,10}` could only make
# the gap to the wording longer: a line of seventy dashes cost 100 us per message without it).
ORIGINAL_MARKERS = re.compile(
    r"\n(?=[ \t\-ORor])(?i:"
    r"[ \t]*+(?:-{2,}+.{0,10}(?:original message|returned message|undelivered message"
    r"|message headers? follow|original message headers|headers of the original"
    r"|this is a copy of the message|below this line is a copy|rfc822 message"
    r"|unsent message (?:below|follows)|copy of the original|forwarded message|start of returned)"
    r"[^\n]{0,40}"
    r"|-++ ?(?:original|returned) (?:message|mail)"
    r"|-++ ?The header of the original message is following"
    r"|Original message headers:"
    r"|-++ ?Message header follows)"
    r"|Original message follows\.?"
    r"|Received: from .*|Return-Path: <.*)$",
    re.MULTILINE,
)
# The lookahead (the names' first letters) fails most report lines ("<ann@...>", "550 ...") at
# once, before the case-blind names are tried one by one.
_HEADERISH = re.compile(
    r"^[\s>]*(?=[bcdefilmrstx])(?:from|to|cc|bcc|reply-to|sender|return-path|subject|message-id"
    r"|in-reply-to|references|received|date|x-[\w-]+|envelope-to|delivered-to|list-[\w-]+"
    r"|errors-to)\s*:",
    re.IGNORECASE,
)


@record(frozen=True)
class Lowered:
    """Lower-cased views every family signature checks, computed once per message."""

    sender: str
    subject: str
    body: str
    header_names: KeysView[str]
    mailer: str  # X-Mailer and X-Original-Mailer


@record()
class Context:
    """The shared input of every detector."""

    mail: Mail
    body: str  # the bounce's own human-readable words (original message cut away)
    full_text: str  # every text part outside the original, uncut
    dsn: list[Finding]
    original_headers: dict[str, str] = field(default_factory=dict)
    dsn_text: str = ""  # the raw delivery-status parts (vendor fields such as PowerMTA's)
    lowered: Lowered = field(init=False)
    _senders: frozenset[str] | None = field(init=False)

    def __post_init__(self) -> None:
        # Computed once: every family signature in the registry reads these.
        self.lowered = Lowered(
            sender=(self.mail.header("from") + " " + self.mail.header("return-path")).lower(),
            subject=self.mail.header("subject").lower(),
            # The report's own first words and its DSN fields: where every MTA's fingerprint
            # is. Bounded, since each family's markers are searched in it.
            body=(self.body[:6_000] + "\n" + self.dsn_text[:4_000]).lower(),
            header_names=self.mail.header_names(),
            mailer=(
                self.mail.header("x-mailer") + " " + self.mail.header("x-original-mailer")
            ).lower(),
        )
        self._senders = None

    @property
    def senders(self) -> frozenset[str]:
        """Who the bounce went back to and who sent the original: never failed recipients."""
        if self._senders is None:
            # One search over the four values, a line each: no address spans a line end.
            values = (
                self.mail.header("to"),
                self.original_headers.get("from", ""),
                self.original_headers.get("return-path", ""),
                self.original_headers.get("sender", ""),
            )
            self._senders = frozenset(addresses.find_all("\n".join(values)))
        return self._senders

    @property
    def subject(self) -> str:
        return self.mail.header("subject")

    @property
    def sender(self) -> str:
        return self.mail.header("from")


def cut_original(text: str) -> str:
    """The text before the first line that introduces the returned original."""
    match = ORIGINAL_MARKERS.search("\n" + text)
    return text[: match.start()] if match else text


def paragraph(text: str, start: int, max_lines: int = 8) -> str:
    """The text from `start` to the end of its paragraph (blank line), bounded."""
    end = start
    lines = 0
    length = len(text)
    while end < length and lines < max_lines:
        nl = text.find("\n", end)
        if nl < 0:
            end = length
            break
        nxt = text.find("\n", nl + 1)
        line = text[nl + 1 : nxt if nxt >= 0 else length]
        end = nl + 1
        lines += 1
        if not line.strip():
            break
    return text[start:end]


def finding_from_text(address: str, diag: str, remote: str | None = None) -> Finding:
    diagnostic = fold(diag)
    return Finding(
        address=address,
        status=find_status(diagnostic),
        reply_code=find_reply_code(diagnostic),
        remote_mta=remote,
        diagnostic=diagnostic,
    )


def is_header_line(line: str) -> bool:
    return bool(_HEADERISH.match(line))
