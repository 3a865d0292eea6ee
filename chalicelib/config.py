"""Every setting of Rebound's functions, read from the environment in one place, once per
process. `Env` spells each variable's name; infra/ sets them by these very names (no second
spelling). The README's table of environment variables lists them. Secrets (the tag signing
keys) come from Secrets Manager in AWS (REBOUND_TAG_KEYS_SECRET_ARN) or, locally and in tests,
straight from REBOUND_TAG_KEYS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

DEFAULT_TAG_KEYS = "local1:local-development-signing-key-not-for-production"


class Env(StrEnum):
    """The environment variables Rebound reads."""

    TABLE = "REBOUND_TABLE"
    BUCKET = "REBOUND_BUCKET"
    INBOUND_DOMAIN = "REBOUND_INBOUND_DOMAIN"
    INBOUND_LOCAL_PART = "REBOUND_INBOUND_LOCAL_PART"
    EVENT_BUS = "REBOUND_EVENT_BUS"
    TAG_KEYS = "REBOUND_TAG_KEYS"
    TAG_KEYS_SECRET_ARN = "REBOUND_TAG_KEYS_SECRET_ARN"  # noqa: S105 - a name, not a secret
    TAG_TTL_DAYS = "REBOUND_TAG_TTL_DAYS"
    MAIL_FROM = "REBOUND_MAIL_FROM"
    STAFF_ADDRESSES = "REBOUND_STAFF_ADDRESSES"
    REPORT_URL = "REBOUND_REPORT_URL"
    DLQ_URLS = "REBOUND_DLQ_URLS"
    STAFF_DIGEST_HOUR = "REBOUND_STAFF_DIGEST_HOUR"
    ALERT_EMAILS_PER_HOUR = "REBOUND_ALERT_EMAILS_PER_HOUR"
    BLOCK_BURST = "REBOUND_BLOCK_BURST"
    UNPARSED_ALERT = "REBOUND_UNPARSED_ALERT"
    MASS_DELETE_STATE_MACHINE_ARN = "REBOUND_MASS_DELETE_STATE_MACHINE_ARN"
    MASS_DELETE_MAX_SHARE = "REBOUND_MASS_DELETE_MAX_SHARE"
    MASS_DELETE_MAX_ADDRESSES = "REBOUND_MASS_DELETE_MAX_ADDRESSES"
    MASS_DELETE_SECOND_PERSON = "REBOUND_MASS_DELETE_SECOND_PERSON"
    MASS_DELETE_UNDO_SECONDS = "REBOUND_MASS_DELETE_UNDO_SECONDS"
    MASS_DELETE_CONCURRENCY = "REBOUND_MASS_DELETE_CONCURRENCY"
    DNS_SERVER = "REBOUND_DNS_SERVER"
    # -- retention (docs/retention.md; infra sets the bucket's lifecycle from the same days) --
    INBOUND_RETENTION_DAYS = "REBOUND_INBOUND_RETENTION_DAYS"
    HISTORY_RETENTION_DAYS = "REBOUND_HISTORY_RETENTION_DAYS"
    MARKER_RETENTION_DAYS = "REBOUND_MARKER_RETENTION_DAYS"
    JOB_RETENTION_DAYS = "REBOUND_JOB_RETENTION_DAYS"
    # -- sign-in (issue 10) --
    COGNITO_REGION = "REBOUND_COGNITO_REGION"
    COGNITO_USER_POOL_ID = "REBOUND_COGNITO_USER_POOL_ID"
    COGNITO_CLIENT_IDS = "REBOUND_COGNITO_CLIENT_IDS"
    COGNITO_ISSUER = "REBOUND_COGNITO_ISSUER"
    COGNITO_JWKS_URL = "REBOUND_COGNITO_JWKS_URL"
    COGNITO_ENDPOINT = "REBOUND_COGNITO_ENDPOINT"


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Digests and alerts (beside mail_from, staff_addresses, report_url and event_bus)."""

    staff_digest_hour: int = 7  # UTC hour of the daily staff-wide digest
    # Alert emails per scope and hour before the rest are held back (EventBridge gets all).
    alert_emails_per_hour: int = 10
    block_burst: int = 5  # block/policy rejections from one domain within an hour: an alert
    unparsed_alert: int = 10  # new unparsed messages between two checks: an alert
    dlq_urls: tuple[str, ...] = field(default=())  # the dead-letter queues the check watches


