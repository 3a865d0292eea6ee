"""Digests and alerts name the blocklist where the bounce does ("listed on Spamhaus ZEN"),
per receiving domain, in plain words (issue 10, item 8)."""

from __future__ import annotations

from chalicelib.notify.digest import BlocklistLine, blocklist_lines
from chalicelib.notify.render import render_staff_digest, render_tenant_digest
from tests.unit.notify.samples import REPORT_URL, blocked, staff_digest, tenant_digest


def test_the_lines_count_addresses_per_domain_and_blocklist_and_skip_mere_blocks() -> None:
    assert blocklist_lines(blocked()) == [
        BlocklistLine("example.com", "listed on Spamhaus ZEN", 2),
        BlocklistLine("example.org", "listed on a blocklist", 1),
    ]
    assert blocklist_lines([c for c in blocked() if not c.blacklisted]) == []


def test_the_tenant_digest_names_the_blocklist_in_text_and_html() -> None:
    mail = render_tenant_digest(tenant_digest(), REPORT_URL)
    assert "example.com: our server is listed on Spamhaus ZEN (2 addresses refused)" in mail.text
    assert "example.org: our server is listed on a blocklist (1 address refused)" in mail.text
    assert "our server is listed on Spamhaus ZEN</td>" in mail.html
    for internal in ("blacklisted", "zen.spamhaus.org", "/v1/"):
        assert internal not in mail.text


def test_the_staff_digest_names_it_beside_the_tenant() -> None:
    mail = render_staff_digest(staff_digest(), REPORT_URL)
    (line,) = [t for t in mail.text.splitlines() if t.startswith("  riverside")]
    assert "our server is listed on Spamhaus ZEN" in line
    assert "our server is listed on Spamhaus ZEN" in mail.html
