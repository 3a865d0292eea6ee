"""The classifier: one failure's status, reply code and words -> reason, category, hard.

The reasons, in the order the evidence is weighed (the first that speaks wins):

1. the documented replies (classification.replies): what a provider, filter, blocklist or MTA
   documents its reply to mean;
2. a detector's own reason, when an MTA states it plainly (a family's phrases, vendor fields);
3. the generic phrase tables (classification.phrases), with two facts about the SMTP dialogue:
   a refusal at MAIL FROM is about our sender and one at connection time about our server
   (RFC 5321 section 3.3), and "user unknown" words after DATA are a filter's, not a directory's;
4. what a specific enhanced status code says by itself (classification.status);
5. the bare class: 4xx soft, 5xx undefined.

The hard/soft rule, stated once: a failure is hard (the address itself is bad and may be
suppressed) only when its reason is one of the HARD category (userunknown, hostunknown,
hasmoved, suppressed; notaccept only when permanent), the failure is permanent, and its status is
not a security or policy status (RFC 3463 section 3.8, X.7.XXX), unless the server's owner
documents that very reply as an unknown mailbox (Yandex's "5.7.1 No such user!"). A transient
(4xx) failure never condemns an address (RFC 5321 section 4.2.1: the same request may succeed
later). Blocks, policy, spam, content, authentication and reputation failures are never hard,
whatever the code: they are about our server or our message. Wordings that do not say which side
was refused ("Message refused", "Service unavailable") are never hard and get the explanation
that names both possibilities (`explanations.AMBIGUOUS`). The category a person filters by
follows the flag: a bad-address reason that is not hard (a 4xx "user unknown") is listed as soft.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chalicelib.classification.explanations import AMBIGUOUS, explain
from chalicelib.classification.phrases import BLACKLISTED, match_reason
from chalicelib.classification.reasons import CATEGORY, Category, Reason
from chalicelib.classification.replies import documented
from chalicelib.classification.status import reason_of_status
from chalicelib.record import record

# The SMTP command a failure answered (RFC 5321 section 4.1). Postfix writes "in reply to RCPT
# TO command", Exim "after RCPT TO:<...>", Sendmail transcripts ">>> RCPT To:<...>", dma "did not
# like our RCPT TO".
_COMMAND = re.compile(
    r"(?:in reply to|after|while sending|>>>|did not like our)\s*(?:the\s+)?"
    r"(?:end of\s+|final\s+)?(rcpt|mail|data|helo|ehlo|initial connection|connect|starttls|auth)",
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
# The phrase reasons whose verdict the SMTP command can change (the two turns above and the
# "user unknown" words read as a filter's): for any other, the command is never read.
_STAGE_MATTERS = frozenset(_SENDER_STAGE_TURNS | _CONNECT_STAGE_TURNS)

# The SMTP command the surrounding report names, or a function that reads it on first use (the
# pipeline's: reading a session transcript means lower-casing the whole report, and most failures
# are decided by their own words or a documented reply before the command matters).
Command = str | Callable[[], str | None] | None


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
    return _command_in(text.lower())


def _command_in(lowered: str) -> str | None:
    """`smtp_command` of a text already lower-cased."""
    if (
        "after" not in lowered
        and "reply to" not in lowered
        and ">>>" not in lowered
        and ("while sending" not in lowered)
        # The DragonFly Mail Agent: "<host> did not like our RCPT TO: 550 ...".
        and "did not like our" not in lowered
    ):
        return None
    match = _COMMAND.search(lowered)
    if match is None:
        return None
    word = match.group(1)
    if word in {"helo", "ehlo", "initial connection", "connect"}:
        return "connect"
    return word


# "\b" written as a check after the first digit: the engine skips positions without 2, 4 or 5.
_CONTINUATION = re.compile(r"[245](?<!\w[245])\d\d-[245]\.\d")
_CONTINUED_CODE = re.compile(r"(?<=\S)\s+[245]\d\d[- ][245]\.\d{1,3}\.\d{1,3}(?=\s)")


def _unfold_reply(text: str) -> str:
    """A multi-line SMTP reply (RFC 5321 section 4.2.1: "550-5.7.1 ..." continuation lines, as
    Gmail writes) read as one sentence, so phrases split across its lines still match."""
    if not _CONTINUATION.search(text):
        return text
    return _CONTINUED_CODE.sub("", text)


@record(frozen=True)
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
    command: Command = None,
    *,
    lowered: str | None = None,
) -> Reason:
    """The reason for one failure from the phrase tables, the SMTP stage and its status code
    (steps 3 to 5 of the module docstring). `lowered` is the text already lower-cased and
    unfolded, when the caller has it."""
    if hint is not None:
        return hint
    if lowered is None:
        lowered = _unfold_reply(text.lower())
    by_text = match_reason(lowered) if lowered else None
    by_status = reason_of_status(status)
    if (by_text or Reason.UNDEFINED) in _STAGE_MATTERS:
        # The failure's own words name its stage first; the report's is read only if they do not.
        own = _command_in(lowered) if lowered else None
        command = own or (command() if callable(command) else command)
    else:
        command = None  # no rule below reads the stage for this reason
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
    # X.1.7/X.1.8 name our sender's address (RFC 3463 section 3.2), whatever the words say.
    Reason.USER_UNKNOWN: frozenset({Reason.MAILBOX_FULL, Reason.HAS_MOVED, Reason.REJECTED}),
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


# Wordings that name no side: the recipient's server refused, but whether the address, our
# server or the message was refused is not said. RFC 5321 section 4.2.3 gives 550/554 no more
# meaning than "not taken"; Microsoft documents "message refused" for any mail flow rule.
_AMBIGUOUS = ("message refused", "message rejected", "service unavailable", "not accepted")
_GENERIC_STATUS = frozenset({None, "5.0.0", "5.7.1", "5.7.0", "4.0.0", "4.7.1", "4.7.0"})


def _ambiguous(lowered: str, status: str | None) -> bool:
    """Only an ambiguous wording speaks: nothing else in the reply names a reason."""
    if status not in _GENERIC_STATUS:
        return False
    for wording in _AMBIGUOUS:
        if wording in lowered:
            break
    else:
        return False
    rest = lowered
    for wording in _AMBIGUOUS:
        rest = rest.replace(wording, " ")
    return match_reason(rest) is None


def _is_hard(
    reason: Reason,
    category: Category,
    status: str | None,
    reply_code: str | None,
    documented: bool = False,
) -> bool:
    if category is not Category.HARD:
        return False
    code = status or reply_code or ""
    if code.startswith("4"):
        return False  # transient: RFC 5321 section 4.2.1
    policy_status = status is not None and status[1:3] == ".7"
    if policy_status and reason is not Reason.NOT_ACCEPT and not documented:
        # A security or policy status (RFC 3463 section 3.8), unless the server's owner
        # documents that very reply as an unknown mailbox (Yandex's "5.7.1 No such user!").
        return False
    if reason is Reason.NOT_ACCEPT:
        return code.startswith("5") or not code
    return True


def classify(
    status: str | None,
    reply_code: str | None,
    text: str,
    hint: Reason | None = None,
    command: Command = None,
    *,
    decided: bool = False,
) -> Classification:
    """Classify one failure from its status, reply code and diagnostic text; `command` is the
    SMTP command the failure answered when the surrounding report says it (or a function that
    reads it, called only when the verdict depends on it). With `decided`, the
    caller has established the reason from the report's structure (a queue that gave up, a
    delay) and `hint` is taken as it is."""
    lowered = _unfold_reply(text.lower()) if text else ""
    # A documented reply outranks a detector's hint: the hint reads the MTA's wording, the row
    # says what the remote server that wrote the reply documents it to mean.
    quoted = not decided and (hint is None or CATEGORY.get(hint) is not Category.NOT_A_BOUNCE)
    row = documented(lowered, status) if quoted and lowered else None
    reason = (
        row.reason
        if row is not None
        else reason_for(status, reply_code, text, hint, command, lowered=lowered)
    )
    category = CATEGORY.get(reason, Category.SOFT)
    if category is Category.NOT_A_BOUNCE:
        return Classification(reason, category, False, False, explain(reason, category, False))
    # A blocklist names our server; a list the recipient keeps (FILTERED) names only our sender.
    blacklisted = (row is not None and row.blacklisted) or (
        reason is not Reason.FILTERED and BLACKLISTED.search(lowered)
    )
    ambiguous = row is None and hint is None and _ambiguous(lowered, status)
    hard = not ambiguous and _is_hard(reason, category, status, reply_code, row is not None)
    if category is Category.HARD and not hard:
        # The hard category is the one a person reads as "the address is bad": a bad-address
        # reason that the rule above does not condemn (transient, or under a policy status) is
        # listed with the soft failures, as its hard flag says.
        category = Category.SOFT
    explanation = explain(reason, category, blacklisted)
    if ambiguous and not blacklisted:
        explanation = AMBIGUOUS
    return Classification(reason, category, hard, blacklisted, explanation)