@dataclass(frozen=True, slots=True)
class MassDeleteSettings:
    state_machine_arn: str = ""
    # The default policy (docs/mass-delete.md): a second person must approve; beyond this
    # share of the tenant's contacts (or this many addresses when unknown) only staff may.
    second_person: bool = False
    max_share: float = 0.2
    max_addresses: int = 5_000
    # One undo call works this long, then answers with what remains (API Gateway stops at 29 s).
    undo_seconds: float = 20.0
    concurrency: int = 10  # chunks (child executions) deleting at once


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long Rebound keeps each kind of personal data (docs/retention.md is the promise).
    The storage layer writes each item's `expires_at` (the table's TTL attribute) from these
    days; infra/ sets the mail bucket's lifecycle rules from the very same numbers (its context
    defaults are these defaults, and it passes its values to the functions' environment)."""

    # Raw inbound mail (S3 inbound/) and the inbound records that point at it (a bounce counted
    # for one address has none: its history entry points at it).
    inbound_days: int = 400
    # Bounce history entries and complaints (they cite the raw mail).
    history_days: int = 400
    # Exactly-once markers: only have to outlive every redelivery of one bounce. SQS keeps a
    # message at most 14 days from its first enqueue (the DLQ counts from that enqueue too),
    # and a remote MTA retries a bounce it could not hand over for at most ~5-7 days
    # (RFC 5321 4.5.4.1's give-up time); the marker's identity is the bounce's own Message-ID,
    # so both kinds of redelivery are caught while it lives. Counted from when it is written,
    # which is after the message was enqueued.
    marker_days: int = 14
    # Mass-delete jobs (the job item), the audit trail's horizon for what a job was.
    job_days: int = 400
    # CSV exports (S3 exports/): a link is presigned for minutes; a week covers a re-download.
    # Only the bucket's lifecycle keeps it (no item points at an export): infra's default.
    exports_days: int = 7

    @classmethod
    def from_env(cls, e: _Reader) -> RetentionSettings:
        d = cls()
        return cls(
            inbound_days=e.whole(Env.INBOUND_RETENTION_DAYS, d.inbound_days, 1, 3650),
            history_days=e.whole(Env.HISTORY_RETENTION_DAYS, d.history_days, 1, 3650),
            marker_days=e.whole(Env.MARKER_RETENTION_DAYS, d.marker_days, 14, 3650),
            job_days=e.whole(Env.JOB_RETENTION_DAYS, d.job_days, 1, 3650),
        )


# -- sign-in (issue 10): people through Amazon Cognito ------------------------------------


@dataclass(frozen=True, slots=True)
class SignInSettings:
    """The user pool people sign in with. The pool's issuer URL (the `iss` of its tokens) and
    where its JWKS is read are separate settings: moto serves the JWKS at its own endpoint but
    issues the AWS issuer URL. Empty pool: only machine keys authenticate."""

    region: str = ""
    user_pool_id: str = ""
    client_ids: tuple[str, ...] = field(default=())  # the first one is the page's
    issuer: str = ""  # default https://cognito-idp.<region>.amazonaws.com/<pool id>
    jwks_url: str = ""  # default <issuer>/.well-known/jwks.json
    endpoint: str = ""  # where the page signs in; default the region's AWS endpoint

    @property
    def enabled(self) -> bool:
        return bool(self.user_pool_id and self.client_ids)

    @classmethod
    def from_env(cls, e: _Reader, aws_region: str) -> SignInSettings:
        region = e.text(Env.COGNITO_REGION, "") or aws_region
        pool = e.text(Env.COGNITO_USER_POOL_ID, "")
        aws_url = f"https://cognito-idp.{region}.amazonaws.com"
        issuer = e.text(Env.COGNITO_ISSUER, "") or (f"{aws_url}/{pool}" if pool else "")
        return cls(
            region=region,
            user_pool_id=pool,
            client_ids=e.items(Env.COGNITO_CLIENT_IDS),
            issuer=issuer,
            jwks_url=e.text(Env.COGNITO_JWKS_URL, "")
            or (f"{issuer}/.well-known/jwks.json" if issuer else ""),
            endpoint=e.text(Env.COGNITO_ENDPOINT, "") or f"{aws_url}/",
        )


