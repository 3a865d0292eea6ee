"""The digest schedule (the `summary` Lambda) through chalice.test.Client, with SES captured by
moto: staff-wide and per-tenant digests as text + HTML from the no-reply address, once per
period however often the tick fires, no empty mail unless asked, a failed send given back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

import app as chalice_app
from chalicelib import wiring
from chalicelib.notify.model import DigestState
from chalicelib.notify.service import DigestFailed, DigestService
from tests.integration.helpers import aggregate, auth, bounce, put_inbound, setup_tenant

pytestmark = pytest.mark.integration


def sent() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def parsed(message: Any) -> EmailMessage:
    parsed_message = message_from_string(message.raw_data, policy=policy.default)
    assert isinstance(parsed_message, EmailMessage)
    return parsed_message


def parts(message: Any) -> tuple[str, str]:
    mail = parsed(message)
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def ingest(tenant: str, address: str, **kwargs: Any) -> str:
    key = put_inbound(bounce(tenant, address, **kwargs))
    wiring.ingest_service().ingest(key, datetime.now(UTC))
    aggregate()
    return key


def configure(client: Client, tenant: str, key: str, **body: Any) -> Any:
    return client.http.put(
        f"/v1/tenants/{tenant}/notification-settings",
        headers={**auth(key), "Content-Type": "application/json"},
        body=__import__("json").dumps(body),
    )


def test_the_tick_sends_each_due_digest_once_as_text_and_html(aws: Any) -> None:
    river = setup_tenant("riverside")
    setup_tenant("hillside")
    ingest("riverside", "ann@example.net")
    ingest("riverside", "ann@example.net", send_id="s2")
    ingest("hillside", "bob@example.org", status="5.2.2", diagnostic="552 5.2.2 Mailbox full")
    with Client(chalice_app.app) as client:
        response = configure(
            client,
            "riverside",
            river["admin"],
            cadence="daily",
            hour=0,
            timezone="Europe/Berlin",
            recipients=["office@example.org"],
        )
        assert response.status_code == 200, response.body
        first = client.lambda_.invoke("summary", {}).payload
        outcomes = {r["scope"]: r["outcome"] for r in first["results"]}
        assert outcomes == {"_system": "sent", "riverside": "sent"}
        messages = sent()
        assert len(messages) == 2
        by_to = {m.destinations[0]: m for m in messages}
        for message in messages:
            assert message.source == "Rebound <no-reply@example.com>"
            mail = parsed(message)
            assert mail["Auto-Submitted"] == "auto-generated"
            assert mail["X-Rebound-Notification"].startswith("digest;")
            assert mail.get_content_type() == "multipart/alternative"

        text, html = parts(by_to["office@example.org"])
        assert "Rebound bounce digest for riverside" in text
        assert "ann@example.net" in text and "userunknown" in text
        assert "#tenant=riverside&state=suppressed" in text
        assert "ann@example.net" in html and "<script" not in html.lower()
        staff_text, _ = parts(by_to["staff@example.com"])
        assert "riverside" in staff_text and "hillside" in staff_text

        # The schedule fires again (a retry, a duplicate tick, the next hour): nothing more.
        again = client.lambda_.invoke("summary", {}).payload
        assert {r["outcome"] for r in again["results"]} == {"already-done"}
        assert len(sent()) == 2


def test_a_quiet_tenant_gets_no_empty_digest_unless_it_asked(aws: Any) -> None:
    quiet = setup_tenant("quiet")
    eager = setup_tenant("eager")
    with Client(chalice_app.app) as client:
        configure(client, "quiet", quiet["admin"], cadence="daily", recipients=["q@example.org"])
        configure(
            client,
            "eager",
            eager["admin"],
            cadence="weekly",
            weekday="monday",
            recipients=["e@example.org"],
            send_empty=True,
        )
        payload = client.lambda_.invoke("summary", {}).payload
    outcomes = {r["scope"]: r["outcome"] for r in payload["results"]}
    assert outcomes["quiet"] == "skipped-empty"
    assert outcomes["eager"] == "sent"
    assert outcomes["_system"] == "skipped-empty"
    recipients = [m.destinations[0] for m in sent()]
    assert recipients == ["e@example.org"]
    text, _ = parts(sent()[0])
    assert "Nothing bounced in this period" in text


class FlakyMailer:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    def send_multipart(self, **kwargs: Any) -> str:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("SES is unreachable")
        self.sent.append(kwargs["subject"])
        return f"m-{len(self.sent)}"


def service(mailer: Any, now: datetime) -> DigestService:
    real = wiring.digest_service()
    return DigestService(
        builder=real._builder,
        notify=wiring.notify_repository(),
        tenants=wiring.tenants(),
        mailer=mailer,
        policy=wiring.mail_policy(),
        staff_recipients=["staff@example.com"],
        staff_digest_hour=7,
        report_url="http://127.0.0.1:8000/",
        clock=lambda: now,
    )


def test_a_failed_send_is_given_back_and_the_retry_sends_it_once(aws: Any) -> None:
    setup_tenant("riverside")
    ingest("riverside", "ann@example.net")
    now = datetime.now(UTC)
    mailer = FlakyMailer(failures=1)
    with pytest.raises(DigestFailed, match="_system"):
        service(mailer, now).run()
    store = wiring.notify_repository()
    period = f"D{(now - timedelta(hours=7)).date().isoformat()}"
    assert store.digest_state("_system", period) is None  # released, not stuck "sending"
    retry = service(mailer, now + timedelta(minutes=1)).run()
    assert [r.outcome for r in retry.results] == ["sent"]
    assert store.digest_state("_system", period) is DigestState.SENT
    assert len(mailer.sent) == 1
    assert service(mailer, now + timedelta(minutes=2)).run().results[0].outcome == "already-done"
    assert len(mailer.sent) == 1


def test_two_runs_racing_for_one_period_send_once(aws: Any) -> None:
    store = wiring.notify_repository()
    now = datetime.now(UTC)
    assert store.claim_digest("riverside", "D2026-11-20", now, timedelta(minutes=15))
    assert not store.claim_digest("riverside", "D2026-11-20", now, timedelta(minutes=15))
    # A run that died mid-send: its claim is taken over once it is older than any run lasts.
    later = now + timedelta(minutes=16)
    assert store.claim_digest("riverside", "D2026-11-20", later, timedelta(minutes=15))
    store.finish_digest("riverside", "D2026-11-20", DigestState.SENT, "m-1")
    much_later = now + timedelta(days=1)
    assert not store.claim_digest("riverside", "D2026-11-20", much_later, timedelta(minutes=15))


def test_the_digests_name_the_blocklist_a_bounce_named(aws: Any) -> None:
    river = setup_tenant("riverside")
    zen = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
    ingest("riverside", "carl@example.com", status="5.7.1", diagnostic=zen)
    ingest("riverside", "dora@example.com", status="5.7.1", diagnostic=zen)
    with Client(chalice_app.app) as client:
        configure(
            client,
            "riverside",
            river["admin"],
            cadence="daily",
            hour=0,
            timezone="UTC",
            recipients=["office@example.org"],
        )
        client.lambda_.invoke("summary", {})
    by_to = {m.destinations[0]: m for m in sent() if "digest" in parsed(m)["Subject"]}
    text, html = parts(by_to["office@example.org"])
    assert "example.com: our server is listed on Spamhaus ZEN (2 addresses refused)" in text
    assert "our server is listed on Spamhaus ZEN" in html
    staff_text, _ = parts(by_to["staff@example.com"])
    (line,) = [t for t in staff_text.splitlines() if t.startswith("  riverside")]
    assert "our server is listed on Spamhaus ZEN" in line
