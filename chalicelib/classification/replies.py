"""Documented reply texts: what mailbox providers, filtering services, DNS blocklists and MTAs
say when they refuse mail, and what each reply means, as data with its source beside each row.

A row is the reply as its owner documents it: the SMTP reply code and enhanced status code it is
sent with, the words that identify it (a lower-case fragment of the reply, short enough to
survive line folding), the reason (Sisimai's vocabulary, classification.reasons), whether it names
our server or domain as listed/blocked, and the page that documents it. The category (and so
whether the address is bad) follows from the reason alone (`reasons.CATEGORY`).

Why the table comes first: a reply its owner documents is the most specific evidence a bounce can
carry. `classify` consults it before the generic phrase tables (classification.phrases), which
only know what MTAs tend to say. The table is read once per failure through a token index (the
longest run of letters and digits of each row's words), so its size costs almost nothing.

Rows are written from the owners' pages (Gmail's, Microsoft's, Yahoo's, Outlook.com's, Yandex's,
Sophos's, Trend Micro's and Mimecast's reference lists; Comcast's, GMX's, IONOS's, T-Online's,
QQ Mail's and Fastmail's help pages; the blocklists' own sites) and, for the MTAs, from their
source code or documentation. Where a provider publishes no table (Apple, Orange, Zoho,
Mail.ru), the row cites the page its reply links to, or the best public description of its
codes, and says so.

A row matches when its words occur in the reply. When the failure carries a well-formed status of
its own, a row documented with another class.subject is a different reply and is passed over,
and a row that condemns the address needs the very status it is documented with (the same words
can name our sender under X.1.7). Tests wrap every row as six MTAs would return it.
"""

from __future__ import annotations

import re

from chalicelib.classification.reasons import CATEGORY, Category, Reason
from chalicelib.record import record

R = Reason


@record(frozen=True)
class DocumentedReply:
    """One documented reply and its meaning."""

    source: str  # who writes the reply: a provider, filter, blocklist or MTA
    code: str  # SMTP reply code as documented ("" when the owner documents none)
    status: str  # RFC 3463 enhanced status code as documented ("" when none)
    words: str  # lower-case words that identify the reply
    reason: Reason
    url: str  # where the reply is documented
    blacklisted: bool = False  # the reply says our server or domain is on a blocklist

    @property
    def category(self) -> Category:
        return CATEGORY.get(self.reason, Category.SOFT)

    @property
    def text(self) -> str:
        """The reply as a server would send it (for fixtures and people): code, status, words."""
        return " ".join(p for p in (self.code or "550", self.status, self.words) if p)


GMAIL = "https://support.google.com/a/answer/3726730"
MICROSOFT = (
    "https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/"
    "non-delivery-reports-in-exchange-online/non-delivery-reports-in-exchange-online"
)
OUTLOOK_COM = "https://sendersupport.olc.protection.outlook.com/pm/troubleshooting.aspx"
YAHOO = "https://senders.yahooinc.com/smtp-error-codes/"
APPLE = "https://support.apple.com/en-us/102322"
COMCAST = "https://postmaster.comcast.net/mail-error-codes.html"
GMX = "https://postmaster.gmx.com/en/error-messages"
WEBDE = "https://postmaster.web.de/en/error-messages"
# IONOS (formerly 1&1): the replies its receiving mail servers give senders ("SMTP-Fehlermeldungen
# der IONOS Mailserver"; the English 1&1 page lists the same replies).
IONOS = "https://www.ionos.de/hilfe/e-mail/postmaster/smtp-fehlermeldungen-der-11-ionos-mailserver/"
TONLINE = "https://postmaster.t-online.de/index.en.html"
ORANGE = "https://www.postmastery.com/orange-postmaster-smtp-error-codes-ofr/"
FREE = "http://postmaster.free.fr/"
MAILRU = "https://help.mail.ru/mail-help/postmaster/dmarc"
YANDEX = "https://yandex.com/support/mail/bounces/yandex.html"
QQ = "https://service.mail.qq.com/detail/122/"
# NetEase's own list of its reply codes (read here from copies of that list; the help portal).
NETEASE = "https://help.mail.163.com/"
ZOHO = "https://smtp.codes/zoho"
MIMECAST = "https://community.mimecast.com/s/article/email-security-cloud-gateway-mimecast-smtp-error-codes"
PROOFPOINT = "https://www.proofpoint.com/us/postmaster"
BARRACUDA = "https://www.barracudacentral.org/rbl"
SPAMHAUS = "https://www.spamhaus.org/faq/section/DNSBL%20Usage"
SPAMCOP = "https://www.spamcop.net/fom-serve/cache/291.html"
SORBS = "http://www.sorbs.net/general/using.shtml"
UCEPROTECT = "https://www.uceprotect.net/en/index.php?m=6&s=0"
# smtpd_check.c (access, RBL, relay and unknown-user replies) and smtpd.c (message size).
POSTFIX = "https://github.com/vdukhovni/postfix/tree/master/postfix/src/smtpd"
POSTFIX_LOCAL = "https://www.postfix.org/local.8.html"
EXIM = "https://www.exim.org/exim-html-current/doc/html/spec_html/ch-the_default_configuration_file.html"
# The sendmail 8 distribution (sendmail/*.c and cf/m4/proto.m4 write these replies).
SENDMAIL = "https://ftp.sendmail.org/"
# The qmail 1.03 distribution (qmail-send, qmail-remote and qmail-local write these).
QMAIL = "https://cr.yp.to/qmail.html"
QMAIL_SMTPD = "https://cr.yp.to/qmail/man/qmail-smtpd.html"
OPENSMTPD = (
    "https://github.com/OpenSMTPD/OpenSMTPD/tree/master/usr.sbin/smtpd"  # smtp_session.c, queue.c
)
# Courier's own replies: the submission checks every inbound message passes (submit.C and
# submit2.C: size, spam trap, routing loop) and its ESMTP server (module.esmtp/courieresmtpd.C).
COURIER = "https://github.com/svarshavchik/courier/tree/master/courier/courier"
# HCL Domino's administration documentation (the router's own texts; page not re-read here).
DOMINO = "https://help.hcl-software.com/domino/"


