"""The classifier: one failure's status, reply code and words -> reason, category, hard.

Rules, in order: a detector's own reason (when an MTA states it plainly) wins; then the phrase
tables (classification.phrases) over the diagnostic text; then what a specific enhanced status
code says by itself; then the bare class (4xx soft, 5xx undefined). Only a bad address is hard:
userunknown, hostunknown, hasmoved, suppressed, and notaccept when permanent. Blocks, policy,
content and reputation failures are never hard, whatever the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.classification.explanations import explain
from chalicelib.classification.phrases import BLACKLISTED, match_reason
from chalicelib.classification.reasons import Category, Reason
from chalicelib.classification.status import reason_of_status

CATEGORY: dict[Reason, Category] = {
    Reason.USER_UNKNOWN: Category.HARD,
    Reason.HOST_UNKNOWN: Category.HARD,
    Reason.HAS_MOVED: Category.HARD,
    Reason.NOT_ACCEPT: Category.HARD,
    Reason.SUPPRESSED: Category.HARD,
    Reason.MAILBOX_FULL: Category.MAILBOX_FULL,
    Reason.SPAM_DETECTED: Category.SPAM_CONTENT,
    Reason.VIRUS_DETECTED: Category.SPAM_CONTENT,
    Reason.CONTENT_ERROR: Category.SPAM_CONTENT,
    Reason.MESG_TOO_BIG: Category.SPAM_CONTENT,
    Reason.EXCEED_LIMIT: Category.SPAM_CONTENT,
    Reason.NOT_COMPLIANT_RFC: Category.SPAM_CONTENT,
    Reason.BLOCKED: Category.BLOCK,
    Reason.REJECTED: Category.BLOCK,
    Reason.POLICY_VIOLATION: Category.BLOCK,
    Reason.FILTERED: Category.BLOCK,
    Reason.NO_RELAYING: Category.BLOCK,
    Reason.AUTH_FAILURE: Category.BLOCK,
    Reason.BAD_REPUTATION: Category.BLOCK,
    Reason.REQUIRE_PTR: Category.BLOCK,
    Reason.SECURITY_ERROR: Category.BLOCK,
    Reason.FAILED_STARTTLS: Category.BLOCK,
    Reason.DELIVERED: Category.NOT_A_BOUNCE,
    Reason.EXPANDED: Category.NOT_A_BOUNCE,
    Reason.FEEDBACK: Category.NOT_A_BOUNCE,
    Reason.VACATION: Category.NOT_A_BOUNCE,
}


# The SMTP command a failure answered (RFC 5321 section 4.1). Postfix writes "in reply to RCPT
# TO command", Exim "after RCPT TO:<...>", Sendmail transcripts ">>> RCPT To:<...>".
_COMMAND = re.compile(
    r"(?:in reply to|after|while sending|>>>)\s*(?:the\s+)?(?:end of\s+)?"
    r"(rcpt|mail|data|helo|ehlo|initial connection|connect|starttls|auth)",
)
_SENDER_STAGE_TURNS = {
    Reason.USER_UNKNOWN,
    Reason.HOST_UNKNOWN,
    Reason.UNDEFINED,
    Reason.SYNTAX_ERROR,
}
_CONNECT_STAGE_TURNS = {
    Reason.REQUIRE_PTR,
    Reason.USER_UNKNOWN,
    Reason.HOST_UNKNOWN,
    Reason.UNDEFINED,
    Reason.REJECTED,
}


_TRANSCRIPT = re.compile(r"^>>> (rcpt|mail|data|helo|ehlo)\b[^\n]*\n<<< [45]\d\d", re.I | re.M)


def transcript_command(text: str) -> str | None:
    """In a Sendmail-style session transcript, the command the first error answered."""
    match = _TRANSCRIPT.search(text) if ">>> " in text else None
    if match is not None:
        word = match.group(1).lower()
        return "connect" if word in {"helo", "ehlo"} else word
    return smtp_command(text)


def smtp_command(text: str) -> str | None:
    """The SMTP command the remote server was answering, lower-cased, if the text says."""
    lowered = text.lower()
    if (
        "after" not in lowered
        and "reply to" not in lowered
        and ">>>" not in lowered
        and ("while sending" not in lowered)
    ):
        return None
    match = _COMMAND.search(lowered)
    if match is None:
        return None
    word = match.group(1).lower()
    if word in {"helo", "ehlo", "initial connection", "connect"}:
        return "connect"
    return word


_CONTINUATION = re.compile(r"\b[245]\d\d-[245]\.\d")
_CONTINUED_CODE = re.compile(r"(?<=\S)\s+[245]\d\d[- ][245]\.\d{1,3}\.\d{1,3}(?=\s)")


def _unfold_reply(text: str) -> str:
    """A multi-line SMTP reply (RFC 5321 section 4.2.1: "550-5.7.1 ..." continuation lines, as
    Gmail writes) read as one sentence, so phrases split across its lines still match."""
    if not _CONTINUATION.search(text):
        return text
    return _CONTINUED_CODE.sub("", text)


@dataclass(frozen=True, slots=True)
class Classification:
    """The verdict on one failure."""

    reason: Reason
    category: Category
    hard: bool
    blacklisted: bool
    explanation: str


def reason_for(  # noqa: PLR0911 - one return per documented precedence rule, in order
    status: str | None,
    reply_code: str | None,
    text: str,
    hint: Reason | None = None,
    command: str | None = None,
) -> Reason:
    """The reason for one failure from its evidence (see the module docstring for the order)."""
    if hint is not None:
        return hint
    lowered = _unfold_reply(text.lower())
    by_text = match_reason(lowered) if lowered else None
    by_status = reason_of_status(status)
    own = smtp_command(text) if text else None
    command = own or command
    if command == "mail" and (by_text or Reason.UNDEFINED) in _SENDER_STAGE_TURNS:
        # A failure at MAIL FROM is about our envelope sender, never the recipient.
        return Reason.REJECTED
    if command == "connect" and (by_text or Reason.UNDEFINED) in _CONNECT_STAGE_TURNS:
        return Reason.BLOCKED
    if by_text is None:
        return by_status or Reason.UNDEFINED
    if by_status is not None and by_status in _STATUS_OUTRANKS.get(by_text, ()):
        # A specific code beats a vaguer phrase match (5.2.2 with "user unknown" words, 5.2.3
        # with "message size" words, 5.4.312 "message expired, DNS query failed").
        return by_status
    if (
        by_text is Reason.USER_UNKNOWN
        and by_status is not Reason.USER_UNKNOWN
        and command != "rcpt"
        and _WEAK_USER_UNKNOWN.search(lowered)
        and not _ADDRESS_STAGE.search(lowered)
    ):
        # "User unknown" words count as a bad address only when the server said so in reply to
        # RCPT TO (or with a x.1.x code). After DATA, or with no sign of the stage and no such
        # code, the recipient was accepted and then refused by a filter (au/KDDI, Yahoo, Gmail
        # forwarding, McAfee and MXLogic gateways all write this).
        return Reason.FILTERED
    return by_text


# Specific status codes that outrank a phrase match for the listed phrase reasons.
_STATUS_OUTRANKS: dict[Reason, frozenset[Reason]] = {
    Reason.USER_UNKNOWN: frozenset({Reason.MAILBOX_FULL, Reason.HAS_MOVED}),
    Reason.POLICY_VIOLATION: frozenset({Reason.MAILBOX_FULL, Reason.HAS_MOVED}),
    Reason.MESG_TOO_BIG: frozenset({Reason.EXCEED_LIMIT}),
    Reason.EXPIRED: frozenset({Reason.NETWORK_ERROR}),
}
# Words that show a failure answered RCPT TO (the address itself was judged).
_ADDRESS_STAGE = re.compile(
    r"does not like recipient|\brcpt\b|rcpt_to"
    r"|<[^<>\s]+@[^<>\s]+>: user unknown"  # the address echoed back: answered at RCPT
)
# The bare "no such user" replies that filters also write after DATA; the specific wordings
# ("recipient name is not recognized", "doesn't have a ... account", "mailbox unavailable")
# are always about the address.
_WEAK_USER_UNKNOWN = re.compile(
    r"user unknown|no such user|unknown user(?!:)|user not exist|invalid address|does not exist"
)


def finish(reason: Reason, status: str | None, reply_code: str | None, text: str) -> Classification:
    category = CATEGORY.get(reason, Category.SOFT)
    permanent = (status or "").startswith("5") or (reply_code or "").startswith("5")
    if not status and not reply_code:
        permanent = True
    hard = category is Category.HARD and (reason is not Reason.NOT_ACCEPT or permanent)
    blacklisted = category is not Category.NOT_A_BOUNCE and bool(BLACKLISTED.search(text.lower()))
    return Classification(
        reason, category, hard, blacklisted, explain(reason, category, blacklisted)
    )


def classify(
    status: str | None,
    reply_code: str | None,
    text: str,
    hint: Reason | None = None,
    command: str | None = None,
) -> Classification:
    """Classify one failure from its status, reply code and diagnostic text; `command` is the
    SMTP command the failure answered when the surrounding report says it."""
    reason = reason_for(status, reply_code, text, hint, command)
    return finish(reason, status, reply_code, text)
