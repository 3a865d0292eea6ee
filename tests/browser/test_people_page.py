"""People doing their whole job in the page (issue 10), in Debian's Chromium against the real
API and moto's Cognito: signing in as themselves, a two-person mass delete with undo, settings
with the API's validation messages, a session that expires mid-task, and the staff views at
desktop and phone sizes. The controls are found by the data-testids an outside check drives."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.helpers import Seeded, shot, sign_in_as

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _as(page: Any, seeded: Seeded, who: str, link: str = "") -> None:
    username, password = seeded.people[who]
    sign_in_as(page, seeded.url, username, password, link)


def _staff_api(seeded: Seeded, method: str, path: str, body: Any) -> Any:
    response = requests.request(
        method,
        f"{seeded.url}{path}",
        headers={"Authorization": f"Bearer {seeded.staff}", "Content-Type": "application/json"},
        data=json.dumps(body),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_person_signs_in_and_out_and_a_wrong_password_says_so(page: Any, seeded: Seeded) -> None:
    page.goto(f"{seeded.url}/")
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    shot(page, "people-01-sign-in")
    username, password = seeded.people["vic"]
    page.get_by_test_id("signin-username").fill(username)
    page.get_by_test_id("signin-password").fill("not-the-password-1A")
    page.get_by_test_id("signin-submit").click()
    expect(page.locator("#sign-in-error")).to_have_text("Wrong e-mail address or password.")
    _as(page, seeded, "vic")
    expect(page.locator("#who")).to_have_text(username)
    expect(page.locator("#role")).to_have_text("viewer")
    # A viewer never sees the actions.
    expect(page.get_by_test_id("bulk-delete")).to_be_hidden()
    expect(page.get_by_test_id("row-select")).to_have_count(0)
    expect(page.locator("#tab-jobs")).to_be_hidden()
    stored = page.evaluate("sessionStorage.getItem('rebound.person')")
    assert stored and password not in stored
    shot(page, "people-02-viewer")
    page.get_by_test_id("signout").click()
    expect(page.get_by_test_id("signin-username")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('rebound.person')") is None


def test_a_two_person_mass_delete_with_undo(
    page: Any, seeded: Seeded, browser_context: Any
) -> None:
    _staff_api(
        seeded,
        "PUT",
        "/v1/tenants/riverside/mass-deletes/policy",
        {"require_second_person": True},
    )
    chosen = seeded.members[:2]
    _as(page, seeded, "ada", "#tenant=riverside&q=member0")
    # "Everything matching this filter", with the number it covers (member00..member09).
    expect(page.get_by_test_id("row-select")).to_have_count(10)
    page.get_by_test_id("select-matching").click()
    expect(page.locator("#selection-status")).to_contain_text("10 addresses")
    expect(page.get_by_test_id("bulk-delete")).to_be_enabled()
    # Unticking a row leaves "everything matching" for rows picked one by one.
    page.locator(f'[data-testid="row-select"][data-address="{chosen[0]}"]').uncheck()
    expect(page.locator("#selection-status")).to_have_text("No rows selected.")
    for address in chosen:
        page.locator(f'[data-testid="row-select"][data-address="{address}"]').check()
    expect(page.locator("#selection-status")).to_have_text("2 addresses selected.")
    page.get_by_test_id("bulk-delete").click()
    page.get_by_test_id("md-remove-emails").check()
    page.get_by_test_id("md-dry-run").click()
    # 2 x (counter + history entry): a first bounce has no marker (its guard is the counter)
    expect(page.get_by_test_id("md-preview-records")).to_have_text("4")
    expect(page.locator("#md-preview")).to_contain_text("A second person (not you) must approve")
    shot(page, "people-03-mass-delete-preview")
    page.get_by_test_id("md-submit").click()
    page.get_by_test_id("confirm-yes").click()
    approvals = page.get_by_test_id("md-approvals")
    expect(approvals).to_contain_text("requested by ada.admin@example.com")
    # The requester cannot approve their own request.
    expect(approvals.get_by_test_id("md-approve")).to_have_count(0)
    shot(page, "people-04-waiting-for-approval")

    second = browser_context.new_page()
    try:
        _as(second, seeded, "ben", "#tenant=riverside&view=jobs")
        approve = second.get_by_test_id("md-approvals").get_by_test_id("md-approve")
        expect(approve).to_have_count(1)
        job = approve.get_attribute("data-job")
        approve.click()
        second.get_by_test_id("confirm-yes").click()
        status = second.locator(f'[data-testid="md-status"][data-job="{job}"]')
        expect(status).to_have_attribute("data-state", "succeeded", timeout=60_000)
        expect(status).to_have_text("Finished")
        expect(second.locator("#audit-rows")).to_contain_text("ben.admin@example.org")
        shot(second, "people-05-finished", full_page=True)
        second.locator(f'[data-testid="md-undo"][data-job="{job}"]').click()
        second.get_by_test_id("confirm-yes").click()
        expect(status).to_have_attribute("data-state", "undone", timeout=30_000)
        audit = second.locator("#audit-rows")
        expect(audit).to_contain_text("undid it")
        expect(audit).to_contain_text("approved it")
        shot(second, "people-06-undone", full_page=True)
    finally:
        second.close()
    _staff_api(
        seeded,
        "PUT",
        "/v1/tenants/riverside/mass-deletes/policy",
        {"require_second_person": False},
    )
    page.goto(f"{seeded.url}/#tenant=riverside&q=member0")
    for address in chosen:
        expect(
            page.locator(f'[data-testid="row-select"][data-address="{address}"]')
        ).to_be_visible()


def test_settings_show_the_apis_messages_and_survive_an_expired_session(
    page: Any, seeded: Seeded
) -> None:
    _as(page, seeded, "ada", "#tenant=riverside&view=settings")
    timezone = page.get_by_label("Time zone")
    timezone.fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Save digest and alerts").click()
    expect(page.locator("#digest-status")).to_contain_text("Mars/Olympus_Mons")
    expect(page.locator("#staff-settings")).to_have_count(0)  # contact count: staff only
    shot(page, "people-07-settings-error", full_page=True)

    # The API says the session ended while the person was typing: the page asks for the
    # password over the form, then sends the change again; nothing typed is lost.
    answered: list[int] = []

    def expire_once(route: Any) -> None:
        if not answered:
            answered.append(401)
            route.fulfill(
                status=401,
                content_type="application/json",
                body='{"Code": "UnauthorizedError", "Message": "the session has expired"}',
            )
        else:
            route.continue_()

    page.route("**/v1/tenants/riverside/notification-settings", expire_once)
    timezone.fill("Europe/Berlin")
    page.get_by_label("Digest recipients (comma separated)").fill("desk@example.org")
    page.get_by_role("button", name="Save digest and alerts").click()
    dialog = page.locator("#reauth")
    expect(dialog).to_be_visible()
    shot(page, "people-08-session-expired")
    dialog.get_by_label("Password").fill(seeded.people["ada"][1])
    dialog.get_by_role("button", name="Sign in").click()
    expect(page.locator("#digest-status")).to_have_text("Saved.")
    expect(timezone).to_have_value("Europe/Berlin")
    page.unroute("**/v1/tenants/riverside/notification-settings")
    page.reload()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_label("Digest recipients (comma separated)")).to_have_value(
        "desk@example.org"
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_staff_views(page: Any, seeded: Seeded, size: str) -> None:
    from chalicelib import wiring
    from rebound.local.demo import forge
    from tests.integration.helpers import bounce, put_inbound, return_path

    if size == "phone":
        page.set_viewport_size(PHONE)
    forged = bounce("riverside", f"forged-{size}@example.net").replace(
        return_path("riverside", f"forged-{size}@example.net").encode(),
        forge(return_path("riverside", f"forged-{size}@example.net")).encode(),
    )
    forged = forged.replace(b"Subject: ", b"Subject: <b>bold</b> ", 1)
    wiring.ingest_service().ingest(put_inbound(forged), datetime.now(UTC))
    _as(page, seeded, "sam", "#tenant=riverside&view=staff")
    glance = page.locator("#tenants-glance")
    expect(glance).to_contain_text("riverside")
    expect(glance).to_contain_text("hillside")
    expect(page.locator("#quarantine")).to_contain_text("<b>bold</b>")
    page.locator("#quarantine").get_by_role("button", name="Show message").first.click()
    expect(page.locator("#raw-text")).to_contain_text("Subject:")
    assert page.locator("#raw-text b").count() == 0  # shown as text, never rendered
    with page.expect_download() as download:
        page.locator("#raw-download").click()
    assert download.value.suggested_filename.endswith(".eml")
    keys = page.locator("#machine-keys")
    expect(keys).to_contain_text("staff")
    shot(page, f"people-09-staff-{size}", full_page=True)
    page.locator("#tab-settings").click()
    expect(page.locator("#staff-settings")).to_be_visible()
    page.get_by_label("Contacts the tenant has").fill("5000")
    page.get_by_role("button", name="Save protection").click()
    expect(page.locator("#protection-status")).to_have_text("Saved.")
    shot(page, f"people-10-staff-settings-{size}", full_page=True)


def test_the_list_is_made_for_daily_use_on_a_phone(page: Any, seeded: Seeded) -> None:
    page.set_viewport_size(PHONE)
    _as(page, seeded, "ada", "#tenant=riverside&category=hard")
    # The filters fold into one line with a chip for what is set; the first row shows.
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator("#filter-chips")).to_contain_text("category: Hard")
    first = page.locator("#bounce-rows tr").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], box
    expect(page.locator("#match-count")).to_contain_text("matching addresses")
    # "Mark as good" only where an address is suppressed; explanations open on demand.
    for row in page.locator("#bounce-rows tr").all():
        state = row.locator(".chip[class*=state-]").inner_text()
        has_button = row.get_by_role("button", name="Mark").count() > 0
        assert has_button == (state == "Suppressed"), state
    expect(first.locator(".explanation")).to_be_hidden()
    shot(page, "people-11-list-phone")
    page.get_by_role("button", name="Remove the category filter").click()
    expect(page.locator("#filter-chips")).to_contain_text("No filters")
    page.set_viewport_size({"width": 1400, "height": 900})  # column headers: wider screens
    page.locator("button.sort-head", has_text="Address").click()
    expect(page.locator('th[data-sort="address"]')).to_have_attribute("aria-sort", "ascending")
    assert "sort=address" in page.url
    # The statistics link to the filtered list (and read on a phone).
    page.set_viewport_size(PHONE)
    page.locator("#tab-stats").click()
    expect(page.locator("#chart-daily svg")).to_be_visible()
    shot(page, "people-12-stats-phone", full_page=True)
    page.locator('a[data-total="suppressed"]').click()
    expect(page.locator("#filter-chips")).to_contain_text("state: Suppressed")
    shot(page, "people-13-stats-to-list-phone")