def _rows(
    source: str, url: str, *rows: tuple[str, str, str, Reason] | tuple[str, str, str, Reason, bool]
) -> tuple[DocumentedReply, ...]:
    return tuple(
        DocumentedReply(source, r[0], r[1], r[2], r[3], url, bool(r[4]) if len(r) > 4 else False)
        for r in rows
    )


# Order matters only where one reply's words contain another's; the longer, more specific row
# comes first. Within a source, rows follow the owner's page.
REPLIES: tuple[DocumentedReply, ...] = (
    *_rows(
        "gmail",
        GMAIL,
        ("450", "4.2.1", "is receiving email too quickly", R.SPEEDING),
        ("450", "4.2.1", "receiving mail too quickly", R.SPEEDING),
        ("450", "4.2.1", "receiving email at a rate that prevents additional messages", R.SPEEDING),
        ("450", "4.2.1", "receiving mail at a rate that prevents additional messages", R.SPEEDING),
        ("452", "4.2.2", "the recipient's inbox is out of storage space", R.MAILBOX_FULL),
        ("552", "5.2.2", "inbox is out of storage space and inactive", R.MAILBOX_FULL),
        ("421", "4.7.0", "ip not in whitelist for rcpt domain", R.BLOCKED),
        ("421", "4.7.0", "tls required for rcpt domain", R.FAILED_STARTTLS),
        ("421", "4.7.0", "very low reputation of the sending ip", R.BAD_REPUTATION, True),
        ("421", "4.7.0", "very low reputation of the sending domain", R.BAD_REPUTATION, True),
        ("421", "4.7.0", "suspicious due to the nature of the content", R.SPAM_DETECTED),
        ("421", "4.7.0", "does not have a ptr record", R.REQUIRE_PTR),
        ("451", "4.7.23", "doesn't have a ptr record", R.REQUIRE_PTR),
        (
            "451",
            "4.7.24",
            "spf record of the sending domain has one or more suspicious",
            R.AUTH_FAILURE,
        ),
        ("451", "4.7.26", "not accepted due to domain's dmarc policy", R.AUTH_FAILURE),
        (
            "421",
            "4.7.26",
            "this email has been rate limited because it is unauthenticated",
            R.AUTH_FAILURE,
        ),
        ("421", "4.7.27", "because spf authentication didn't pass", R.AUTH_FAILURE),
        ("421", "4.7.28", "gmail has detected an unusual rate of", R.BAD_REPUTATION, True),
        ("421", "4.7.28", "unusual amount of unsolicited email", R.BAD_REPUTATION, True),
        ("421", "4.7.28", "have the same message-id", R.SPEEDING),
        ("421", "4.7.29", "because you're not using a tls connection", R.FAILED_STARTTLS),
        ("421", "4.7.30", "because dkim authentication didn't pass", R.AUTH_FAILURE),
        ("421", "4.7.40", "doesn't have a dmarc record", R.AUTH_FAILURE),
        (
            "421",
            "4.7.32",
            "isn't aligned with either the authenticated spf or dkim",
            R.AUTH_FAILURE,
        ),
        ("421", "4.7.0", "unusual rate of unsolicited mail", R.BAD_REPUTATION, True),
        (
            "550",
            "5.1.1",
            "the email account that you tried to reach does not exist",
            R.USER_UNKNOWN,
        ),
        ("553", "5.1.2", "we weren't able to find the recipient domain", R.HOST_UNKNOWN),
        ("553", "5.1.3", "is not a valid rfc 5321 address", R.USER_UNKNOWN),
        ("550", "5.2.1", "the email account that you tried to reach is inactive", R.SUSPEND),
        ("550", "5.2.1", "the email account that you tried to reach is disabled", R.SUSPEND),
        ("552", "5.3.4", "exceeded google's message size limits", R.MESG_TOO_BIG),
        ("552", "5.3.4", "exceeds google's message size limits", R.MESG_TOO_BIG),
        ("552", "5.3.4", "exceeded google's message header size limits", R.MESG_TOO_BIG),
        ("554", "5.4.6", "message exceeded 50 hops", R.NETWORK_ERROR),
        ("451", "4.5.0", "smtp protocol violation", R.SYNTAX_ERROR),
        ("452", "4.5.3", "domain policy size per transaction exceeded", R.TOO_MANY_CONN),
        ("421", "4.7.0", "try again later, closing connection", R.TOO_MANY_CONN),
        ("550", "5.4.5", "daily user sending limit exceeded", R.SPEEDING),
        ("550", "5.4.5", "daily smtp relay limit exceeded for user", R.SPEEDING),
        ("550", "5.7.1", "daily smtp relay sending limit exceeded", R.SPEEDING),
        ("450", "4.2.1", "peak smtp relay limit exceeded", R.SPEEDING),
        (
            "550",
            "5.7.1",
            "contains a unicode character in a disallowed header",
            R.NOT_COMPLIANT_RFC,
        ),
        ("550", "5.7.1", "this email has been rate limited", R.SPEEDING),
        ("550", "5.5.3", "too many recipients for this sender", R.TOO_MANY_CONN),
        ("554", "5.6.0", "email message is malformed", R.NOT_COMPLIANT_RFC),
        ("552", "5.7.0", "content presents a potential security issue", R.SECURITY_ERROR),
        ("550", "5.7.1", "has a policy that prohibits the email that you sent", R.POLICY_VIOLATION),
        ("550", "5.7.1", "has a policy that prohibited the mail that you sent", R.POLICY_VIOLATION),
        ("550", "5.7.1", "this message is likely unsolicited email", R.SPAM_DETECTED),
        (
            "550",
            "5.7.1",
            "this message is likely suspicious due to the very low reputation",
            R.BAD_REPUTATION,
            True,
        ),
        ("550", "5.7.1", "does not meet ipv6 sending guidelines", R.REQUIRE_PTR),
        (
            "550",
            "5.7.1",
            "messages missing a valid address in the from: header",
            R.NOT_COMPLIANT_RFC,
        ),
        ("550", "5.7.1", "messages missing a valid message-id", R.NOT_COMPLIANT_RFC),
        (
            "550",
            "5.7.1",
            "multiple addresses in the from: header are not accepted",
            R.NOT_COMPLIANT_RFC,
        ),
        ("550", "5.7.1", "is not rfc 5322 compliant", R.NOT_COMPLIANT_RFC),
        ("550", "5.7.1", "encoded-word syntax is not permitted", R.NOT_COMPLIANT_RFC),
        ("550", "5.7.1", "the ip you're using to send email is not authorized", R.BLOCKED),
        ("550", "5.7.1", "the ip you're using to send mail is not authorized", R.BLOCKED),
        (
            "550",
            "5.7.24",
            "the spf record of the sending domain has one or more suspicious",
            R.AUTH_FAILURE,
        ),
        ("550", "5.7.25", "the sending ip address doesn't have a ptr record", R.REQUIRE_PTR),
        (
            "550",
            "5.7.26",
            "this email has been blocked because the sender is unauthenticated",
            R.AUTH_FAILURE,
        ),
        ("550", "5.7.26", "has an spf record with a hard fail policy", R.AUTH_FAILURE),
        ("550", "5.7.26", "is not accepted due to domain's dmarc policy", R.AUTH_FAILURE),
        ("550", "5.7.26", "due to domain's dmarc policy", R.AUTH_FAILURE),
        ("550", "5.7.27", "this message was blocked because it didn't pass spf", R.AUTH_FAILURE),
        ("550", "5.7.28", "there is an unusual rate of unsolicited email", R.BAD_REPUTATION, True),
        ("550", "5.7.29", "because it wasn't sent over a tls connection", R.FAILED_STARTTLS),
        ("550", "5.7.30", "this message was blocked because it didn't pass dkim", R.AUTH_FAILURE),
        ("550", "5.7.40", "the sending domain doesn't have a dmarc record", R.AUTH_FAILURE),
    ),
    *_rows(
        "microsoft",
        MICROSOFT,
        ("550", "5.1.1", "resolver.adr.exrecipnotfound", R.USER_UNKNOWN),
        ("550", "5.1.1", "resolver.adr.recipnotfound", R.USER_UNKNOWN),
        ("550", "5.1.10", "resolver.adr.recipientnotfound", R.USER_UNKNOWN),
        ("550", "5.1.10", "recipient not found by smtp address lookup", R.USER_UNKNOWN),
        # Directory-based edge blocking: the address does not exist in the tenant. The status
        # is part of the words: Postfix's access maps write the same words with 5.7.1 (policy).
        ("550", "", "5.4.1 recipient address rejected: access denied", R.USER_UNKNOWN),
        ("550", "5.2.2", "storedrv.deliver; mailbox full", R.MAILBOX_FULL),
        ("452", "4.3.2", "recipient thread limit exceeded", R.SPEEDING),
        ("554", "5.2.2", "mailbox full", R.MAILBOX_FULL),
        ("550", "5.2.3", "resolver.rst.recipsizelimit", R.EXCEED_LIMIT),
        ("550", "5.2.121", "recipient's per hour message receive limit", R.SPEEDING),
        ("550", "5.2.122", "the recipient has exceeded their limit for", R.SPEEDING),
        ("550", "5.3.4", "message size exceeds fixed maximum message size", R.MESG_TOO_BIG),
        ("550", "5.4.6", "hop count exceeded - possible mail loop", R.NETWORK_ERROR),
        ("550", "5.4.14", "routing loop detected", R.NETWORK_ERROR),
        ("550", "5.4.312", "dns query failed", R.NETWORK_ERROR),
        ("550", "5.4.316", "message expired, connection refused", R.EXPIRED),
        ("550", "5.4.300", "message expired", R.EXPIRED),
        ("550", "5.7.1", "resolver.rst.authrequired", R.SECURITY_ERROR),
        ("550", "5.7.1", "resolver.rst.notauthorized", R.POLICY_VIOLATION),
        ("550", "5.7.1", "part of their network is on our block list", R.BLOCKED, True),
        ("550", "5.7.12", "sender was not authenticated by organization", R.POLICY_VIOLATION),
        ("550", "5.7.23", "sender policy framework violation", R.AUTH_FAILURE),
        ("550", "5.7.25", "must have a reverse dns record", R.REQUIRE_PTR),
        ("550", "5.7.124", "sender not in allowed-senders list", R.POLICY_VIOLATION),
        ("550", "5.7.133", "sender not authenticated for group", R.POLICY_VIOLATION),
        ("550", "5.7.134", "sender was not authenticated for mailbox", R.POLICY_VIOLATION),
        ("550", "5.7.509", "does not pass dmarc verification", R.AUTH_FAILURE),
        ("550", "5.7.515", "doesn't meet the required authentication level", R.AUTH_FAILURE),
        ("550", "5.7.501", "access denied, spam abuse detected", R.REJECTED),
        ("550", "5.7.505", "access denied, banned recipient", R.SUSPEND),
        ("550", "5.7.506", "access denied, bad helo", R.BLOCKED),
        ("550", "5.7.507", "access denied, rejected by recipient", R.BLOCKED),
        ("550", "5.7.508", "has exceeded permitted limits within", R.SPEEDING),
        ("550", "5.7.510", "does not accept email over ipv6", R.BLOCKED),
        ("550", "5.7.511", "access denied, banned sender", R.BLOCKED, True),
        ("550", "5.7.512", "message must be rfc 5322 section 3.6.2 compliant", R.NOT_COMPLIANT_RFC),
        ("550", "5.7.513", "using customer block list", R.BLOCKED, True),
        ("550", "5.7.606", "access denied, banned sending ip", R.BLOCKED, True),
        ("451", "4.7.650", "rate limited due to ip reputation", R.BAD_REPUTATION, True),
        ("550", "5.7.750", "client blocked from sending from unregistered domains", R.REJECTED),
        ("550", "5.7.708", "access denied, traffic not accepted from this ip", R.BLOCKED, True),
        ("550", "5.7.705", "access denied, tenant has exceeded threshold", R.REJECTED),
        ("451", "4.7.500", "access denied, please try again later", R.BLOCKED),
        ("550", "5.7.520", "does not allow external forwarding", R.POLICY_VIOLATION),
        ("550", "5.1.8", "access denied, bad outbound sender", R.REJECTED),
        ("530", "5.7.57", "client was not authenticated to send anonymous mail", R.SECURITY_ERROR),
        ("550", "5.7.64", "tenantattribution; relay access denied", R.NO_RELAYING),
        ("554", "5.6.11", "barelinefeedsareillegal", R.CONTENT_ERROR),
        ("550", "5.7.900", "delivery not authorized, message refused", R.POLICY_VIOLATION),
        ("451", "4.7.500", "server busy. please try again later from", R.TOO_MANY_CONN),
    ),
    *_rows(
        "outlook.com",
        OUTLOOK_COM,
        ("421", "", "rp-001", R.BAD_REPUTATION, True),
        ("421", "", "rp-002", R.BAD_REPUTATION, True),
        ("421", "", "rp-003", R.BAD_REPUTATION, True),
        ("550", "", "sc-001", R.BLOCKED, True),
        ("550", "", "sc-002", R.BLOCKED, True),
        ("550", "", "sc-003", R.BLOCKED, True),
        ("550", "", "sc-004", R.BLOCKED, True),
        ("550", "", "dy-001", R.BLOCKED, True),
        ("550", "", "dy-002", R.BLOCKED, True),
        ("550", "", "ou-001", R.BLOCKED, True),
        ("550", "", "ou-002", R.BLOCKED, True),
        ("550", "5.7.1", "(s3150)", R.BLOCKED, True),
        ("451", "4.7.652", "has exceeded the maximum number of connections", R.TOO_MANY_CONN),
        ("550", "", "command rejected due to sender id validation failure", R.AUTH_FAILURE),
    ),
    *_rows(
        "yahoo",
        YAHOO,
        ("554", "", "dd this user doesn't have a", R.USER_UNKNOWN),
        ("554", "", "delivery error: dd requested mail action aborted", R.USER_UNKNOWN),
        ("552", "", "requested mail action aborted, mailbox not found", R.USER_UNKNOWN),
        ("554", "", "this mailbox is disabled", R.SUSPEND),
        (
            "421",
            "4.7.0",
            "temporarily deferred due to unexpected volume or user complaints",
            R.BAD_REPUTATION,
            True,
        ),
        ("421", "4.7.0", "temporarily deferred due to user complaints", R.BAD_REPUTATION, True),
        ("421", "4.7.1", "permanently deferred", R.BAD_REPUTATION, True),
        ("553", "5.7.2", "will be permanently deferred", R.BAD_REPUTATION, True),
        ("553", "5.7.1", "because the ip is in spamhaus's list", R.BLOCKED, True),
        ("553", "5.7.1", "not accepted from ip addresses on spamhaus", R.BLOCKED, True),
        # Yahoo's PH* errors are its content-based blocks ("something in the content that Yahoo
        # won't accept"): the message, not our server.
        ("554", "", "[ph01]", R.SPAM_DETECTED),
        ("554", "5.7.9", "message not accepted for policy reasons", R.POLICY_VIOLATION),
        ("554", "", "email not accepted for policy reasons", R.POLICY_VIOLATION),
        (
            "550",
            "5.7.9",
            "yahoo requires all senders to authenticate with either spf or dkim",
            R.AUTH_FAILURE,
        ),
        ("554", "5.7.9", "not accepted due to domain's dmarc policy", R.AUTH_FAILURE),
        ("451", "", "due to unresolvable rfc.5321 from domain", R.REJECTED),
        ("554", "", "unresolvable rfc.5321 from domain", R.REJECTED),
        ("554", "", "unresolvable rfc.5322 from domain", R.REJECTED),
        ("421", "", "max message per connection reached", R.TOO_MANY_CONN),
        ("450", "", "user is receiving mail too quickly", R.SPEEDING),
        ("554", "", "headers are not rfc compliant", R.NOT_COMPLIANT_RFC),
    ),
    *_rows(
        # Apple publishes no table; its replies link to its postmaster page.
        "icloud",
        APPLE,
        ("550", "5.1.1", "inactive email address", R.USER_UNKNOWN),
        ("550", "5.1.6", "recipient no longer on server", R.HAS_MOVED),
        ("552", "5.2.2", "user is over quota", R.MAILBOX_FULL),
        ("421", "4.7.1", "deferred due to excessive volume", R.SPEEDING),
        ("550", "5.7.1", "message rejected due to local policy", R.POLICY_VIOLATION),
        ("554", "5.7.1", "blocked for failing both spf and dkim", R.AUTH_FAILURE),
        (
            "554",
            "5.7.1",
            "rejected due to having a domain present in the spamhaus",
            R.BLOCKED,
            True,
        ),
        ("550", "5.7.1", "was rejected due to listing in spamhaus", R.BLOCKED, True),
    ),
    *_rows(
        "comcast",
        COMCAST,
        ("554", "", "es000001", R.BLOCKED, True),
        ("554", "", "es000010", R.BLOCKED, True),
        ("554", "", "bl000000", R.BLOCKED, True),
        ("554", "", "bl000001", R.BLOCKED, True),
        ("554", "", "bl000010", R.BLOCKED, True),
        ("554", "", "bl000011", R.BLOCKED, True),
        ("554", "", "bl000100", R.BLOCKED, True),
        ("554", "", "rl000001", R.SPEEDING),
        ("421", "", "too many sessions opened", R.TOO_MANY_CONN),
        ("421", "", "reverse dns failure", R.REQUIRE_PTR),
    ),
    *_rows(
        "gmx",
        GMX,
        ("554", "", "ip address is block listed", R.BLOCKED, True),
        ("550", "", "reject due to spf policy", R.AUTH_FAILURE),
    ),
    *_rows(
        "web.de",
        WEBDE,
        ("554", "", "ip address is black listed", R.BLOCKED, True),
    ),
    *_rows(
        # IONOS blocks a sending IP (421, or 450) for a poor delivery rate (too many mails to
        # addresses that do not exist) or after spam reports: about our server, never the
        # address; and it refuses a sender that delivers too fast.
        "ionos",
        IONOS,
        ("421", "", "reject due to policy violations", R.BAD_REPUTATION, True),
        ("421", "", "rate limit reached", R.SPEEDING),
    ),
    *_rows(
        "t-online",
        TONLINE,
        ("554", "", "dialup/transient ip not allowed", R.BLOCKED, True),
        ("554", "", "none/bad reputation", R.BAD_REPUTATION, True),
        ("554", "", "a problem occurred. (ask your postmaster", R.BLOCKED, True),
    ),
    *_rows(
        # Orange (orange.fr, wanadoo.fr) and La Poste (laposte.net) end each reply with a label
        # and a numbered code (OFR005_104, LPN007_416); the number says the cause. Orange
        # documents no table of its own: its codes as collected by Postmastery.
        "orange",
        ORANGE,
        ("550", "", "_101", R.BLOCKED, True),
        ("550", "", "_102", R.BLOCKED, True),
        ("550", "", "_103", R.BLOCKED),
        ("421", "", "_104", R.TOO_MANY_CONN),
        ("550", "", "_305", R.SECURITY_ERROR),
        ("550", "", "_401", R.AUTH_FAILURE),
        ("550", "", "_402", R.SECURITY_ERROR),
        ("501", "", "_403", R.REJECTED),
        ("501", "", "_405", R.REJECTED),
        ("501", "", "_415", R.REJECTED),
        ("550", "", "_416", R.USER_UNKNOWN),
        ("552", "", "_417", R.MAILBOX_FULL),
        ("550", "", "_420", R.SUSPEND),
        ("550", "", "_421", R.REJECTED),
        ("550", "", "_426", R.SUSPEND),
        ("421", "", "_505", R.SYSTEM_ERROR),
        ("550", "", "_506", R.SPAM_DETECTED),
        ("550", "", "_510", R.BLOCKED),
        ("552", "", "_514", R.MESG_TOO_BIG),
        ("571", "", "_517", R.AUTH_FAILURE),
        ("554", "", "_630", R.POLICY_VIOLATION),
        ("421", "", "_999", R.BLOCKED),
        ("550", "5.1.1", "adresse d au moins un destinataire invalide", R.USER_UNKNOWN),
        ("552", "", "boite du destinataire pleine", R.MAILBOX_FULL),
        ("550", "", "adresse ip source bloquee pour incident de spam", R.BLOCKED, True),
        ("421", "", "trop de connexions", R.TOO_MANY_CONN),
        ("550", "", "boite du destinataire archivee", R.SUSPEND),
        ("550", "", "le compte du destinataire est bloque", R.SUSPEND),
        ("550", "", "taille limite du message atteinte", R.MESG_TOO_BIG),
    ),
    *_rows(
        "free",
        FREE,
        ("550", "", "spam detected", R.SPAM_DETECTED),
    ),
    *_rows(
        "mail.ru",
        MAILRU,
        ("550", "5.7.1", "not accepted due to domain owner dmarc policy", R.AUTH_FAILURE),
        ("550", "", "spam message rejected", R.SPAM_DETECTED),
        ("550", "", "message sending for this account is disabled", R.REJECTED),
    ),
    *_rows(
        "yandex",
        YANDEX,
        ("554", "5.7.1", "message rejected under suspicion of spam", R.SPAM_DETECTED),
        ("554", "", "blocked by spam statistics", R.BLOCKED, True),
        # Yandex answers an unknown mailbox with a policy status: "550 5.7.1 No such user!".
        ("550", "5.7.1", "no such user!", R.USER_UNKNOWN),
        ("550", "", "no correct recipients", R.USER_UNKNOWN),
        ("501", "5.1.3", "bad recipient address syntax", R.USER_UNKNOWN),
        ("550", "5.7.1", "policy rejection on the target address", R.SUSPEND),
        ("552", "", "mailbox size limit exceeded", R.MAILBOX_FULL),
        ("554", "", "message infected by virus", R.VIRUS_DETECTED),
    ),
    *_rows(
        "qq",
        QQ,
        ("550", "", "spf check failed", R.AUTH_FAILURE),
        ("550", "", "dmarc check failed", R.AUTH_FAILURE),
        ("550", "", "suspected bounce attacks", R.BLOCKED),
        ("550", "", "suspected spam ip", R.BLOCKED, True),
        ("550", "", "mail content denied", R.SPAM_DETECTED),
        ("550", "", "spam is embedded in the email", R.SPAM_DETECTED),
        ("550", "", "frequency of receiving messages is limited", R.SPEEDING),
        ("550", "", "is a deactivated mailbox", R.SUSPEND),
        ("550", "", "ip frequency limited", R.TOO_MANY_CONN),
        ("550", "", "domain frequency limited", R.TOO_MANY_CONN),
        ("550", "", "connection frequency limited", R.TOO_MANY_CONN),
        ("550", "", "mailbox not found", R.USER_UNKNOWN),
    ),
    *_rows(
        # NetEase (163.com, 126.com) answers with a short code after the reply code.
        "netease",
        NETEASE,
        ("451", "", "dt:spm", R.SPAM_DETECTED),
        ("554", "", "dt:spm", R.SPAM_DETECTED),
        ("450", "", "dt:rbl", R.BLOCKED, True),
        ("421", "", "hl:rep", R.BLOCKED),
        ("421", "", "hl:mep", R.BLOCKED),
        ("554", "", "hl:ihu", R.BLOCKED),
        ("554", "", "hl:ipb", R.BLOCKED),
        ("421", "", "hl:icc", R.TOO_MANY_CONN),
        ("421", "", "hl:ifc", R.SPEEDING),
        ("451", "", "mi:sfq", R.SPEEDING),
        ("450", "", "mi:dmc", R.TOO_MANY_CONN),
        ("450", "", "rp:drc", R.TOO_MANY_CONN),
        ("450", "", "wm:bli", R.BLOCKED),
    ),
    *_rows(
        # Zoho documents no table; its replies as collected by smtp.codes.
        "zoho",
        ZOHO,
        ("541", "5.4.1", "mail rejected by destination domain", R.POLICY_VIOLATION),
        ("452", "", "mailbox delivery restricted by policy error", R.POLICY_VIOLATION),
        ("552", "5.1.1", "mailbox delivery failure policy error", R.POLICY_VIOLATION),
        ("550", "5.7.1", "email rejected per dmarc policy", R.AUTH_FAILURE),
        ("552", "5.7.1", "detected by zoho mail", R.VIRUS_DETECTED),
    ),
    *_rows(
        "mimecast",
        MIMECAST,
        ("550", "", "spf sender invalid - envelope rejected", R.AUTH_FAILURE),
        ("550", "", "dkim sender invalid - envelope rejected", R.AUTH_FAILURE),
        ("550", "", "dmarc sender invalid - envelope rejected", R.AUTH_FAILURE),
        ("550", "", "local ct ip reputation - (reject)", R.BAD_REPUTATION, True),
        ("451", "", "ip temporarily blacklisted", R.BLOCKED, True),
        ("554", "", "maximum email size exceeded", R.MESG_TOO_BIG),
        ("550", "", "anti-spoofing policy - inbound not allowed", R.POLICY_VIOLATION),
        ("550", "", "message bounced due to content examination policy", R.POLICY_VIOLATION),
        ("554", "", "host network not allowed", R.POLICY_VIOLATION),
        ("550", "", "administrative prohibition envelope blocked", R.REJECTED),
        ("550", "", "envelope blocked - user entry", R.REJECTED),
        ("550", "", "envelope blocked - user domain entry", R.REJECTED),
        ("553", "", "this route requires encryption (tls)", R.FAILED_STARTTLS),
        ("550", "", "invalid recipient", R.USER_UNKNOWN),
        ("554", "", "message contains a virus", R.VIRUS_DETECTED),
    ),
    *_rows(
        "proofpoint",
        PROOFPOINT,
        ("554", "5.7.0", "blocked - see https://ipcheck.proofpoint.com", R.BLOCKED, True),
        (
            "554",
            "5.7.0",
            "blocked - see https://support.proofpoint.com/dnsbl-lookup",
            R.BLOCKED,
            True,
        ),
        ("550", "5.7.1", "message rejected per sender's spf policy", R.AUTH_FAILURE),
    ),
    *_rows(
        "barracuda",
        BARRACUDA,
        ("554", "", "blocked using barracuda reputation", R.BLOCKED, True),
        ("554", "", "b.barracudacentral.org", R.BLOCKED, True),
    ),
    *_rows(
        # Sophos Central Email names each rejection with an XGEMAIL code.
        "sophos",
        "https://docs.sophos.com/central/customer/help/en-us/ManageYourProducts/EmailSecurity/"
        "SMTPErrorCodes/index.html",
        ("550", "", "xgemail_0001", R.AUTH_FAILURE),
        ("550", "", "xgemail_0002", R.AUTH_FAILURE),
        ("550", "", "xgemail_0003", R.AUTH_FAILURE),
        ("550", "", "xgemail_0004", R.BLOCKED, True),
        ("550", "", "xgemail_0005", R.BLOCKED, True),
        ("550", "", "xgemail_0006", R.FAILED_STARTTLS),
        ("550", "", "xgemail_0007", R.SYSTEM_ERROR),
        ("550", "", "xgemail_0008", R.BLOCKED),
        ("550", "", "xgemail_0009", R.FILTERED),
        ("550", "", "xgemail_0010", R.NO_RELAYING),
        ("550", "", "xgemail_0011", R.USER_UNKNOWN),
        ("550", "", "xgemail_0012", R.MESG_TOO_BIG),
        ("550", "", "xgemail_0013", R.TOO_MANY_CONN),
        ("550", "", "xgemail_0014", R.SPEEDING),
        ("550", "", "xgemail_0015", R.SPEEDING),
    ),
    *_rows(
        "symantec email security.cloud",
        "https://knowledge.broadcom.com/external/article/169925/common-external-spam-filtering-error-cod.html",
        ("550", "5.7.1", "message rejected as spam by content filtering", R.SPAM_DETECTED),
        ("554", "", "rejected due to spam content", R.SPAM_DETECTED),
        ("554", "", "rejected due to banned content", R.CONTENT_ERROR),
        ("550", "", "message contained unsafe content", R.SPAM_DETECTED),
        ("551", "", "sender is on domain's blacklist", R.BLOCKED),
        ("550", "5.7.1", "your ip has been found on a block list", R.BLOCKED, True),
    ),
    *_rows(
        "fastmail",
        "https://fastmail.help/hc/en-us/articles/7010500320655-Why-messages-bounce-back",
        ("550", "5.1.1", "sorry, user address unknown", R.USER_UNKNOWN),
        ("551", "5.7.1", "not authorised to send from this header address", R.REJECTED),
    ),
    *_rows(
        "trend micro",
        "https://docs.trendmicro.com/en-us/documentation/article/"
        "deep-discovery-email-inspector-51-online-help-smtp-error-codes",
        ("421", "", "block temporarily (sender filtering/authentication)", R.BLOCKED),
        ("521", "", "block permanently (sender filtering/authentication)", R.BLOCKED),
        ("450", "", "for zombie matches (ers)", R.BLOCKED, True),
        ("550", "", "for rbl+ matches (ers)", R.BLOCKED, True),
    ),
    *_rows(
        "trend micro",
        "https://www.mail-abuse.com/",
        ("550", "", "deferred using trend micro email reputation database", R.BLOCKED, True),
        ("550", "", "rejected using trend micro email reputation database", R.BLOCKED, True),
        ("550", "", "mail-abuse.com/cgi-bin/lookup", R.BLOCKED, True),
    ),
    *_rows(
        "cisco secure email",
        "https://www.cisco.com/c/en/us/support/docs/security/email-security-appliance/"
        "200436-Identify-and-allow-poor-SenderBase-Reput.html",
        ("554", "", "rejected due to the sending mta's poor reputation", R.BAD_REPUTATION, True),
        ("554", "", "talosintelligence.com/reputation", R.BAD_REPUTATION, True),
        ("550", "5.7.1", "spf unauthorized mail is prohibited", R.AUTH_FAILURE),
    ),
    *_rows(
        "spamhaus",
        SPAMHAUS,
        ("550", "", "zen.spamhaus.org", R.BLOCKED, True),
        ("550", "", "spamhaus.org/query", R.BLOCKED, True),
        ("550", "", "spamhaus.org/sbl", R.BLOCKED, True),
        ("550", "", "spamhaus.org/dbl", R.BLOCKED, True),
    ),
    *_rows("spamcop", SPAMCOP, ("550", "", "bl.spamcop.net", R.BLOCKED, True)),
    *_rows("sorbs", SORBS, ("550", "", "dnsbl.sorbs.net", R.BLOCKED, True)),
    *_rows("uceprotect", UCEPROTECT, ("550", "", "uceprotect.net", R.BLOCKED, True)),
    *_rows(
        "postfix",
        POSTFIX,
        ("550", "5.1.1", "user unknown in local recipient table", R.USER_UNKNOWN),
        ("550", "5.1.1", "user unknown in virtual mailbox table", R.USER_UNKNOWN),
        ("550", "5.1.1", "user unknown in virtual alias table", R.USER_UNKNOWN),
        ("550", "5.1.1", "user unknown in relay recipient table", R.USER_UNKNOWN),
        ("450", "4.7.1", "client host rejected: cannot find your reverse hostname", R.REQUIRE_PTR),
        ("450", "4.7.1", "client host rejected: cannot find your hostname", R.REQUIRE_PTR),
        ("554", "5.7.1", "relay access denied", R.NO_RELAYING),
        ("450", "4.1.8", "sender address rejected: domain not found", R.REJECTED),
        ("550", "5.1.2", "recipient address rejected: domain not found", R.HOST_UNKNOWN),
        ("554", "5.7.1", "service unavailable; client host", R.BLOCKED, True),
        ("504", "5.5.2", "helo command rejected: need fully-qualified hostname", R.BLOCKED),
        ("450", "4.7.1", "helo command rejected: host not found", R.BLOCKED),
        ("552", "5.3.4", "message size exceeds fixed limit", R.MESG_TOO_BIG),
    ),
    *_rows(
        "postfix",
        POSTFIX_LOCAL,
        ("", "5.4.6", "loops back to myself", R.NETWORK_ERROR),
        ("", "5.2.2", "disk quota exceeded", R.MAILBOX_FULL),
    ),
    *_rows(
        "exim",
        EXIM,
        ("550", "", "relay not permitted", R.NO_RELAYING),
        ("550", "", "sender verify failed", R.REJECTED),
        ("550", "", "all relevant mx records point to non-existent hosts", R.HOST_UNKNOWN),
        ("550", "", 'too many "received" headers - suspected mail loop', R.NETWORK_ERROR),
    ),
    *_rows(
        "exim",
        # smtp_return_error_details: by default Exim refuses SMTP commands "for policy reasons"
        # with this bland text (also an ACL's or local_scan's rejection without a message).
        "https://www.exim.org/exim-html-current/doc/html/spec_html/ch-main_configuration.html",
        ("550", "", "administrative prohibition", R.POLICY_VIOLATION),
    ),
    *_rows(
        "exim",
        # smtp_in.c and receive.c: what Exim answers when it cannot take a message for a reason
        # of its own (a failed spool write, a deferring ACL without a message).
        "https://github.com/Exim/exim/blob/master/src/src/smtp_in.c",
        ("451", "", "temporary local problem", R.SYSTEM_ERROR),
    ),
    *_rows(
        "exim",
        "https://github.com/Exim/exim/blob/master/src/src/transports/smtp.c",
        ("", "", "retry time not reached for any host after a long failure period", R.EXPIRED),
        ("", "", "all hosts have been failing for a long time", R.EXPIRED),
    ),
    *_rows(
        "exim",
        "https://github.com/Exim/exim/blob/master/src/src/transports/appendfile.c",
        ("", "", "mta-imposed quota exceeded while writing to", R.MAILBOX_FULL),
    ),
    *_rows(
        "sendmail",
        SENDMAIL,
        ("550", "5.1.1", "... user unknown", R.USER_UNKNOWN),
        ("550", "5.7.1", "relaying denied", R.NO_RELAYING),
        ("553", "5.1.8", "domain of sender address", R.REJECTED),
        ("552", "5.2.3", "message size exceeds fixed maximum message size", R.EXCEED_LIMIT),
        ("554", "5.4.6", "too many hops", R.NETWORK_ERROR),
        ("550", "5.1.2", "host unknown (name server:", R.HOST_UNKNOWN),
        ("", "4.4.7", "cannot send message for", R.EXPIRED),
    ),
    *_rows(
        "qmail",
        QMAIL_SMTPD,
        ("553", "5.7.1", "sorry, that domain isn't in my list of allowed rcpthosts", R.NO_RELAYING),
    ),
    *_rows(
        "qmail",
        QMAIL,
        ("550", "5.1.1", "sorry, no mailbox here by that name", R.USER_UNKNOWN),
        ("", "5.1.2", "sorry, i couldn't find any host named", R.HOST_UNKNOWN),
        ("", "5.4.4", "sorry, i couldn't find a mail exchanger or ip address", R.HOST_UNKNOWN),
        (
            "",
            "5.4.6",
            "this message is looping: it already has my delivered-to line",
            R.NETWORK_ERROR,
        ),
        ("", "4.4.1", "sorry, i wasn't able to establish an smtp connection", R.NETWORK_ERROR),
        ("", "", "this message has been in the queue too long", R.EXPIRED),
    ),
    *_rows(
        "opensmtpd",
        OPENSMTPD,
        ("550", "5.1.1", "invalid recipient", R.USER_UNKNOWN),
        ("550", "5.7.1", "relay denied", R.NO_RELAYING),
        ("", "4.4.7", "envelope expired", R.EXPIRED),
        ("", "4.4.6", "loop detected", R.NETWORK_ERROR),
    ),
    *_rows(
        "courier",
        COURIER,
        ("523", "", "bytes) exceeds administrative limit", R.MESG_TOO_BIG),
        ("534", "", "size=message too big", R.MESG_TOO_BIG),
        ("550", "", "spam refused", R.SPAM_DETECTED),
        ("546", "", "routing loop detected", R.NETWORK_ERROR),
    ),
    *_rows(
        "domino",
        DOMINO,
        ("550", "5.1.1", "not listed in domino directory", R.USER_UNKNOWN),
        ("550", "5.1.1", "not listed in public name & address book", R.USER_UNKNOWN),
    ),
)

