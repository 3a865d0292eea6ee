"""Digest and alert rendering: text and HTML snapshots written by us (tests/data/notify/),
hostile bounce text escaped, links that open the report filtered, mail-client-safe HTML.

A deliberate change to the layout: run with REBOUND_UPDATE_SNAPSHOTS=1, read the diff, commit."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chalicelib.notify.model import Alert, AlertKind, Severity
from chalicelib.notify.render import (
    RenderedMail,
    render_alert,
    render_staff_digest,
    render_tenant_digest,
    report_link,
)
from tests.unit.notify.samples import REPORT_URL, empty_digest, staff_digest, tenant_digest

SNAPSHOTS = Path(__file__).resolve().parents[2] / "data" / "notify"
UPDATE = os.environ.get("REBOUND_UPDATE_SNAPSHOTS") == "1"


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote the missing snapshot {path}; read it, then run again")
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (see the module docstring)"


MAILS = {
    "tenant-digest": lambda: render_tenant_digest(tenant_digest(), REPORT_URL),
    "tenant-digest-empty": lambda: render_tenant_digest(empty_digest(), REPORT_URL),
    "staff-digest": lambda: render_staff_digest(staff_digest(), REPORT_URL),
}


@pytest.mark.parametrize("name", sorted(MAILS))
def test_text_and_html_match_the_snapshots(name: str) -> None:
    mail: RenderedMail = MAILS[name]()
    check_snapshot(f"{name}.txt", f"Subject: {mail.subject}\n\n{mail.text}")
    check_snapshot(f"{name}.html", mail.html)


class Tags(HTMLParser):
    """Every start tag and attribute of a document, for checking what it may not contain."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


@pytest.mark.parametrize("name", sorted(MAILS))
def test_html_is_safe_for_mail_clients(name: str) -> None:
    tags = parse(MAILS[name]().html)
    names = {tag for tag, _ in tags.tags}
    assert not names & {"script", "style", "img", "link", "iframe", "object", "form", "svg"}
    for tag, attrs in tags.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)  # no event handlers
        assert "class" not in attrs  # every style inline
        if tag == "a":
            assert (attrs["href"] or "").startswith(REPORT_URL)


def test_hostile_bounce_text_arrives_as_text_never_markup() -> None:
    mail = render_tenant_digest(tenant_digest(), REPORT_URL)
    assert "<script>" not in mail.html and "<img" not in mail.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert "onerror=&quot;alert(2)&quot;" in mail.html
    assert "Riverside &lt;b&gt;Chamber&lt;/b&gt; &amp; &quot;Co&quot;" in mail.html
    text = "".join(parse(mail.html).text)
    assert '<img src=x onerror="alert(2)">' in text  # shown to the reader as what it said
    staff = render_staff_digest(staff_digest(), REPORT_URL).html
    assert "<script>alert(3)" not in staff and "&lt;script&gt;alert(3)" in staff


def test_links_open_the_report_filtered_through_the_url_hash() -> None:
    mail = render_tenant_digest(tenant_digest(), REPORT_URL)
    links = set(re.findall(r"https://rebound\.example\.com/api/#\S+", mail.text))
    assert f"{REPORT_URL}#tenant=riverside&state=suppressed&last_from=2026-11-19" in links
    assert f"{REPORT_URL}#tenant=riverside&sort=rising" in links
    assert f"{REPORT_URL}#tenant=riverside&last_from=2026-11-19&sort=last_bounce" in links
    assert f"{REPORT_URL}#tenant=riverside&reason=userunknown&last_from=2026-11-19" in links
    assert f"{REPORT_URL}#tenant=riverside&domain=example.org" in links
    # A base URL that already carries a hash keeps only its own part before it.
    assert report_link("https://x.example/#old", tenant="t") == "https://x.example/#tenant=t"


def test_the_digest_says_what_to_do_first() -> None:
    text = render_tenant_digest(tenant_digest(), REPORT_URL).text
    assert text.index("Sends over the bounce-rate levels") < text.index("Rising: fix these")
    assert "s-42  broadcast  61 hard of 1000  6.1%" in text
    assert "3.0% (36 invalid of 1200 contacts; up from 2.5% at the last digest)" in text
    assert "mailbox does not exist" in text  # the classifier's explanation, one table


def test_an_alert_mail_names_the_condition_and_escapes_it() -> None:
    alert = Alert(
        kind=AlertKind.BLACKLISTED,
        severity=Severity.CRITICAL,
        scope="_system",
        key="blacklisted#example.net",
        title="Our sending server appears blacklisted by example.net",
        lines=("Diagnostic: 554 <b>listed</b> at zen.spamhaus.org",),
        cooldown=timedelta(hours=6),
        link=report_link(REPORT_URL, tenant="riverside", view="stats"),
        raised_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    mail = render_alert(alert)
    assert (
        mail.subject == "[Rebound CRITICAL] Our sending server appears blacklisted by example.net"
    )
    assert "&lt;b&gt;listed&lt;/b&gt;" in mail.html
    assert "held back for 6 h" in mail.text


def test_rechecks_that_changed_are_listed_escaped_invalid_first() -> None:
    from dataclasses import replace

    from chalicelib.recheck.model import RecheckChange, Verdict

    at = datetime(2026, 12, 6, 2, tzinfo=UTC)
    changes = (
        RecheckChange(
            "gone@nomail.example.org",
            Verdict.INVALID,
            Verdict.VALID,
            "The domain accepts no mail (null MX, RFC 7505).",
            at,
        ),
        RecheckChange("<b>x</b>@example.net", Verdict.RISKY, None, "A role account.", at),
    )
    digest = replace(tenant_digest(), rechecks_total=3, rechecks=changes)
    mail = render_tenant_digest(digest, REPORT_URL)
    assert "Re-checked addresses that changed" in mail.text
    assert "gone@nomail.example.org  valid -> invalid" in mail.text
    assert "The first 2 are listed." in mail.text
    assert "<b>x</b>" not in mail.html
    assert "&lt;b&gt;x&lt;/b&gt;@example.net" in mail.html
    assert not replace(empty_digest(), rechecks_total=1).is_empty
