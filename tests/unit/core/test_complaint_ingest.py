"""Complaints at ingest (fakes): a feedback report is attributed exactly as a bounce is (the
verified tag in the returned original, or in Original-Mail-From when the original is withheld),
recorded as a complaint with the tenant's suppression policy, never counted as a bounce; one
that cannot be attributed goes to the staff quarantine with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.bounces import DEFAULT_POLICY, BounceEvent, Counting, Disposition, InboundRecord
from chalicelib.bounces import SuppressionPolicy as Policy
from chalicelib.complaints import ComplaintEvent, ComplaintRecord
from chalicelib.ingest import IngestService
from chalicelib.ports import Page, TenantSettings
from chalicelib.tenancy.access import ApiKeyRecord
from chalicelib.tenancy.tags import SigningKey
from tests.unit.core.ingest_fakes import CONFIG, KEYS, FakeInbound, return_path

FIXTURES = Path(__file__).parents[2] / "data" / "complaints"
NOW = datetime(2025, 3, 16, 12, 0, tzinfo=UTC)
RECIPIENT = "ann@example.net"


def _return_path(recipient: str = RECIPIENT, keys: tuple[SigningKey, ...] = KEYS) -> str:
    return return_path(recipient, keys)


def fixture(name: str, return_path: str = "", recipient: str = RECIPIENT) -> bytes:
    text = (FIXTURES / name).read_text()
    text = text.replace("{RETURN_PATH}", return_path or _return_path())
    return text.replace("{RECIPIENT}", recipient).encode()


@dataclass
class Fakes(FakeInbound):
    mail: dict[str, bytes] = field(default_factory=dict)
    bounces: list[BounceEvent] = field(default_factory=list)
    complaints: list[tuple[ComplaintEvent, bool]] = field(default_factory=list)
    tenants: dict[str, TenantSettings] = field(default_factory=dict)
    observed: list[ComplaintEvent] = field(default_factory=list)

    # InboundMail
    def read(self, key: str) -> bytes:
        return self.mail[key]

    # BounceStore
    def count_bounce(self, event: BounceEvent, policy: Policy = DEFAULT_POLICY) -> Counting:
        self.bounces.append(event)
        return Counting.NEW

    # ComplaintStore
    def record_complaint(self, event: ComplaintEvent, suppress: bool) -> bool:
        seen = any(
            (e.message_id, e.address) == (event.message_id, event.address)
            for e, _ in self.complaints
        )
        if seen:
            return False
        self.complaints.append((event, suppress))
        return True

    def list_complaints(self, tenant: str, limit: int, cursor: str | None) -> Page[ComplaintRecord]:
        return Page((), None)

    # TenantStore
    def get_tenant(self, tenant: str) -> TenantSettings | None:
        return self.tenants.get(tenant)

    def put_tenant(self, settings: TenantSettings) -> None:
        self.tenants[settings.tenant] = settings

    def list_tenants(self) -> Sequence[str]:
        return sorted(self.tenants)

    def get_key(self, scope: str, key_id: str) -> ApiKeyRecord | None:
        return None

    def put_key(self, record: ApiKeyRecord) -> None:
        return None

    # ComplaintObserver
    def observe_complaint(self, record: InboundRecord, event: ComplaintEvent) -> None:
        self.observed.append(event)


@pytest.fixture
def fakes() -> Fakes:
    f = Fakes()
    f.tenants["riverside"] = TenantSettings("riverside", "Riverside")
    return f


def _ingest(
    fakes: Fakes, raw: bytes, key: str = "inbound/m1", now: datetime = NOW
) -> InboundRecord:
    fakes.mail[key] = raw
    service = IngestService(
        fakes,
        fakes,
        fakes,
        fakes,
        CONFIG,
        clock=lambda: now,
        complaints=fakes,
        complaint_observers=(fakes,),
    )
    return service.ingest(key, now)


def test_a_tagged_abuse_report_is_recorded_as_a_complaint_never_a_bounce(fakes: Fakes) -> None:
    record = _ingest(fakes, fixture("arf-abuse.eml"), now=datetime(2025, 3, 12, 10, 5, tzinfo=UTC))
    assert record.disposition is Disposition.COMPLAINT
    assert record.tenant == "riverside"
    assert record.counted == 1
    assert fakes.bounces == []
    [(event, suppress)] = fakes.complaints
    assert (event.tenant, event.address, event.send_id) == ("riverside", RECIPIENT, "send-7")
    assert event.feedback_type == "abuse"
    assert event.reported_by == "ExampleOrgFBL/1.0"
    assert event.complained_at == datetime(2025, 3, 12, 9, 58, 2, tzinfo=UTC)
    assert event.message_id == "m1"
    assert suppress is True  # the tenant policy is on by default
    assert fakes.observed == [event]


def test_the_tenant_may_switch_suppression_of_complainers_off(fakes: Fakes) -> None:
    fakes.tenants["riverside"] = replace(fakes.tenants["riverside"], suppress_complainers=False)
    _ingest(fakes, fixture("arf-abuse.eml"))
    [(_, suppress)] = fakes.complaints
    assert suppress is False


def test_a_redelivered_report_is_recorded_once(fakes: Fakes) -> None:
    first = _ingest(fakes, fixture("arf-abuse.eml"))
    again = _ingest(fakes, fixture("arf-abuse.eml"))
    assert (first.counted, again.counted) == (1, 0)
    assert len(fakes.complaints) == 1


def test_a_redacted_report_is_attributed_by_the_returned_headers(fakes: Fakes) -> None:
    record = _ingest(fakes, fixture("arf-redacted.eml"))
    assert record.disposition is Disposition.COMPLAINT
    [(event, _)] = fakes.complaints
    assert event.address == RECIPIENT  # the tag's recipient: the address we mailed
    assert event.complainant == ""


def test_a_microsoft_jmrp_complaint(fakes: Fakes) -> None:
    record = _ingest(fakes, fixture("jmrp.eml"))
    assert record.disposition is Disposition.COMPLAINT
    [(event, _)] = fakes.complaints
    assert event.address == RECIPIENT


def test_the_tag_in_original_mail_from_alone_attributes_it(fakes: Fakes) -> None:
    record = _ingest(fakes, fixture("arf-mail-from-only.eml"))
    assert record.disposition is Disposition.COMPLAINT
    [(event, _)] = fakes.complaints
    assert event.address == RECIPIENT


def test_the_tag_recipient_is_suppressed_even_when_the_report_names_an_alias(
    fakes: Fakes,
) -> None:
    record = _ingest(fakes, fixture("arf-abuse.eml", _return_path(), "ann.forward@example.org"))
    assert record.disposition is Disposition.COMPLAINT
    [(event, _)] = fakes.complaints
    assert event.address == RECIPIENT
    assert event.complainant == "ann.forward@example.org"


def test_an_untagged_report_goes_to_the_quarantine_with_the_reason(fakes: Fakes) -> None:
    raw = fixture("arf-abuse.eml", return_path="news@example.com")
    record = _ingest(fakes, raw)
    assert record.disposition is Disposition.QUARANTINED
    assert record.problem == "complaint: return-path tag missing"
    assert fakes.complaints == [] and fakes.bounces == []


def test_a_forged_tag_goes_to_the_quarantine(fakes: Fakes) -> None:
    forged = _return_path(keys=(SigningKey("k1", b"someone-else"),))
    record = _ingest(fakes, fixture("arf-abuse.eml", return_path=forged))
    assert record.disposition is Disposition.QUARANTINED
    assert record.problem == "complaint: return-path tag bad-signature"
    assert fakes.complaints == []


def test_legacy_headers_attribute_only_for_an_opted_in_tenant_and_a_named_address(
    fakes: Fakes,
) -> None:
    raw = fixture("arf-abuse.eml", return_path="news@example.com").replace(
        b"MIME-Version: 1.0\nContent-Type: text/plain",
        b"X-Rebound-Tenant: riverside\nX-Rebound-Send-Id: send-9\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain",
    )
    record = _ingest(fakes, raw)
    assert record.disposition is Disposition.QUARANTINED
    assert "does not accept untagged mail" in record.problem
    fakes.tenants["riverside"] = replace(fakes.tenants["riverside"], accept_legacy_untagged=True)
    record = _ingest(fakes, raw, key="inbound/m2")
    assert record.disposition is Disposition.COMPLAINT
    [(event, _)] = fakes.complaints
    assert (event.address, event.send_id) == (RECIPIENT, "send-9")


def test_a_not_spam_report_is_feedback_not_a_complaint(fakes: Fakes) -> None:
    record = _ingest(fakes, fixture("arf-not-spam.eml"))
    assert record.disposition is Disposition.IGNORED
    assert fakes.complaints == []
