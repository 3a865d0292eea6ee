"""Forgetting one person (issue 13 item 7): bounces ingested through the real pipeline, a
complaint, re-checks, a mass delete that archived part of it, an export, then `POST
/v1/tenants/{tenant}/forget` by staff; afterwards the whole table is scanned and every object in
the bucket read, and the address appears nowhere of that tenant, the audit trail holds only its
keyed hash, and the tenant's figures are unchanged."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.complaints import ComplaintEvent
from chalicelib.config import Settings
from chalicelib.forget import Erased, address_hash
from chalicelib.massdelete.plan import plan_key
from chalicelib.observability import logger
from chalicelib.storage import keys
from chalicelib.storage.items import RecheckChangeItem, RecheckHistoryItem, RecheckLatestItem
from rebound.local.dispatcher import Dispatcher
from rebound.provision import provision_mass_delete
from rebound.samples import SampleFailure, dsn
from tests.integration.helpers import (
    aggregate,
    auth,
    bounce,
    put_inbound,
    seed_counted_bounces,
    setup_tenant,
    staff_key,
)
from tests.integration.test_mass_delete_workflow import call, wait_for

pytestmark = pytest.mark.integration
SETTINGS = Settings.from_env()
ANN, BOB, DEE = "ann@example.net", "bob@example.net", "dee@example.org"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def stack(aws: Any) -> dict[str, Any]:
    provision_mass_delete(SETTINGS)
    dispatcher = Dispatcher(aws.queue_url, aws.queue_arn, chalice_app.ingest)
    dispatcher.drain()  # S3's s3:TestEvent for the new notification configuration
    return {
        "oldtown": setup_tenant("oldtown", legacy=True),
        "hillside": setup_tenant("hillside"),
        "staff": staff_key(),
        "dispatcher": dispatcher,
    }


def _legacy_dsn_for_two(when: datetime) -> bytes:
    """One untagged bounce naming two failed recipients of a legacy tenant: counted for both."""
    raw = dsn(
        return_path="news@example.com",
        failures=[
            SampleFailure(ANN, "5.1.1", f"550 5.1.1 <{ANN}>: User unknown"),
            SampleFailure(BOB, "5.1.1", f"550 5.1.1 <{BOB}>: User unknown"),
        ],
        date=when,
    )
    return raw.replace(
        b"X-Rebound-Source: broadcast", b"X-Rebound-Tenant: oldtown\r\nX-Rebound-Source: broadcast"
    )


def _scan() -> list[dict[str, Any]]:
    table, items, start = boto3.client("dynamodb"), [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        page = table.scan(TableName=SETTINGS.table_name, **extra)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _objects() -> dict[str, bytes]:
    s3 = boto3.client("s3")
    listed = s3.list_objects_v2(Bucket=SETTINGS.bucket_name).get("Contents", [])
    return {
        o["Key"]: s3.get_object(Bucket=SETTINGS.bucket_name, Key=o["Key"])["Body"].read()
        for o in listed
    }


def _seed_rechecks(tenant: str, address: str) -> None:
    pk = keys.recheck_pk(tenant)
    RecheckLatestItem(
        pk, keys.recheck_latest_sk(address), address=address, verdict="invalid",
        run_id="20261101", checked_at=NOW.isoformat(),
    ).save()  # fmt: skip
    RecheckChangeItem(
        pk, keys.recheck_change_sk("20261101", address), address=address, verdict="invalid",
        checked_at=NOW.isoformat(), expires_at=int(NOW.timestamp()) + 86400,
    ).save()  # fmt: skip
    RecheckHistoryItem(
        keys.address_pk(tenant, address), keys.recheck_history_sk("20261101"),
        verdict="invalid", run_id="20261101", checked_at=NOW.isoformat(),
    ).save()  # fmt: skip


def test_forget_erases_one_person_everywhere(
    stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = io.StringIO()  # what the functions log (CloudWatch keeps it 90 days)
    monkeypatch.setattr(logger.registered_handler, "stream", logs)
    dispatcher, staff = stack["dispatcher"], stack["staff"]
    admin = stack["oldtown"]["admin"]
    # 1. What Rebound comes to hold about ann in tenant oldtown.
    put_inbound(bounce("oldtown", ANN, when=NOW - timedelta(days=3)))  # tagged, mass-deleted
    shared_key = put_inbound(_legacy_dsn_for_two(NOW - timedelta(days=2)))  # ann and bob
    hillside_key = put_inbound(bounce("hillside", ANN, when=NOW))  # another tenant's: stays
    assert dispatcher.drain() == 3
    seed_counted_bounces("oldtown", DEE, 1, NOW - timedelta(days=2))
    with Client(chalice_app.app) as client:
        status, job = call(
            client, "post", "/v1/tenants/oldtown/mass-deletes", admin,
            {"addresses": [ANN, DEE], "remove_emails": True},
        )  # fmt: skip
        assert status == 202, job
        status, body = call(
            client, "post", f"/v1/tenants/oldtown/mass-deletes/{job['id']}/approve", staff
        )
        assert status == 200, body
        assert wait_for(client, "oldtown", job["id"], admin)["state"] == "succeeded"
    # After the mass delete: a new bounce, mark as good, a complaint, re-checks, an export.
    put_inbound(bounce("oldtown", ANN, when=NOW - timedelta(hours=1), send_id="send-2"))
    assert dispatcher.drain() == 1
    with Client(chalice_app.app) as client:
        reactivated = client.http.post(
            f"/v1/tenants/oldtown/bounces/{ANN}/reactivate", headers=auth(admin)
        )
        assert reactivated.status_code == 200, reactivated.body
    wiring.complaints().record_complaint(
        ComplaintEvent(
            tenant="oldtown", address=ANN, message_id="arf-1", complained_at=NOW,
            received_at=NOW, source="broadcast", send_id="send-2", feedback_type="abuse",
            reported_by="fbl.example.org", complainant=ANN,
        ),
        suppress=True,
    )  # fmt: skip
    # A report about a message sent to an alias that forwarded to ann names her as complainant.
    wiring.complaints().record_complaint(
        ComplaintEvent(
            tenant="oldtown", address="alias@example.org", message_id="arf-2",
            complained_at=NOW, received_at=NOW, source="broadcast", send_id="send-2",
            feedback_type="abuse", reported_by="fbl.example.org", complainant=ANN,
        ),
        suppress=False,
    )  # fmt: skip
    _seed_rechecks("oldtown", ANN)
    aggregate()
    figures_before = wiring.counters().daily_totals("oldtown", "2000-01-01", "2100-01-01")
    monkeypatch.setattr("chalicelib.report.service.INLINE_EXPORT_ROWS", 0)
    with Client(chalice_app.app) as client:
        exported = client.http.get("/v1/tenants/oldtown/bounces.csv", headers=auth(admin))
        assert exported.status_code == 200, exported.body
    before = _objects()
    assert any(k.startswith("exports/oldtown/") and ANN.encode() in v for k, v in before.items())
    assert any(k.startswith("archives/oldtown/") for k in before)
    chunks = f"plans/oldtown/{job['id']}/"  # the plan's chunk objects hold its entries
    assert any(k.startswith(chunks) and ANN.encode() in v for k, v in before.items())

    # 2. Only staff may forget.
    with Client(chalice_app.app) as client:
        path, body = "/v1/tenants/oldtown/forget", json.dumps({"address": "Ann@Example.net"})
        headers = {"Content-Type": "application/json"}
        for token in (admin, stack["oldtown"]["viewer"]):
            refused = client.http.post(path, headers={**headers, **auth(token)}, body=body)
            assert refused.status_code == 403, refused.body
        response = client.http.post(path, headers={**headers, **auth(staff)}, body=body)
        assert response.status_code == 200, response.body
        outcome = json.loads(response.body)
        again = json.loads(
            client.http.post(path, headers={**headers, **auth(staff)}, body=body).body
        )
        status, audit = call(client, "get", "/v1/tenants/oldtown/mass-deletes/audit", admin)
        assert status == 200

    erased = outcome["erased"]
    expected_hash = address_hash(wiring.signing_keys()[0], "oldtown", ANN)
    assert outcome["address_sha256"] == expected_hash
    assert erased["counters"] == 1
    # The job archived (and deleted) the first two bounces' entries: only the new one is left.
    assert erased["history"] == 1
    # The complaint's: the new bounce was the first of the address again (the counter's
    # creation guarded it, no marker).
    assert erased["markers"] == 1
    assert erased["suppressions"] == 1  # the complaint's
    assert erased["complaints"] == 2  # hers, and the one naming her as the complainant
    assert erased["rechecks"] == 3  # latest verdict, the night's change, the history entry
    # The first tagged bounce (cited only by the archive) and the new one, each counted for ann
    # alone and so without an inbound record; the legacy bounce is still counted for bob:
    # kept, its record without ann.
    assert erased["raw_mail"] == 2
    assert erased["raw_mail_kept"] == 1
    assert erased["inbound_records"] == 0
    assert erased["exports"] == 1
    assert erased["archives"] == 2  # ann's archive: head.json and p0.json
    assert erased["plans"] == 1
    assert erased["mass_delete_markers"] == 1
    assert erased["jobs"] == 1  # the job's sample and selection named ann
    assert erased["audit_lines"] == 2  # the plan's selection, the mark as good
    assert set(again["erased"].values()) == {0}, "a second forget finds nothing"
    assert again["address_sha256"] == expected_hash

    # 3. Nothing of ann remains in oldtown: not in any item, not in any object.
    for item in _scan():
        text = json.dumps(item).lower()
        if item["pk"]["S"].startswith("T#hillside"):
            continue
        if item["pk"]["S"] == keys.inbound_pk("oldtown", "counted") and BOB in text:
            assert ANN not in text, item  # the shared message's record, redacted
            continue
        assert ANN not in text, item
    after = _objects()
    for key, body in after.items():
        if key in (hillside_key, shared_key):
            continue
        assert ANN.encode() not in body.lower(), key
    assert shared_key in after  # kept for bob's bounce (documented)
    assert not any(k.startswith("exports/oldtown/") for k in after)
    assert plan_key("oldtown", job["id"]) in after
    # the plan rewritten, not lost
    assert any(k.startswith(chunks) and DEE.encode() in v for k, v in after.items())

    # 4. The audit names the actor and the hash, never the address; figures are unchanged.
    second, first = [e for e in audit["items"] if e["action"] == "forgotten"]
    for line in (first, second):  # every forget is audited, the one that found nothing too
        assert line["actor"].startswith("_staff (key ")
        assert line["address_sha256"] == expected_hash
    assert first["erased"] == {k: v for k, v in erased.items() if v}
    assert second["erased"] == {}
    assert ANN not in json.dumps(audit).lower()
    assert wiring.counters().get_counter("oldtown", BOB) is not None
    assert wiring.counters().get_counter("hillside", ANN) is not None
    assert wiring.counters().daily_totals("oldtown", "2000-01-01", "2100-01-01") == figures_before

    # 5. Forgetting bob too: nothing cites the shared message any more, so it goes.
    result = wiring.forget_service().forget("oldtown", BOB, "stan@example.net")
    assert (result.count(Erased.RAW_MAIL), result.count(Erased.RAW_MAIL_KEPT)) == (1, 0)
    assert result.count(Erased.INBOUND_RECORDS) == 1  # the shared message's record
    assert shared_key not in _objects()
    # 6. Nor did the functions' logs name her: they are kept 90 days, beyond a forget's reach.
    assert '"reactivated"' in logs.getvalue()
    assert ANN not in logs.getvalue().lower()


def test_a_counted_bounce_has_no_inbound_record_and_is_still_found_and_erased(
    stack: dict[str, Any],
) -> None:
    """A bounce counted for one address, delivered and redelivered, writes no inbound record:
    its history entry names its stored message (staff read it through `raw_key`), and forget
    erases the raw mail through that entry. The same bounce stored again (an SMTP duplicate)
    keeps its record, which names her: forget erases it and its raw mail too."""
    staff, admin = stack["staff"], stack["oldtown"]["admin"]
    raw = bounce("oldtown", ANN, when=NOW - timedelta(hours=1))
    key = put_inbound(raw)
    assert stack["dispatcher"].drain() == 1
    wiring.ingest_service().ingest(key, NOW)  # an SQS redelivery of the same object
    assert not [i for i in _scan() if "#IN#" in i["pk"]["S"]], "no inbound record"
    duplicate = put_inbound(b"Received: from relay.example.org by mx.example.com; retry\r\n" + raw)
    assert stack["dispatcher"].drain() == 1
    (record,) = [i for i in _scan() if "#IN#" in i["pk"]["S"]]
    assert (record["s3_key"]["S"], record["counted"]["N"]) == (duplicate, "0")
    with Client(chalice_app.app) as client:
        detail = client.http.get(f"/v1/tenants/oldtown/bounces/{ANN}", headers=auth(staff))
        (entry,) = json.loads(detail.body)["history"]["items"]
        assert entry["raw_key"] == key
        shown = client.http.get(f"/v1/inbound-raw?key={entry['raw_key']}", headers=auth(staff))
        assert shown.status_code == 200 and ANN.encode() in shown.body.lower()
        theirs = client.http.get(f"/v1/tenants/oldtown/bounces/{ANN}", headers=auth(admin))
        assert [e["raw_key"] for e in json.loads(theirs.body)["history"]["items"]] == [None]
    outcome = wiring.forget_service().forget("oldtown", ANN, "stan@example.net")
    assert outcome.count(Erased.RAW_MAIL) == 2  # the bounce and its duplicate
    assert outcome.count(Erased.INBOUND_RECORDS) == 1  # the duplicate's
    assert outcome.count(Erased.HISTORY) == 1
    assert key not in _objects() and duplicate not in _objects()
    assert not any(ANN in json.dumps(i).lower() for i in _scan() if "oldtown" in i["pk"]["S"])


def test_forgetting_an_unknown_address_says_nothing_was_found(stack: dict[str, Any]) -> None:
    with Client(chalice_app.app) as client:
        response = client.http.post(
            "/v1/tenants/oldtown/forget",
            headers={"Content-Type": "application/json", **auth(stack["staff"])},
            body=json.dumps({"address": "nobody@example.org"}),
        )
        assert response.status_code == 200, response.body
        assert set(json.loads(response.body)["erased"].values()) == {0}
        unknown = client.http.post(
            "/v1/tenants/nosuchtenant/forget",
            headers={"Content-Type": "application/json", **auth(stack["staff"])},
            body=json.dumps({"address": "nobody@example.org"}),
        )
        assert unknown.status_code == 404, unknown.body
        bad = client.http.post(
            "/v1/tenants/oldtown/forget",
            headers={"Content-Type": "application/json", **auth(stack["staff"])},
            body=json.dumps({"address": "not-an-address"}),
        )
        assert bad.status_code == 400, bad.body


def test_cli_forget_calls_the_api(
    stack: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rebound forget ADDRESS --tenant T` posts to the route (HTTP routed into the app here)."""
    from rebound import cli, forget_cmd

    seed_counted_bounces("oldtown", ANN, 2, NOW - timedelta(days=1))
    client = Client(chalice_app.app)
    calls: list[tuple[str, str]] = []

    def call_api(base: str, key: str, method: str, path: str, body: Any = None) -> Any:
        calls.append((method, path))
        headers = {**auth(key), "Content-Type": "application/json"}
        response = getattr(client.http, method.lower())(
            path, headers=headers, body=json.dumps(body)
        )
        payload = json.loads(response.body or b"null")
        if response.status_code >= 400:
            raise forget_cmd.ApiError(response.status_code, payload.get("Message", ""))
        return payload

    monkeypatch.setattr(forget_cmd, "call_api", call_api)
    common = ["forget", ANN, "--tenant", "oldtown", "--api", "http://api.invalid", "--key"]
    assert cli.main([*common, stack["oldtown"]["admin"]]) == forget_cmd.EXIT_FAILURE
    assert "only staff" in capsys.readouterr().err
    assert wiring.counters().get_counter("oldtown", ANN) is not None
    assert cli.main([*common, stack["staff"]]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["erased"]["counters"] == 1 and printed["erased"]["history"] == 2
    assert calls == [("POST", "/v1/tenants/oldtown/forget")] * 2
    assert wiring.counters().get_counter("oldtown", ANN) is None
