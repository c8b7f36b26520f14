"""axe-core (bundled by the PyPI package axe-playwright-python) on each main page, in light and
in dark mode, on a phone: no serious or critical violation (WCAG 2.1 A/AA and best practice;
colour contrast included, so the pages stay readable in sunlight and at night)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, sign_in, watch
from tests.browser.pwa_helpers import controlled, create_consult, warm_guides

pytestmark = pytest.mark.browser

RULES = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}
DARK_RULES = {"runOnly": ["color-contrast"]}  # what a colour scheme can change
MAIN_PAGES = {
    "anonymous": ["/login", "/offline"],
    "mentor": ["/", "/guides", "/guides/bereavement-illness-in-family", "/account/settings"],
    "consultant": ["/", "/pool/me"],
    "coordinator": ["/", "/dashboard/", "/pool/", "/pool/coverage", "/account/settings"],
}
CONSULT_PAGES = {"mentor": ["/consults/start"], "coordinator": ["/consults/open"]}


def serious_violations(page: Any, rules: dict[str, Any]) -> list[str]:
    response = page.evaluate("(rules) => axe.run(document, rules)", rules)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check(page: Any, base: str, path: str, found: list[str]) -> None:
    """Every rule in light mode; then, on the same document, contrast again in dark mode."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.emulate_media(color_scheme="light")
    if path:
        response = page.goto(base + path)
        assert response and response.status == 200, path
    page.evaluate(AXE_SCRIPT)
    found.extend(f"{path or page.url} [light] {v}" for v in serious_violations(page, RULES))
    page.emulate_media(color_scheme="dark")
    found.extend(f"{path or page.url} [dark] {v}" for v in serious_violations(page, DARK_RULES))


@pytest.mark.parametrize("role", ["anonymous", "mentor", "consultant", "coordinator"])
def test_main_pages_have_no_serious_accessibility_violations(
    browser, library_server, app, actors, role
) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    page = watch(context.new_page())
    if role != "anonymous":
        _, email = actors.create(role)
        sign_in(page, library_server, actors, email)
    paths = MAIN_PAGES[role] + (CONSULT_PAGES.get(role, []) if "consults" in app.blueprints else [])
    found: list[str] = []
    for path in paths:
        check(page, library_server, path, found)
    if role == "mentor" and "consults" in app.blueprints:
        check(page, library_server, create_consult(page), found)  # a consult's own page
    assert not found, "\n".join(found)
    assert page.problems == []  # type: ignore[attr-defined]
    context.close()


def test_the_queued_screen_is_accessible(browser, library_server, actors) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE)
    page = watch(context.new_page())
    _, email = actors.create("mentor")
    sign_in(page, library_server, actors, email)
    page.goto(f"{library_server}/guides/trauma-reminders")
    controlled(page)
    warm_guides(page)
    context.set_offline(True)
    page.reload()
    page.locator(".consult-fab").click()
    page.locator("[data-queued-screen]").wait_for()
    found: list[str] = []
    check(page, library_server, "", found)
    assert not found, "\n".join(found)
    context.close()
