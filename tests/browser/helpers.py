"""Helpers for the browser tests: where Chromium is, what the seeded report holds, signing in
as a person does, and screenshots kept under test-artifacts/browser/."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("REBOUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
XSS_DIAGNOSTIC = (
    '550 5.1.1 <script>window.__xss=1</script> <img src=x onerror="window.__xss=1"> user unknown'
)
BLOCK_DIAGNOSTIC = (
    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"
)


@dataclass
class Seeded:
    """What the report holds: keys and the addresses each test can rely on."""

    url: str
    viewer: str
    admin: str
    staff: str
    members: list[str] = field(default_factory=list)  # one hard bounce each, 12 of them
    frequent: str = "frequent@example.net"  # 26 bounces on 26 days: two pages of history
    blocked: list[str] = field(default_factory=list)  # spamhaus blocks: blacklisted, never hard
    full: list[str] = field(default_factory=list)  # mailbox full: soft
    hostile: str = "hostile@example.org"  # diagnostic full of markup
    other_tenant: str = "hill@example.net"  # hillside's only bounce
    # name -> (username, password): ada and ben admin riverside, vic views it, sam is staff
    people: dict[str, tuple[str, str]] = field(default_factory=dict)


def shot(page: Any, name: str, full_page: bool = False) -> None:
    """Keep a screenshot under test-artifacts/browser/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def use_key(page: Any, key: str) -> None:
    """Sign in with a machine key: the form behind "Use a machine API key instead"."""
    details = page.locator("#key-sign-in")
    if details.get_attribute("open") is None:
        page.get_by_text("Use a machine API key instead").click()
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Use the key").click()


def sign_in(page: Any, seeded: Seeded, key: str, link: str = "") -> None:
    """Open the page (optionally a deep link's hash) and sign in through the key form."""
    page.goto(f"{seeded.url}/{link}")
    use_key(page, key)
    page.locator("#app").wait_for(state="visible")


def sign_in_as(page: Any, url: str, username: str, password: str, link: str = "") -> None:
    """Open the page and sign in as a person, through the form the acceptance check drives."""
    page.goto(f"{url}/{link}")
    page.get_by_test_id("signin-username").fill(username)
    page.get_by_test_id("signin-password").fill(password)
    page.get_by_test_id("signin-submit").click()
    page.locator("#app").wait_for(state="visible")


def rows(page: Any) -> Any:
    return page.locator("#bounce-rows tr")


def addresses(page: Any) -> list[str]:
    """The addresses on the current page of the list, once it has finished loading."""
    page.locator("#bounces:not([aria-busy])").wait_for(state="attached")
    return [str(a) for a in page.locator("#bounce-rows button.address").all_inner_texts()]
