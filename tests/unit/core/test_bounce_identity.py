"""The bounce's identity: one per bounce however it travelled, another for another bounce."""

from __future__ import annotations

from chalicelib.ingest import bounce_identity
from chalicelib.parsing import parse_message

RAW = b"""Return-Path: <>
Received: from mx1.example.org by inbound.example.com; Fri, 20 Nov 2026 09:30:00 +0000
Date: Fri, 20 Nov 2026 09:30:00 +0000
From: MAILER-DAEMON@example.org
Subject: Undelivered Mail Returned to Sender

<ann@example.net>: 550 5.1.1 User unknown
"""


def identity(raw: bytes) -> str:
    return bounce_identity(raw, parse_message(raw))


def test_without_message_id_transit_fields_and_line_endings_do_not_matter() -> None:
    relayed = b"Received: from relay.example.com by mx.example.com; x\nX-SES-Spam-Verdict: PASS\n"
    assert identity(RAW) == identity(relayed + RAW)
    assert identity(RAW) == identity(RAW.replace(b"\n", b"\r\n") + b"\r\n\r\n")
    assert identity(RAW).startswith("d")


def test_another_text_is_another_bounce() -> None:
    assert identity(RAW) != identity(RAW.replace(b"User unknown", b"No such user"))


def test_a_message_id_is_the_identity_and_is_hashed() -> None:
    with_id = RAW.replace(b"Subject:", b"Message-ID: <" + b"x" * 250 + b"@example.org>\nSubject:")
    found = identity(with_id)
    assert found.startswith("m")
    assert len(found) == 41
    assert found == identity(with_id.replace(b"User unknown", b"changed by a relay"))
