"""Complaints end to end on the local AWS stack (moto): a feedback report that reaches
GroupMessaging@ is attributed by its verified tag, recorded once, never counted as a bounce; the
complainer is suppressed (tenant policy, on by default, PATCH .../settings); the report lists it
under the `complaint` category with its date; stats and the send show the complaint rate; the
rate alert fires at the tenant's complaint levels; an untagged report is quarantined."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.notify.model import AlertKind, Severity
from tests.integration.helpers import auth, put_inbound, return_path, setup_tenant, staff_key

pytestmark = pytest.mark.integration
FIXTURES = Path(__file__).parents[1] / "data" / "complaints"
ANN = "ann@example.net"


def report(name: str, recipient: str = ANN, send_id: str = "s-7", tag: str = "") -> bytes:
    text = (FIXTURES / name).read_text()
    now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    rp = tag or return_path("riverside", recipient, send_id=send_id)
    text = text.replace("{RETURN_PATH}", rp).replace("{RECIPIENT}", recipient)
    # Dated now, so the complaint's own date is trusted (the bounce-date window).
    lines = [
        f"Arrival-Date: {now}" if line.startswith("Arrival-Date:") else line
        for line in text.splitlines()
    ]
    return "\n".join(lines).encode()


def ingest(raw: bytes, key: str | None = None) -> Any:
    key = key or put_inbound(raw)
    return wiring.ingest_service().ingest(key, datetime.now(UTC))


def put_send(token: str, send_id: str, recipients: int) -> None:
    """The MMS reports a send's size (the denominator of its complaint rate)."""
    with Client(chalice_app.app) as client:
        response = client.http.put(
            f"/v1/tenants/riverside/sends/{send_id}",
            headers={**auth(token), "Content-Type": "application/json"},
            body=json.dumps({"source": "broadcast", "recipients": recipients}),
        )
        assert response.status_code == 200, response.body


def get(client: Client, path: str, token: str) -> Any:
    response = client.http.get(path, headers=auth(token))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_a_complaint_is_recorded_suppressed_listed_and_never_a_bounce(aws: Any) -> None:
    keys = setup_tenant("riverside")
    put_send(keys["admin"], "s-7", 1000)
    key = put_inbound(report("arf-abuse.eml"))
    first, again = ingest(b"", key), ingest(b"", key)  # a redelivery records nothing more
    assert (str(first.disposition), first.counted, again.counted) == ("complaint", 1, 0)

    with Client(chalice_app.app) as client:
        viewer = keys["viewer"]
        assert get(client, "/v1/tenants/riverside/bounces", viewer)["items"] == []
        rows = get(client, "/v1/tenants/riverside/bounces?category=complaint", viewer)["items"]
        assert [(r["address"], r["category"], r["reason"], r["state"]) for r in rows] == [
            (ANN, "complaint", "feedback", "suppressed")
        ]
        assert rows[0]["last_bounce_at"][:10] == datetime.now(UTC).date().isoformat()
        found = get(client, f"/v1/tenants/riverside/suppressions/{ANN}", viewer)
        assert (found["suppressed"], found["reason"]) == (True, "complaint")
        stats = get(client, "/v1/tenants/riverside/stats", viewer)
        assert stats["totals"]["addresses"] == 0  # no bounced address
        assert stats["complaints"]["last_90_days"] == 1
        assert stats["complaints"]["rate"] == 0.001
        assert stats["complaints"]["per_send"] == [
            {
                "send_id": "s-7",
                "source": "broadcast",
                "recipients": 1000,
                "complaints": 1,
                "rate": 0.001,
            }
        ]
        assert stats["daily"][-1]["complaints"] == 1
    send = wiring.notify_repository().get_send_volume("riverside", "s-7")
    assert send is not None
    assert (send.complaints, send.complaint_rate, send.bounces, send.recipients) == (
        1,
        0.001,
        0,
        1000,
    )


def test_the_tenant_can_keep_complainers_mailable(aws: Any) -> None:
    keys = setup_tenant("riverside")
    with Client(chalice_app.app) as client:
        response = client.http.patch(
            "/v1/tenants/riverside/settings",
            headers={**auth(keys["admin"]), "Content-Type": "application/json"},
            body=json.dumps({"suppress_complainers": False}),
        )
        assert response.status_code == 200, response.body
        assert json.loads(response.body)["suppress_complainers"] is False
    ingest(report("arf-redacted.eml"))
    with Client(chalice_app.app) as client:
        found = get(client, f"/v1/tenants/riverside/suppressions/{ANN}", keys["viewer"])
        assert found["suppressed"] is False
        rows = get(client, "/v1/tenants/riverside/bounces?category=complaint", keys["viewer"])
        assert [r["state"] for r in rows["items"]] == ["active"]


def test_a_complaint_never_replaces_an_earlier_suppression(aws: Any) -> None:
    keys = setup_tenant("riverside")
    ingest(report("jmrp.eml"))
    ingest(report("arf-mail-from-only.eml"))  # a second complaint: already suppressed
    with Client(chalice_app.app) as client:
        rows = get(client, "/v1/tenants/riverside/bounces?category=complaint", keys["viewer"])
        assert sorted(r["state"] for r in rows["items"]) == ["active", "suppressed"]


def test_an_untagged_report_is_quarantined_with_the_reason(aws: Any) -> None:
    setup_tenant("riverside")
    record = ingest(report("arf-abuse.eml", tag="news@example.com"))
    assert str(record.disposition) == "quarantined"
    with Client(chalice_app.app) as client:
        items = get(client, "/v1/quarantine", staff_key())["items"]
        assert [i["problem"] for i in items] == ["complaint: return-path tag missing"]


def test_the_complaint_rate_alerts_at_the_tenants_levels(aws: Any) -> None:
    keys = setup_tenant("riverside")
    put_send(keys["admin"], "s-8", 1000)
    observer = wiring.alert_observer()
    observer.raised.clear()
    for n in range(3):
        ingest(report("arf-abuse.eml", recipient=f"m{n}@example.org", send_id="s-8"))
    raised = [(o.alert.kind, o.alert.severity) for o in observer.raised]
    assert raised == [
        (AlertKind.COMPLAINT_RATE, Severity.WARNING),  # 1 of 1000: 0.1%
        (AlertKind.COMPLAINT_RATE, Severity.WARNING),  # 0.2%: the same condition, de-duplicated
        (AlertKind.COMPLAINT_RATE, Severity.CRITICAL),  # 0.3%
    ]
    assert [str(o.outcome) for o in observer.raised][1] == "duplicate"
