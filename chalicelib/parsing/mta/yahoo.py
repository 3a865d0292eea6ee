"""Yahoo Mail (yahoo.com, yahoo.co.jp excluded: that is a different system).

Quirks: From MAILER-DAEMON@yahoo.com, subject "Failure Notice"; the text is "Sorry, we were
unable to deliver your message to the following address." then `<user@host>:` and "Remote
host said: 550 5.1.1 <...>... User Unknown [RCPT_TO]" where the bracketed word names the SMTP
command that failed ([RCPT_TO], [DATA], [MAIL_FROM]); "Unable to deliver message after multiple
retries, giving up." is a remote server error that never cleared. Yahoo's own replies: "554
delivery error: dd This user doesn't have a yahoo.com account", "[TSS04] ... unexpected volume
or user complaints" (reputation).
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="yahoo",
    senders=("yahoo",),
    markers=("sorry, we were unable to deliver your message to the following address",),
    start=("unable to deliver your message to the following address",),
    phrases=(
        (Reason.USER_UNKNOWN, r"doesn't have a \S+ account"),
        (Reason.SYSTEM_ERROR, r"unable to deliver message after multiple retries"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
