"""1&1 / IONOS (kundenserver.de, 1und1.de).

Quirks: From "Mail Delivery System <mailer-daemon@...kundenserver.de>"; German and English text
("Dies ist eine automatisch erstellte Benachrichtigung ..."), then "the following address(es)
failed:" or "Diese Nachricht konnte nicht zugestellt werden"; replies quoted after "--- The
header of the original message is following. ---".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="einsundeins",
    senders=("kundenserver", "1und1", "1and1", "ionos"),
    markers=("dies ist eine automatisch erstellte", "1&1"),
    phrases=(
        (Reason.MESG_TOO_BIG, r"message size exceeds|mail size limit"),
        (Reason.MAILBOX_FULL, r"mailbox quota exceeded|mailbox is full"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
