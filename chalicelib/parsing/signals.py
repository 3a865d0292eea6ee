"""Message-level signals: does this look like a bounce, an auto-reply, a challenge, a receipt?

Owns the phrase tables for subjects and senders (as data) and the cheap header checks that
decide a message's kind before any recipient is read. RFC 3834 (Auto-Submitted), the common
vacation headers (X-Autoreply, X-Autorespond, Precedence: auto_reply) and vendor forms.
"""

from __future__ import annotations

import re

from chalicelib.classification.matcher import Matcher
from chalicelib.parsing.message import Mail

# Subjects (and below, senders) of delivery failure reports, matched in lower-case text: a
# Matcher tests the plain wordings with `in` and costs no regex compilation at start-up.
BOUNCE_SUBJECT = Matcher(
    (
        r"undeliver|undelivered|delivery (?:status notification|failure|failed|problem|report"
        r"|notification)|non[- ]?delivery|failure notice|returned mail|mail delivery (?:failed|"
        r"failure|system|subsystem)|delivery has failed|could not be delivered|not delivered"
        r"|returned to sender|mail system error|nondeliverable|rejected|bounce|failed mail"
        r"|delivery notification|unable to deliver|message (?:not |un)deliver|error sending"
        r"|permanent error|delivery error|mail could not|problem delivering|warning: could not"
        r"|delayed mail|delivery delayed|delivery status|sending failed|mail failure"
        r"|not be delivered|failed delivery|delivery final|mailer-daemon|postmaster"
        r"|user unknown|no such user|message you sent|undeliverable mail|rcpt",
    )
)
BOUNCE_SENDER = Matcher(
    (
        r"mailer-daemon|postmaster|mail delivery|mail administrator|mail ?system|maildelivery"
        r"|delivery ?subsystem|mmdf|smtp gateway|mailerdaemon|mail router|microsoftexchange"
        r"|bounce|notification|daemon|mailer",
    )
)
AUTOREPLY_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[- ]?(?:reply|response|antwort|answer)|auto:|out of (?:the )?office"
    r"|vacation|abwesenheit|absence|away from|i am (?:away|out)|on holiday|on leave"
    r"|r[ée]ponse automatique|respuesta autom|risposta automatica|automatisch)",
    re.IGNORECASE,
)
# The lookahead (the wordings' first letters) rejects most positions with one test: case-blind
# alternatives are otherwise each tried at every character of up to 4,000.
CHALLENGE = re.compile(
    r"(?=[abcipsvw])(?:"
    r"please (?:confirm|verify) (?:that )?(?:you|your|this)|verify (?:that )?you are (?:a )?human"
    r"|challenge|boxbe|spam ?arrest|bluebottle|whitelist|approved senders|sender verification"
    r"|waiting for your (?:confirmation|verification)|click the link below to (?:confirm|verify)"
    r"|is being held|pending (?:approval|confirmation))",
    re.IGNORECASE,
)
# Challenge-response services write from their own domains; a failure reply that only asks us
# to confirm our server or address is a challenge too, not a verdict on the recipient.
CHALLENGE_SENDER = re.compile(r"boxbe\.com|spamarrest\.com|bluebottle\.com|mailblocks|sanebox")
CHALLENGE_REPLY = re.compile(
    r"requires? confirmation|confirm (?:this|your) (?:mail server|e-?mail|address|identity)"
    r"|guest list|verify (?:that )?you are (?:a )?human|whitelist\.aspx",
)
# An RFC 5429 Sieve/LDA rejection travels as an MDN ("Disposition: ...; deleted") but is a
# delivery failure, not a read receipt.
MDN_REJECTION = Matcher(("was automatically rejected", "message was rejected by"))
READ_RECEIPT_SUBJECT = re.compile(
    r"^(?:read|gelesen|lu|le[íi]do|return receipt|read receipt|disposition notification)\b",
    re.IGNORECASE,
)


