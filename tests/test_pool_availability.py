"""`/api/me/availability` (fixed address and shape) and the home-screen switch."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from mentor_app.accounts.models import User
from mentor_app.pool import vetting
from mentor_app.pool.models import ConsultantProfile
from tests import pool_helpers
from tests.conftest import csrf_token

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # Monday
KEYS = {"available", "available_until", "paused_until", "on_call_now"}


def api(client, body=None, method: str = "POST"):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get("/api/me/availability")
    headers = {"X-CSRFToken": csrf_token(client)}
    return client.post("/api/me/availability", json=body, headers=headers)


@pytest.fixture
def me(app, actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    return actors.signed_in("consultant")


def test_get_shape_with_nothing_set(me) -> None:  # type: ignore[no-untyped-def]
    client, _ = me
    response = api(client, method="GET")
    assert response.status_code == 200
    assert response.get_json() == {
        "available": False,
        "available_until": None,
        "paused_until": None,
        "on_call_now": False,
    }


def test_available_for_hours_then_it_expires(me, actors, clock, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    response = api(client, {"available": True, "hours": 3})
    assert response.status_code == 200
    assert response.get_json() == {
        "available": True,
        "available_until": "2026-06-01T12:00:00Z",
        "paused_until": None,
        "on_call_now": True,
    }
    clock.advance(hours=3)
    actors.login(client, db.get(User, user_id).email)  # the idle limit ended the session
    assert api(client, method="GET").get_json() == {
        "available": False,
        "available_until": None,
        "paused_until": None,
        "on_call_now": False,
    }


def test_pause_beats_a_shift_and_available_ends_the_pause(me, clock, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    pool_helpers.add_shift(db, NOW, user_id, 0, time(0), time(23))  # Monday, Stockholm time
    db.commit()
    assert api(client, method="GET").get_json()["on_call_now"] is True
    paused = api(client, {"available": False, "hours": 2}).get_json()
    assert paused == {
        "available": False,
        "available_until": None,
        "paused_until": "2026-06-01T11:00:00Z",
        "on_call_now": False,
    }
    # Without hours, false only ends "available now": the pause stays.
    assert api(client, {"available": False}).get_json()["paused_until"] == "2026-06-01T11:00:00Z"
    back = api(client, {"available": True, "hours": 1}).get_json()
    assert back["paused_until"] is None and back["on_call_now"] is True
    cleared = api(client, {"available": False}).get_json()
    assert (cleared["available"], cleared["on_call_now"]) == (False, True)  # the shift again


def test_not_routable_is_never_on_call(me, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    pool_helpers.set_profile(db, user_id, vetting_state=vetting.SUSPENDED)
    db.commit()
    body = api(client, {"available": True, "hours": 2}).get_json()
    assert body["available"] is True and body["on_call_now"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"available": True},  # hours required when available
        {"available": True, "hours": 0},
        {"available": True, "hours": 25},
        {"available": True, "hours": "3"},
        {"available": True, "hours": 2.5},
        {"available": True, "hours": True},
        {"available": "yes", "hours": 2},
        {"available": False, "hours": -1},
        {"hours": 2},
        {"available": True, "hours": 2, "until": "tomorrow"},
        [True, 2],
        "available",
        None,
    ],
)
def test_bad_bodies_are_400_and_change_nothing(me, db, body) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    response = api(client, body)
    assert response.status_code == 400
    assert "error" in response.get_json()
    profile = db.get(ConsultantProfile, user_id)
    assert (profile.available_until, profile.paused_until) == (None, None)


def test_other_roles_are_refused(app, actors) -> None:  # type: ignore[no-untyped-def]
    for role in ("mentor", "coordinator"):
        client, _ = actors.signed_in(role)
        assert api(client, method="GET").status_code == 403
        assert api(client, {"available": True, "hours": 2}).status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/api/me/availability").status_code == 401


def test_post_without_csrf_is_refused(me) -> None:  # type: ignore[no-untyped-def]
    client, _ = me
    response = client.post("/api/me/availability", json={"available": True, "hours": 2})
    assert response.status_code == 400


def test_home_switch(me, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    home = client.get("/").get_data(as_text=True)
    assert "How long do you want to be available now?" in home
    assert "Following your weekly shifts" in home
    token = csrf_token(client)
    response = client.post(
        "/pool/me/availability", data={"csrf_token": token, "action": "on", "hours": "4"}
    )
    assert response.status_code == 302
    profile = db.get(ConsultantProfile, user_id)
    assert profile.available_until == datetime(2026, 6, 1, 13, tzinfo=UTC)
    home = client.get("/").get_data(as_text=True)
    assert "Available now" in home and "You are on call right now." in home
    client.post("/pool/me/availability", data={"csrf_token": token, "action": "resume"})
    db.expire_all()
    assert db.get(ConsultantProfile, user_id).available_until is None
