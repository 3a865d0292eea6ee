"""The Bounced Email report API through chalice.test.Client on the local AWS stack: filters,
sorts, paging, detail, CSV (inline and via S3), stats, suppression checks, reactivation, errors,
and every response validated against the OpenAPI document."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest
import requests
from chalice.test import Client
from openapi_spec_validator import validate

import app as chalice_app
from chalicelib import wiring
from chalicelib.report import service as report_service
from chalicelib.tenancy.ids import Source
from tests.integration.helpers import aggregate, auth, bounce, put_inbound, setup_tenant, staff_key

pytestmark = pytest.mark.integration
NOW = datetime.now(UTC).replace(microsecond=0)


def ingest(raw: bytes) -> None:
    wiring.ingest_service().ingest(put_inbound(raw), NOW)
    aggregate()


@pytest.fixture
def seeded(aws: Any) -> dict[str, Any]:
    keys = {"riverside": setup_tenant("riverside"), "hillside": setup_tenant("hillside")}
    # ann: 3 hard bounces over 40 hours; bob: 1 mailbox-full; carol: 2 blocks (blacklisted);
    # mallory: 1 hard bounce whose diagnostic is hostile; zed belongs to the other tenant.
    for day in range(3):
        ingest(
            bounce(
                "riverside",
                "ann@example.net",
                when=NOW - timedelta(hours=day * 20),
                send_id=f"a{day}",
            )
        )
    ingest(
        bounce(
            "riverside",
            "bob@example.org",
            "5.2.2",
            "552 5.2.2 <{r}>: Mailbox full, quota exceeded",
            source=Source.EVENT,
        )
    )
    for i in range(2):
        ingest(
            bounce(
                "riverside",
                "carol@example.com",
                "5.7.1",
                "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using "
                "zen.spamhaus.org",
                send_id=f"c{i}",
                source=Source.SURVEY,
            )
        )
    ingest(
        bounce(
            "riverside",
            "mallory@example.net",
            diagnostic='550 5.1.1 <{r}> =HYPERLINK("http://evil.example") <script>x</script>',
        )
    )
    ingest(bounce("hillside", "zed@example.org"))
    return keys


def get(client: Client, path: str, token: str, status: int = 200, **headers: str) -> Any:
    response = client.http.get(path, headers={**auth(token), **headers})
    assert response.status_code == status, (path, response.body)
    # chalice.test.Client leaves headers empty for dict responses: CSV is what is not JSON.
    content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
    if content_type.startswith("text/csv"):
        return response.body.decode()
    return json.loads(response.body)


def addresses(body: dict[str, Any]) -> list[str]:
    return [item["address"] for item in body["items"]]


def test_filters_and_sorts(seeded: dict[str, Any]) -> None:
    token = seeded["riverside"]["viewer"]
    base = "/v1/tenants/riverside/bounces"
    with Client(chalice_app.app) as client:
        everything = get(client, base, token)
        assert addresses(everything)[0] == "ann@example.net"
        assert len(everything["items"]) == 4
        ann = everything["items"][0]
        assert ann["count"] == 3
        assert ann["summary"].endswith("3 times")
        assert ann["explanation"]
        assert addresses(get(client, f"{base}?category=hard", token)) == [
            "ann@example.net",
            "mallory@example.net",
        ]
        assert addresses(get(client, f"{base}?category=block,spam-content", token)) == [
            "carol@example.com"
        ]
        assert addresses(get(client, f"{base}?hard=false&sort=address", token)) == [
            "bob@example.org",
            "carol@example.com",
        ]
        assert addresses(get(client, f"{base}?source=event", token)) == ["bob@example.org"]
        assert addresses(get(client, f"{base}?domain=example.org", token)) == ["bob@example.org"]
        assert addresses(get(client, f"{base}?q=mall", token)) == ["mallory@example.net"]
        assert addresses(get(client, f"{base}?min_count=2", token)) == [
            "ann@example.net",
            "carol@example.com",
        ]
        assert addresses(get(client, f"{base}?state=suppressed", token)) == [
            "ann@example.net",
            "mallory@example.net",
        ]
        by_address = get(client, f"{base}?sort=address&order=desc", token)
        assert addresses(by_address) == sorted(addresses(by_address), reverse=True)
        first = get(client, f"{base}?sort=first_bounce&order=asc&limit=1", token)
        assert addresses(first) == ["ann@example.net"]
        rising = get(client, f"{base}?sort=rising&rising_days=3&limit=2", token)
        assert addresses(rising) == ["ann@example.net", "carol@example.com"]
        assert [i["recent_count"] for i in rising["items"]] == [3, 2]
        cursor = rising["next_cursor"]
        page2 = get(client, f"{base}?sort=rising&rising_days=3&limit=2&cursor={cursor}", token)
        assert addresses(page2) == ["bob@example.org", "mallory@example.net"]
        assert page2["next_cursor"] is None
        hard_rising = get(client, f"{base}?sort=rising&rising_days=3&category=hard", token)
        assert addresses(hard_rising) == ["ann@example.net", "mallory@example.net"]
        day = NOW.date().isoformat()
        assert len(get(client, f"{base}?last_from={day}&last_to={day}", token)["items"]) == 4


def test_paging_walks_every_address_once(seeded: dict[str, Any]) -> None:
    token = seeded["riverside"]["viewer"]
    seen: list[str] = []
    cursor = ""
    with Client(chalice_app.app) as client:
        for _ in range(10):
            page = get(client, f"/v1/tenants/riverside/bounces?limit=1&cursor={cursor}", token)
            seen += addresses(page)
            cursor = page["next_cursor"] or ""
            if not cursor:
                break
    assert sorted(seen) == sorted(
        ["ann@example.net", "bob@example.org", "carol@example.com", "mallory@example.net"]
    )


def test_a_list_names_its_total_only_when_it_fits_on_one_page(seeded: dict[str, Any]) -> None:
    """Counting a large tenant's addresses on every first page would read all of them; the
    page asks the bounded /bounce-count when the total is not known for free."""
    token = seeded["riverside"]["viewer"]
    base = "/v1/tenants/riverside"
    with Client(chalice_app.app) as client:
        assert get(client, f"{base}/bounces?limit=100", token)["total"] == 4
        first = get(client, f"{base}/bounces?limit=1", token)
        assert first["total"] is None and first["next_cursor"]
        assert get(client, f"{base}/bounce-count", token) == {"addresses": 4, "at_least": False}


def test_detail_history_and_reactivation(seeded: dict[str, Any]) -> None:
    viewer, admin = seeded["riverside"]["viewer"], seeded["riverside"]["admin"]
    path = f"/v1/tenants/riverside/bounces/{quote('Ann@Example.net')}"
    with Client(chalice_app.app) as client:
        detail = get(client, f"{path}?limit=2", viewer)
        assert detail["count"] == 3
        assert detail["suppression"]["reason"] == "hard-bounce"
        history = detail["history"]
        assert [h["send_id"] for h in history["items"]] == ["a0", "a1"]
        rest = get(client, f"{path}?limit=2&cursor={history['next_cursor']}", viewer)
        assert [h["send_id"] for h in rest["history"]["items"]] == ["a2"]
        get(client, "/v1/tenants/riverside/bounces/nobody%40example.net", viewer, 404)
        get(client, "/v1/tenants/riverside/bounces/not-an-address", viewer, 400)

        assert client.http.post(f"{path}/reactivate", headers=auth(viewer)).status_code == 403
        other = seeded["hillside"]["admin"]
        assert client.http.post(f"{path}/reactivate", headers=auth(other)).status_code == 403
        done = client.http.post(f"{path}/reactivate", headers=auth(admin))
        assert done.status_code == 200
        assert json.loads(done.body)["state"] == "reactivated"
        trail = get(client, "/v1/tenants/riverside/mass-deletes/audit", admin)["items"]
        (line,) = [entry for entry in trail if entry["action"] == "reactivated"]
        assert line["address"] == "ann@example.net"
        assert line["actor"].startswith("riverside (key ")
        check = get(client, "/v1/tenants/riverside/suppressions/ann%40example.net", viewer)
        assert check == {"address": "ann@example.net", "suppressed": False}
        again = get(client, path, viewer)
        assert again["count"] == 3 and again["suppression"] is None


def test_suppression_checks(seeded: dict[str, Any]) -> None:
    token = seeded["riverside"]["viewer"]
    with Client(chalice_app.app) as client:
        one = get(client, "/v1/tenants/riverside/suppressions/mallory%40example.net", token)
        assert one["suppressed"] is True and one["reason"] == "hard-bounce"
        response = client.http.post(
            "/v1/tenants/riverside/suppressions/check",
            headers={**auth(token), "Content-Type": "application/json"},
            body=json.dumps(
                {"addresses": ["ann@example.net", "bob@example.org", "new@example.com"]}
            ),
        )
        assert response.status_code == 200
        results = {r["address"]: r["suppressed"] for r in json.loads(response.body)["results"]}
        # Blocks never suppress; one mailbox-full bounce does not either.
        assert results == {
            "ann@example.net": True,
            "bob@example.org": False,
            "new@example.com": False,
        }
        for body, words in [
            ("[]", "addresses"),
            (json.dumps({"addresses": ["x"] * 1001}), "1000"),
            (json.dumps({"addresses": ["not an address"]}), "email address"),
        ]:
            bad = client.http.post(
                "/v1/tenants/riverside/suppressions/check",
                headers={**auth(token), "Content-Type": "application/json"},
                body=body,
            )
            assert bad.status_code == 400
            assert words in json.loads(bad.body)["Message"]


def test_csv_export_is_safe_for_spreadsheets(seeded: dict[str, Any]) -> None:
    token = seeded["riverside"]["viewer"]
    with Client(chalice_app.app) as client:
        text = get(client, "/v1/tenants/riverside/bounces.csv?category=hard", token)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["address"] for r in rows] == ["ann@example.net", "mallory@example.net"]
        mallory = rows[1]["diagnostic"]
        assert mallory.startswith("550") and "=HYPERLINK" in mallory
        same = get(client, "/v1/tenants/riverside/bounces?category=hard", token, accept="text/csv")
        assert same == text
    from chalicelib.report.export import neutralise

    for dangerous in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert neutralise(dangerous).startswith("'")
    assert neutralise("550 ok") == "550 ok"


def test_large_exports_go_to_s3_behind_a_link(
    seeded: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_service, "INLINE_EXPORT_ROWS", 2)
    token = seeded["riverside"]["viewer"]
    with Client(chalice_app.app) as client:
        link = get(client, "/v1/tenants/riverside/bounces.csv", token)
        assert link["rows"] == 4
        downloaded = requests.get(link["download_url"], timeout=10).text
        assert downloaded.startswith("address,count,")
        assert len(list(csv.DictReader(io.StringIO(downloaded)))) == 4


def test_stats(seeded: dict[str, Any]) -> None:
    token = seeded["riverside"]["viewer"]
    with Client(chalice_app.app) as client:
        stats = get(client, "/v1/tenants/riverside/stats", token)
    assert stats["totals"]["addresses"] == 4
    assert stats["totals"]["hard"] == 2
    assert stats["totals"]["suppressed"] == 2
    assert stats["totals"]["blacklisted"] == 2
    assert len(stats["daily"]) == 90
    assert sum(d["bounces"] for d in stats["daily"]) == 7
    assert {r["reason"]: r["bounces"] for r in stats["per_reason"]}["userunknown"] == 4
    assert {s["source"]: s["bounces"] for s in stats["per_source"]} == {
        "broadcast": 4,
        "event": 1,
        "survey": 2,
    }
    assert stats["blocking"]["suspected"] is True
    assert stats["blocking"]["hosts"][0]["domain"] == "example.com"
    # the blocklist named where the bounce names it (one address: carol)
    assert stats["blocking"]["hosts"][0]["blocklists"] == ["Spamhaus ZEN"]
    assert stats["blocking"]["blocklists"] == ["Spamhaus ZEN"]
    assert stats["invalid_share"] is None


def test_stats_read_the_kept_totals_and_the_reconcile_repairs_them(
    seeded: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.ports import AddressTotals
    from chalicelib.storage.totals import add_to_totals, read_totals, totals_item
    from rebound import cli

    token = seeded["riverside"]["viewer"]
    stats = "/v1/tenants/riverside/stats"
    # A tenant created since the totals exist keeps them from zero: equal to the recount.
    assert read_totals("riverside") == wiring.counters().recount_totals("riverside")
    with Client(chalice_app.app) as client:
        recounted = get(client, stats, token)["totals"]
        # A change made to the kept item alone shows: the view reads the item, not the counters.
        add_to_totals("riverside", AddressTotals.of("soft", suppressed=False))
        kept = get(client, stats, token)["totals"]
    assert recounted["addresses"] == 4 and recounted["hard"] == 2
    assert kept == {**recounted, "addresses": 5, "soft": recounted["soft"] + 1}
    # The repair puts the recount back.
    assert cli.main(["totals", "--tenant", "riverside"]) == 0
    printed = capsys.readouterr().out
    assert "riverside: kept addresses=5 " in printed and "recounted addresses=4 " in printed
    with Client(chalice_app.app) as client:
        assert get(client, stats, token)["totals"] == recounted
    # A tenant from before the totals (no item): recounted until the backfill writes it.
    totals_item("hillside").delete()
    assert read_totals("hillside") is None
    hillside = wiring.counters().address_totals("hillside")
    assert hillside.addresses == 1
    assert cli.main(["totals", "--all"]) == 0
    assert "hillside: none kept; recounted addresses=1 " in capsys.readouterr().out
    assert read_totals("hillside") == hillside


def test_errors_say_what_to_fix(seeded: dict[str, Any]) -> None:
    token = seeded["riverside"]["viewer"]
    base = "/v1/tenants/riverside/bounces"
    with Client(chalice_app.app) as client:
        for query, words in [
            ("?sort=size", "sort"),
            ("?order=up", "order"),
            ("?category=nope", "category"),
            ("?last_from=yesterday", "YYYY-MM-DD"),
            ("?rising_days=0", "rising_days"),
            ("?sort=rising&cursor=abc", "cursor"),
            ("?limit=1000", "limit"),
        ]:
            body = get(client, base + query, token, 400)
            assert words in body["Message"], query
        get(client, "/v1/tenants/nowhere/bounces", staff_key(), 404)


def test_every_route_is_documented_and_responses_validate(seeded: dict[str, Any]) -> None:
    document = chalice_app._document()
    validate(document)
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    routes = {
        (path, method) for path, entries in chalice_app.app.routes.items() for method in entries
    }
    assert routes <= documented, routes - documented

    token = seeded["riverside"]["viewer"]
    schemas = document["components"]["schemas"]
    resolver_doc = {"components": {"schemas": schemas}}

    def check(body: Any, schema: str) -> None:
        jsonschema.validate(
            body,
            {"$ref": f"#/components/schemas/{schema}", **resolver_doc},
        )

    with Client(chalice_app.app) as client:
        check(get(client, "/v1/me", token), "Me")
        check(get(client, "/v1/tenants/riverside/bounces", token), "BounceList")
        check(get(client, "/v1/tenants/riverside/bounces/ann%40example.net", token), "BounceDetail")
        check(get(client, "/v1/tenants/riverside/stats", token), "Stats")
        check(
            get(client, "/v1/tenants/riverside/suppressions/ann%40example.net", token),
            "Suppression",
        )
        check(get(client, "/v1/quarantine", staff_key()), "InboundList")
        check(get(client, "/v1/tenants/riverside/bounces?sort=size", token, 400), "Error")
        served = get(client, "/v1/openapi.json", token)
        assert served["paths"].keys() == document["paths"].keys()


def test_me(seeded: dict[str, Any]) -> None:
    with Client(chalice_app.app) as client:
        me = get(client, "/v1/me", seeded["riverside"]["admin"])
        assert me["name"].startswith("riverside (key ") and me["kind"] == "key"
        assert {k: me[k] for k in ("scope", "role", "tenants")} == {
            "scope": "riverside",
            "role": "admin",
            "tenants": ["riverside"],
        }
        staff = get(client, "/v1/me", staff_key())
        assert staff["role"] == "staff"
        assert staff["tenants"] == ["hillside", "riverside"]


def test_tenant_settings_drive_the_policy_and_invalid_share(seeded: dict[str, Any]) -> None:
    admin, viewer = seeded["riverside"]["admin"], seeded["riverside"]["viewer"]
    path = "/v1/tenants/riverside/settings"
    headers = {**auth(admin), "Content-Type": "application/json"}
    with Client(chalice_app.app) as client:
        assert get(client, path, viewer)["suppression_policy"] == {
            "hard_bounces": 1,
            "soft_bounces": 3,
            "soft_days": 3,
        }
        denied = client.http.patch(
            path, headers={**auth(viewer), "Content-Type": "application/json"}, body="{}"
        )
        assert denied.status_code == 403
        # The contact count is the circuit breaker's denominator: not the tenant's to set.
        refused = client.http.patch(path, headers=headers, body='{"contact_count": 100000000}')
        assert refused.status_code == 403
        assert "only staff or the sending system" in json.loads(refused.body)["Message"]
        staff = {**auth(staff_key()), "Content-Type": "application/json"}
        changed = client.http.patch(path, headers=staff, body='{"contact_count": 400}')
        assert changed.status_code == 200, changed.body
        assert json.loads(changed.body)["contact_count"] == 400
        body = json.dumps({"suppression_policy": {"soft_bounces": 1, "soft_days": 1}})
        changed = client.http.patch(path, headers=headers, body=body)
        assert changed.status_code == 200, changed.body
        audit = get(client, "/v1/tenants/riverside/mass-deletes/audit", admin)["items"]
        # The mass-delete service was built here without a state machine: forget it.
        wiring.mass_delete_service.cache_clear()
        assert [(a["action"], a.get("contact_count")) for a in audit[:2]] == [
            ("contact-count-changed", 400),
            ("contact-count-refused", 100000000),
        ]
        legacy = client.http.patch(path, headers=headers, body='{"accept_legacy_untagged": true}')
        assert legacy.status_code == 403
        for bad, words in [
            ('{"colour": 1}', "colour"),
            ('{"name": ""}', "name"),
            ('{"suppression_policy": {"soft_days": 0}}', "soft_days"),
            ("[1]", "JSON object"),
        ]:
            response = client.http.patch(path, headers=headers, body=bad)
            assert response.status_code == 400, bad
            assert words in json.loads(response.body)["Message"]
        stats = get(client, "/v1/tenants/riverside/stats", viewer)
        assert stats["contact_count"] == 400
        assert stats["invalid_share"] == 0.005  # 2 hard-bounced addresses of 400 contacts
    # The new policy applies to the next bounce: one soft bounce now suppresses.
    wiring.ingest_service()._policies.clear()
    ingest(bounce("riverside", "newbie@example.net", "4.2.2", "452 4.2.2 Mailbox full"))
    counter = wiring.counters().get_counter("riverside", "newbie@example.net")
    assert counter is not None and counter.state == "suppressed"


def test_domain_rates_come_from_reported_send_sizes(seeded: dict[str, Any]) -> None:
    admin, viewer = seeded["riverside"]["admin"], seeded["riverside"]["viewer"]
    with Client(chalice_app.app) as client:
        reported = client.http.put(
            "/v1/tenants/riverside/sends/big-send",
            headers={**auth(admin), "Content-Type": "application/json"},
            body=json.dumps(
                {"source": "broadcast", "recipients": 300, "per_domain": {"example.net": 200}}
            ),
        )
        assert reported.status_code == 200, reported.body
        for n in range(2):
            ingest(bounce("riverside", f"gone{n}@example.net", send_id="big-send"))
        stats = get(client, "/v1/tenants/riverside/stats", viewer)
    rates = {d["domain"]: d["rate"] for d in stats["per_domain"]}
    assert rates["example.net"] == 0.01  # 2 bounces of 200 reported recipients
    assert rates["example.org"] is None  # no send size reported for that domain
