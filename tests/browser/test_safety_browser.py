"""The safety card in a real browser on a phone viewport: start a visit in two taps and check
in; an SOS without signal shows the emergency number and a text message to the safety contact
at once (and raises nothing it cannot send)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from mentor_app.safety.models import Alarm, SafetyContact, SafetyProfile, Visit
from tests.browser.conftest import signed_in_page, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def mentor_page(live_server, actors, browser):  # type: ignore[no-untyped-def]
    page, mentor_id = signed_in_page(browser, live_server, actors, "mentor", 390, 844)
    yield page, mentor_id
    page.context.close()


def _visits(db, mentor_id: int) -> list[Visit]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(Visit).where(Visit.mentor_id == mentor_id)))


def test_start_a_visit_in_two_taps_then_check_in(mentor_page, live_server, db) -> None:  # type: ignore[no-untyped-def]
    page, mentor_id = mentor_page
    page.goto(f"{live_server}/")
    with page.expect_navigation():
        page.click("[data-visit-start] button[value='60']")
    assert "Visit running" in page.locator("[data-safety]").inner_text()
    assert [v.state for v in _visits(db, mentor_id)] == ["running"]
    with page.expect_navigation():
        page.click("[data-check-in]")
    assert "Good to know you are safe" in page.inner_text("main")
    assert [v.state for v in _visits(db, mentor_id)] == ["ended"]
    assert page.problems == []


def test_sos_without_signal_shows_the_number_and_a_text_message(
    mentor_page, live_server, actors, db
) -> None:  # type: ignore[no-untyped-def]
    page, mentor_id = mentor_page
    contact_id, _ = actors.create("mentor")
    now = datetime.now(UTC)
    db.add(SafetyContact(mentor_id=mentor_id, contact_id=contact_id, created_at=now))
    db.add(SafetyProfile(user_id=contact_id, phone="+46 70 555 01 02", updated_at=now))
    db.commit()
    page.goto(f"{live_server}/")
    with page.expect_navigation():
        page.click("[data-visit-start] button[value='30']")

    page.context.set_offline(True)
    page.click(".safety-sos summary")
    page.click("[data-sos-form] button[type=submit]")
    panel = page.locator("[data-sos-offline]")
    assert wait_until(page, panel.is_visible, 2000)
    assert panel.locator("a[href='tel:112']").count() == 1
    sms = panel.locator("a[data-sos-sms]").get_attribute("href")
    assert sms.startswith("sms:+46705550102?body=")
    db.expire_all()
    assert db.scalars(select(Alarm)).all() == []
    page.context.set_offline(False)
    assert page.problems == []


def test_a_visit_started_without_signal_starts_when_the_signal_returns(
    mentor_page, live_server, db
) -> None:  # type: ignore[no-untyped-def]
    page, mentor_id = mentor_page
    page.goto(f"{live_server}/")
    page.context.set_offline(True)
    page.click("[data-visit-start] button[value='90']")
    assert wait_until(page, page.locator("[data-visit-queued]").is_visible, 2000)
    assert _visits(db, mentor_id) == []
    page.context.set_offline(False)
    assert wait_until(page, lambda: _visits(db, mentor_id), 8000)
    visits = _visits(db, mentor_id)
    assert len(visits) == 1
    assert (visits[0].due_at - visits[0].started_at).total_seconds() == 90 * 60
    assert page.problems == []


def test_sos_sends_the_location_once_when_allowed(mentor_page, live_server, db) -> None:  # type: ignore[no-untyped-def]
    page, mentor_id = mentor_page
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": 59.3293, "longitude": 18.0686, "accuracy": 25})
    page.goto(f"{live_server}/")
    with page.expect_navigation():
        page.click("[data-visit-start] button[value='30']")
    page.click(".safety-sos summary")
    page.check("[data-sos-location]")
    with page.expect_navigation():
        page.click("[data-sos-form] button[type=submit]")
    db.expire_all()
    alarm = db.scalars(select(Alarm).where(Alarm.mentor_id == mentor_id)).one()
    assert (alarm.kind, round(alarm.latitude, 4), round(alarm.longitude, 4)) == (
        "sos",
        59.3293,
        18.0686,
    )
    assert page.problems == []


def _open_sos_without_visit(page, live_server) -> None:  # type: ignore[no-untyped-def]
    """The home screen shortcut's address; opening the SOS loads its script (lazily)."""
    page.goto(f"{live_server}/#safety")
    with page.expect_response(lambda r: "/js/safety.js" in r.url):
        page.click(".safety-sos summary")


