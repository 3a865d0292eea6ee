"""Complaint rates: per send and per tenant (complaints / recipients the MMS reported), the alert
at the levels Gmail and Yahoo publish for bulk senders (0.1% warning, 0.3% critical) or the
tenant's own, the digest's complaint section and the report's `complaint` rows."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.api.codec import decode_body, decode_query
from chalicelib.api.models import BounceQuery, NotificationSettingsPut
from chalicelib.bounces import AddressState
from chalicelib.classification.reasons import Category, Reason
from chalicelib.complaints import ComplaintRecord, tally
from chalicelib.config import NotifySettings
from chalicelib.errors import BadRequest
from chalicelib.notify.alerts import AlertObserver
from chalicelib.notify.model import (
    AlertKind,
    AlertLevels,
    NotificationSettings,
    SendVolume,
    Severity,
)
from chalicelib.notify.render import render_tenant_digest
from chalicelib.notify.settings import apply_settings, settings_json
from chalicelib.ports import Page
from chalicelib.report.service import ReportService, complaint_row
from tests.unit.notify.samples import REPORT_URL, tenant_digest

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class _Settings:
    """The part of NotifyStore the complaint check reads."""

    def __init__(self, levels: AlertLevels | None = None) -> None:
        self.levels = levels

    def get_notification_settings(self, tenant: str) -> NotificationSettings | None:
        return None if self.levels is None else NotificationSettings(tenant, levels=self.levels)


def _observer(levels: AlertLevels | None = None) -> AlertObserver:
    return AlertObserver(
        store=_Settings(levels),  # type: ignore[arg-type]
        dispatcher=None,  # type: ignore[arg-type]
        config=NotifySettings(),
        report_url=REPORT_URL,
        clock=lambda: NOW,
    )


def _send(recipients: int | None, complaints: int) -> SendVolume:
    return SendVolume("riverside", "s-42", "broadcast", recipients, complaints=complaints)


@pytest.mark.parametrize(
    ("recipients", "complaints", "severity"),
    [
        (2000, 1, None),  # 0.05%
        (2000, 2, Severity.WARNING),  # 0.1%: Gmail's level
        (2000, 5, Severity.WARNING),
        (2000, 6, Severity.CRITICAL),  # 0.3%: Gmail's and Yahoo's ceiling
        (500, 5, None),  # 1%, but below 1,000 recipients one complaint is already 0.1%+
        (None, 9, None),  # size never reported: no rate
    ],
)
def test_a_sends_complaint_rate_alerts_at_the_published_levels(
    recipients: int | None, complaints: int, severity: Severity | None
) -> None:
    alerts = _observer().complaint_alerts_for(_send(recipients, complaints))
    assert [a.severity for a in alerts] == ([severity] if severity else [])
    for alert in alerts:
        assert alert.kind is AlertKind.COMPLAINT_RATE
        assert alert.scope == "riverside"
        assert alert.key == f"complaint-rate#s-42#{severity}"
        assert "category=complaint" in alert.link


def test_a_tenants_own_complaint_levels_apply() -> None:
    levels = AlertLevels(complaint_warn=0.01, complaint_critical=0.02, complaint_min_recipients=100)
    observer = _observer(levels)
    assert observer.complaint_alerts_for(_send(2000, 6)) == []
    [alert] = observer.complaint_alerts_for(_send(200, 3))
    assert alert.severity is Severity.WARNING


def _apply(body: Any) -> NotificationSettings:
    put = decode_body(json.dumps(body).encode(), NotificationSettingsPut)
    return apply_settings(NotificationSettings("riverside"), put, "bounces.example.com")


def test_complaint_levels_are_settings_with_the_published_defaults() -> None:
    levels = settings_json(NotificationSettings("riverside")).alert_levels
    assert (levels.complaint_warn_rate, levels.complaint_critical_rate) == (0.001, 0.003)
    s = _apply({"alert_levels": {"complaint_warn_rate": 0.002, "complaint_min_recipients": 200}})
    assert (s.levels.complaint_warn, s.levels.complaint_critical) == (0.002, 0.003)
    assert s.levels.complaint_min_recipients == 200
    assert s.levels.warn == 0.02  # the bounce levels stay


def test_a_complaint_warning_level_must_be_below_the_critical_one() -> None:
    with pytest.raises(BadRequest, match="complaint_warn_rate"):
        _apply({"alert_levels": {"complaint_warn_rate": 0.004}})


def test_the_tenant_rate_counts_only_sends_of_known_size() -> None:
    t = tally([(1000, 1), (3000, 3), (None, 4)])
    assert (t.sends, t.recipients, t.complaints, t.rate) == (2, 4000, 4, 0.001)
    assert tally([]).rate is None


def test_the_digest_shows_each_sends_complaint_rate_and_the_tenants() -> None:
    sends = (replace(_send(2000, 7), send_id="s-43"), _send(4000, 1))
    digest = replace(tenant_digest(), complaint_sends=sends, complaints=tally([(6000, 8)]))
    mail = render_tenant_digest(digest, REPORT_URL)
    assert "Spam complaints" in mail.text
    assert "s-43  broadcast  7 of 2000  0.35%" in mail.text
    assert "Your rate over the last 30 days: 0.13% (8 complaints among 6000" in mail.text
    assert "category=complaint" in mail.html


def test_a_complaint_is_a_report_row_in_the_complaint_category() -> None:
    row = complaint_row(
        ComplaintRecord(
            tenant="riverside",
            address="ann@example.net",
            message_id="m1",
            complained_at=NOW,
            received_at=NOW,
            source="broadcast",
            send_id="s-42",
            feedback_type="abuse",
            reported_by="ExampleOrgFBL/1.0",
            suppressed=True,
        )
    )
    assert (row.category, row.reason, row.hard) == (Category.COMPLAINT, Reason.FEEDBACK, False)
    assert row.last_bounce_at == row.first_bounce_at == "2026-11-20T09:00:00.000000Z"
    assert row.state is AddressState.SUPPRESSED
    assert row.summary == "complained 2026-11-20 (abuse)"


class _Complaints:
    """A ComplaintStore holding a fixed page (newest first)."""

    def __init__(self, records: list[ComplaintRecord]) -> None:
        self.records = records

    def record_complaint(self, event: object, suppress: bool) -> bool:
        raise AssertionError("the report never records")

    def list_complaints(self, tenant: str, limit: int, cursor: str | None) -> Page[ComplaintRecord]:
        return Page(tuple(self.records[:limit]), "next" if len(self.records) > limit else None)


def _record(address: str, send_id: str = "s-42") -> ComplaintRecord:
    return ComplaintRecord(
        tenant="riverside",
        address=address,
        message_id=f"m-{address}",
        complained_at=NOW,
        received_at=NOW,
        source="broadcast",
        send_id=send_id,
        feedback_type="abuse",
        reported_by="ExampleOrgFBL/1.0",
        suppressed=True,
    )


def test_the_complaint_category_lists_complaints_with_the_reports_filters() -> None:
    store = _Complaints(
        [_record("ann@example.net"), _record("bob@example.org", "s-43"), _record("cy@example.net")]
    )
    report = ReportService(None, None, complaints=store)  # type: ignore[arg-type]

    def listed(**params: str) -> list[str]:
        query = decode_query({"category": "complaint", **params}, BounceQuery)
        return [row.address for row in report.bounces("riverside", query).items]

    assert listed() == ["ann@example.net", "bob@example.org", "cy@example.net"]
    assert listed(domain="example.net") == ["ann@example.net", "cy@example.net"]
    assert listed(send_id="s-43") == ["bob@example.org"]
    assert listed(q="cy@") == ["cy@example.net"]
    page = report.bounces(
        "riverside", decode_query({"category": "complaint", "limit": "2"}, BounceQuery)
    )
    assert (len(page.items), page.next_cursor) == (2, "next")
