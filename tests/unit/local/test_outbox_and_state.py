"""The local outbox (.eml files from moto's record of sent mail) and the state files."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path
from types import SimpleNamespace

from rebound.local.outbox import Outbox, render_eml
from rebound.local.state import (
    LocalState,
    TenantKeys,
    aws_state_path,
    remove_state,
    running_stack,
    write_state,
)


def _sent(message_id: str = "abc-123") -> SimpleNamespace:
    # The attributes moto's SES Message has for SendEmail.
    return SimpleNamespace(
        id=message_id,
        source="Rebound <no-reply@example.com>",
        subject="Rebound: 2 bounced address(es)",
        body="riverside: 2 address(es) bounced\n",
        destinations={"ToAddresses": ["staff@example.com"], "CcAddresses": []},
    )


def test_render_gives_a_message_any_mail_program_opens() -> None:
    message = message_from_bytes(render_eml(_sent()), policy=policy.default)
    assert message["From"] == "Rebound <no-reply@example.com>"
    assert message["To"] == "staff@example.com"
    assert message["Subject"] == "Rebound: 2 bounced address(es)"
    assert message["Message-ID"] == "<abc-123@email.amazonses.com>"
    assert message["Date"] is not None
    assert message["MIME-Version"] == "1.0"
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "riverside: 2 address(es) bounced\n"


def test_raw_messages_are_kept_and_completed() -> None:
    raw = SimpleNamespace(
        id="raw-1",
        source="no-reply@example.com",
        destinations=["staff@example.com"],
        raw_data="From: no-reply@example.com\nTo: staff@example.com\nSubject: hi\n\nbody\n",
    )
    message = message_from_bytes(render_eml(raw), policy=policy.default)
    assert message["Subject"] == "hi"
    assert message["Message-ID"] == "<raw-1@email.amazonses.com>"


def test_outbox_writes_each_message_once(tmp_path: Path) -> None:
    sent = [_sent("one")]
    outbox = Outbox(tmp_path / "outbox", source=lambda: list(sent))
    assert len(outbox.flush()) == 1
    sent.append(_sent("two"))
    (written,) = outbox.flush()
    assert written.name.endswith("-two.eml")
    assert outbox.flush() == []
    assert sorted(p.suffix for p in (tmp_path / "outbox").iterdir()) == [".eml", ".eml"]


def test_state_files_have_the_documented_shape_and_go_away(tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "local.json"
    state = LocalState(
        api_url="http://127.0.0.1:8000",
        smtp_host="127.0.0.1",
        smtp_port=2525,
        inbound_address="groupmessaging@bounces.example.com",
        outbox="/tmp/outbox",
        tenants=[TenantKeys("riverside", "rbk.v", "rbk.a")],
        staff_api_key="rbk.s",
    )
    write_state(state_file, state, "http://127.0.0.1:5000")
    data = json.loads(state_file.read_text())
    assert list(data) == [
        "api_url",
        "smtp_host",
        "smtp_port",
        "inbound_address",
        "outbox",
        "tenants",
        "staff_api_key",
    ]
    assert data["tenants"] == [{"id": "riverside", "api_key": "rbk.v", "admin_api_key": "rbk.a"}]
    assert state_file.stat().st_mode & 0o077 == 0  # keys inside: private to the user
    stack = running_stack(state_file)
    assert stack is not None
    assert stack["aws_endpoint_url"] == "http://127.0.0.1:5000"
    assert stack["pid"] == os.getpid()
    remove_state(state_file)
    assert not state_file.exists()
    assert not aws_state_path(state_file).exists()


def test_a_state_file_of_a_dead_process_is_stale(tmp_path: Path) -> None:
    path = aws_state_path(tmp_path / "local.json")
    path.write_text(json.dumps({"aws_endpoint_url": "http://x", "pid": 2**22 + 12345}))
    assert running_stack(tmp_path / "local.json") is None


def test_the_dns_port_is_an_additional_last_field(tmp_path: Path) -> None:
    state_file = tmp_path / "local.json"
    state = LocalState("http://127.0.0.1:8000", "127.0.0.1", 2525, "g@example.com", "/o", [], "k")
    write_state(state_file, replace(state, dns_port=5353), "http://127.0.0.1:5000")
    data = json.loads(state_file.read_text())
    assert list(data)[:-1] == list(state.as_json())  # the documented fields, unchanged
    assert list(data)[-1] == "dns_port" and data["dns_port"] == 5353
