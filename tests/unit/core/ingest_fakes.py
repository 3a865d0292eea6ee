"""What the unit tests of ingest share: the signing key, ingest's configuration, a verified
return path of tenant riverside, and an InboundStore on a list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from chalicelib.bounces import InboundRecord
from chalicelib.ingest import IngestConfig
from chalicelib.ports import Page
from chalicelib.tenancy.ids import Source
from chalicelib.tenancy.tags import SigningKey, make_return_path

KEYS = (SigningKey("k1", b"unit-test-signing-key"),)
CONFIG = IngestConfig(KEYS, "groupmessaging", "bounces.example.com")


def return_path(recipient: str, keys: tuple[SigningKey, ...] = KEYS) -> str:
    """A signed return path of riverside's send-7 to `recipient` (valid until 2099)."""
    return make_return_path(
        keys,
        local_part="groupmessaging",
        domain="bounces.example.com",
        tenant="riverside",
        source=Source.BROADCAST,
        send_id="send-7",
        recipient=recipient,
        expires_on=date(2099, 1, 1),
    )


@dataclass
class FakeInbound:
    """InboundStore: the records ingest kept, in order."""

    inbound: list[InboundRecord] = field(default_factory=list)

    def record_inbound(self, record: InboundRecord) -> None:
        self.inbound.append(record)

    def list_inbound(
        self, scope: str, disposition: str, limit: int, cursor: str | None
    ) -> Page[InboundRecord]:
        return Page(tuple(self.inbound), None)
