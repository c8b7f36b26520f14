"""Undo a tap (issue 17, item 6), on a 390 x 844 phone: after the one tap the consult page
shows "Request sent — Undo" for 5 seconds; Undo cancels the real request and withdraws what was
already offered (each offered consultant gets a "withdrawn" replacement); after 5 seconds the
bar is gone, and opening the page later never shows it."""

from __future__ import annotations

import pytest

from mentor_app.consults.models import Consult
from mentor_app.notifications.models import OutboxMessage
from tests.browser.conftest import signed_in_page, wait_until
from tests.consult_helpers import offered_ids, pool, route_due

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _tap(page, base: str) -> int:  # type: ignore[no-untyped-def]
    page.click("[data-consult-button]")
    page.wait_for_url(f"{base}/consults/*")
    return int(page.url.rsplit("/", 1)[1])


def test_undo_cancels_and_withdraws(browser, live_server, app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    consultants = pool(actors, db, clock(), 2, languages=("en",))
    page, _ = signed_in_page(browser, live_server, actors, "mentor", **PHONE)
    consult_id = _tap(page, live_server)
    bar = page.locator("[data-undo]")
    assert bar.is_visible() and "Request sent" in bar.inner_text()
    route_due(app)  # the tap went out at once: consultants were already asked
    assert offered_ids(db, consult_id) == set(consultants)
    page.get_by_role("button", name="Undo").click()
    page.wait_for_selector("text=You cancelled this request")  # the page reloads after undo
    db.expire_all()
    assert db.get(Consult, consult_id).status == "cancelled"
    assert offered_ids(db, consult_id, state="withdrawn") == set(consultants)
    # An offer push not sent yet is dropped; one already delivered gets a "withdrawn" in its
    # place (notify.offer_closed). Either way nobody is left believing the request is open.
    rows = db.query(OutboxMessage).filter_by(consult_id=consult_id).all()
    for consultant in consultants:
        theirs = {(r.kind, r.state) for r in rows if r.user_id == consultant}
        assert ("consult.offer", "cancelled") in theirs or any(
            kind == "consult.withdrawn" for kind, _state in theirs
        ), theirs
    assert not page.problems, page.problems


def test_undo_is_gone_after_five_seconds(browser, live_server, actors, db) -> None:  # type: ignore[no-untyped-def]
    page, _ = signed_in_page(browser, live_server, actors, "mentor", **PHONE)
    page.clock.install()
    consult_id = _tap(page, live_server)
    bar = page.locator("[data-undo]")
    assert bar.is_visible()
    page.clock.fast_forward(5_100)
    assert wait_until(page, bar.is_hidden)
    page.reload()  # opened again later: no undo
    assert page.locator("[data-undo]").is_hidden()
    db.expire_all()
    assert db.get(Consult, consult_id).status == "open"
