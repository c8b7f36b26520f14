"""Offline in a real browser: after one visit online, the guides, the guide list and search work
with the network off; pages with personal data never come from the service worker's caches;
signing out leaves no page with personal data behind; a deploy replaces the worker and its
caches on the next load."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mentor_app.playbooks.models import Guide
from tests.browser.conftest import signed_in_page, wait_until
from tests.browser.pwa_helpers import (
    cache_contents,
    cache_names,
    controlled,
    create_consult,
    queue_contents,
    warm_guides,
    worker_version,
)

pytestmark = pytest.mark.browser

OFFLINE_TITLE = "No connection right now"
BANNER = "[data-offline-banner]"


def published_slugs(db) -> list[str]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(Guide.slug).where(Guide.current_revision_id.is_not(None))))


def test_guides_list_every_guide_and_search_work_offline(
    browser, library_server, actors, db, app
) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page, _ = signed_in_page(browser, base, actors, "mentor")
    name = page.locator("main h1").inner_text()  # "Hello, <name>": personal
    personal = ["/account/settings", "/"]
    if "consults" in app.blueprints:
        personal.append(create_consult(page))  # a consult page: the mentor's own request
        page.goto(base + personal[-1])
        assert page.locator("[data-status-text]").is_visible()
    page.goto(f"{base}/account/settings")
    controlled(page)
    page.goto(f"{base}/guides/trauma-reminders")
    page.goto(f"{base}/guides/family-conflict-breakup")
    slugs = published_slugs(db)
    assert warm_guides(page) == len(slugs) > 20

    page.context.set_offline(True)
    page.goto(f"{base}/guides")
    assert page.locator("main h1").inner_text() == "Guides"
    assert page.locator(BANNER).is_visible()
    assert "guides available" in page.locator(BANNER).inner_text()
    for slug in ("trauma-reminders", "bereavement-illness-in-family", "release-day-first-weeks"):
        page.goto(f"{base}/guides/{slug}")  # the last two were never opened
        assert page.locator(f'article[data-guide="{slug}"] .first-minute').is_visible()
        assert page.locator(BANNER).is_visible()
        styled = page.evaluate(
            "getComputedStyle(document.querySelector('.first-minute')).borderLeftWidth"
        )
        assert styled == "8px", "the stylesheet came from the cache too"

    page.goto(f"{base}/guides")
    box = page.locator("[data-guide-search-input]")
    box.press_sequentially("funeral")
    first = page.locator("#guide-results .guide-link").first
    expect(first).to_have_attribute("href", "/guides/bereavement-illness-in-family")

    # Pages with personal data were visited online, but offline they show the offline page.
    for path in personal:
        page.goto(f"{base}{path}")
        assert page.locator("main h1").inner_text() == OFFLINE_TITLE, path
        assert name not in page.content() and "Change password" not in page.content()
        assert page.locator("[data-status-text]").count() == 0
        assert page.locator(BANNER).is_visible()
    page.context.set_offline(False)

    for name_, entries in cache_contents(page).items():
        for entry in entries:
            assert "no-store" not in entry["cacheControl"], (name_, entry["url"])
            assert entry["url"].startswith(("/static/", "/guides", "/offline")), entry["url"]
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_signing_out_leaves_no_page_with_personal_data(browser, library_server, actors) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page, _ = signed_in_page(browser, base, actors, "mentor")
    controlled(page)
    assert warm_guides(page) > 0
    page.goto(f"{base}/account/settings")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert any(name.startswith("mentor-guides-") for name in cache_contents(page))
    assert queue_contents(page)["session"], "the page stored its token for the offline queue"

    page.locator("form[data-logout] button").click()
    page.wait_for_url("**/login")
    contents = cache_contents(page)
    assert contents, "the app shell stays, so the app still opens without signal"
    assert not [name for name in contents if name.startswith("mentor-guides-")]
    for entries in contents.values():
        for entry in entries:
            assert entry["url"].startswith(("/static/", "/offline")), entry["url"]
            assert page.email not in entry["body"]  # type: ignore[attr-defined]
            assert "Test mentor" not in entry["body"]
            assert token not in entry["body"]
            assert '<meta name="csrf-token"' not in entry["body"]
            if entry["type"].startswith("text/html"):
                # the only pages left: public (the offline page, one per language)
                assert entry["url"].split("?")[0] == "/offline", entry["url"]
    assert queue_contents(page)["session"] == []

    page.context.set_offline(True)
    page.goto(f"{base}/guides/trauma-reminders")
    assert page.locator("main h1").inner_text() == OFFLINE_TITLE  # signed out: no guides either
    page.context.close()


def test_signing_out_from_a_page_with_an_old_token_still_signs_out(  # type: ignore[no-untyped-def]
    browser, library_server, actors
) -> None:
    """A guide served from the worker's cache was rendered in an earlier session, so its
    sign-out form carries that session's token. Signing out must still work."""
    base = library_server
    page, _ = signed_in_page(browser, base, actors, "mentor")
    page.goto(f"{base}/guides/trauma-reminders")
    page.evaluate(
        "() => { document.querySelector('form[data-logout] input[name=csrf_token]').value ="
        " 'from-an-earlier-session'; }"
    )
    page.locator("form[data-logout] button").click()
    page.wait_for_url("**/login")
    page.goto(f"{base}/")
    assert "/login" in page.url, "still signed in"
    page.context.close()


@pytest.fixture
def static_copy(app, tmp_path):  # type: ignore[no-untyped-def]
    """The app serving a copy of static/, so a test can deploy a changed file."""
    folder = tmp_path / "static"
    shutil.copytree(app.static_folder, folder)
    app.static_folder = str(folder)
    return folder


def test_a_deploy_activates_a_new_worker_and_drops_old_caches(
    browser, library_server, actors, static_copy
) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page, _ = signed_in_page(browser, base, actors, "mentor")
    controlled(page)
    warm_guides(page)
    before = worker_version(page)
    assert {name.rsplit("-", 1)[1] for name in cache_contents(page)} == {before}

    css = static_copy / "css" / "app.css"
    css.write_text(css.read_text() + "\n.deployed { color: inherit; }\n")
    page.reload()  # the next load

    # Watch the caches, not the worker: messages to the old worker keep it busy, and Chromium
    # activates the new one only when the old one is idle.
    gone = wait_until(page, lambda: not any(before in n for n in cache_names(page)), 30_000)
    assert gone, cache_names(page)
    after = worker_version(page)
    assert after and after != before, "a new worker took over"
    names = cache_names(page)
    assert names and all(after in name for name in names), names
    shell = cache_contents(page)[f"mentor-shell-{after}"]
    new_css = page.locator('link[rel="stylesheet"]').get_attribute("href")
    assert new_css in [entry["url"] for entry in shell]
    assert ".deployed" in next(e["body"] for e in shell if e["url"] == new_css)
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()
