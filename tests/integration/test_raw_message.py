"""The raw stored message of a counted bounce (issue 10, staff views): staff find its key in the
address's history and read it through GET /v1/inbound-raw (the quarantine's and unparsed mail's
route) as plain text or a download; tenant people never see the key nor the message; a message
over the API's size limit is a 413 that names its size and key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import pytest
from chalice.test import Client

import app as chalice_app
from chalicelib import wiring
from chalicelib.aws.s3 import MAX_RAW_VIEW_BYTES
from tests.integration.helpers import auth, bounce, put_inbound, setup_tenant, staff_key

pytestmark = pytest.mark.integration
HOSTILE = '550 5.1.1 <{r}> <script>alert("x")</script> <b>bold</b> user unknown'


def test_staff_read_a_counted_bounce_as_text_and_tenant_people_cannot(aws: Any) -> None:
    keys = setup_tenant("riverside")
    staff = staff_key()
    key = put_inbound(bounce("riverside", "ann@example.net", diagnostic=HOSTILE), "counted-1")
    wiring.ingest_service().ingest(key, datetime.now(UTC))
    detail_path = f"/v1/tenants/riverside/bounces/{quote('ann@example.net')}"
    with Client(chalice_app.app) as client:
        staff_view = json.loads(client.http.get(detail_path, headers=auth(staff)).body)
        (entry,) = staff_view["history"]["items"]
        assert entry["message_id"] == "counted-1"
        assert entry["raw_key"] == key
        for role in ("viewer", "admin"):
            theirs = json.loads(client.http.get(detail_path, headers=auth(keys[role])).body)
            assert [e["raw_key"] for e in theirs["history"]["items"]] == [None]
            denied = client.http.get(f"/v1/inbound-raw?key={key}", headers=auth(keys[role]))
            assert denied.status_code == 403

        shown = client.http.get(f"/v1/inbound-raw?key={entry['raw_key']}", headers=auth(staff))
        assert shown.status_code == 200
        assert shown.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert shown.headers["Content-Disposition"] == 'inline; filename="counted-1.eml"'
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        assert b'<script>alert("x")</script> <b>bold</b>' in shown.body
        downloaded = client.http.get(
            f"/v1/inbound-raw?key={key}&download=true", headers=auth(staff)
        )
        assert downloaded.headers["Content-Disposition"] == 'attachment; filename="counted-1.eml"'
        assert downloaded.body == shown.body


def test_a_message_over_the_limit_is_a_413_naming_its_size_and_key(aws: Any) -> None:
    staff = staff_key()
    at_limit = put_inbound(b"Subject: big\r\n\r\n" + b"x" * (MAX_RAW_VIEW_BYTES - 16), "at-limit")
    over = put_inbound(b"Subject: big\r\n\r\n" + b"x" * (MAX_RAW_VIEW_BYTES + 1_000_000), "over")
    empty = put_inbound(b"", "empty")
    with Client(chalice_app.app) as client:
        whole = client.http.get(f"/v1/inbound-raw?key={at_limit}", headers=auth(staff))
        assert whole.status_code == 200 and len(whole.body) == MAX_RAW_VIEW_BYTES
        refused = client.http.get(f"/v1/inbound-raw?key={over}", headers=auth(staff))
        assert refused.status_code == 413
        error = json.loads(refused.body)
        assert error["Code"] == "PayloadTooLargeError"
        assert error["Message"] == (
            "the stored message is 6,242,896 bytes (6.0 MiB), more than the 5 MiB "
            f"(5,242,880 bytes) the page shows or downloads; read {over} from the mail bucket "
            "instead"
        )
        nothing = client.http.get(f"/v1/inbound-raw?key={empty}", headers=auth(staff))
        assert nothing.status_code == 200 and nothing.body == b""
