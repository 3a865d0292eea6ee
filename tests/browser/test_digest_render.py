"""The digest's HTML part in Debian's headless Chromium (launched as tests/browser/conftest.py
does): hostile bounce text never runs, nothing is fetched from the network, the layout fits a
desktop mail pane and a phone, and screenshots land in test-artifacts/browser/ to look at."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.notify.render import render_staff_digest, render_tenant_digest
from tests.browser.helpers import ARTIFACTS
from tests.unit.notify.samples import REPORT_URL, staff_digest, tenant_digest

pytestmark = pytest.mark.browser


@pytest.fixture
def mail_page(browser_context: Any) -> Iterator[Any]:
    """A tab that records every network request and script error."""
    tab = browser_context.new_page()
    tab.requests = []  # type: ignore[attr-defined]
    tab.errors = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requests.append(request.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    tab.close()


@pytest.mark.parametrize("width", [640, 375])
def test_the_tenant_digest_renders_without_scripts_or_remote_content(
    mail_page: Any, width: int
) -> None:
    html = render_tenant_digest(tenant_digest(), REPORT_URL).html
    mail_page.set_viewport_size({"width": width, "height": 900})
    mail_page.set_content(html, wait_until="load")
    assert mail_page.evaluate("() => typeof window.__xss") == "undefined"
    assert mail_page.evaluate("() => document.querySelectorAll('script, img').length") == 0
    assert mail_page.requests == [] and mail_page.errors == []
    # Nothing wider than the pane: no horizontal scrolling in a mail client's reading pane.
    scroll_width = mail_page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width
    hostile = mail_page.get_by_text("<script>alert(1)</script>", exact=False)
    assert hostile.count() == 1  # shown as text
    link = mail_page.get_by_role("link", name="Open the suppressed addresses in the report")
    assert link.get_attribute("href") == (
        f"{REPORT_URL}#tenant=riverside&state=suppressed&last_from=2026-11-19"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mail_page.screenshot(path=str(ARTIFACTS / f"digest-tenant-{width}.png"), full_page=True)


def test_the_staff_digest_renders(mail_page: Any) -> None:
    mail_page.set_viewport_size({"width": 640, "height": 900})
    mail_page.set_content(render_staff_digest(staff_digest(), REPORT_URL).html)
    assert mail_page.requests == [] and mail_page.errors == []
    assert mail_page.get_by_role("heading", name="Tenants with the worst rates").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mail_page.screenshot(path=str(ARTIFACTS / "digest-staff-640.png"), full_page=True)
