"""The scheduled summary handler through chalice.test.Client, with SES captured by moto."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

import app as chalice_app
from chalicelib import wiring
from tests.integration.helpers import bounce, put_inbound, setup_tenant

pytestmark = pytest.mark.integration


def sent() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def test_summary_lists_new_bounces_per_tenant_and_is_sent_from_no_reply(aws: Any) -> None:
    setup_tenant("riverside")
    setup_tenant("hillside")
    service = wiring.ingest_service()
    now = datetime.now(UTC)
    service.ingest(put_inbound(bounce("riverside", "ann@example.net")), now)
    service.ingest(put_inbound(bounce("riverside", "ann@example.net", send_id="s2")), now)
    service.ingest(
        put_inbound(bounce("hillside", "bob@example.org", "5.2.2", "552 5.2.2 Mailbox full")), now
    )
    with Client(chalice_app.app) as client:
        result = client.lambda_.invoke("summary", {})
        assert result.payload["addresses"] == 2
        messages = sent()
        assert len(messages) == 1
        message = messages[0]
        assert message.source == "Rebound <no-reply@example.com>"
        assert "groupmessaging" not in message.source
        assert message.destinations["ToAddresses"] == ["staff@example.com"]
        assert "riverside: 1 address(es) bounced, 1 hard" in message.body
        assert "ann@example.net  userunknown  last bounced" in message.body
        assert "2 time(s)" in message.body
        assert "hillside: 1 address(es) bounced" in message.body

        # The next run covers only what arrived since: nothing new, says so.
        again = client.lambda_.invoke("summary", {})
        assert again.payload["addresses"] == 0
        assert "No new bounces" in sent()[-1].body
