"""In a real browser: the dashboard's figures change without the page being reloaded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests import dashboard_factories as f

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    app.config["DASHBOARD_POLL_SECONDS"] = 1
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


def test_dashboard_updates_in_place(server, app, db, actors) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    from tests.conftest import PASSWORD

    _, email = actors.create("coordinator")
    mentor, _ = actors.create("mentor")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
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
        try:
            page = browser.new_page()
            page.goto(f"{server}/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.fill("#code", actors.code(email))
            page.click("button[type=submit]")
            page.goto(f"{server}/dashboard/")
            tile = page.locator('[data-live="open_total"]')
            assert tile.inner_text() == "0"
            page.evaluate("window.__sameDocument = true")

            f.consult(
                db, mentor, datetime.now(UTC) - timedelta(minutes=7), urgency="urgent", waiting=True
            )
            db.commit()
            page.mouse.move(10, 10)  # an interaction, as a coordinator at the desk would make
            # (the page's CSP forbids eval, so wait on the element, not on a JS predicate)
            expect(tile).to_have_text("1", timeout=10_000)
            assert page.evaluate("window.__sameDocument") is True  # no reload happened
            assert page.locator('[data-live="open_by_age.urgent.5_15m"]').inner_text() == "1"
            assert "#" in page.locator('[data-live-list="oldest_open"]').inner_text()
            assert "Updated" in page.locator("[data-live-status]").inner_text()
        finally:
            browser.close()
