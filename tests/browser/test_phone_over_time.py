"""The app on one phone over time (issue 21): deploys that change only templates or settings,
a published guide while a tab is open, one phone shared by people of different roles.

Each test drives a persistent Chromium profile (what a phone keeps between app starts) at a
phone's viewport, against one server per test (the library of guides published)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from mentor_app.playbooks.models import Guide
from mentor_app.pwa import inputs
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, sign_in, wait_until, watch
from tests.browser.pwa_helpers import (
    cache_contents,
    cache_names,
    controlled,
    queue_contents,
    warm_guides,
    worker_version,
)

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 390, "height": 844}
OFFLINE_TITLE = "No connection right now"


@pytest.fixture
def phone(playwright, tmp_path) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A phone: a persistent profile (caches, the worker, cookies survive a restart)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=LAUNCH_ARGS, viewport=VIEWPORT
    )
    yield context
    context.close()


def first_page(context: Any) -> Any:
    return watch(context.pages[0] if context.pages else context.new_page())


def restart_with(app: Any) -> None:
    """What a deploy does to the running app: it starts again and hashes its inputs."""
    inputs.remember(app)


def new_worker_took_over(page: Any, before: str) -> str:
    gone = wait_until(page, lambda: not any(before in n for n in cache_names(page)), 15_000)
    assert gone, f"the worker kept version {before}: {cache_names(page)}"
    after = worker_version(page)
    assert after and after != before
    return after


def offline_page_text(page: Any, base: str) -> str:
    page.context.set_offline(True)
    page.goto(f"{base}/account/settings")
    assert page.locator("main h1").inner_text() == OFFLINE_TITLE
    text = page.locator("main").inner_text()
    page.context.set_offline(False)
    return text


@pytest.fixture
def template_copy(app, tmp_path):  # type: ignore[no-untyped-def]
    """The app rendering a copy of templates/, so a test can deploy a changed template."""
    folder = tmp_path / "templates"
    shutil.copytree(Path(app.root_path).parent / "templates", folder)
    app.template_folder = str(folder)
    app.__dict__.pop("jinja_loader", None)  # Flask caches the loader of the first folder
    app.jinja_env.cache.clear()
    restart_with(app)
    return folder


def test_4_a_deploy_of_a_setting_or_a_template_replaces_the_kept_offline_page(
    phone, library_server, actors, app, template_copy
) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page = first_page(phone)
    sign_in(page, base, actors, actors.create("mentor")[1])
    controlled(page)
    assert "Call 112 now" in offline_page_text(page, base)
    before = worker_version(page)

    app.config["EMERGENCY_NUMBER"] = "113"  # only a setting changes
    restart_with(app)
    page.reload()
    before = new_worker_took_over(page, before)
    assert "Call 113 now" in offline_page_text(page, base)

    offline = template_copy / "pwa" / "offline.html"  # only a template changes
    offline.write_text(offline.read_text().replace("Try again", "Try once more"))
    app.jinja_env.cache.clear()
    restart_with(app)
    page.reload()
    new_worker_took_over(page, before)
    assert "Try once more" in offline_page_text(page, base)
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.fixture
def slow_guides(app) -> Iterator[threading.Event]:  # type: ignore[no-untyped-def]
    """While the event is clear, the worker's own guide fetches wait (a slow server, a phone on
    a weak signal); the user's pages answer as usual."""
    gate = threading.Event()
    gate.set()
    inner = app.wsgi_app

    def held(environ, start_response):  # type: ignore[no-untyped-def]
        background = environ.get("HTTP_X_BACKGROUND_POLL") == "1"
        if background and environ.get("PATH_INFO", "").startswith("/guides"):
            gate.wait(20)
        return inner(environ, start_response)

    app.wsgi_app = held
    yield gate
    gate.set()
    app.wsgi_app = inner


def test_3_a_published_guide_never_stalls_the_next_navigation(
    phone, library_server, actors, db, slow_guides
) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page = first_page(phone)
    sign_in(page, base, actors, actors.create("mentor")[1])
    controlled(page)
    before = worker_version(page)
    slow_guides.clear()
    guide = db.scalars(select(Guide).where(Guide.slug == "trauma-reminders")).one()
    guide.current_revision_id = None  # the published guides change: the worker's version too
    db.commit()
    for path in ("/guides", "/guides/family-conflict-breakup", "/account/settings"):
        response = page.goto(
            base + path, timeout=30_000
        )  # the old worker stalled until the gate opened: for ever
        assert response and response.ok, path
    # The new worker took over although no guide could be fetched yet: its install is short.
    after = new_worker_took_over(page, before)
    slow_guides.set()
    # The guides are warmed after activation, into the new version's cache.
    kept = wait_until(page, lambda: len(guides_kept(page, after)) > 20, 15_000)
    assert kept, guides_kept(page, after)
    assert page.problems == []  # type: ignore[attr-defined]


