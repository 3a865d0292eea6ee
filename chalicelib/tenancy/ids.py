"""Identifier rules shared by keys, tags and the API: tenants and message sources."""

from __future__ import annotations

import re
from enum import StrEnum

# Tenant ids are short, lower-case and URL-safe; "_" never appears in one, so the reserved
# scopes below can never collide with a tenant.
TENANT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
STAFF_SCOPE = "_staff"
MMS_SCOPE = "_mms"  # the sending system's machine keys
SYSTEM_SCOPE = "_system"


class Source(StrEnum):
    """Which MMS feature sent the message that bounced."""

    BROADCAST = "broadcast"
    EVENT = "event"
    SURVEY = "survey"


def is_tenant_id(value: str) -> bool:
    return bool(TENANT_ID_RE.fullmatch(value))
