"""'Turn on notifications' on a 390 x 844 phone (issue 17, item 16): when the browser never
answers (a prompt it hid, a push service out of reach), the page says so after 20 seconds, with
links to the browser's settings help, and the button works again. The page's clock is
Playwright's, so the 20 seconds pass at once."""

from __future__ import annotations

import pytest

from tests.browser.conftest import signed_in_page, wait_until

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# A permission prompt that never gets an answer.
SILENT_PROMPT = "Notification.requestPermission = () => new Promise(() => {});"


def test_turning_on_times_out_with_a_clear_message(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live_server, actors, "consultant", **PHONE)
    page.add_init_script(SILENT_PROMPT)
    page.clock.install()
    page.goto(f"{live_server}/account/settings#notifications")
    button = page.locator("[data-push-enable-button]")
    assert wait_until(page, button.is_visible)
    button.click()
    status = page.locator("[data-push-status]")
    assert "Waiting for your answer" in status.text_content()
    page.clock.fast_forward(19_000)
    assert page.locator("[data-timeout-hint]").is_hidden()
    page.clock.fast_forward(2_000)
    assert wait_until(page, lambda: "20 seconds" in (status.text_content() or ""))
    hint = page.locator("[data-timeout-hint]")
    assert hint.is_visible()
    assert hint.get_by_role("link", name="help for Chrome on Android").is_visible()
    assert button.is_enabled()
    assert not page.problems, page.problems
