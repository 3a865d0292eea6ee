"""Fixtures for the real-browser tests of the report page: a seeded local AWS (moto), the
Chalice app behind chalice's own local server (the code behind `chalice local`) on 127.0.0.1
port 0 in a thread, and Debian's headless Chromium driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium (Debian's package,
installed by .ci/run) with a fresh profile directory per test module.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import (
    ARTIFACTS,
    BLOCK_DIAGNOSTIC,
    CHROMIUM,
    CHROMIUM_ARGS,
    XSS_DIAGNOSTIC,
    Seeded,
)
from tests.conftest import reset_local_aws


def _seed(seeded: Seeded) -> None:
    from chalicelib import wiring
    from tests.integration.helpers import aggregate, bounce, put_inbound

    service = wiring.ingest_service()
    now = datetime.now(UTC).replace(microsecond=0)

    def deliver(tenant: str, recipient: str, when: datetime, **kwargs: Any) -> None:
        # received when it bounced, so the days spread over the 90-day chart
        service.ingest(put_inbound(bounce(tenant, recipient, when=when, **kwargs)), when)

    for i in range(12):
        address = f"member{i:02d}@example.net"
        seeded.members.append(address)
        deliver("riverside", address, now - timedelta(days=3 + i * 3, hours=i))
    for day in range(26):
        deliver("riverside", seeded.frequent, now - timedelta(days=day, hours=1))
    for i in range(3):
        address = f"blocked{i}@example.org"
        seeded.blocked.append(address)
        deliver(
            "riverside",
            address,
            now - timedelta(days=i),
            status="5.7.1",
            diagnostic=BLOCK_DIAGNOSTIC,
        )
    for i in range(2):
        address = f"full{i}@example.com"
        seeded.full.append(address)
        deliver(
            "riverside",
            address,
            now - timedelta(days=10 + i),
            status="4.2.2",
            diagnostic="452 4.2.2 <{r}>: Mailbox full, over quota",
        )
    deliver("riverside", seeded.hostile, now - timedelta(hours=2), diagnostic=XSS_DIAGNOSTIC)
    deliver("hillside", seeded.other_tenant, now - timedelta(days=1))
    aggregate()  # the stats' figures are derived from the table's stream


PEOPLE = {
    "ada": ("ada.admin@example.com", "admin", "riverside"),
    "ben": ("ben.admin@example.org", "admin", "riverside"),
    "vic": ("vic.viewer@example.net", "viewer", "riverside"),
    "sam": ("sam.staff@example.com", "staff", None),
}


def _people() -> dict[str, tuple[str, str]]:
    """The user pool in moto with a few people, the mass-delete state machine, and the API
    pointed at both (their settings are read once per process: forget the old ones)."""
    from chalicelib import wiring
    from chalicelib.config import Settings, settings
    from chalicelib.tenancy.access import Role
    from rebound.people import create_person, provision_people
    from rebound.provision import provision_mass_delete

    provision_mass_delete(Settings.from_env())
    pool = provision_people("us-east-1", ["riverside", "hillside"])
    for cached in (
        settings,
        wiring.token_verifier,
        wiring.person_directory,
        wiring.mass_delete_service,
    ):
        cached.cache_clear()
    found = {}
    for name, (username, role, tenant) in PEOPLE.items():
        password = f"Pw-{name}-{username.split('@')[0]}-2026X"
        create_person(
            pool.region,
            pool.user_pool_id,
            username,
            role=Role(role),
            tenant=tenant,
            password=password,
        )
        found[name] = (username, password)
    return found


class _Server:
    """chalice's LocalDevServer for the app object, served by one thread."""

    def __init__(self) -> None:
        from chalice.config import Config
        from chalice.local import (
            ChaliceRequestHandler,
            CustomLocalChalice,
            LocalChalice,
            LocalDevServer,
        )

        class QuietHandler(ChaliceRequestHandler):
            def log_message(self, *args: Any) -> None:  # one stderr line per request otherwise
                pass

        import app as chalice_app

        app = chalice_app.app
        if not isinstance(app, LocalChalice):
            # what chalice.local.create_local_server does: a thread-local current_request, so
            # the browser's concurrent requests never see each other's request (done once per
            # process: the app object is shared with the other tests)
            CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
            app.__class__ = CustomLocalChalice
        config = Config.create(chalice_app=app, app_name="rebound", chalice_stage="dev")
        self._server = LocalDevServer(app, config, "127.0.0.1", 0, handler_cls=QuietHandler)
        host, port = self._server.server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, args=(0.1,), name="web-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def seeded(moto_endpoint: str) -> Iterator[Seeded]:
    """Tenants riverside and hillside with keys and bounces, and the app serving them."""
    reset_local_aws(moto_endpoint)
    from tests.integration.helpers import setup_tenant, staff_key

    keys = setup_tenant("riverside")
    setup_tenant("hillside")
    setup_tenant("quiet")  # nothing has bounced yet
    people = _people()
    server = _Server()
    data = Seeded(
        url=server.url, viewer=keys["viewer"], admin=keys["admin"], staff=staff_key(), people=people
    )
    _seed(data)
    yield data
    server.stop()


@pytest.fixture(scope="module")
def browser_context() -> Iterator[Any]:
    """Headless Debian Chromium with a fresh profile; downloads are accepted."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="rebound-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 900},
                accept_downloads=True,
                locale="en-GB",
                timezone_id="UTC",
            )
            context.set_default_timeout(10_000)
            yield context
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new tab (so a fresh sessionStorage: signed out) that fails the test on a script error
    or a Content-Security-Policy violation."""
    tab = browser_context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    tab.close()
    assert not problems, problems
