"""What is left of issues 10 and 14 in the page, in Debian's Chromium against the real API: a
bounce's raw message for staff (as text, never HTML), every sortable column from its header,
the blocklist named in the statistics' notice, and the re-check of a row and of a selection
(answered by our own DNS stub, rebound.dnsstub)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import XSS_DIAGNOSTIC, Seeded, addresses, shot, sign_in_as

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
NOMAIL = "gone@nomail.example.org"  # the stub serves a null MX (RFC 7505) for the domain
TYPO = "ann@gmial.com"  # a likely typo of gmail.com


def _as(page: Any, seeded: Seeded, who: str, link: str = "") -> None:
    username, password = seeded.people[who]
    sign_in_as(page, seeded.url, username, password, link)


@pytest.fixture(scope="module")
def dns(seeded: Seeded) -> Iterator[None]:
    """Our DNS stub for the API's re-checks, and two more bounced addresses to re-check."""
    from chalicelib import wiring
    from chalicelib.config import Env, settings
    from rebound.dnsstub import DnsStub
    from tests.integration.helpers import bounce, put_inbound

    server = DnsStub.start()
    os.environ[Env.DNS_SERVER] = f"127.0.0.1:{server.port}"
    settings.cache_clear()
    wiring.recheck_service.cache_clear()
    for address in (NOMAIL, TYPO):
        wiring.ingest_service().ingest(put_inbound(bounce("riverside", address)), datetime.now(UTC))
    yield
    server.stop()
    del os.environ[Env.DNS_SERVER]
    settings.cache_clear()
    wiring.recheck_service.cache_clear()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_staff_read_a_bounces_raw_message_as_text(page: Any, seeded: Seeded, size: str) -> None:
    if size == "phone":
        page.set_viewport_size(PHONE)
    _as(page, seeded, "sam", f"#tenant=riverside&q={seeded.hostile}")
    page.locator("#bounce-rows button.address", has_text=seeded.hostile).click()
    history = page.locator("#history")
    raw_button = history.get_by_test_id("history-raw").first
    expect(raw_button).to_be_visible()
    raw_button.click()
    expect(raw_button).to_have_attribute("aria-expanded", "true")
    text = history.get_by_test_id("raw-text")
    # The stored message, markup and all, as text: the diagnostic's <script> and <img> are
    # characters on the screen, never elements, and never ran.
    expect(text).to_contain_text(XSS_DIAGNOSTIC)
    expect(text).to_contain_text("Content-Type: message/delivery-status")
    assert text.locator("script, img, b").count() == 0
    assert page.evaluate("window.__xss") is None
    with page.expect_download() as download:
        history.get_by_test_id("raw-download").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename.endswith(".eml")
    assert XSS_DIAGNOSTIC.encode() in saved.read_bytes()
    shot(page, f"actions-01-raw-message-{size}")
    raw_button.click()  # a second click closes it
    expect(history.get_by_test_id("raw-text")).to_have_count(0)


def test_a_message_too_large_to_show_says_so(page: Any, seeded: Seeded) -> None:
    from chalicelib import wiring
    from chalicelib.aws.s3 import MAX_RAW_VIEW_BYTES
    from tests.integration.helpers import bounce, put_inbound

    address = "huge@example.net"
    key = put_inbound(bounce("riverside", address), "huge-1")
    wiring.ingest_service().ingest(key, datetime.now(UTC))
    # The stored object grows past what the API hands out (as a 40 MB bounce would be).
    put_inbound(b"Subject: huge\r\n\r\n" + b"x" * (MAX_RAW_VIEW_BYTES + 1), "huge-1")
    _as(page, seeded, "sam", f"#tenant=riverside&q={address}")
    page.locator("#bounce-rows button.address", has_text=address).click()
    page.locator("#history").get_by_test_id("history-raw").click()
    notice = page.locator("#history .raw-row .notice-error")
    expect(notice).to_contain_text("Too large to show here")
    expect(notice).to_contain_text("more than the 5 MiB")
    expect(notice).to_contain_text(key)
    expect(notice).to_contain_text("HTTP 413")
    shot(page, "actions-01-raw-message-too-large")


def test_tenant_people_never_see_raw_messages(page: Any, seeded: Seeded) -> None:
    _as(page, seeded, "ada", f"#tenant=riverside&q={seeded.hostile}")
    page.locator("#bounce-rows button.address", has_text=seeded.hostile).click()
    expect(page.locator("#history table.history")).to_be_visible()
    expect(page.get_by_test_id("history-raw")).to_have_count(0)


