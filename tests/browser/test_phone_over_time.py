"""The app on one phone over time (issue 21): deploys that change only templates or settings,
a published guide while a tab is open, one phone shared by people of different roles.

Each test drives a persistent Chromium profile (what a phone keeps between app starts) at a
phone's viewport, against one server per test (the library of guides published)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mentor_app.pwa import inputs
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, sign_in, wait_until, watch
from tests.browser.pwa_helpers import cache_names, controlled, worker_version

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
