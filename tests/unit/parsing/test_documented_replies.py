"""Every documented reply (classification.replies) wrapped as six MTAs would return it
parses to the documented meaning: the address, the reason, hard only for a permanent bad-address
reply, blacklisted when the reply names a blocklist. Also the table's own consistency."""

from __future__ import annotations

import pytest

from chalicelib.classification.classify import classify
from chalicelib.classification.reasons import Category, Reason
from chalicelib.classification.replies import REPLIES, DocumentedReply, documented
from chalicelib.parsing import parse_message
from chalicelib.parsing.model import MessageKind
from tests.unit.parsing.wrappers import WRAPPERS

ADDRESS = "member@example.net"
# A final failure after "no answer" (4.4.1) is reported as expired: the queue lifetime ran out
# (RFC 3463 section 3.5); the pipeline says so whatever the reply's words.
_GAVE_UP = {"4.4.1", "4.4.7"}

CASES = [
    pytest.param(row, name, id=f"{row.source}:{row.words[:40]}:{name}")
    for row in REPLIES
    for name in WRAPPERS
]


def _expected_reason(row: DocumentedReply) -> Reason:
    if row.status in _GAVE_UP and row.reason is Reason.NETWORK_ERROR:
        return Reason.EXPIRED
    return row.reason


def _expected_hard(row: DocumentedReply) -> bool:
    code = row.status or row.code or "5"
    return row.category is Category.HARD and code.startswith("5")


@pytest.mark.parametrize(("row", "wrapper"), CASES)
def test_documented_reply_wrapped_by_mta(row: DocumentedReply, wrapper: str) -> None:
    result = parse_message(WRAPPERS[wrapper](ADDRESS, row.text))
    assert result.kind is MessageKind.BOUNCE
    assert not any(d.startswith("internal:") for d in result.defects)
    assert [r.address for r in result.recipients] == [ADDRESS]
    got = result.recipients[0]
    assert got.reason is _expected_reason(row), got.diagnostic
    assert got.hard is _expected_hard(row)
    if row.blacklisted:
        assert got.blacklisted
    assert got.explanation


@pytest.mark.parametrize("row", REPLIES, ids=lambda r: f"{r.source}:{r.words[:40]}")
def test_row_is_well_formed(row: DocumentedReply) -> None:
    assert row.words == row.words.lower() and row.words.strip() == row.words
    assert row.url.startswith(("https://", "http://"))
    assert not row.code or (len(row.code) == 3 and row.code[0] in "245")
    assert not row.status or row.status[0] in "245"
    # Blocks, policy, spam and authentication replies are never about the address.
    if row.category in {Category.BLOCK, Category.SPAM_CONTENT}:
        assert not classify(row.status or None, row.code or None, row.text).hard
    # Each row is found by its own text (an earlier row that shadows it means the same).
    found = documented(row.text.lower(), row.status or None)
    assert found is not None and found.reason is row.reason


def test_every_provider_of_the_issue_has_rows() -> None:
    sources = {r.source for r in REPLIES}
    for name in (
        "gmail",
        "microsoft",
        "outlook.com",
        "yahoo",
        "icloud",
        "comcast",
        "gmx",
        "t-online",
        "orange",
        "free",
        "mail.ru",
        "yandex",
        "qq",
        "netease",
        "zoho",
        "mimecast",
        "proofpoint",
        "cisco secure email",
        "sophos",
        "trend micro",
        "fastmail",
        "barracuda",
        "spamhaus",
        "spamcop",
        "sorbs",
        "uceprotect",
        "postfix",
        "exim",
        "sendmail",
        "qmail",
        "opensmtpd",
    ):
        assert name in sources


def test_message_refused_as_spam_is_content_not_a_block() -> None:
    verdict = classify("5.7.1", "550", "550 5.7.1 Message refused: content rejected as spam")
    assert verdict.reason is Reason.SPAM_DETECTED
    assert not verdict.hard


def test_bare_message_refused_explains_both_possibilities() -> None:
    verdict = classify("5.7.1", "550", "550 5.7.1 Message refused")
    assert not verdict.hard
    assert "either the address" in verdict.explanation
    assert "many addresses at the same domain" in verdict.explanation


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ("4.1.1", "450 4.1.1 <a@example.net>: Recipient address rejected: User unknown"),
        ("5.7.1", "550 5.7.1 <a@example.net>: unknown user (in reply to RCPT TO command)"),
    ],
)
def test_transient_and_policy_statuses_are_never_hard(status: str, text: str) -> None:
    verdict = classify(status, text[:3], text)
    assert verdict.reason is Reason.USER_UNKNOWN
    assert not verdict.hard


@pytest.mark.parametrize(
    "text",
    [
        "550 5.7.1 Message blocked by our spam filter",
        "554 5.7.1 Rejected by the anti-spam engine",
        "550 5.7.1 Message blocked due to suspicious content",
        "550 5.7.1 Blocked by SpamAssassin (score 9.1)",
        "550 5.7.1 Message identified as bulk",
    ],
)
def test_a_spam_filters_verdict_is_content_not_a_blocklist(text: str) -> None:
    assert classify("5.7.1", text[:3], text).reason is Reason.SPAM_DETECTED