def test_sos_without_a_visit_from_the_shortcut_sends_the_location(
    mentor_page, live_server, db
) -> None:  # type: ignore[no-untyped-def]
    page, mentor_id = mentor_page
    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": 59.3293, "longitude": 18.0686, "accuracy": 25})
    _open_sos_without_visit(page, live_server)
    page.check("[data-sos-location]")
    with page.expect_navigation():
        page.click("[data-sos-form] button[type=submit]")
    db.expire_all()
    alarm = db.scalars(select(Alarm).where(Alarm.mentor_id == mentor_id)).one()
    assert (alarm.kind, alarm.visit_id, round(alarm.latitude, 4)) == ("sos", None, 59.3293)
    assert page.problems == []


def test_sos_without_a_visit_and_without_signal_shows_the_number(
    mentor_page, live_server, db
) -> None:  # type: ignore[no-untyped-def]
    page, _mentor_id = mentor_page
    _open_sos_without_visit(page, live_server)
    page.context.set_offline(True)
    page.click("[data-sos-form] button[type=submit]")
    panel = page.locator("[data-sos-offline]")
    assert wait_until(page, panel.is_visible, 2000)
    assert panel.locator("a[href='tel:112']").count() == 1
    db.expire_all()
    assert db.scalars(select(Alarm)).all() == []
    page.context.set_offline(False)
    assert page.problems == []


def _queued_check_in(page):  # type: ignore[no-untyped-def]
    """What the phone still keeps to send ("missing" while a page is loading)."""
    try:
        page.wait_for_load_state()
        return page.evaluate("localStorage.getItem('safety.checkin')")
    except Exception:  # the page navigated meanwhile (safety.js reloads home after sending)
        return "missing"


@pytest.mark.parametrize("pin", ["2468", "1357"])  # the safety PIN, the duress PIN
def test_check_in_without_signal_from_the_offline_page_is_sent_later(
    mentor_page, live_server, db, pin
) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.pwa_helpers import controlled

    page, mentor_id = mentor_page
    page.goto(f"{live_server}/")
    controlled(page)
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    for path, body in (
        ("/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"}),
        ("/api/visits", {"minutes": 30, "where": "Flat 3"}),
    ):
        response = page.request.post(
            f"{live_server}{path}", data=body, headers={"X-CSRFToken": token}
        )
        assert response.status < 300, response.text()
    page.goto(f"{live_server}/")  # the home card keeps the visit (id, due time) on the phone

    page.context.set_offline(True)
    page.goto(f"{live_server}/")  # no signal: the worker shows the offline page
    card = page.locator("[data-offline-visit]")
    assert card.is_visible()
    assert "Check in by" in card.inner_text()
    page.fill("[data-offline-visit] [name=pin]", pin)
    page.click("[data-offline-visit] [data-check-in]")
    done = page.locator("[data-offline-checked-in]")
    assert done.is_visible()
    shown = card.inner_text()
    assert _visits(db, mentor_id)[0].ended_at is None  # nothing left the phone

    page.context.set_offline(False)  # the offline page goes home; safety.js sends the check-in
    assert wait_until(page, lambda: _visits(db, mentor_id)[0].ended_at is not None, 8000)
    db.expire_all()
    raised = db.scalars(select(Alarm).where(Alarm.mentor_id == mentor_id)).all()
    assert [a.kind for a in raised] == ([] if pin == "2468" else ["duress"])
    assert "Checked in. It is sent as soon as you have signal." in shown
    assert wait_until(page, lambda: _queued_check_in(page) is None, 5000)
    assert page.problems == []


def test_a_check_in_without_signal_with_a_wrong_pin_is_said_on_home(
    mentor_page, live_server, db
) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.pwa_helpers import controlled

    page, mentor_id = mentor_page
    page.goto(f"{live_server}/")
    controlled(page)
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    for path, body in (
        ("/api/safety/settings", {"safety_pin": "2468"}),
        ("/api/visits", {"minutes": 30}),
    ):
        response = page.request.post(
            f"{live_server}{path}", data=body, headers={"X-CSRFToken": token}
        )
        assert response.status < 300, response.text()
    page.goto(f"{live_server}/")
    refused = page.locator("[data-check-in-refused]")
    assert refused.is_hidden()
    page.context.set_offline(True)
    page.goto(f"{live_server}/")
    page.fill("[data-offline-visit] [name=pin]", "1111")
    page.click("[data-offline-visit] [data-check-in]")
    page.context.set_offline(False)  # home again; the check-in is sent and refused
    assert wait_until(page, lambda: _queued_check_in(page) is None, 8000)
    refused.wait_for(state="visible", timeout=5000)
    assert "not accepted" in refused.inner_text()
    assert _visits(db, mentor_id)[0].ended_at is None
