"""Navigation on a phone (issue 17, item 15, in part): on a 390 x 844 phone the mentor's fixed
consult button never hides the focused field: moving the focus with the keyboard (Tab) to a
field low on the page scrolls it into view above the button."""

from __future__ import annotations

import pytest

from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
OVERLAP = """() => {
  const fab = document.querySelector('.consult-fab').getBoundingClientRect();
  const field = document.activeElement.getBoundingClientRect();
  return field.bottom - fab.top;
}"""


def test_a_focused_field_stays_above_the_consult_button(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live_server, actors, "mentor", **PHONE)
    page.goto(f"{live_server}/account/settings")
    assert page.locator(".consult-fab").is_visible()
    # Scroll so that the field sits just above the bottom edge, behind the button, with the
    # field before it in plain view; then Tab into it, as a keyboard or "next" key would.
    page.evaluate(
        """() => {
          const field = document.querySelector("input[name='pw-confirm']");
          const top = field.getBoundingClientRect().top + window.scrollY;
          window.scrollTo(0, top - window.innerHeight + field.offsetHeight + 20);
        }"""
    )
    page.evaluate(
        "document.querySelector(\"input[name='pw-password']\").focus({preventScroll: true})"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "pw-confirm"
    assert page.evaluate(OVERLAP) <= 0, "the consult button covers the focused field"
