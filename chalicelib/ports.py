"""The small interfaces services need from the outside world. Adapters in storage/ and aws/
implement them; tests may pass fakes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from chalicelib.bounces import AddressCounter, BounceEvent, InboundRecord
from chalicelib.tenancy.access import ApiKeyRecord

T = TypeVar("T")


class CursorError(ValueError):
    """A pagination cursor that was not issued for this listing."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class TenantSettings:
    tenant: str
    name: str = ""
    accept_legacy_untagged: bool = False


class BounceStore(Protocol):
    def record_bounce(self, event: BounceEvent) -> bool:
        """Count one bounce exactly once; False when it had already been counted."""

    def record_inbound(self, record: InboundRecord) -> None: ...

    def list_bounces(self, tenant: str, limit: int, cursor: str | None) -> Page[AddressCounter]: ...

    def counters_since(self, tenant: str, since: datetime) -> Sequence[AddressCounter]: ...

    def list_inbound(
        self, scope: str, disposition: str, limit: int, cursor: str | None
    ) -> Page[InboundRecord]: ...


class TenantStore(Protocol):
    def get_tenant(self, tenant: str) -> TenantSettings | None: ...

    def put_tenant(self, settings: TenantSettings) -> None: ...

    def list_tenants(self) -> Sequence[str]: ...

    def get_key(self, scope: str, key_id: str) -> ApiKeyRecord | None: ...

    def put_key(self, record: ApiKeyRecord) -> None: ...


class StateStore(Protocol):
    def get_state(self, name: str) -> str | None: ...

    def put_state(self, name: str, value: str) -> None: ...


class InboundMail(Protocol):
    def read(self, key: str) -> bytes:
        """The raw message stored under one key (bounded size)."""


class Mailer(Protocol):
    def send(self, *, sender: str, to: Sequence[str], subject: str, text: str) -> str:
        """Send a plain-text email; returns the provider's message id."""
