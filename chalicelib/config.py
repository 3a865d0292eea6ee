"""Settings read from the environment once per process.

Every name here is listed in the README's table of environment variables. Secrets (the tag
signing keys) come from Secrets Manager in AWS (REBOUND_TAG_KEYS_SECRET_ARN) or, locally and in
tests, straight from REBOUND_TAG_KEYS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

DEFAULT_TAG_KEYS = "local1:local-development-signing-key-not-for-production"


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str = "rebound"
    bucket_name: str = "rebound-inbound"
    inbound_prefix: str = "inbound/"
    inbound_domain: str = "bounces.example.com"
    inbound_local_part: str = "groupmessaging"
    event_bus: str = "rebound"
    # "kid:secret,kid:secret": the first key signs, every key verifies (rotation).
    tag_keys: str = DEFAULT_TAG_KEYS
    tag_keys_secret_arn: str = ""
    tag_ttl_days: int = 400
    mail_from: str = "Rebound <no-reply@example.com>"
    staff_addresses: tuple[str, ...] = field(default=())
    report_url: str = "http://127.0.0.1:8000/"
    # Tenants that accept untagged (legacy) bounces, attributed from the returned original.
    legacy_tenants: tuple[str, ...] = field(default=())
    region: str = "us-east-1"

    @property
    def inbound_address(self) -> str:
        return f"{self.inbound_local_part}@{self.inbound_domain}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        d = cls()
        return cls(
            table_name=e.get("REBOUND_TABLE", d.table_name),
            bucket_name=e.get("REBOUND_BUCKET", d.bucket_name),
            inbound_domain=e.get("REBOUND_INBOUND_DOMAIN", d.inbound_domain).lower(),
            inbound_local_part=e.get("REBOUND_INBOUND_LOCAL_PART", d.inbound_local_part).lower(),
            event_bus=e.get("REBOUND_EVENT_BUS", d.event_bus),
            tag_keys=e.get("REBOUND_TAG_KEYS", d.tag_keys),
            tag_keys_secret_arn=e.get("REBOUND_TAG_KEYS_SECRET_ARN", ""),
            tag_ttl_days=int(e.get("REBOUND_TAG_TTL_DAYS", d.tag_ttl_days)),
            mail_from=e.get("REBOUND_MAIL_FROM", d.mail_from),
            staff_addresses=_csv(e.get("REBOUND_STAFF_ADDRESSES", "")),
            report_url=e.get("REBOUND_REPORT_URL", d.report_url),
            legacy_tenants=_csv(e.get("REBOUND_LEGACY_TENANTS", "")),
            region=e.get("AWS_REGION", e.get("AWS_DEFAULT_REGION", d.region)),
        )


@cache
def settings() -> Settings:
    """The process's settings, read once."""
    return Settings.from_env()
