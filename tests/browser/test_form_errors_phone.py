"""The error summary on a 390 x 844 phone (issue 17, item 13): after a refused post the summary
has the focus, its link moves to the field, and axe finds nothing serious (light and dark)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_summary_takes_focus_and_links_to_the_field(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.test_pwa_accessibility import check

    page, _ = signed_in_page(browser, live_server, actors, "coordinator", **PHONE)
    page.goto(f"{live_server}/admin/users/invite?role=consultant")
    page.fill("input[name=email]", "not-an-address")
    page.fill("input[name=display_name]", "Typed Name")
    with page.expect_navigation():
        page.get_by_role("button", name="Create invitation").click()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.locator("input[name=display_name]").input_value() == "Typed Name"
    page.locator("[data-error-summary] a").first.click()
    assert page.evaluate("location.hash") == "#email"
    found: list[str] = []
    check(page, live_server, "", found)
    assert not found, "\n".join(found)
    # The refused post itself is logged by the browser as a 400; nothing else may be.
    assert all("status of 400" in p for p in page.problems), page.problems
