"""Unit checks of the parser's building blocks: dates, the phrase matcher, family fingerprints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from chalicelib.classification.matcher import Matcher, anchor_of, expansions
from chalicelib.parsing import pipeline
from chalicelib.parsing.context import Context
from chalicelib.parsing.dates import parse_date
from chalicelib.parsing.message import load
from chalicelib.parsing.mta import registry

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 4 Mar 2025 09:15:00 +0100", datetime(2025, 3, 4, 8, 15, tzinfo=UTC)),
        ("4 Mar 2025 09:15 -0000", datetime(2025, 3, 4, 9, 15, tzinfo=UTC)),
        ("Thu, 29 Apr 99 23:34:45 EDT", datetime(1999, 4, 30, 3, 34, 45, tzinfo=UTC)),
        ("Mon, 3 March 2025 10:00:00 GMT (UTC)", datetime(2025, 3, 3, 10, tzinfo=UTC)),
    ],
)
def test_dates(value: str, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


@pytest.mark.parametrize("value", ["", "yesterday", "4 Mar 2025 09:15", "31 Feb 2025 10:00 +0000"])
def test_unreadable_dates_are_none(value: str) -> None:
    assert parse_date(value) is None


def test_date_keeps_the_offset() -> None:
    parsed = parse_date("Tue, 4 Mar 2025 09:15:00 +0530")
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=5, minutes=30)
    assert parsed.tzinfo == timezone(timedelta(hours=5, minutes=30))


def test_matcher_expands_plain_variants_and_anchors_the_rest() -> None:
    assert expansions("mail ?box full") == ["mail box full", "mailbox full"]
    assert expansions(r"\bspf\b") is None
    assert anchor_of(r"error_code :4\d\d.{0,40}host not reachable") == "host not reachable"
    matcher = Matcher((r"mail ?box full", r"(?<!not )\blisted (?:at|in) \S+bl"))
    assert matcher.search("550 mailbox full")
    assert matcher.search("you are listed in zen.example-dnsbl")
    assert not matcher.search("you are not listed in zen.example-dnsbl")


@pytest.mark.parametrize("path", sorted(MAIL.glob("*.eml")), ids=lambda p: p.name)
def test_registry_fingerprints_agree_with_each_family(path: Path) -> None:
    """The one-pass fingerprint check finds exactly the families each one would claim."""
    mail = load(path.read_bytes())
    body, full, dsn, original, dsn_text = pipeline._texts(mail)
    ctx = Context(mail, body, full, dsn, original, dsn_text)
    families = [registry.family_of(m) for m in registry.DETECTORS]
    expected = {f.name for f in families if f is not None and f.recognises(ctx)}
    assert registry.recognised(ctx) == expected


def _report(*parts: tuple[str, str]) -> bytes:
    body = "".join(
        f"--b\nContent-Type: {ctype}\nContent-Transfer-Encoding: quoted-printable\n\n{text}\n"
        for ctype, text in parts
    )
    return (
        "From: MAILER-DAEMON@example.net\nTo: sender@example.com\nSubject: Undelivered Mail\n"
        f'Content-Type: multipart/alternative; boundary="b"\n\n{body}--b--\n'
    ).encode()


def test_html_is_decoded_only_when_the_report_has_no_plain_text() -> None:
    html = "<p>Delivery to <b>ann@example.org</b> failed: 550 5.1.1 user unknown=3D</p>"
    alone = load(_report(("text/html", html)))
    (part,) = alone.parts
    assert part.text == ""
    assert part.decoded() == html.replace("=3D", "=")
    body = pipeline._texts(alone)[0]
    assert "550 5.1.1 user unknown=" in body
    assert "<b>" not in body

    both = load(_report(("text/plain", "Delivery to bob@example.org failed."), ("text/html", html)))
    assert pipeline._texts(both)[0] == "Delivery to bob@example.org failed."
    assert both.parts[1].text == ""
    result = pipeline.parse_message(_report(("text/html", html)))
    assert [r.address for r in result.recipients] == ["ann@example.org"]
