"""Invitations on a 390 x 844 phone (issue 17, item 11): "Invite a consultant" opens the form
with the role set; the created link has Copy and Share (the Web Share API, stubbed here since
desktop Chromium on Linux has none) buttons that work; enrolment offers an otpauth:// link and
its code field opens the number pad; the sign-in code field can switch to letters for a
recovery code."""

from __future__ import annotations

import pytest

from tests.browser.conftest import signed_in_page, wait_until

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# The Web Share API where the browser lacks it: records what the page shares.
SHARE_STUB = """
window.__shared = [];
if (!navigator.share) {
  navigator.share = async (data) => { window.__shared.push(data); };
}
"""


def test_invite_a_consultant_copy_and_share(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(
        browser,
        live_server,
        actors,
        "coordinator",
        permissions=["clipboard-read", "clipboard-write"],
        **PHONE,
    )
    page.add_init_script(SHARE_STUB)
    page.goto(f"{live_server}/pool/")
    with page.expect_navigation():
        page.get_by_role("link", name="Invite a consultant").click()
    assert page.locator("select[name=role]").input_value() == "consultant"
    page.fill("input[name=email]", "new.consultant@example.org")
    page.fill("input[name=display_name]", "New Consultant")
    with page.expect_navigation():
        page.get_by_role("button", name="Create invitation").click()
    link = page.locator("#invite-link").input_value()
    assert "/invite#" in link

    page.get_by_role("button", name="Copy link").click()
    assert wait_until(page, lambda: page.locator("#invite-status").text_content())
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.get_by_role("button", name="Share link").click()
    shared = wait_until(page, lambda: page.evaluate("window.__shared"))
    assert shared == [{"title": "Your mentor_app invitation", "url": link}]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.problems, page.problems


def test_enrolment_link_and_code_fields_on_a_phone(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live_server, actors, "mentor", **PHONE)
    page.goto(f"{live_server}/account/2fa/setup")
    open_app = page.get_by_role("link", name="Open the authenticator app on this phone")
    assert open_app.get_attribute("href").startswith("otpauth://totp/")
    box = open_app.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"] and box["height"] >= 44
    code = page.locator("input[name=code]")
    assert code.get_attribute("inputmode") == "numeric"
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert not page.problems, page.problems


def test_sign_in_code_switches_to_letters_for_a_recovery_code(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import PASSWORD

    _id, email = actors.create("consultant")
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form [type=submit]")
    code = page.locator("input[name=code]")
    assert code.get_attribute("inputmode") == "numeric"
    page.get_by_role("button", name="Use a recovery code").click()
    assert code.get_attribute("inputmode") == "text"
    assert page.evaluate("document.activeElement.name") == "code"


def test_recovery_and_invitation_pages_pass_axe(browser, live_server, actors) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe violation, light and dark, on the pages item 10/11 touched."""
    from tests.browser.test_pwa_accessibility import check

    found: list[str] = []
    anonymous = browser.new_context(viewport=PHONE).new_page()
    for path in ("/login", "/password/forgot", "/password/reset", "/login"):
        check(anonymous, live_server, path, found)
    other_id, email = actors.create("consultant")
    anonymous.fill("input[name=email]", email)
    anonymous.fill("input[name=password]", "correct-horse-battery-staple-42")
    with anonymous.expect_navigation():
        anonymous.click("form [type=submit]")
    check(anonymous, live_server, "", found)  # the sign-in code step
    page, _ = signed_in_page(browser, live_server, actors, "coordinator", **PHONE)
    for path in (f"/admin/users/{other_id}", "/admin/users/invite?role=consultant"):
        check(page, live_server, path, found)
    page.fill("input[name=email]", "axe@example.org")
    page.fill("input[name=display_name]", "Axe")
    with page.expect_navigation():
        page.get_by_role("button", name="Create invitation").click()
    check(page, live_server, "", found)
    mentor, _ = signed_in_page(browser, live_server, actors, "mentor", **PHONE)
    check(mentor, live_server, "/account/2fa/setup", found)
    assert not found, "\n".join(found)
