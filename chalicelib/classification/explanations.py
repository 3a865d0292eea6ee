"""What each failure means to a person, in one or two plain sentences: the one place they live.

Shown in the report, the CSV export and the summaries. Each text says what happened and what to
do, and never blames the recipient for something our server or content caused.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Category, Reason

_FIX_ADDRESS = "Check the address for typos or ask the member for a current one."
_WAIT = "Nothing to do yet: the message may still arrive, or it can be sent again later."
_SUPPORT = "Please tell support so they can check our sending server."
_CHECK_OWN = "To check the address, try sending to it from your own email account."

EXPLANATIONS: dict[Reason, str] = {
    Reason.USER_UNKNOWN: f"The recipient's server says this mailbox does not exist. {_FIX_ADDRESS}",
    Reason.HOST_UNKNOWN: (
        f"The domain of this address does not exist or receives no mail. {_FIX_ADDRESS}"
    ),
    Reason.HAS_MOVED: "The recipient has moved to another address. Ask the member for the new one.",
    Reason.NOT_ACCEPT: f"The recipient's domain does not accept email at all. {_FIX_ADDRESS}",
    Reason.SUPPRESSED: (
        f"This address is on a suppression list after earlier hard bounces. {_FIX_ADDRESS}"
    ),
    Reason.MAILBOX_FULL: f"The recipient's mailbox is full. {_WAIT}",
    Reason.EXCEED_LIMIT: (
        "The message is larger than the recipient accepts. Send a smaller message, for "
        "example with a link instead of an attachment."
    ),
    Reason.MESG_TOO_BIG: (
        "The message is larger than the recipient's server accepts. Send a smaller message, "
        "for example with a link instead of an attachment."
    ),
    Reason.SUSPEND: f"The recipient's mailbox is disabled or suspended. {_CHECK_OWN}",
    Reason.BLOCKED: (
        f"The recipient's server refused mail from our sending server; it may be on a "
        f"blocklist. {_SUPPORT}"
    ),
    Reason.BAD_REPUTATION: (
        f"The recipient's server refused our message because of our server's sending "
        f"reputation. {_SUPPORT}"
    ),
    Reason.SPAM_DETECTED: (
        "The recipient's server judged the message to be spam and blocked it for its content."
        " Review the wording and links, then try again."
    ),
    Reason.VIRUS_DETECTED: (
        "The recipient's server found something it considers harmful in the message. Remove "
        "attachments and try again."
    ),
    Reason.CONTENT_ERROR: (
        "The recipient's server refused the message because of its content or attachments. "
        "Simplify the message and try again."
    ),
    Reason.NOT_COMPLIANT_RFC: (
        "The recipient's server refused the message as malformed. Please tell support."
    ),
    Reason.POLICY_VIOLATION: (
        f"The recipient's server refused the message under its policy; the address itself may "
        f"be fine. {_CHECK_OWN}"
    ),
    Reason.SECURITY_ERROR: (
        f"The recipient's server required a security check our message did not pass. {_SUPPORT}"
    ),
    Reason.FAILED_STARTTLS: (
        f"The recipient's server required an encrypted connection that could not be set up. "
        f"{_SUPPORT}"
    ),
    Reason.AUTH_FAILURE: (
        f"The recipient's server could not verify that we may send for this domain (SPF, DKIM "
        f"or DMARC). {_SUPPORT}"
    ),
    Reason.REJECTED: (
        f"The recipient's server refused our sender address, not the recipient's. {_SUPPORT}"
    ),
    Reason.FILTERED: (
        f"The recipient's server or the recipient filtered out the message; the address may be"
        f" fine. {_CHECK_OWN}"
    ),
    Reason.NO_RELAYING: (
        f"The server we reached would not pass the message on to this address. {_CHECK_OWN}"
    ),
    Reason.REQUIRE_PTR: (
        f"The recipient's server refused our server because its network name could not be "
        f"checked. {_SUPPORT}"
    ),
    Reason.TOO_MANY_CONN: (
        f"The recipient's server was too busy or limited how fast we may send. {_WAIT}"
    ),
    Reason.SPEEDING: f"The recipient's server limited how fast we may send. {_WAIT}",
    Reason.RATE_LIMITED: f"The recipient's server limited how fast we may send. {_WAIT}",
    Reason.EXPIRED: (
        f"The message could not be delivered in time and delivery was given up. {_WAIT}"
    ),
    Reason.NETWORK_ERROR: f"A network problem stopped delivery to the recipient's server. {_WAIT}",
    Reason.SYSTEM_ERROR: f"The recipient's server had a problem of its own. {_WAIT}",
    Reason.SYSTEM_FULL: f"The recipient's server is out of storage. {_WAIT}",
    Reason.MAILER_ERROR: f"The recipient's server failed while handing over the message. {_WAIT}",
    Reason.SYNTAX_ERROR: (
        "The recipient's server did not understand part of the mail conversation. Please tell"
        " support if this repeats."
    ),
    Reason.ON_HOLD: f"Delivery failed for a reason the server did not make clear. {_CHECK_OWN}",
    Reason.UNDEFINED: f"Delivery failed for a reason the server did not make clear. {_CHECK_OWN}",
    Reason.DELIVERED: "This is a delivery notice: the message arrived. Nothing to do.",
    Reason.EXPANDED: (
        "This is a delivery notice: the message was passed on to a list. Nothing to do."
    ),
    Reason.FEEDBACK: (
        "The recipient reported the message (for example as spam). Consider removing them "
        "from the list."
    ),
    Reason.VACATION: (
        "This is an automatic reply (for example an out-of-office note), not a failure. "
        "Nothing to do."
    ),
}

# For a refusal that does not say which side was refused ("Message refused", "Service
# unavailable"): both readings, and how a person tells them apart.
AMBIGUOUS = (
    "The recipient's server refused the message without saying why: either the address is no "
    "longer in use, or the server refused our sending server or this message. Check the address "
    "with the member; if many addresses at the same domain get this, our server is probably "
    "blocked there: please tell support."
)

_BLACKLISTED = (
    "The recipient's server says our sending server or domain is on a blocklist. "
    "Please tell support; the recipient's address is probably fine."
)


def explain(reason: Reason, category: Category, blacklisted: bool) -> str:
    """The sentence(s) shown to a person for one failure."""
    if blacklisted and category is not Category.NOT_A_BOUNCE:
        return _BLACKLISTED
    return EXPLANATIONS.get(reason, EXPLANATIONS[Reason.UNDEFINED])
