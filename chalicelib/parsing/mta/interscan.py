"""Trend Micro InterScan Messaging Security Suite / InterScan VirusWall.

Quirks: subject "Mail could not be delivered"; the text is framed by "****** Message from
InterScan Messaging Security Suite ******" and "***** End of message *****" and says "The
following mail could not be delivered." then `Reason: Unable to deliver message to
<user@host> (and other recipients in the same domain).` or a transcript `Sent <<< RCPT
TO:<...>` / `Received >>> 550 ...`. "Unable to deliver message to <address>" is its wording for
a recipient the remote server refused.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="interscan",
    markers=("message from interscan", "interscan messaging security", "interscan viruswall"),
    start=("could not be delivered",),
    phrases=(
        (
            Reason.USER_UNKNOWN,
            r"unable to deliver message to\b|unknown user|no such user",
        ),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
