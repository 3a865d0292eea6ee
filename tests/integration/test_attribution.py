"""A verified tag's recipient is charged only with a failure the bounce names for it, or with the
bounce's only failure; a bounce naming several other addresses goes to the staff quarantine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from chalice.test import Client

import app as chalice_app
from rebound.local.dispatcher import Dispatcher
from rebound.samples import SampleFailure, dsn
from tests.integration.helpers import auth, put_inbound, return_path, setup_tenant, staff_key

pytestmark = pytest.mark.integration

UNKNOWN = "550 5.1.1 <{r}>: Recipient address rejected: User unknown"


@pytest.fixture
def stack(aws: Any) -> Any:
    keys = setup_tenant("riverside")
    dispatcher = Dispatcher(aws.queue_url, aws.queue_arn, chalice_app.ingest)
    dispatcher.drain()
    return keys, dispatcher


def _bounce(tagged: str, *failed: str) -> bytes:
    return dsn(
        return_path=return_path("riverside", tagged),
        failures=[SampleFailure(a, "5.1.1", UNKNOWN.format(r=a)) for a in failed],
        date=datetime.now(UTC),
    )


def _items(client: Client, path: str, token: str) -> list[dict[str, Any]]:
    response = client.http.get(path, headers=auth(token))
    assert response.status_code == 200, response.body
    items: list[dict[str, Any]] = json.loads(response.body)["items"]
    return items


def test_several_other_failures_are_quarantined_not_charged(stack: Any) -> None:
    keys, dispatcher = stack
    put_inbound(_bounce("ann@example.net", "bob@example.net", "cy@example.net"))
    dispatcher.drain()
    with Client(chalice_app.app) as client:
        assert _items(client, "/v1/tenants/riverside/bounces", keys["viewer"]) == []
        quarantined = _items(client, "/v1/quarantine", staff_key())
        assert len(quarantined) == 1
        assert "2 failed addresses" in quarantined[0]["problem"]


def test_the_only_failure_is_charged_to_the_tag_recipient(stack: Any) -> None:
    keys, dispatcher = stack
    put_inbound(_bounce("ann@example.net", "ann.forwarded@example.org"))
    dispatcher.drain()
    with Client(chalice_app.app) as client:
        items = _items(client, "/v1/tenants/riverside/bounces", keys["viewer"])
        assert [i["address"] for i in items] == ["ann@example.net"]
