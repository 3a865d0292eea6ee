"""Demo data for the local stack: tenants with their keys, and `--demo` mail.

The demo mail is our own samples (rebound.samples), each returned to a real signed return path
of a demo tenant, sent through the stack's own SMTP listener exactly as a receiving MTA would
(null envelope sender). It varies tenants and sources, repeats one address so a count above one
shows, and adds an auto-reply (never counted) and a bounce with a forged tag (quarantined) so
every view has something in it.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.config import Settings
from chalicelib.ports import TenantStore
from chalicelib.tenancy.access import Role
from chalicelib.tenancy.ids import Source
from chalicelib.tenancy.service import create_key, ensure_tenant
from chalicelib.tenancy.tags import SigningKey, make_return_path
from rebound.local.state import TenantKeys
from rebound.people import PeoplePool, create_person, demo_password
from rebound.samples import DEMO_FAILURES, SampleFailure, auto_reply, dsn

DEMO_TENANTS = (
    ("riverside", "Riverside Chamber of Commerce"),
    ("hillside", "Hillside Association"),
)


def create_demo_tenants(store: TenantStore) -> tuple[list[TenantKeys], str]:
    """The demo tenants, a viewer and an admin key each, a staff key (tokens shown once), and
    the sending system's key (for scripts that play the MMS; listed by `rebound keys list`)."""
    tenants = []
    for tenant, name in DEMO_TENANTS:
        ensure_tenant(store, tenant, name)
        tenants.append(
            TenantKeys(
                tenant,
                create_key(store, tenant, Role.VIEWER, "local viewer", "rebound local"),
                create_key(store, tenant, Role.ADMIN, "local admin", "rebound local"),
            )
        )
    create_key(store, None, Role.MMS, "local MMS", "rebound local")
    return tenants, create_key(store, None, Role.STAFF, "local staff", "rebound local")


# The demo people (issue 10): usernames are their e-mail addresses. The first tenant has two
# admins (so the two-person rule can be tried) and a viewer; the others an admin and a viewer;
# two staff people belong to no tenant.
DEMO_PEOPLE: tuple[tuple[str, str | None, Role], ...] = (
    ("ada.admin@example.com", "riverside", Role.ADMIN),
    ("ben.admin@example.org", "riverside", Role.ADMIN),
    ("vic.viewer@example.net", "riverside", Role.VIEWER),
    ("hana.admin@example.org", "hillside", Role.ADMIN),
    ("hugo.viewer@example.com", "hillside", Role.VIEWER),
    ("sam.staff@example.com", None, Role.STAFF),
    ("sol.staff@example.net", None, Role.STAFF),
)


def create_demo_people(pool: PeoplePool) -> list[dict[str, Any]]:
    """The demo people in the pool, each with a fresh password (written to local.json)."""
    users = []
    for username, tenant, role in DEMO_PEOPLE:
        password = demo_password()
        create_person(
            pool.region, pool.user_pool_id, username, role=role, tenant=tenant, password=password
        )
        users.append(
            {"username": username, "password": password, "tenant": tenant, "role": role.value}
        )
    return users


@dataclass(frozen=True, slots=True)
class DemoMessage:
    return_path: str
    raw: bytes
    what: str


def forge(return_path: str) -> str:
    """The same return path with a MAC that cannot verify (what a forger or a mangler sends)."""
    local, _, domain = return_path.partition("@")
    return f"{local[:-16]}{'a' * 16}@{domain}"


def demo_messages(
    settings: Settings, keys: tuple[SigningKey, ...], now: datetime | None = None
) -> list[DemoMessage]:
    now = now or datetime.now(UTC)
    expires: date = (now + timedelta(days=settings.tag_ttl_days)).date()
    tenants = [t for t, _ in DEMO_TENANTS]
    sources = list(Source)

    def path(tenant: str, source: Source, send_id: str, recipient: str) -> str:
        return make_return_path(
            keys,
            local_part=settings.inbound_local_part,
            domain=settings.inbound_domain,
            tenant=tenant,
            source=source,
            send_id=send_id,
            recipient=recipient,
            expires_on=expires,
        )

    def bounce(n: int, failure: SampleFailure, rp: str, minutes_ago: int) -> bytes:
        return dsn(
            return_path=rp,
            failures=[failure],
            date=now - timedelta(minutes=minutes_ago),
            message_id=f"<demo-{n}-{now:%Y%m%d%H%M%S}@mail.example.org>",
        )

    messages = []
    for n, failure in enumerate(DEMO_FAILURES):
        tenant, source = tenants[n % len(tenants)], sources[n % len(sources)]
        rp = path(tenant, source, f"demo-{source}-{n}", failure.recipient)
        messages.append(
            DemoMessage(rp, bounce(n, failure, rp, 30 - n), f"{tenant} {source}: {failure.status}")
        )
    # The first address bounces again from a later send: its count becomes 2.
    again = DEMO_FAILURES[0]
    rp = path(tenants[0], Source.EVENT, "demo-event-again", again.recipient)
    messages.append(DemoMessage(rp, bounce(90, again, rp, 5), f"{tenants[0]} event: repeat"))
    rp = path(tenants[1], Source.BROADCAST, "demo-ooo", "ann@example.net")
    messages.append(DemoMessage(rp, auto_reply(return_path=rp), f"{tenants[1]}: auto-reply"))
    forged_failure = SampleFailure(
        "mallory@example.org", "5.1.1", "550 5.1.1 <mallory@example.org>: User unknown"
    )
    rp = forge(path(tenants[0], Source.BROADCAST, "demo-forged", forged_failure.recipient))
    messages.append(DemoMessage(rp, bounce(91, forged_failure, rp, 2), "forged tag"))
    return messages


def sample_bounce(settings: Settings, keys: tuple[SigningKey, ...]) -> DemoMessage:
    """One bounce a person can send with any SMTP client (written next to local.json)."""
    failure = SampleFailure(
        "sample@example.net",
        "5.1.1",
        "550 5.1.1 <sample@example.net>: Recipient address rejected: User unknown",
    )
    expires = (datetime.now(UTC) + timedelta(days=settings.tag_ttl_days)).date()
    rp = make_return_path(
        keys,
        local_part=settings.inbound_local_part,
        domain=settings.inbound_domain,
        tenant=DEMO_TENANTS[0][0],
        source=Source.BROADCAST,
        send_id="sample-1",
        recipient=failure.recipient,
        expires_on=expires,
    )
    raw = dsn(return_path=rp, failures=[failure], date=datetime.now(UTC))
    return DemoMessage(rp, raw, "sample bounce")


def send(host: str, port: int, messages: Sequence[DemoMessage]) -> int:
    """Deliver as an MTA returns a bounce: null envelope sender, one recipient per message."""
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        for message in messages:
            smtp.sendmail("", [message.return_path], message.raw)
    return len(messages)
