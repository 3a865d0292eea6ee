"""Lotus Notes / IBM (HCL) Domino.

Quirks: From POSTMASTER@host, subject "Undeliverable message" or "DELIVERY FAILURE: User ...
not listed in Domino Directory"; older Notes writes "------- Failure Reasons --------" then
the reason line ("User not listed in public Name & Address Book") and the recipient on the next
line, and the text is often ISO-2022-JP or Shift_JIS in Japanese installations. Newer Domino
sends a DSN with "Your message ... was not delivered to: ... because: ...". The reason comes
before the address.
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="notes",
    markers=(
        "------- failure reasons",
        "not listed in public name & address book",
        "domino directory",
        "lotus smtp mta",
    ),
    subjects=("delivery failure:", "delivery_failure:", "undeliverable message"),
    senders=("postmaster",),
    start=("------- failure reasons", "was not delivered to:", "not listed in"),
    phrases=(
        (
            Reason.USER_UNKNOWN,
            r"not listed in (?:the )?(?:public name|domino directory|public address)",
        ),
        (Reason.NETWORK_ERROR, r"unable to (?:reach|connect to) the remote domino"),
        (Reason.MAILBOX_FULL, r"mail database .{0,40}(?:full|exceeded)"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
