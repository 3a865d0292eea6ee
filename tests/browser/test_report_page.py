"""The report page in a real headless Chromium against the real API (Chalice's local server on
the local AWS stack): sign in, filter, sort, page, history, export, mark as good, statistics,
deep links, errors, and hostile bounce text that must stay text."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.helpers import (
    XSS_DIAGNOSTIC,
    Seeded,
    addresses,
    rows,
    shot,
    sign_in,
    use_key,
)

pytestmark = pytest.mark.browser


def test_page_and_assets_carry_the_security_headers(seeded: Seeded) -> None:
    page = requests.get(f"{seeded.url}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    for directive in (
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    script = requests.get(f"{seeded.url}/assets/app.js", timeout=10)
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    for name in ("app.py", "..%2Fapp.py", "__init__.py", "index.htm"):
        assert requests.get(f"{seeded.url}/assets/{name}", timeout=10).status_code == 404


def test_sign_in_lists_bounces_and_sign_out_forgets_the_key(page: Any, seeded: Seeded) -> None:
    page.goto(f"{seeded.url}/")
    shot(page, "01-sign-in")
    use_key(page, "not-a-key")
    expect(page.locator("#sign-in-error")).to_contain_text("not accepted")

    sign_in(page, seeded, seeded.viewer)
    expect(rows(page).first).to_be_visible()
    unlabelled = page.evaluate(
        """[...document.querySelectorAll('input, select, button')].filter((el) =>
            !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
            && !el.textContent.trim()).map((el) => el.outerHTML)"""
    )
    assert unlabelled == []
    first = rows(page).first
    expect(first.locator(".summary")).to_contain_text("last bounced")
    expect(first.locator(".explanation")).not_to_be_empty()
    assert page.evaluate("sessionStorage.getItem('rebound.apiKey')") == seeded.viewer
    assert seeded.viewer not in page.url
    expect(page.locator("#tenant-name")).to_have_text("riverside")
    expect(page.locator("#tenant-picker")).to_be_hidden()
    shot(page, "02-list-viewer")

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('rebound.apiKey')") is None
    expect(rows(page)).to_have_count(0)


def test_filters_narrow_the_list_and_live_in_a_shareable_link(
    page: Any, seeded: Seeded, browser_context: Any
) -> None:
    sign_in(page, seeded, seeded.viewer)
    page.get_by_label("Blocked").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(len(seeded.blocked))
    assert sorted(addresses(page)) == sorted(seeded.blocked)
    expect(rows(page).first.locator(".chip-blacklisted")).to_be_visible()
    assert "category=block" in page.url
    shot(page, "03-filtered-blocked")

    # Back returns to the unfiltered report, Forward to the filtered one
    page.go_back()
    expect(page.get_by_label("Blocked")).not_to_be_checked()
    expect(rows(page)).not_to_have_count(len(seeded.blocked))
    page.go_forward()
    expect(rows(page)).to_have_count(len(seeded.blocked))

    # a new tab opened from the link asks for the key, then shows the same filtered report
    other = browser_context.new_page()
    sign_in(other, seeded, seeded.viewer, link=page.url.split("/", 3)[3])
    expect(other.locator("#bounce-rows tr")).to_have_count(len(seeded.blocked))
    expect(other.get_by_label("Blocked")).to_be_checked()
    other.close()

    # the address filter, then no match: the empty state offers to clear the filters
    page.get_by_role("button", name="Clear filters").click()
    page.get_by_label("Address contains").fill("full")
    page.get_by_label("Address contains").press("Enter")
    expect(rows(page)).to_have_count(len(seeded.full))
    page.get_by_label("Address contains").fill("nobody-like-this")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#list-empty")).to_contain_text("No bounced addresses match")
    shot(page, "04-empty")
    page.locator("#list-empty").get_by_role("button", name="Clear filters").click()
    expect(page.get_by_label("Address contains")).to_have_value("")
    expect(rows(page).first).to_be_visible()


def test_a_summary_email_link_with_a_query_string_opens_the_filtered_report(
    page: Any, seeded: Seeded
) -> None:
    sign_in(page, seeded, seeded.viewer, link="?category=soft,mailbox-full&sort=address&order=asc")
    assert addresses(page) == sorted(seeded.full)
    assert "?" not in page.url and "category=soft%2Cmailbox-full" in page.url
    expect(page.get_by_label("Sort by")).to_have_value("address")


def test_sort_and_page_through_the_list(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer, link="#sort=address&order=asc&limit=10")
    first_page = addresses(page)
    assert len(first_page) == 10
    assert first_page == sorted(first_page)
    expect(page.get_by_role("button", name="← Previous")).to_be_disabled()
    page.get_by_role("button", name="Next →").click()
    expect(page.locator("#page-label")).to_have_text("Page 2")
    second_page = addresses(page)
    assert second_page and second_page == sorted(second_page)
    assert second_page[0] > first_page[-1]
    shot(page, "05-page-2")
    page.get_by_role("button", name="← Previous").click()
    expect(page.locator("#page-label")).to_have_text("Page 1")
    assert addresses(page) == first_page

    # descending by count: the address with 26 bounces first
    page.get_by_label("Sort by").select_option("count")
    page.get_by_label("Order").select_option("desc")
    page.get_by_role("button", name="Apply filters").click()
    assert addresses(page)[0] == seeded.frequent
    expect(rows(page).first.locator(".summary")).to_contain_text("26 times")

    # rising: recent growth first, with the growth shown
    page.get_by_label("Sort by").select_option("rising")
    expect(page.get_by_label("Rising over the last … days")).to_be_visible()
    page.get_by_role("button", name="Apply filters").click()
    assert addresses(page)[0] == seeded.frequent
    expect(rows(page).first.locator(".rising")).to_contain_text("in the last 7 days")
    assert "sort=rising" in page.url
    shot(page, "06-rising")


def test_history_opens_newest_first_pages_and_closes_with_escape(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer, link=f"#q={seeded.frequent.split('@')[0]}")
    opener = page.get_by_role("button", name=seeded.frequent)
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", level=2)).to_have_text(seeded.frequent)
    history = dialog.locator("table.history tbody tr")
    expect(history).to_have_count(25)
    times = [t.split(" UTC")[0] for t in history.locator("td:first-child").all_inner_texts()]
    assert times == sorted(times, reverse=True)
    expect(dialog.locator(".facts")).to_contain_text("26 times")
    shot(page, "07-history")
    dialog.get_by_role("button", name="Older →").click()
    expect(history).to_have_count(1)
    older = [t.split(" UTC")[0] for t in history.locator("td:first-child").all_inner_texts()]
    assert max(older) < min(times)
    dialog.get_by_role("button", name="← Newer").click()
    expect(history).to_have_count(25)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_export_downloads_the_filtered_csv(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer, link="#category=block")
    expect(rows(page)).to_have_count(len(seeded.blocked))
    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line]
    assert lines[0].startswith("address,")
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(seeded.blocked)
    expect(page.locator("#export-status")).to_contain_text("Downloaded")


def test_a_large_export_shows_its_download_link(page: Any, seeded: Seeded) -> None:
    # The API answers a large export with a time-limited link instead of the file; the page's
    # side of that is checked here with the answer the contract describes.
    link = "https://exports.example.com/riverside/bounces.csv?X-Amz-Signature=abc"
    page.route(
        "**/bounces.csv*",
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(
                {"download_url": link, "rows": 250000, "expires_at": "2026-11-20T10:00:00Z"}
            ),
        ),
    )
    sign_in(page, seeded, seeded.viewer)
    page.get_by_role("button", name="Export CSV").click()
    anchor = page.get_by_role("link", name="Download the CSV")
    expect(anchor).to_have_attribute("href", link)
    expect(anchor).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("#export-status")).to_contain_text("250,000 rows")


def test_admin_marks_an_address_as_good_after_confirming(page: Any, seeded: Seeded) -> None:
    address = seeded.members[0]
    sign_in(page, seeded, seeded.admin, link=f"#q={address.split('@')[0]}")
    row = rows(page).filter(has_text=address)
    expect(row.locator(".chip", has_text="Suppressed")).to_be_visible()
    button = row.get_by_role("button", name=f"Mark {address} as good")

    button.click()
    confirm = page.locator("#confirm")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(address)
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()  # the safe default
    shot(page, "08-confirm")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(row.locator(".chip", has_text="Suppressed")).to_be_visible()

    button.click()
    confirm.get_by_role("button", name="Mark as good").click()
    expect(page.locator("#flash")).to_contain_text(f"{address} was marked as good")
    reactivated = rows(page).filter(has_text=address).locator(".chip", has_text="Reactivated")
    expect(reactivated).to_be_visible()
    detail = requests.get(
        f"{seeded.url}/v1/tenants/riverside/bounces/{address.replace('@', '%40')}",
        headers={"Authorization": f"Bearer {seeded.admin}"},
        timeout=10,
    ).json()
    assert detail["state"] == "reactivated"

    # the same from an address's history panel
    other = seeded.members[1]
    page.get_by_label("Address contains").fill(other.split("@")[0])
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("button", name=other, exact=True).click()
    dialog = page.locator("#history")
    dialog.get_by_role("button", name="Mark as good").click()
    confirm.get_by_role("button", name="Mark as good").click()
    expect(dialog.locator(".notice-ok")).to_contain_text(f"{other} was marked as good")
    expect(dialog.locator(".facts .chip", has_text="Reactivated")).to_be_visible()
    expect(dialog.get_by_role("button", name="Mark as good")).to_have_count(0)


def test_a_viewer_is_never_offered_mark_as_good(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer, link="#state=suppressed")
    expect(rows(page).first).to_be_visible()
    expect(page.get_by_role("button", name="Mark as good")).to_have_count(0)
    expect(page.get_by_role("button", name="as good")).to_have_count(0)
    rows(page).first.locator("button.address").click()
    expect(page.get_by_role("dialog").locator(".facts")).to_be_visible()
    expect(page.locator("#history-reactivate")).to_have_count(0)


def test_staff_pick_a_tenant(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.staff)
    picker = page.get_by_label("Tenant")
    expect(picker).to_be_visible()
    assert {"riverside", "hillside"} <= set(picker.locator("option").all_inner_texts())
    picker.select_option("hillside")
    expect(rows(page)).to_have_count(1)
    assert addresses(page) == [seeded.other_tenant]
    assert "tenant=hillside" in page.url
    expect(page.get_by_role("button", name=f"Mark {seeded.other_tenant} as good")).to_be_visible()
    shot(page, "09-staff-hillside")

    # a tenant with nothing bounced: empty list and empty charts say so
    picker.select_option("quiet")
    expect(page.locator("#list-empty")).to_contain_text("No bounces recorded yet")
    expect(page.locator("#pager")).to_be_hidden()
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator("#chart-daily")).to_contain_text("No bounces in the last 90 days")
    expect(page.locator("#blocking-warning")).to_have_count(0)
    shot(page, "13-stats-empty", full_page=True)


def test_statistics_draw_their_charts_and_the_blocking_warning(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer)
    page.get_by_role("link", name="Statistics").click()
    expect(page.locator("#chart-daily svg")).to_be_visible()
    assert "view=stats" in page.url
    days = page.locator("#chart-daily svg g.day")
    expect(days).to_have_count(90)
    assert page.locator("#chart-daily svg g.day rect[class^=fill-]").count() >= 20
    expect(page.locator("#chart-reason svg g")).not_to_have_count(0)
    expect(page.locator("#chart-domain svg")).to_contain_text("example.net")
    expect(page.locator("#chart-source svg")).to_contain_text("Broadcast")
    expect(page.locator("[data-total=addresses] .num")).to_have_text(str(12 + 1 + 3 + 2 + 1))
    expect(page.locator("#blocking-warning")).to_be_visible()
    expect(page.locator("#blocking-warning")).to_contain_text("blacklist")
    shot(page, "10-stats", full_page=True)

    # a domain in the table opens the list filtered by it
    page.locator("#chart-domain details summary").click()
    page.locator("#chart-domain").get_by_role("button", name="example.com").click()
    expect(page.locator("#view-list")).to_be_visible()
    assert sorted(addresses(page)) == sorted(seeded.full)


def test_hostile_diagnostics_show_as_text_and_never_run(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer, link=f"#q={seeded.hostile.split('@')[0]}")
    row = rows(page).filter(has_text=seeded.hostile)
    expect(row.locator(".diag")).to_have_text(XSS_DIAGNOSTIC)
    row.get_by_role("button", name=seeded.hostile).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("table.history .diag")).to_have_text(XSS_DIAGNOSTIC)
    shot(page, "11-hostile-history")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main img, dialog img, main script, dialog script").count() == 0


def test_an_api_error_shows_its_message(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer, link="#first_from=2026-11-20&first_to=2026-11-01")
    error = page.locator("#list-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("first_from")
    expect(error).to_contain_text("HTTP 400")
    shot(page, "12-api-error")
    assert unquote(page.url).endswith("first_from=2026-11-20&first_to=2026-11-01")


def test_a_key_that_stops_working_signs_the_tab_out(page: Any, seeded: Seeded) -> None:
    sign_in(page, seeded, seeded.viewer)
    expect(rows(page).first).to_be_visible()
    page.evaluate("sessionStorage.setItem('rebound.apiKey', 'revoked-key')")
    page.reload()
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#sign-in-error")).to_contain_text("not accepted")
    assert page.evaluate("sessionStorage.getItem('rebound.apiKey')") is None