def guides_kept(page: Any, version: str) -> list[str]:
    return [e["url"] for e in cache_contents(page).get(f"mentor-guides-{version}", [])]


def kept_guide_pages(page: Any) -> list[dict[str, str]]:
    return [
        entry
        for name, entries in cache_contents(page).items()
        if name.startswith("mentor-guides-")
        for entry in entries
        if entry["url"].startswith("/guides/") and entry["url"] != "/guides/index.json"
    ]


def test_1_2_a_shared_phone_keeps_guides_for_whoever_is_signed_in(
    phone, library_server, actors
) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page = first_page(phone)
    sign_in(page, base, actors, actors.create("coordinator")[1])
    assert warm_guides(page) > 20
    assert all("role-coordinator" in e["body"] for e in kept_guide_pages(page))

    # The coordinator's session times out (no sign-out); a mentor signs in on the same phone.
    phone.clear_cookies()
    sign_in(page, base, actors, actors.create("mentor")[1])
    assert warm_guides(page) > 20
    kept = kept_guide_pages(page)
    assert kept and not [e["url"] for e in kept if "role-coordinator" in e["body"]]
    page.context.set_offline(True)
    page.goto(f"{base}/guides/release-day-first-weeks")
    assert "role-mentor" in page.locator("body").get_attribute("class")
    assert page.locator("[data-consult-button]").first.is_visible()
    page.context.set_offline(False)

    # Sign out, sign in again: the guides are kept again (not only after the next deploy).
    page.goto(f"{base}/account/settings")
    with page.expect_navigation():
        page.locator("form[data-logout]").first.evaluate("form => form.requestSubmit()")
    assert kept_guide_pages(page) == []
    sign_in(page, base, actors, actors.create("mentor")[1])
    assert warm_guides(page) > 20
    assert len(kept_guide_pages(page)) > 20


@pytest.fixture
def unavailable(app) -> Iterator[set[str]]:  # type: ignore[no-untyped-def]
    """Paths a proxy answers with 502 Bad Gateway (the app behind it is down)."""
    paths: set[str] = set()
    inner = app.wsgi_app

    def proxy(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") in paths:
            start_response("502 Bad Gateway", [("Content-Type", "text/html")])
            return [b"<h1>502 Bad Gateway</h1>"]
        return inner(environ, start_response)

    app.wsgi_app = proxy
    yield paths
    app.wsgi_app = inner


def test_8_a_proxy_error_shows_the_kept_guide(phone, library_server, actors, unavailable) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    page = first_page(phone)
    sign_in(page, base, actors, actors.create("mentor")[1])
    assert warm_guides(page) > 20
    unavailable.add("/guides/trauma-reminders")
    page.goto(f"{base}/guides/trauma-reminders")
    assert page.locator('article[data-guide="trauma-reminders"] .first-minute').is_visible()
    unavailable.clear()
    page.goto(f"{base}/guides/trauma-reminders")  # the kept copy was not replaced by the error
    assert page.locator('article[data-guide="trauma-reminders"]').is_visible()


NO_BACKGROUND_SYNC = """
delete window.SyncManager;
Object.defineProperty(ServiceWorkerRegistration.prototype, "sync", { get: () => undefined });
"""


def test_9_without_background_sync_the_queued_screen_promises_only_what_happens(
    phone, library_server, actors
) -> None:  # type: ignore[no-untyped-def]
    base = library_server
    phone.add_init_script(NO_BACKGROUND_SYNC)  # as in Safari and Firefox
    page = first_page(phone)
    sign_in(page, base, actors, actors.create("mentor")[1])
    page.goto(f"{base}/guides/trauma-reminders")
    controlled(page)
    page.context.set_offline(True)
    page.reload()
    page.locator(".consult-fab").click()
    screen = page.locator("[data-queued-screen]")
    screen.wait_for()
    assert "also if you close the app" not in screen.inner_text()
    assert "open it again once you have signal" in screen.inner_text()
    assert len(queue_contents(page)["consults"]) == 1
