"""Barracuda Email Security Gateway.

Quirks: X-Barracuda-* headers (Spam-Score, Envelope-From), From "Barracuda <...>" or the
gateway's postmaster; a DSN whose Diagnostic-Code holds Barracuda's own reply: "550 permanent
failure ... BARRACUDA_..." rules, "Message content rejected", "Blocked by Barracuda Reputation".
"""

from __future__ import annotations

from chalicelib.classification.reasons import Reason
from chalicelib.parsing.mta.family import Family

FAMILY = Family(
    name="barracuda",
    headers=("x-barracuda-connect", "x-barracuda-start-time"),
    markers=("barracuda email security",),
    phrases=(
        (Reason.BLOCKED, r"barracuda reputation|barracudacentral"),
        (Reason.SPAM_DETECTED, r"message content rejected|spam score"),
    ),
)

NAME = FAMILY.name
detect = FAMILY.detect
