"""qmail (netqmail, and qmail-based gateways such as MXLogic's older reports).

Quirks: From MAILER-DAEMON, subject "failure notice"; the text is "Hi. This is the qmail-send
program at <host>." then each failure as a `<user@host>:` line followed by the reason lines:
`<ip> does not like recipient.` (RCPT stage), `Remote host said: 550 ...`, `Sorry, no mailbox
here by that name. (#5.1.1)`, and a closing "Giving up on <ip>." or "I'm not going to try again;
this message has been in the queue too long." that says nothing about the reason, so it is
removed from the diagnostic. Status codes appear as "(#5.1.1)".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="qmail",
    markers=("this is the qmail-send program", "qmail-send program at"),
    start=("wasn't able to deliver", "was not able to deliver", "<"),
    boilerplate=(
        r"giving up on \S+",
        r"i'm not going to try again; this message has been in the queue too long\.?",
    ),
    phrases=(
        (Reason.USER_UNKNOWN, r"no mailbox here by that name|mailbox unavailable \(#5\.1\.1\)"),
        (Reason.HOST_UNKNOWN, r"sorry, i couldn't find any host (?:named|by that name)"),
        (Reason.NETWORK_ERROR, r"sorry, i wasn't able to establish an smtp connection"),
        (Reason.SYSTEM_ERROR, r"unable to contact ldap server"),
        (Reason.MAILBOX_FULL, r"mailbox (?:is )?full|over quota"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