# Words a row is found by: the longest run of letters and digits in its words (fast to look up
# in the set of a text's runs, and rare enough to leave few rows to test with `in`).
_RUN = re.compile(r"[a-z0-9]+")


def _key(words: str) -> str:
    runs: list[str] = _RUN.findall(words)
    return max(runs, key=len)


_INDEX: dict[str, tuple[int, ...]] = {}
for _i, _row in enumerate(REPLIES):
    _k = _key(_row.words)
    _INDEX[_k] = (*_INDEX.get(_k, ()), _i)
# Each row's words by row number: the candidates' one test, without reading the rows.
_WORDS = tuple(row.words for row in REPLIES)


def documented(lowered: str, status: str | None = None) -> DocumentedReply | None:
    """The first row of the table whose words occur in the lower-cased reply text. A row whose
    documented status names another subject than the failure's own specific status (RFC 3463
    section 2: class.subject.detail) is another reply with similar words, and is passed over (for
    a row that condemns the address, any other subject.detail); among rows with the same words,
    the one documented with the failure's status is preferred."""
    # The text's runs that key some row: one set operation in C.
    keys = _INDEX.keys() & _RUN.findall(lowered)
    if not keys:
        return None
    # The rows whose words occur, in table order; most replies have none (no status to read).
    present = [i for key in keys for i in _INDEX[key] if _WORDS[i] in lowered]
    if not present:
        return None
    present.sort()
    parts = status.split(".") if status and not status.endswith(".0.0") else []
    well_formed = len(parts) == 3 and all(p.isdigit() for p in parts)
    subject = parts[1] if well_formed else None  # only a well-formed class.subject.detail
    best: DocumentedReply | None = None
    for i in present:
        row = REPLIES[i]
        if subject is not None and row.status and row.status.split(".")[1] != subject:
            continue
        if (
            subject is not None
            and row.status
            and row.category is Category.HARD
            and status is not None
            and status[1:] != row.status[1:]
        ):
            # A row that condemns the address must be the very reply: "is not a valid RFC 5321
            # address" is Gmail's 5.1.3 for the recipient but its 5.1.7 for our sender.
            continue
        if status is None or row.status == status:
            return row
        if best is None:
            best = row
    return best
