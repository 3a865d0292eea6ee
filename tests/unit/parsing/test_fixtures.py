"""Every fixture under tests/data/mail parses to what its family's expectation table says."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.parsing import parse_message
from chalicelib.parsing.model import MessageKind
from chalicelib.parsing.mta import registry
from tests.unit.parsing.expectations import FAMILIES, Row

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
CASES = [
    pytest.param(family, name, row, id=f"{family}:{name}")
    for family, table in FAMILIES.items()
    for name, row in table.items()
]
MODULES = {str(m.NAME) for m in registry.DETECTORS}


@pytest.mark.parametrize(("family", "name", "row"), CASES)
def test_fixture_matches_expectation(family: str, name: str, row: Row) -> None:
    result = parse_message((MAIL / name).read_bytes())
    kind, recipients = row
    assert not [d for d in result.defects if d.startswith("internal:")]
    assert result.kind.value == kind
    if family in MODULES and family != "generic":
        assert result.mta == family
    got = [(r.address, r.reason.value, r.hard, r.blacklisted) for r in result.recipients]
    assert got == recipients
    for r in result.recipients:
        assert r.explanation
        assert not r.address.startswith("groupmessaging")


def test_every_mta_family_has_fixtures() -> None:
    """Every registered family is exercised by at least one of our own fixtures."""
    assert set(FAMILIES) >= MODULES


def test_every_fixture_has_an_expectation() -> None:
    covered = {name for table in FAMILIES.values() for name in table}
    on_disk = {p.name for p in MAIL.glob("*.eml")}
    assert on_disk == covered


def test_bounce_headers_are_read() -> None:
    result = parse_message((MAIL / "postfix-01.eml").read_bytes())
    assert result.kind is MessageKind.BOUNCE
    assert isinstance(result.date, datetime)
    assert result.date.tzinfo is not None
    assert result.message_id == "bounce-postfix-01.eml@mx.example.org"
    assert result.original_message_id == "orig-1@mms.example.com"
    assert result.recipients[0].status == "5.1.1"
    assert result.recipients[0].remote_mta == "mx.example.net"
