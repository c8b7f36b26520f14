"""Shared fixtures for the real-browser tests (Playwright for Python driving Debian's Chromium).

- `browser`: one Chromium per test module, launched with the flags in shared/design/TESTING.md;
  the whole module is skipped, with the reason, only when /usr/bin/chromium is absent
  (`playwright` is the driver, for the rare test that needs a persistent profile).
- `live_server`: the real app on 127.0.0.1 and a free port (werkzeug's make_server in a thread)
  against the test database; `library_server` also publishes every guide in mentor_app/content.
- `signed_in_page(...)`: a fresh phone-sized context signed in through the login form (TOTP
  through actors.code), collecting console errors and page errors in `page.problems`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.playbooks.support import seed_library

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 640}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    yield chromium
    chromium.close()


def serve(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    yield from serve(app)


@pytest.fixture
def library_server(app, db, clock) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app with every guide in mentor_app/content published."""
    seed_library(db, clock())
    yield from serve(app)


def _console_problem(page: Any, message: Any) -> None:
    # Anything logged as an error is a failure (a CSP refusal, a script error, a failed request
    # of ours); the browser's own notes about a request made offline are expected.
    if message.type == "error" and "ERR_INTERNET_DISCONNECTED" not in message.text:
        page.problems.append(message.text)


def watch(page: Any) -> Any:
    page.problems = []
    page.on("console", lambda m: _console_problem(page, m))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


def sign_in(page: Any, base: str, actors: Any, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():  # until the next page has loaded, its scripts included
        page.click("form [type=submit]")
    if "/login/totp" in page.url:
        page.fill("input[name=code]", actors.code(email))
        with page.expect_navigation():
            page.click("form [type=submit]")
    assert "/login" not in page.url, page.url


def signed_in_page(  # type: ignore[no-untyped-def]
    browser, base: str, actors, role: str, width: int = 360, height: int = 740, **context_args
):
    """A fresh phone-sized browser context signed in as a new user of `role`."""
    user_id, email = actors.create(role)
    context = browser.new_context(viewport={"width": width, "height": height}, **context_args)
    page = watch(context.new_page())
    sign_in(page, base, actors, email)
    page.email = email  # type: ignore[attr-defined]
    return page, user_id


def wait_until(page: Any, check: Callable[[], Any], timeout_ms: int = 5000) -> Any:
    """Polls `check` while letting the browser run (the pages' CSP forbids wait_for_function)."""
    waited = 0
    while waited < timeout_ms:
        value = check()
        if value:
            return value
        page.wait_for_timeout(100)
        waited += 100
    return check()