# Strong words in a message body that only delivery failure reports use (lower-case text). A
# Matcher, not one regex: the plain wordings are tested with `in` (the regex engine would try
# every alternative at every position of the first 3,000 characters of every message).
BOUNCE_BODY = Matcher(
    (
        r"could not be delivered|couldn't be delivered|undeliverable|delivery (?:has )?failed"
        r"|permanent (?:error|failure)|was not delivered|wasn't delivered|delivery to the following"
        r"|failed permanently|unable to deliver|not be delivered to|user unknown|no such user"
        r"|mailbox (?:is )?full|returned to sender|delivery failure|non-?delivery"
        r"|following (?:address|recipient)\S* (?:failed|had)|account is disabled"
        r"|error: invalid user|the following addresses had|message could not|failure reasons"
        r"|not a valid user|no message collected|was automatically rejected",
    )
)


# A warning that delivery is still being retried, in the words of the MTAs' own delay
# templates. The banner of Postfix (bounce_templates.c: "THIS IS A WARNING ONLY.  YOU DO NOT
# NEED TO RESEND YOUR MESSAGE."), Sendmail and Exchange ("THIS IS A WARNING MESSAGE ONLY")
# settles it; Exim's template (deliver.c: "has not yet been delivered to one or more of its
# recipients", "No action is required on your part. Delivery attempts will continue") does
# unless the report also speaks of a final failure.
# Matchers, as the other body signals: the plain wordings are tested with `in`.
_WARNING_BANNER = Matcher((r"this is a warning (?:message )?only",))
# MDaemon ends a permanent failure with "YOU DO NOT NEED TO RESEND THIS MESSAGE": only with no
# word of a final failure does that phrase mean a warning.
_STILL_TRYING = Matcher(
    (
        r"has not yet been delivered|no action is required on your part|you do not need to resend"
        r"|delivery attempts will continue|still being retried",
    )
)
_FINAL_FAILURE = Matcher(
    (
        r"permanent|given up|giving up|gave up|could not be delivered|couldn't be delivered"
        r"|failed permanently|undeliverable",
    )
)


def report_head(body: str) -> str:
    """The report's first words, lower-cased once for the body signals below."""
    return body[:3000].lower()


def is_delay_warning(head: str) -> bool:
    """A report in plain text that only warns that delivery is still being retried (a report
    with delivery-status fields says so in its Action field); `head` is `report_head`."""
    if _WARNING_BANNER.search(head):
        return True
    return _STILL_TRYING.search(head) and not _FINAL_FAILURE.search(head)


def sender(mail: Mail) -> str:
    return mail.header("from")


def looks_like_bounce(mail: Mail, head: str = "") -> bool:
    """Cheap message-level evidence that this is a delivery failure report (`head` is the
    report's `report_head`)."""
    if head and BOUNCE_BODY.search(head) and not is_vacation(mail):
        return True
    if mail.header("x-failed-recipients"):
        return True
    ctype = mail.content_type
    if ctype == "multipart/report":
        report = _report_type(mail)
        return report in {"", "delivery-status"}
    if BOUNCE_SENDER.search(sender(mail).lower()) or BOUNCE_SENDER.search(
        mail.header("return-path").lower()
    ):
        return True
    return BOUNCE_SUBJECT.search(mail.header("subject").lower())


def _report_type(mail: Mail) -> str:
    try:
        value = mail.message.get_param("report-type")
    except Exception:
        return ""
    return value.lower() if isinstance(value, str) else ""


def report_type(mail: Mail) -> str:
    return _report_type(mail)


def is_vacation(mail: Mail) -> bool:
    """A vacation/out-of-office notice by its own headers or subject. Auto-Submitted alone
    does not say so: Postfix and Exim mark their bounces "auto-replied" too (RFC 3834 5.2)."""
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-vacation"):
        if mail.header(name):
            return True
    return bool(AUTOREPLY_SUBJECT.search(mail.header("subject")))


def is_auto_reply(mail: Mail) -> bool:
    """RFC 3834 Auto-Submitted: auto-replied, or a common vacation header or subject."""
    auto = mail.header("auto-submitted").lower()
    if auto.startswith("auto-replied"):
        return True
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-vacation"):
        if mail.header(name):
            return True
    precedence = mail.header("precedence").lower()
    if precedence in {"auto_reply", "auto-reply"}:
        return True
    if mail.header("x-auto-response-suppress") and AUTOREPLY_SUBJECT.search(mail.header("subject")):
        return True
    return bool(AUTOREPLY_SUBJECT.search(mail.header("subject")))


def is_challenge(mail: Mail, text: str) -> bool:
    return bool(CHALLENGE.search(mail.header("subject")) or CHALLENGE.search(text[:4000]))
