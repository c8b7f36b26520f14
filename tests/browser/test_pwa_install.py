"""Installable: Chromium's own checks find nothing missing in the manifest, the icons or the
service worker, and the install guidance shows where it should."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, signed_in_page, watch
from tests.browser.pwa_helpers import controlled

pytestmark = pytest.mark.browser


def test_chromium_finds_the_app_installable(playwright, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A profile on disk: Chromium never offers installing from an incognito-like context.
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=LAUNCH_ARGS
    )
    page = watch(context.new_page())
    page.goto(f"{live_server}/login")
    controlled(page)
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server}/manifest.webmanifest"
    assert manifest["errors"] == []
    parsed = json.loads(manifest["data"])
    assert parsed["display"] == "standalone"
    assert [s["name"] for s in parsed["shortcuts"]] == [
        "Consult a psychologist",
        "Visit check-in and SOS",
        "Guides",
    ]

    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors
    for icon in parsed["icons"]:  # every icon loads, as a PNG of the size it claims
        response = page.request.get(f"{live_server}{icon['src']}")
        assert response.ok and response.headers["content-type"] == "image/png"
    assert page.problems == []  # type: ignore[attr-defined]
    context.close()


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_iphone_gets_the_add_to_home_screen_steps(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live_server, actors, "mentor", user_agent=IPHONE)
    hint = page.locator("[data-install-hint]")
    hint.wait_for(state="visible")
    assert "Add to Home Screen" in hint.inner_text()
    page.locator("[data-install-dismiss]").click()
    assert hint.is_hidden()
    page.reload()
    page.wait_for_timeout(300)
    assert hint.is_hidden(), "'Not now' is remembered"

    page.goto(f"{live_server}/account/settings")
    steps = page.locator("[data-install-ios]")
    steps.wait_for(state="visible")
    assert "Share" in steps.inner_text() and "notifications" in steps.inner_text()
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_the_install_button_uses_the_browsers_prompt(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live_server, actors, "coordinator")
    page.goto(f"{live_server}/account/settings")
    assert page.locator("[data-install-ready]").is_hidden()
    # Chromium fires `beforeinstallprompt` only when it would offer installing; stand in for it.
    page.evaluate(
        """() => {
          const event = new Event("beforeinstallprompt", { cancelable: true });
          event.prompt = () => { window.prompted = true; };
          event.userChoice = Promise.resolve({ outcome: "accepted" });
          window.dispatchEvent(event);
        }"""
    )
    page.locator("[data-install-button]").click()
    assert page.evaluate("window.prompted") is True
    page.locator("[data-install-status]").filter(has_text="Installed").wait_for()
    assert page.locator("[data-install-ready]").is_hidden()
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()
