"""Microsoft Exchange Server on premises, 2003 through 2019 (Office 365 has its own module).

Quirks by version: Exchange 2003 (and 5.5/2000) writes "Your message did not reach some or
all of the intended recipients." then `Sent: <date>` and each recipient as `    user@host on
<date>` followed by an indented reason ("The recipient name is not recognized", "You do not
have permission to send to this recipient") and an `MSEXCH:IMS:...` code; X-MimeOLE "Produced
By Microsoft Exchange V6.5". Exchange 2007 and later write "Delivery has failed to these
recipients or groups:" with the address, a plain-language paragraph, and "Diagnostic
information for administrators:" with `Remote Server returned '550 5.1.1 RESOLVER.ADR.
RecipNotFound; not found'`; headers X-MS-Exchange-Message-Is-Ndr and Content-Language;
subjects are localised ("Undeliverable:", "Non remis :", "Unzustellbar:").
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="exchange",
    headers=("x-ms-exchange-message-is-ndr", "x-mimeole"),
    markers=(
        "did not reach some or all of the intended recipients",
        "delivery has failed to these recipients or groups",
        "diagnostic information for administrators",
        "msexch:ims",
    ),
    start=(
        "did not reach some or all",
        "delivery has failed to these recipients",
        "diagnostic information for administrators",
    ),
    phrases=(
        (
            Reason.USER_UNKNOWN,
            r"recipient name is not recognized|recipnotfound|not found in the directory",
        ),
        (Reason.FILTERED, r"you do not have permission to send to this recipient"),
        (Reason.EXPIRED, r"queue\.expired|message expired|could not be delivered within"),
        (Reason.MAILBOX_FULL, r"mailbox (?:is )?full|quota|recipient's mailbox is full"),
        (Reason.SECURITY_ERROR, r"not authorized to send to this recipient"),
        (Reason.MESG_TOO_BIG, r"message (?:is )?too large for the recipient"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
