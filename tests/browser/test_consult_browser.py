"""The one tap in a real browser (Debian's Chromium through Playwright): the fixed button
creates one consult per tap, a double tap still makes one, and a tap without a connection is
queued on the phone and sent when the connection returns."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.consults.models import Consult
from tests.browser.conftest import sign_in, wait_until, watch

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server, actors, browser):  # type: ignore[no-untyped-def]
    _mentor_id, email = actors.create("mentor", languages=["sv"])
    context = browser.new_context(viewport={"width": 360, "height": 740})
    tab = watch(context.new_page())
    sign_in(tab, live_server, actors, email)
    yield tab
    context.close()


@pytest.fixture
def server(live_server: str) -> str:
    return live_server


def consults(db) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Consult)) or 0


def test_one_tap_creates_the_request_and_opens_it(page, server, db) -> None:  # type: ignore[no-untyped-def]
    page.click("[data-consult-button]")
    page.wait_for_url(f"{server}/consults/*")
    assert consults(db) == 1
    assert page.locator("[data-status-text]").inner_text() == "Waiting for a consultant"
    assert page.locator("a[href='tel:112']").count() == 1


def test_a_double_tap_makes_one_request(page, server, db) -> None:  # type: ignore[no-untyped-def]
    page.dblclick("[data-consult-button]")
    page.wait_for_url(f"{server}/consults/*")
    page.wait_for_timeout(300)
    assert consults(db) == 1


def test_a_tap_without_signal_is_queued_and_sent_later(page, server, db) -> None:  # type: ignore[no-untyped-def]
    page.context.set_offline(True)
    page.click("[data-consult-button]")
    screen = page.locator("[data-queued-screen]")
    screen.wait_for()
    assert "queued" in screen.inner_text()
    assert consults(db) == 0
    page.context.set_offline(False)
    page.locator("[data-queue-status]").filter(has_text="was sent").wait_for()
    assert wait_until(page, lambda: consults(db) == 1)
    # The page and the service worker both send the queue; the one that finds it already
    # empty reports nothing sent, and must not hide the other's "was sent".
    page.evaluate(
        "async () => (await import(document.getElementById('offline-queue').src)).renderStatus([])"
    )
    status = page.locator("[data-queue-status]")
    assert status.is_visible() and "was sent" in status.inner_text()


def test_an_open_thread_leaves_the_screen_when_the_session_ends(  # type: ignore[no-untyped-def]
    page, server, db
) -> None:
    """The consult page refreshes itself as a background poll (it does not keep an unattended
    phone signed in); once the session has ended, the next poll takes the page to sign-in."""
    polls: list[dict[str, str]] = []
    page.on("request", lambda r: "/api/consults/" in r.url and polls.append(r.headers))
    page.clock.install()
    page.click("[data-consult-button]")
    page.wait_for_url(f"{server}/consults/*")
    page.clock.fast_forward(4_500)
    assert wait_until(page, lambda: len(polls) >= 1)
    assert all(h.get("x-background-poll") == "1" for h in polls)
    mentor = db.scalars(select(User).where(User.role == "mentor")).one()
    mentor.session_version += 1  # "sign out everywhere", from another device
    db.commit()
    page.clock.fast_forward(4_500)
    page.wait_for_url(f"{server}/login**")


def test_a_page_with_an_old_token_still_gets_its_tap_through(page, server, db) -> None:  # type: ignore[no-untyped-def]
    """A guide the service worker kept from an earlier session carries that session's CSRF
    token. The tap is refused once, the page fetches this session's token and sends again."""
    old = page.evaluate("document.querySelector('meta[name=csrf-token]').content")
    page.evaluate(
        "(t) => { document.querySelector('meta[name=csrf-token]').content = t; }",
        old[:-4] + "AAAA",
    )
    page.click("[data-consult-button]")
    page.wait_for_url(re.compile(r"/consults/\d+$"))
    assert consults(db) == 1
