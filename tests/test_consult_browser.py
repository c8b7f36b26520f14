"""The one tap in a real browser (Debian's Chromium through Playwright): the fixed button
creates one consult per tap, a double tap still makes one, and a tap without a connection is
queued on the phone and sent when the connection returns."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from mentor_app.consults.models import Consult
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    app.config["SESSION_COOKIE_SECURE"] = False
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def page(server, actors):  # type: ignore[no-untyped-def]
    playwright_sync = pytest.importorskip("playwright.sync_api")
    _mentor_id, email = actors.create("mentor", languages=["sv"])
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 360, "height": 740})
        tab = context.new_page()
        tab.goto(f"{server}/login")
        tab.fill("input[name=email]", email)
        tab.fill("input[name=password]", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{server}/")
        yield tab
        browser.close()


def consults(db) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Consult)) or 0


def test_one_tap_creates_the_request_and_opens_it(page, server, db) -> None:  # type: ignore[no-untyped-def]
    page.click("[data-consult-button]")
    page.wait_for_url(f"{server}/consults/*")
    assert consults(db) == 1
    assert page.locator("[data-status-text]").inner_text() == "Waiting for a consultant"
    assert page.locator("a[href='tel:112']").count() == 1


def test_a_double_tap_makes_one_request(page, server, db) -> None:  # type: ignore[no-untyped-def]
    page.dblclick("[data-consult-button]")
    page.wait_for_url(f"{server}/consults/*")
    page.wait_for_timeout(300)
    assert consults(db) == 1


def test_a_tap_without_signal_is_queued_and_sent_later(page, server, db) -> None:  # type: ignore[no-untyped-def]
    page.context.set_offline(True)
    page.click("[data-consult-button]")
    banner = page.locator("[data-consult-banner]")
    banner.wait_for()
    assert "queued" in banner.inner_text()
    assert consults(db) == 0
    page.context.set_offline(False)
    page.wait_for_function(
        "() => (localStorage.getItem('mentor_app.pending_consults') || '[]') === '[]'"
    )
    assert consults(db) == 1
    assert "sent" in banner.inner_text()
