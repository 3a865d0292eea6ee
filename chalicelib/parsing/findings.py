"""What a detector reads about one recipient, before classification.

`Finding` is the mutable-free hand-off between the detectors (rfc3464, mta/*) and the
classifier; `parse_message` turns each one into a `RecipientResult`.
"""

from __future__ import annotations

import re

from chalicelib.parsing.model import Action
from chalicelib.record import record, replace

MAX_DIAGNOSTIC_CHARS = 1_000
# The class digit comes first and the "not after a digit" check after it: a pattern that starts
# with a character class lets the regex engine skip every position without a 2, 4 or 5.
STATUS = re.compile(r"([245])(?<![\d.][245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
REPLY_CODE = re.compile(r"([245])(?<![\d.#-][245])(\d\d)(?=[\s,-]|$)")


@record(frozen=True)
class Finding:
    """One recipient as a detector read it."""

    address: str
    action: Action = Action.FAILED
    status: str | None = None
    reply_code: str | None = None
    remote_mta: str | None = None
    diagnostic: str = ""
    original_address: str | None = None
    reason_hint: str | None = None  # a detector's own reason, when the MTA says it plainly

    def with_(self, **changes: object) -> Finding:
        return replace(self, **changes)


def fold(text: str) -> str:
    """Whitespace folded and length bounded: the diagnostic as shown to people."""
    # str.split() splits on exactly the characters regex \s matches, several times faster.
    return " ".join(text.split())[:MAX_DIAGNOSTIC_CHARS]


def find_status(text: str) -> str | None:
    """The first RFC 3463 enhanced status code in text."""
    match = STATUS.search(text)
    if match is None:
        return None
    code = match[0]
    if ".0" not in code:  # no part with a leading zero to drop: the code as written (3x faster)
        return code
    klass, subject, detail = match.groups()
    return f"{klass}.{int(subject)}.{int(detail)}"


def find_reply_code(text: str) -> str | None:
    match = REPLY_CODE.search(text)
    # The whole match is the class digit and the two after it (its lookarounds are empty).
    return match[0] if match else None
