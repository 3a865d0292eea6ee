"""The local SES inbound: the receipt rule's recipient condition, what is stored for a message,
and the SMTP handler's replies (driven directly, no sockets)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest

from rebound.local.inbound import (
    RecipientRule,
    inbound_key,
    new_message_id,
    ses_stored_message,
)
from rebound.local.smtp import SesInboundHandler

RULE = RecipientRule("groupmessaging", "bounces.example.com")


@pytest.mark.parametrize(
    "address",
    [
        "groupmessaging@bounces.example.com",
        "GroupMessaging@bounces.example.com",
        "<groupmessaging@bounces.example.com>",
        "groupmessaging+local1-abcdefgh-abcdefghabcdefgh@bounces.example.com",
        "GROUPMESSAGING+Anything@bounces.example.com",
        "groupmessaging@BOUNCES.example.COM",
    ],
)
def test_rule_accepts_the_groupmessaging_address_and_its_tags(address: str) -> None:
    assert RULE.accepts(address)


@pytest.mark.parametrize(
    "address",
    [
        "someone@bounces.example.com",
        "groupmessaging@example.com",
        "groupmessaging@sub.bounces.example.com",
        "groupmessaging@bounces.example.com.evil.example.net",
        "groupmessagingx@bounces.example.com",
        "xgroupmessaging@bounces.example.com",
        "groupmessaging+@bounces.example.com",
        "groupmessaging",
        "",
        "@bounces.example.com",
        "groupmessaging@bounces.example.com@example.net",
    ],
)
def test_rule_refuses_everything_else(address: str) -> None:
    assert not RULE.accepts(address)


def test_refusal_is_a_550_5_1_1_that_says_what_is_accepted() -> None:
    reply = RULE.refusal("<someone@example.net>")
    assert reply.startswith("550 5.1.1 <someone@example.net>")
    assert "groupmessaging@bounces.example.com" in reply


def test_message_ids_look_like_ses_ones_and_differ() -> None:
    ids = {new_message_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[a-z2-7]{40}", i) for i in ids)
    assert inbound_key("inbound/", "abc") == "inbound/abc"


def test_stored_message_has_ses_headers_prepended_and_the_message_unchanged() -> None:
    raw = b"From: MAILER-DAEMON@example.org\r\nSubject: failed\r\n\r\nbody \xff bytes\r\n"
    rcpt = "groupmessaging+tag@bounces.example.com"
    stored = ses_stored_message(
        raw,
        message_id="m" * 40,
        mail_from="",
        recipients=[rcpt],
        peer="192.0.2.1",
        helo="mail.example.org",
        received_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )
    assert stored.endswith(raw)
    headers = message_from_bytes(stored, policy=policy.compat32)
    assert list(headers.keys())[:4] == [
        "Return-Path",
        "Received",
        "X-SES-Spam-Verdict",
        "X-SES-Virus-Verdict",
    ]
    assert headers["Return-Path"] == "<>"
    received = " ".join(headers["Received"].split())
    assert received.startswith("from mail.example.org (mail.example.org [192.0.2.1])")
    assert f"with SMTP id {'m' * 40} for {rcpt};" in received
    assert received.endswith("Fri, 20 Nov 2026 09:30:00 +0000")
    assert headers["X-SES-Spam-Verdict"] == "PASS"
    assert headers["X-SES-Virus-Verdict"] == "PASS"


@pytest.mark.parametrize(
    ("mail_from", "expected"), [("<>", "<>"), ("", "<>"), ("a@x.org", "<a@x.org>")]
)
def test_return_path_is_the_envelope_sender(mail_from: str, expected: str) -> None:
    stored = ses_stored_message(
        b"\r\n", message_id="x", mail_from=mail_from, recipients=[], peer="", helo=""
    )
    assert message_from_bytes(stored)["Return-Path"] == expected


def test_received_names_no_recipient_when_there_are_several() -> None:
    stored = ses_stored_message(
        b"\r\n",
        message_id="x",
        mail_from="a@example.org",
        recipients=["groupmessaging@bounces.example.com", "groupmessaging+t@bounces.example.com"],
        peer="192.0.2.1",
        helo="",
    )
    received = message_from_bytes(stored)["Received"]
    assert " for " not in received


def _envelope() -> SimpleNamespace:
    return SimpleNamespace(rcpt_tos=[], mail_from="", original_content=b"Subject: x\r\n\r\nhi\r\n")


def _session() -> SimpleNamespace:
    return SimpleNamespace(peer=("127.0.0.1", 40000), host_name="mta.example.org")


def test_handler_refuses_other_recipients_and_accepts_tags() -> None:
    handler = SesInboundHandler(RULE, lambda key, data: None)
    envelope = _envelope()
    refused = asyncio.run(
        handler.handle_RCPT(None, _session(), envelope, "ann@example.net", [])  # type: ignore[arg-type]
    )
    assert refused.startswith("550 5.1.1")
    assert envelope.rcpt_tos == []
    tagged = "groupmessaging+abc@bounces.example.com"
    accepted = asyncio.run(handler.handle_RCPT(None, _session(), envelope, tagged, []))  # type: ignore[arg-type]
    assert accepted.startswith("250")
    assert envelope.rcpt_tos == [tagged]


def test_handler_stores_under_inbound_with_the_ses_id_it_replies() -> None:
    stored: dict[str, bytes] = {}
    handler = SesInboundHandler(RULE, stored.__setitem__, "inbound/")
    envelope = _envelope()
    envelope.rcpt_tos.append("groupmessaging+abc@bounces.example.com")
    reply = asyncio.run(handler.handle_DATA(None, _session(), envelope))  # type: ignore[arg-type]
    assert reply.startswith("250 Ok ")
    message_id = reply.split()[-1]
    assert list(stored) == [f"inbound/{message_id}"]
    data = stored[f"inbound/{message_id}"]
    assert data.endswith(envelope.original_content)
    assert b"for groupmessaging+abc@bounces.example.com;" in data


def test_handler_answers_451_when_the_bucket_fails() -> None:
    def broken(key: str, data: bytes) -> None:
        raise ConnectionError("endpoint down")

    handler = SesInboundHandler(RULE, broken)
    envelope = _envelope()
    envelope.rcpt_tos.append("groupmessaging@bounces.example.com")
    reply = asyncio.run(handler.handle_DATA(None, _session(), envelope))  # type: ignore[arg-type]
    assert reply.startswith("451 4.3.0")