def _column(page: Any, sort: str) -> list[Any]:
    """The sorted-by value of each row on the page, in page order."""
    page.locator("#bounces:not([aria-busy])").wait_for(state="attached")
    if sort in ("first_bounce", "last_bounce"):
        index = 0 if sort == "first_bounce" else 1
        cells = page.locator("#bounce-rows tr").all()
        return [c.locator("td.date-cell time").nth(index).get_attribute("datetime") for c in cells]
    if sort == "count":
        return [
            int(t.replace(",", "")) for t in page.locator("#bounce-rows .count").all_inner_texts()
        ]
    if sort == "rising":
        texts = page.locator("#bounce-rows td.rising-cell").all_inner_texts()
        return [int(t.split()[0].lstrip("+")) for t in texts]
    return addresses(page)


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("count", "ascending"),  # the list opens sorted by count, descending
        ("rising", "descending"),
        ("first_bounce", "descending"),
        ("last_bounce", "descending"),
        ("address", "ascending"),
    ],
)
def test_every_sort_from_its_column_header(
    page: Any, seeded: Seeded, sort: str, first: str
) -> None:
    _as(page, seeded, "vic", "#tenant=riverside&limit=100")
    head = page.locator(f'th[data-sort="{sort}"]')
    flipped = "ascending" if first == "descending" else "descending"
    # Rising is "most growth first" only: a second click keeps it.
    second = first if sort == "rising" else flipped
    for order in (first, second):
        head.locator("button.sort-head").click()
        expect(head).to_have_attribute("aria-sort", order)
        expect(page.locator("th[aria-sort]")).to_have_count(1)
        values = _column(page, sort)
        assert len(values) > 5
        assert values == sorted(values, reverse=order == "descending"), (sort, order, values)
        # The sort is in the link: the URL hash opens the same list.
        hash_ = page.evaluate("location.hash")
        assert (f"sort={sort}" in hash_) == (sort != "count"), hash_  # count is the default
        assert ("order=asc" in hash_) == (order == "ascending"), hash_
    page.reload()
    page.locator("#app").wait_for(state="visible")
    expect(head).to_have_attribute("aria-sort", second)
    assert _column(page, sort) == values  # the same order again, from the link alone
    shot(page, f"actions-02-sorted-{sort}")


def test_the_statistics_name_the_blocklist(page: Any, seeded: Seeded) -> None:
    _as(page, seeded, "vic", "#tenant=riverside&view=stats")
    page.locator("#stats-body .totals").wait_for(timeout=30_000)  # the first stats read is slow
    warning = page.locator("#blocking-warning")
    expect(warning).to_contain_text("Our mail server is listed on Spamhaus ZEN")
    expect(warning.locator("li", has_text="example.org")).to_contain_text(
        "3 blocks, listed on Spamhaus ZEN"
    )
    assert "zen.spamhaus.org" not in warning.inner_text()
    shot(page, "actions-03-stats-blocklist")
    # Staff see it for every tenant at a glance.
    page.get_by_test_id("signout").click()
    _as(page, seeded, "sam", "#tenant=riverside&view=staff")
    page.locator("#tenants-glance").wait_for(timeout=30_000)  # a stats read per tenant
    riverside = page.locator("#tenants-glance tr", has_text="riverside")
    expect(riverside).to_contain_text("listed on Spamhaus ZEN")
    expect(page.locator("#tenants-glance tr", has_text="hillside")).not_to_contain_text("listed")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_recheck_a_row_and_a_selection(page: Any, seeded: Seeded, dns: None, size: str) -> None:
    if size == "phone":
        page.set_viewport_size(PHONE)
    _as(page, seeded, "ada", "#tenant=riverside&limit=100")
    page.get_by_test_id("recheck").and_(page.locator(f'[data-address="{NOMAIL}"]')).click()
    panel = page.locator("#recheck-panel")
    expect(panel).to_be_visible()
    result = panel.locator(f'[data-testid="recheck-result"][data-address="{NOMAIL}"]')
    expect(result).to_have_attribute("data-verdict", "invalid")
    expect(result).to_contain_text("Invalid")
    assert result.locator(".explanation").inner_text().strip()
    expect(panel.get_by_test_id("recheck-result")).to_have_count(1)
    shot(page, f"actions-04-recheck-row-{size}")
    page.locator("#recheck-close").click()

    # A selection: a typo and a good address.
    good = seeded.members[0]
    for address in (TYPO, good):
        page.get_by_test_id("row-select").and_(page.locator(f'[data-address="{address}"]')).check()
    page.get_by_test_id("bulk-recheck").click()
    expect(panel.get_by_test_id("recheck-result")).to_have_count(2)
    typo = panel.locator(f'[data-testid="recheck-result"][data-address="{TYPO}"]')
    expect(typo).to_have_attribute("data-verdict", "risky")
    expect(typo.locator(".suggestion")).to_have_text("Did you mean ann@gmail.com?")
    ok = panel.locator(f'[data-testid="recheck-result"][data-address="{good}"]')
    expect(ok).to_have_attribute("data-verdict", "valid")
    expect(page.locator("#recheck-status")).to_contain_text("2 addresses re-checked")
    shot(page, f"actions-05-recheck-selection-{size}")
    page.locator("#recheck-close").click()


def test_recheck_everything_matching_and_viewers_never_see_it(
    page: Any, seeded: Seeded, dns: None
) -> None:
    _as(page, seeded, "ada", "#tenant=riverside&domain=example.org")
    matching = addresses(page)
    page.get_by_test_id("select-matching").click()
    page.get_by_test_id("bulk-recheck").click()
    results = page.locator("#recheck-panel").get_by_test_id("recheck-result")
    expect(results).to_have_count(len(matching))
    assert sorted(r.get_attribute("data-address") for r in results.all()) == sorted(matching)
    page.locator("#recheck-close").click()
    page.get_by_test_id("signout").click()
    _as(page, seeded, "vic", "#tenant=riverside")
    expect(page.locator("#bounce-rows tr").first).to_be_visible()
    expect(page.get_by_test_id("recheck")).to_have_count(0)
    expect(page.get_by_test_id("bulk-recheck")).to_be_hidden()
