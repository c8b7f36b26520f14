"""In a real browser: the dashboard's figures change without the page being reloaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import dashboard_factories as f
from tests.browser.conftest import serve

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app):  # type: ignore[no-untyped-def]
    app.config["DASHBOARD_POLL_SECONDS"] = 1
    yield from serve(app)


def test_dashboard_updates_in_place(server, app, db, actors, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    _, email = actors.create("coordinator")
    mentor, _ = actors.create("mentor")
    context = browser.new_context()
    try:
        page = context.new_page()
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
        context.close()