def test_a_blocklist_named_after_blocked_by_is_a_block() -> None:
    verdict = classify("5.7.1", "554", "554 5.7.1 Service unavailable; blocked by Spamhaus")
    assert verdict.reason is Reason.BLOCKED and verdict.blacklisted


def test_a_documented_hard_reply_must_carry_its_own_code() -> None:
    """Gmail writes "is not a valid RFC 5321 address" for the recipient (5.1.3) and for our
    sender (5.1.7): only the first condemns the address."""
    sender = "553 5.1.7 The sender address <news@example.com> is not a valid RFC 5321 address."
    recipient = "553 5.1.3 The recipient address <a@example.net> is not a valid RFC 5321 address."
    assert classify("5.1.7", "553", sender).reason is Reason.REJECTED
    assert not classify("5.1.7", "553", sender).hard
    assert classify("5.1.3", "553", recipient).hard


def test_an_access_map_refusal_is_not_microsofts_unknown_recipient() -> None:
    postfix = "554 5.7.1 <a@example.net>: Recipient address rejected: Access denied"
    assert not classify("5.7.1", "554", postfix).hard
    assert not classify(None, "554", postfix.replace("5.7.1 ", "")).hard
    microsoft = "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"
    assert classify("5.4.1", "550", microsoft).hard


@pytest.mark.parametrize("status", ["5", "5.1", "x.y.z", "5..1", ""])
def test_a_malformed_status_never_breaks_the_lookup(status: str) -> None:
    text = "550 The email account that you tried to reach does not exist."
    assert classify(status or None, "550", text).reason is Reason.USER_UNKNOWN


def _multiline(row: DocumentedReply) -> str:
    """The reply as a multi-line SMTP reply (RFC 5321 section 4.2.1), cut every few words, as
    Gmail and Microsoft send long replies and MTAs quote them line by line."""
    words = row.words.split()
    lines = [" ".join(words[i : i + 4]) for i in range(0, len(words), 4)]
    return "\n".join(
        f"{row.code}{'-' if n < len(lines) - 1 else ' '}{row.status} {line}"
        for n, line in enumerate(lines)
    )


MULTILINE = [
    pytest.param(row, name, id=f"{row.source}:{row.words[:40]}:{name}")
    for row in REPLIES
    # Remote replies only: the rows without a reply code are an MTA's own local texts.
    if row.code and row.status and len(row.words.split()) > 4
    for name in ("postfix", "exim", "sendmail")
]


@pytest.mark.parametrize(("row", "wrapper"), MULTILINE)
def test_multiline_replies_are_read_as_one_sentence(row: DocumentedReply, wrapper: str) -> None:
    result = parse_message(WRAPPERS[wrapper](ADDRESS, _multiline(row)))
    assert [r.address for r in result.recipients] == [ADDRESS]
    assert result.recipients[0].reason is _expected_reason(row), result.recipients[0].diagnostic


# Wordings of policy daemons and mailbox states that name neither a bad address nor our server.
_NEITHER_ADDRESS_NOR_SERVER = [
    # postgrey's default reply text, behind Postfix's "Recipient address rejected:" prefix.
    (
        "450 4.2.0 <member@example.net>: Recipient address rejected: Greylisted, see"
        " http://postgrey.schweikert.ch/help/example.net.html",
        Reason.EXPIRED,
    ),
    ("451 4.7.1 Greylisting in action, please come back later", Reason.EXPIRED),
    ("550 5.2.1 This mailbox has been blocked due to inactivity", Reason.SUSPEND),
    ("550 5.7.1 Your message was rejected by this user and was not delivered.", Reason.FILTERED),
    (
        "550 [SUSPEND] Mailbox currently suspended - Please contact correspondent directly",
        Reason.SUSPEND,
    ),
    # The recipient's own list of blocked senders: no blocklist alert about our server.
    ("550 Sender is on user denylist", Reason.FILTERED),
    ("550 5.7.1 Sender is on the recipient's blocked senders list", Reason.FILTERED),
]


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
@pytest.mark.parametrize(("reply", "reason"), _NEITHER_ADDRESS_NOR_SERVER)
def test_greylisting_closed_mailboxes_and_personal_lists_are_neither_bad_addresses_nor_blocks(
    reply: str, reason: Reason, wrapper: str
) -> None:
    result = parse_message(WRAPPERS[wrapper](ADDRESS, reply))
    got = result.recipients[0]
    assert got.reason is reason, got.diagnostic
    assert not got.hard
    assert not got.blacklisted


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
def test_user_not_local_is_a_moved_address(wrapper: str) -> None:
    """RFC 5321 sections 3.4 and 4.2.2: 551 "User not local; please try <forward-path>"."""
    reply = "551 User not local; please try <member@example.com>"
    got = parse_message(WRAPPERS[wrapper](ADDRESS, reply)).recipients[0]
    assert got.reason is Reason.HAS_MOVED
    assert got.hard
