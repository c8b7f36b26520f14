"""The safety API: input checks, the duress PIN answering exactly like the safety PIN, who
sees what of an alarm, resolution and retention of the free text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.safety.models import Alarm, SafetyProfile
from mentor_app.safety.worker_steps import purge_notes
from tests.consult_helpers import post_json, run_step
from tests.safety_helpers import add_contact, alarms, live, messages, start_visit, visit

T0 = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


@pytest.fixture
def mentor(actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    return actors.signed_in("mentor", name="Mira Mentor")


def _sign_in(app, actors, db, user_id):  # type: ignore[no-untyped-def]
    client = app.test_client()
    actors.login(client, db.get(User, user_id).email)
    return client


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"minutes": 0},
        {"minutes": 721},
        {"minutes": "60"},
        {"minutes": 1.5},
        {"minutes": True},
        {"minutes": 60, "where": "x" * 121},
        {"minutes": 60, "case_code": "x" * 17},
        {"minutes": 60, "nickname": "x"},
        [],
    ],
)
def test_start_refuses_bad_input(mentor, body) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    response = post_json(client, "/api/visits", body)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_start_extend_check_in(mentor, db, clock) -> None:  # type: ignore[no-untyped-def]
    client, _mentor_id = mentor
    response = post_json(
        client, "/api/visits", {"minutes": 10, "case_code": "K-12", "where": "Café\nnear\tstation"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "due_at"}
    assert datetime.fromisoformat(body["due_at"]) == T0 + timedelta(minutes=10)
    assert visit(db, body["id"]).where_text == "Café near station"
    assert post_json(client, "/api/visits", {"minutes": 30}).status_code == 409  # one at a time

    clock.freeze(T0 + timedelta(minutes=15))  # overdue: extending counts from now
    response = post_json(client, f"/api/visits/{body['id']}/extend", {"minutes": 30})
    assert datetime.fromisoformat(response.get_json()["due_at"]) == T0 + timedelta(minutes=45)

    response = post_json(client, f"/api/visits/{body['id']}/check-in", {})
    assert (response.status_code, response.get_json()) == (200, {"status": "ended"})
    ended = visit(db, body["id"])
    assert (ended.state, ended.where_text) == ("ended", None)  # "where" goes with the visit
    assert post_json(client, f"/api/visits/{body['id']}/check-in", {}).status_code == 409
    assert post_json(client, f"/api/visits/{body['id']}/extend", {"minutes": 5}).status_code == 409


def test_replayed_start_returns_the_same_visit(mentor) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    first = post_json(client, "/api/visits", {"minutes": 60, "client_key": "k1"})
    again = post_json(client, "/api/visits", {"minutes": 60, "client_key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()


def test_pins_are_hashed_and_checked(mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    bad = [{"safety_pin": "12"}, {"safety_pin": "1234", "duress_pin": "1234"}, {"duress_pin": "9"}]
    for body in bad:
        assert post_json(client, "/api/safety/settings", body).status_code == 400
    saved = post_json(client, "/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"})
    assert saved.status_code == 200
    db.expire_all()
    profile = db.get(SafetyProfile, mentor_id)
    assert profile.safety_pin_hash.startswith("$argon2id$")
    assert "2468" not in profile.safety_pin_hash and "1357" not in profile.duress_pin_hash
    visit_id = start_visit(client)
    assert post_json(client, f"/api/visits/{visit_id}/check-in", {}).status_code == 403
    wrong = post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": "0000"})
    assert wrong.status_code == 403
    assert visit(db, visit_id).ended_at is None


def _check_in_as_seen_by_the_mentor(app, client, db, mentor_id, pin):  # type: ignore[no-untyped-def]
    visit_id = start_visit(client, 60, where="Flat 3", case_code="K-7")
    response = post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": pin})
    # Date and X-Request-ID (random per request) differ between any two requests.
    headers = sorted(
        (k, v) for k, v in response.headers.items() if k.lower() not in ("date", "x-request-id")
    )
    home = client.get("/")
    shown = {
        "status": response.status_code,
        "body": response.get_data(),
        "headers": headers,
        # The CSRF token is signed with the wall clock's second: the same for both PINs.
        "home": re.sub(rb'(csrf[-_]token"? (?:content|value)=")[^"]+', rb"\1-", home.get_data()),
        "home_status": home.status_code,
        # What the service worker may receive: the mentor's unsent/sent messages.
        "pushes": [(m.kind, m.state) for m in live(messages(db, user_id=mentor_id))],
        "alarms_api": client.get("/api/alarms").get_data(),
        # Whatever else the phone could try on the ended visit answers the same.
        "again": [
            (r.status_code, r.get_data())
            for r in (
                post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": pin}),
                post_json(client, f"/api/visits/{visit_id}/extend", {"minutes": 10}),
                post_json(client, f"/api/visits/{visit_id}/sos", {}),
            )
        ],
    }
    return shown


def assert_same(first: dict, second: dict) -> None:
    """Field by field, with a line diff of the pages (easier to read when a test fails)."""
    import difflib

    for key in first:
        if first[key] != second[key] and isinstance(first[key], bytes):
            diff = difflib.unified_diff(
                first[key].decode().splitlines(), second[key].decode().splitlines(), lineterm=""
            )
            raise AssertionError(f"{key} differs:\n" + "\n".join(diff))
        assert first[key] == second[key], key


def test_duress_pin_looks_exactly_like_the_safety_pin(app, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    post_json(client, "/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"})
    safe = _check_in_as_seen_by_the_mentor(app, client, db, mentor_id, "2468")
    assert alarms(db, mentor_id) == []
    duress = _check_in_as_seen_by_the_mentor(app, client, db, mentor_id, "1357")
    assert_same(safe, duress)
    raised = alarms(db, mentor_id)
    assert [(a.kind, a.state) for a in raised] == [("duress", "notifying")]
    assert visit(db, raised[0].visit_id).where_text == "Flat 3"  # kept for the responders


def test_no_pin_set_and_safety_pin_answer_the_same(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    client, mentor_id = actors.signed_in("mentor")
    plain = _check_in_as_seen_by_the_mentor(app, client, db, mentor_id, None)
    post_json(client, "/api/safety/settings", {"safety_pin": "2468"})
    with_pin = _check_in_as_seen_by_the_mentor(app, client, db, mentor_id, "2468")
    assert_same(plain, with_pin)
    assert alarms(db, mentor_id) == []


def test_alarm_access_ack_first_wins_resolve_and_retention(app, actors, mentor, db, clock) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    contact_id, _ = actors.create("mentor")
    stranger_id, _ = actors.create("mentor")
    coordinator_id, _ = actors.create("coordinator")
    add_contact(db, mentor_id, contact_id, T0)
    post_json(client, "/api/safety/settings", {"phone": "+46 70 123 45 67"})
    visit_id = start_visit(client, 60, where="Flat 3", case_code="K-7")
    response = post_json(
        client,
        f"/api/visits/{visit_id}/sos",
        {"latitude": 59.33, "longitude": 18.06, "accuracy_m": 12},
    )
    alarm_id = response.get_json()["alarm_id"]

    contact = _sign_in(app, actors, db, contact_id)
    stranger = _sign_in(app, actors, db, stranger_id)
    coordinator = _sign_in(app, actors, db, coordinator_id)
    # The mentor never sees their own alarm; a stranger does not know it exists.
    assert client.get(f"/api/alarms/{alarm_id}").status_code == 404
    assert client.get("/api/alarms").get_json() == {"alarms": []}
    assert stranger.get(f"/api/alarms/{alarm_id}").status_code == 404
    assert post_json(stranger, f"/api/alarms/{alarm_id}/ack").status_code == 404
    assert stranger.get("/api/alarms").get_json() == {"alarms": []}
    listed = contact.get("/api/alarms").get_json()["alarms"]
    assert [a["id"] for a in listed] == [alarm_id]
    assert "phone" not in listed[0] and "location" not in listed[0]
    # A coordinator cannot act on a mentor's visit.
    assert post_json(coordinator, f"/api/visits/{visit_id}/check-in").status_code == 403

    assert (
        post_json(contact, f"/api/alarms/{alarm_id}/resolve", {"outcome": "safe"}).status_code
        == 409
    )
    won = post_json(contact, f"/api/alarms/{alarm_id}/ack")
    lost = post_json(coordinator, f"/api/alarms/{alarm_id}/ack")
    assert (won.status_code, lost.status_code) == (200, 409)
    assert lost.get_json()["acknowledged_by"] == won.get_json()["acknowledged_by"]
    facts = won.get_json()
    assert facts["phone"] == "+46 70 123 45 67"
    assert (facts["case_code"], facts["where"]) == ("K-7", "Flat 3")
    assert facts["location"] == {"latitude": 59.33, "longitude": 18.06, "accuracy_m": 12}
    assert [e["action"] for e in facts["timeline"]] == [
        "alarm_raised",
        "alarm_tier",
        "alarm_acknowledged",
    ]
    assert "location" not in coordinator.get(f"/api/alarms/{alarm_id}").get_json()
    assert contact.get(f"/safety/alarms/{alarm_id}").status_code == 200
    viewed = db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "safety.alarm_viewed")
    ).all()
    assert {"via": "page", "facts": True} in viewed and {"via": "api", "facts": False} in viewed

    bad = post_json(contact, f"/api/alarms/{alarm_id}/resolve", {"outcome": "fine"})
    assert bad.status_code == 400
    long_note = post_json(
        contact, f"/api/alarms/{alarm_id}/resolve", {"outcome": "safe", "note": "x" * 501}
    )
    assert long_note.status_code == 400
    done = post_json(
        contact, f"/api/alarms/{alarm_id}/resolve", {"outcome": "safe", "note": "Was fine."}
    )
    assert done.status_code == 200
    db.expire_all()
    alarm = db.get(Alarm, alarm_id)
    assert (alarm.latitude, alarm.longitude, alarm.accuracy_m) == (None, None, None)
    assert visit(db, visit_id).where_text is None
    assert (alarm.outcome, alarm.note) == ("safe", "Was fine.")
    assert client.get("/").status_code == 200

    days = app.config["CONSULT_RETENTION_DAYS"]
    run_step(app, purge_notes, T0 + timedelta(days=days) - timedelta(seconds=1))
    db.expire_all()
    assert db.get(Alarm, alarm_id).note == "Was fine."
    run_step(app, purge_notes, T0 + timedelta(days=days))
    db.expire_all()
    assert (db.get(Alarm, alarm_id).note, db.get(Alarm, alarm_id).outcome) == (None, "safe")


def test_no_notification_names_the_mentor_or_the_place(app, actors, mentor, db, clock) -> None:  # type: ignore[no-untyped-def]
    client, _mentor_id = mentor
    _coordinator_id, _ = actors.create("coordinator")
    visit_id = start_visit(client, 60, where="Flat 3 Storgatan", case_code="K-7")
    post_json(client, f"/api/visits/{visit_id}/sos", {"latitude": 59.33, "longitude": 18.06})
    for row in messages(db):
        text = str(row.payload)
        for secret in ("Mira", "Storgatan", "K-7", "59.33", "18.06"):
            assert secret not in text


def test_my_data_has_the_safety_settings_and_never_tells_duress_apart(app, mentor, db) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.dashboard import mydata

    client, mentor_id = mentor
    post_json(client, "/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"})
    for pin in ("2468", "1357"):
        visit_id = start_visit(client, 60, where="Flat 3")
        post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": pin})
    db.expire_all()
    exported = mydata.collect(db, mentor_id, T0)
    safety = exported["safety"]
    assert (safety["safety_pin_set"], safety["duress_pin_set"]) == (True, True)
    first, second = safety["visits"]
    assert set(first) == set(second) == {"started_at", "check_in_by", "case_code"}
    text = str(exported)
    assert "duress" not in text.replace("duress_pin_set", "") and "Flat 3" not in text
    assert "alarm" not in text


def test_every_mentor_page_offers_the_sos_while_a_visit_runs_and_is_never_cached(mentor) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    assert "data-sos-form" not in client.get("/guides").get_data(as_text=True)
    visit_id = start_visit(client)
    page = client.get("/guides")
    assert f'data-api="/api/visits/{visit_id}/sos"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "geolocation=(self)" in page.headers["Permissions-Policy"]
    home = client.get("/")
    assert home.get_data(as_text=True).count("data-sos-form") == 1  # the card's, not the bar's


def test_an_exhausted_alarm_stays_on_top_of_every_coordinator_page(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    coordinator, _ = actors.signed_in("coordinator")
    mentor_id, _ = actors.create("mentor")
    assert "nobody has taken it" not in coordinator.get("/guides").get_data(as_text=True)
    alarm = Alarm(mentor_id=mentor_id, kind="missed", state="exhausted", tier=3, raised_at=T0)
    db.add(alarm)
    db.commit()
    for path in ("/", "/guides", "/safety/"):
        page = coordinator.get(path).get_data(as_text=True)
        assert f'href="/safety/alarms/{alarm.id}"' in page, path
    assert post_json(coordinator, f"/api/alarms/{alarm.id}/ack").status_code == 200
    assert "nobody has taken it" not in coordinator.get("/guides").get_data(as_text=True)
