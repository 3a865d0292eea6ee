"""Microsoft 365 / Office 365 / Exchange Online (protection.outlook.com).

Quirks: headers X-MS-Exchange-Message-Is-Ndr and X-MS-Exchange-CrossTenant-*, From
postmaster@<tenant>.onmicrosoft.com or the tenant's domain, subject "Undeliverable: ..."; an
HTML part "Your message to <user@host> couldn't be delivered." with a one-word cause
("<user> wasn't found at <domain>.") and "Diagnostic information for administrators:", plus a
standard DSN. Its own enhanced codes carry the reason: 5.1.10 RecipientNotFound, 5.4.1
"Recipient address rejected: Access denied" (directory-based edge blocking), 5.7.1 / 5.7.606
IP banned, 5.7.509 / 5.7.515 DMARC and authentication level, 5.4.312 / 5.4.316 expiry and DNS.
5.1.351 "Remote server returned unknown recipient or mailbox unavailable -> <reply>" only wraps
the remote server's own reply, which decides.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="office365",
    headers=("x-ms-exchange-crosstenant-id", "x-ms-exchange-crosstenant-originalarrivaltime"),
    markers=("couldn't be delivered",),
    senders=("onmicrosoft",),
    start=("diagnostic information for administrators", "couldn't be delivered"),
    phrases=(
        (
            Reason.AUTH_FAILURE,
            r"does not pass dmarc|required authentication level|5\.7\.5(?:09|15)",
        ),
        (Reason.BLOCKED, r"banned sending ip|5\.7\.606|s3150"),
        (Reason.NETWORK_ERROR, r"dns query failed"),
        (Reason.USER_UNKNOWN, r"recipientnotfound|wasn't found at"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
