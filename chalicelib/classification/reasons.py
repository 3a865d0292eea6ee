"""The failure vocabulary: reasons (Sisimai's names, so results compare row by row) and categories.

One name per concept: these values appear unchanged in the API, the CSV export, the web page and
the summaries.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why one recipient failed (the Sisimai reason vocabulary)."""

    USER_UNKNOWN = "userunknown"
    HOST_UNKNOWN = "hostunknown"
    HAS_MOVED = "hasmoved"
    MAILBOX_FULL = "mailboxfull"
    EXCEED_LIMIT = "exceedlimit"
    SUSPEND = "suspend"
    BLOCKED = "blocked"
    SPAM_DETECTED = "spamdetected"
    VIRUS_DETECTED = "virusdetected"
    CONTENT_ERROR = "contenterror"
    POLICY_VIOLATION = "policyviolation"
    SECURITY_ERROR = "securityerror"
    AUTH_FAILURE = "authfailure"
    REJECTED = "rejected"
    FILTERED = "filtered"
    NO_RELAYING = "norelaying"
    NOT_ACCEPT = "notaccept"
    REQUIRE_PTR = "requireptr"
    BAD_REPUTATION = "badreputation"
    TOO_MANY_CONN = "toomanyconn"
    RATE_LIMITED = "ratelimited"
    EXPIRED = "expired"
    NETWORK_ERROR = "networkerror"
    SYSTEM_ERROR = "systemerror"
    SYSTEM_FULL = "systemfull"
    MAILER_ERROR = "mailererror"
    SYNTAX_ERROR = "syntaxerror"
    NOT_COMPLIANT_RFC = "notcompliantrfc"
    ON_HOLD = "onhold"
    MESG_TOO_BIG = "mesgtoobig"
    SPEEDING = "speeding"
    FAILED_STARTTLS = "failedstarttls"
    SUPPRESSED = "suppressed"
    EXPANDED = "expanded"
    DELIVERED = "delivered"
    FEEDBACK = "feedback"
    VACATION = "vacation"
    UNDEFINED = "undefined"


class Category(StrEnum):
    """The coarse class a person filters by; only HARD means the address itself is bad."""

    HARD = "hard"
    SOFT = "soft"
    BLOCK = "block"
    SPAM_CONTENT = "spam-content"
    MAILBOX_FULL = "mailbox-full"
    NOT_A_BOUNCE = "not-a-bounce"
    # A recipient reported our mail as spam (a feedback loop): never a bounce and never given
    # by the classifier; the report lists the tenant's complaints under this category.
    COMPLAINT = "complaint"


# Which category each reason belongs to; a reason not listed is SOFT. Only the HARD reasons say
# the address itself is bad (see classification.classify for the hard/soft rule).
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

# Rejections about our sending server or our content, not about the address (ARCHITECTURE: a
# wave of them from one receiving domain is an alert, chalicelib/notify/alerts.py). The reasons
# catch a block told in a soft or hard status code.
BLOCK_CATEGORIES = frozenset({Category.BLOCK, Category.SPAM_CONTENT})
BLOCK_REASONS = frozenset(
    {
        Reason.BLOCKED,
        Reason.BAD_REPUTATION,
        Reason.POLICY_VIOLATION,
        Reason.SPAM_DETECTED,
        Reason.AUTH_FAILURE,
        Reason.REJECTED,
    }
)


def is_block_rejection(reason: str, category: str) -> bool:
    """Does this bounce count towards its receiving domain's block-burst window?"""
    return category in BLOCK_CATEGORIES or reason in BLOCK_REASONS