# -- end of sign-in settings ----------------------------------------------------------------


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
    region: str = "us-east-1"
    # HOST:PORT of the DNS server re-checks ask; empty: the system's (in Lambda, the VPC's).
    dns_server: str = ""
    notify: NotifySettings = field(default_factory=NotifySettings)
    mass_delete: MassDeleteSettings = field(default_factory=MassDeleteSettings)
    sign_in: SignInSettings = field(default_factory=SignInSettings)  # issue 10
    retention: RetentionSettings = field(default_factory=RetentionSettings)  # issue 13

    @property
    def inbound_address(self) -> str:
        return f"{self.inbound_local_part}@{self.inbound_domain}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = _Reader(os.environ if env is None else env)
        d, n, m = cls(), NotifySettings(), MassDeleteSettings()
        return cls(
            table_name=e.text(Env.TABLE, d.table_name),
            bucket_name=e.text(Env.BUCKET, d.bucket_name),
            inbound_domain=e.text(Env.INBOUND_DOMAIN, d.inbound_domain).lower(),
            inbound_local_part=e.text(Env.INBOUND_LOCAL_PART, d.inbound_local_part).lower(),
            event_bus=e.text(Env.EVENT_BUS, d.event_bus),
            tag_keys=e.text(Env.TAG_KEYS, d.tag_keys),
            tag_keys_secret_arn=e.text(Env.TAG_KEYS_SECRET_ARN, ""),
            tag_ttl_days=e.whole(Env.TAG_TTL_DAYS, d.tag_ttl_days, 1, 3650),
            mail_from=e.text(Env.MAIL_FROM, d.mail_from),
            staff_addresses=e.items(Env.STAFF_ADDRESSES),
            report_url=e.text(Env.REPORT_URL, d.report_url),
            region=e.text("AWS_REGION", e.text("AWS_DEFAULT_REGION", d.region)),
            dns_server=e.text(Env.DNS_SERVER, ""),
            notify=NotifySettings(
                staff_digest_hour=e.whole(Env.STAFF_DIGEST_HOUR, n.staff_digest_hour, 0, 23),
                alert_emails_per_hour=e.whole(
                    Env.ALERT_EMAILS_PER_HOUR, n.alert_emails_per_hour, 1, 1000
                ),
                block_burst=e.whole(Env.BLOCK_BURST, n.block_burst, 1, 100_000),
                unparsed_alert=e.whole(Env.UNPARSED_ALERT, n.unparsed_alert, 1, 100_000),
                dlq_urls=e.items(Env.DLQ_URLS),
            ),
            mass_delete=MassDeleteSettings(
                state_machine_arn=e.text(Env.MASS_DELETE_STATE_MACHINE_ARN, ""),
                second_person=e.text(Env.MASS_DELETE_SECOND_PERSON, "false").lower() == "true",
                max_share=float(e.text(Env.MASS_DELETE_MAX_SHARE, str(m.max_share))),
                max_addresses=e.whole(
                    Env.MASS_DELETE_MAX_ADDRESSES, m.max_addresses, 0, 10_000_000
                ),
                undo_seconds=float(e.text(Env.MASS_DELETE_UNDO_SECONDS, str(m.undo_seconds))),
                concurrency=e.whole(Env.MASS_DELETE_CONCURRENCY, m.concurrency, 1, 40),
            ),
            sign_in=SignInSettings.from_env(
                e, e.text("AWS_REGION", e.text("AWS_DEFAULT_REGION", d.region))
            ),
            retention=RetentionSettings.from_env(e),
        )


@dataclass(frozen=True, slots=True)
class _Reader:
    env: Mapping[str, str]

    def text(self, name: str, default: str) -> str:
        return self.env.get(name, default)

    def items(self, name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.env.get(name, "").split(",") if part.strip())

    def whole(self, name: str, default: int, low: int, high: int) -> int:
        text = self.env.get(name, "").strip()
        if not text:
            return default
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"{name} must be from {low} to {high}, got {value}")
        return value


@cache
def settings() -> Settings:
    """The process's settings, read once (the composition root and the tools use this)."""
    return Settings.from_env()
