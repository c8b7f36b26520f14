"""Reachability you can act on (issue 17, item 16): consultants and coordinators may add a
phone number; coordinators see it, a mentor only on a consult the consultant accepted when the
mentor asked for a call-back; "unreachable" lists link to call or e-mail."""

from __future__ import annotations

from datetime import UTC, datetime

from mentor_app.accounts.models import User
from tests.conftest import csrf_token
from tests.consult_helpers import make_consult, make_consultant

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NUMBER = "+46 70 123 45 67"


def _save_phone(client, number: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/account/settings",
        data={"csrf_token": csrf_token(client), "phone-phone": number, "phone-submit": "1"},
    )


def test_consultants_and_coordinators_may_add_a_number(actors, db) -> None:  # type: ignore[no-untyped-def]
    consultant, consultant_id = actors.signed_in("consultant")
    assert 'name="phone-phone"' in consultant.get("/account/settings").text
    assert _save_phone(consultant, NUMBER).status_code == 302
    assert db.get(User, consultant_id).phone == NUMBER
    refused = _save_phone(consultant, "call me maybe")
    assert refused.status_code == 400 and 'value="call me maybe"' in refused.text
    db.expire_all()
    assert db.get(User, consultant_id).phone == NUMBER
    assert _save_phone(consultant, "").status_code == 302  # optional: it can be removed
    db.expire_all()
    assert db.get(User, consultant_id).phone is None
    mentor, _ = actors.signed_in("mentor")
    assert 'name="phone-phone"' not in mentor.get("/account/settings").text


def _accepted(db, actors, callback: bool):  # type: ignore[no-untyped-def]
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consultant_id, _ = actors.create("consultant", name="Karl Consultant")
    make_consultant(db, consultant_id, NOW)
    db.get(User, consultant_id).phone = NUMBER
    consult = make_consult(
        db,
        mentor_id,
        NOW,
        status="accepted",
        consultant_id=consultant_id,
        accepted_at=NOW,
        callback_requested=callback,
        callback_number="070-111 22 33" if callback else None,
    )
    db.commit()
    return mentor, consultant_id, consult.id


def test_the_mentor_sees_it_only_with_a_call_back(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    mentor, _, consult_id = _accepted(db, actors, callback=True)
    page = mentor.get(f"/consults/{consult_id}").text
    assert 'href="tel:+46701234567"' in page
    quiet, _, other_id = _accepted(db, actors, callback=False)
    assert NUMBER not in quiet.get(f"/consults/{other_id}").text
    assert quiet.get(f"/api/consults/{other_id}").get_json()["consultant"]["phone"] is None


def test_coordinators_see_it_and_unreachable_lists_link_to_call_or_mail(actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    _mentor, consultant_id, consult_id = _accepted(db, actors, callback=False)
    coordinator, _ = actors.signed_in("coordinator")
    assert 'href="tel:+46701234567"' in coordinator.get(f"/admin/users/{consultant_id}").text
    assert 'href="tel:+46701234567"' in coordinator.get(f"/pool/{consultant_id}").text
    assert 'href="tel:+46701234567"' in coordinator.get(f"/consults/{consult_id}").text
    # The consultant has no device: unreachable, with a way to call or write.
    email = db.get(User, consultant_id).email
    board = coordinator.get("/dashboard/").text
    assert 'href="tel:+46701234567"' in board and f'href="mailto:{email}"' in board
    live = coordinator.get("/api/dashboard/live").get_json()
    row = next(u for u in live["unreachable"] if u["name"] == "Karl Consultant")
    assert row["phone"] == NUMBER and row["email"] == email
