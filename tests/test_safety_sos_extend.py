"""The SOS with no visit running (home screen shortcut, mentor home), extending a visit whose
alarm is open, and the safety API's refusals in the mentor's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from mentor_app.accounts.models import User
from mentor_app.safety.models import Alarm
from tests.consult_helpers import post_json
from tests.safety_helpers import alarms, live, messages, start_visit, tick, visit
from tests.test_i18n_source_strings import compiled_catalogues, translated  # noqa: F401

T0 = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


@pytest.fixture
def mentor(actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    return actors.signed_in("mentor", name="Mira Mentor")


# --- SOS without a visit --------------------------------------------------------------------


def test_sos_without_a_visit_raises_an_alarm_at_once(app, actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    coordinator_id, _ = actors.create("coordinator")
    response = post_json(client, "/api/sos", {"latitude": 59.33, "longitude": 18.06})
    assert response.status_code == 201
    alarm_id = response.get_json()["alarm_id"]
    (alarm,) = alarms(db, mentor_id)
    assert (alarm.id, alarm.kind, alarm.state, alarm.visit_id) == (
        alarm_id,
        "sos",
        "notifying",
        None,
    )
    assert alarm.latitude == 59.33
    # Tier 1 is queued in the same transaction: the coordinator (nobody on call) is told now.
    assert live(messages(db, user_id=coordinator_id))
    # A second press while it is open is the same alarm, not a second ladder.
    again = post_json(client, "/api/sos", {})
    assert (again.status_code, again.get_json()) == (201, {"alarm_id": alarm_id})
    assert len(alarms(db, mentor_id)) == 1


def test_sos_with_a_visit_running_is_that_visits_sos(mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    visit_id = start_visit(client, 60)
    alarm_id = post_json(client, "/api/sos", {}).get_json()["alarm_id"]
    (alarm,) = alarms(db, mentor_id)
    assert (alarm.id, alarm.visit_id) == (alarm_id, visit_id)
    assert visit(db, visit_id).state == "alarm"


def test_sos_refuses_bad_input_and_non_mentors(app, actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    for body in ({"latitude": 91, "longitude": 0}, {"latitude": 1}, {"where": "x"}, []):
        assert post_json(client, "/api/sos", body).status_code == 400
    coordinator, _ = actors.signed_in("coordinator")
    assert post_json(coordinator, "/api/sos", {}).status_code == 403
    assert alarms(db, mentor_id) == []


def test_mentor_home_offers_the_sos_without_a_visit_and_the_form_raises_it(mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    home = client.get("/")
    page = home.get_data(as_text=True)
    assert 'data-api="/api/sos"' in page and 'action="/safety/sos"' in page
    assert "geolocation=(self)" in home.headers["Permissions-Policy"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post("/safety/sos", data={"csrf_token": token})
    assert sent.status_code == 303
    assert [(a.kind, a.visit_id) for a in alarms(db, mentor_id)] == [("sos", None)]


def test_a_visitless_sos_is_resolved_like_any_alarm(app, actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, _mentor_id = mentor
    coordinator, _ = actors.signed_in("coordinator")
    alarm_id = post_json(client, "/api/sos", {"latitude": 1.5, "longitude": 2.5}).get_json()[
        "alarm_id"
    ]
    taken = post_json(coordinator, f"/api/alarms/{alarm_id}/ack").get_json()
    assert taken["location"]["latitude"] == 1.5 and taken["case_code"] is None
    assert coordinator.get(f"/safety/alarms/{alarm_id}").status_code == 200
    done = post_json(coordinator, f"/api/alarms/{alarm_id}/resolve", {"outcome": "safe"})
    assert done.status_code == 200
    db.expire_all()
    assert db.get(Alarm, alarm_id).latitude is None
    # Resolved: the next SOS is a new alarm.
    assert post_json(client, "/api/sos", {}).get_json()["alarm_id"] != alarm_id


# --- extending after the alarm --------------------------------------------------------------


def test_extend_after_a_missed_check_in_alarm_keeps_the_alarm(app, actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    coordinator, _ = actors.signed_in("coordinator")
    app.config["SAFETY_GRACE_MINUTES"] = 1  # the clock moves little: sessions stay fresh
    visit_id = start_visit(client, 1)
    for seconds in (60, 90, 120):
        tick(app, T0 + timedelta(seconds=seconds))
    (alarm,) = alarms(db, mentor_id)
    assert alarm.kind == "missed"
    refused = post_json(client, f"/api/visits/{visit_id}/extend", {"minutes": 30})
    assert refused.status_code == 409
    assert "alarm" in refused.get_json()["error"]
    (still,) = alarms(db, mentor_id)
    assert still.state == "notifying" and visit(db, visit_id).state == "alarm"
    # The ladder goes on as if nobody had tapped.
    tick(app, T0 + timedelta(seconds=120 + 120))
    assert alarms(db, mentor_id)[0].tier == 2
    # The responders see the tap in the timeline.
    timeline = coordinator.get(f"/api/alarms/{alarm.id}").get_json()["timeline"]
    assert "alarm_extend_tapped" in [step["action"] for step in timeline]
    page = coordinator.get(f"/safety/alarms/{alarm.id}").get_data(as_text=True)
    assert "tapped extend" in page


def test_extend_form_after_an_sos_says_the_alarm_stays(mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    visit_id = start_visit(client, 60)
    post_json(client, f"/api/visits/{visit_id}/sos", {})
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post(
        f"/safety/visits/{visit_id}/extend", data={"csrf_token": token, "minutes": "30"}
    )
    assert sent.status_code == 303
    shown = client.get("/").get_data(as_text=True)
    assert "cannot be extended" in shown
    assert alarms(db, mentor_id)[0].state == "notifying"


# --- refusals in the mentor's language ------------------------------------------------------

SAFETY_DIR = Path(__file__).resolve().parents[1] / "mentor_app" / "safety"


def _msgid_patterns() -> list[re.Pattern[str]]:
    """Every msgid marked in mentor_app/safety, as a regex (placeholders match anything)."""
    keywords = {"_": None, "_l": None, "N_": None, "gettext": None}
    patterns = []
    for path in SAFETY_DIR.glob("*.py"):
        for _line, msgid, _comments, _context in extract_from_file(
            "python", str(path), keywords=keywords
        ):
            text = msgid if isinstance(msgid, str) else msgid[0]
            parts = re.split(r"%\([a-z_]+\)[sd]", text)
            patterns.append(re.compile("^" + ".+".join(map(re.escape, parts)) + "$"))
    return patterns


def test_every_safety_refusal_is_a_marked_msgid(app, actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    visit_id = start_visit(client, 60)
    refusals = [
        post_json(client, "/api/visits", {"minutes": 0}),
        post_json(client, "/api/visits", {"minutes": 60, "where": "x" * 130}),
        post_json(client, "/api/visits", {"minutes": 60}),
        post_json(client, "/api/visits", {"minutes": 60, "nickname": "x"}),
        post_json(client, "/api/visits", {"minutes": "60"}),
        post_json(client, f"/api/visits/{visit_id}/extend", {}),
        post_json(client, "/api/sos", {"latitude": 1}),
        post_json(client, "/api/sos", {"latitude": 100, "longitude": 1}),
        post_json(client, "/api/safety/settings", {"safety_pin": "12"}),
        post_json(client, "/api/safety/settings", {"safety_pin": "1234", "duress_pin": "1234"}),
        post_json(client, "/api/safety/settings", {"phone": "call me"}),
        post_json(client, "/api/safety/contacts", {"email": "nobody@example.org"}),
    ]
    post_json(client, "/api/safety/settings", {"safety_pin": "2468"})
    refusals.append(post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": "1111"}))
    patterns = _msgid_patterns()
    for response in refusals:
        assert 400 <= response.status_code < 500
        error = response.get_json()["error"]
        assert any(p.match(error) for p in patterns), error


@pytest.mark.usefixtures("translated")
def test_a_refusal_reaches_a_swedish_responder_in_swedish(actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    first, _ = actors.signed_in("coordinator")
    second, second_id = actors.signed_in("coordinator")
    db.get(User, second_id).locale = "sv"
    db.commit()
    alarm_id = post_json(client, "/api/sos", {}).get_json()["alarm_id"]
    assert post_json(first, f"/api/alarms/{alarm_id}/ack").status_code == 200
    late = post_json(second, f"/api/alarms/{alarm_id}/ack")
    assert late.status_code == 409
    assert late.get_json()["error"] != "Someone else has already taken this alarm."
    bad = post_json(second, f"/api/alarms/{alarm_id}/resolve", {"outcome": "fine"})
    assert bad.status_code == 400 and bad.get_json()["error"] != "Choose what happened."


# --- the responder at 22:00 -----------------------------------------------------------------


def test_the_responder_of_a_duress_alarm_is_warned_not_to_mention_it(actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    coordinator, _ = actors.signed_in("coordinator")
    post_json(client, "/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"})
    visit_id = start_visit(client, 60)
    post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": "1357"})
    (alarm,) = alarms(db, mentor_id)
    home = coordinator.get("/")
    assert "Mira Mentor · Duress PIN" in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "no-store"
    before = coordinator.get(f"/safety/alarms/{alarm.id}").get_data(as_text=True)
    assert "data-duress-hint" not in before  # only for the one who took it
    post_json(coordinator, f"/api/alarms/{alarm.id}/ack")
    page = coordinator.get(f"/safety/alarms/{alarm.id}").get_data(as_text=True)
    assert "data-duress-hint" in page and "do not mention the alarm" in page
    assert "check-in due" in page


def test_the_responder_of_a_visitless_sos_is_told_there_is_no_place(actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    coordinator, _ = actors.signed_in("coordinator")
    alarm_id = post_json(client, "/api/sos", {}).get_json()["alarm_id"]
    post_json(coordinator, f"/api/alarms/{alarm_id}/ack")
    page = coordinator.get(f"/safety/alarms/{alarm_id}").get_data(as_text=True)
    assert "with no visit running" in page


# --- the delivery round's relevance check ---------------------------------------------------


def test_a_ladder_message_of_a_taken_alarm_is_obsolete_at_send_time(
    app, actors, mentor, db
) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.notifications import relevance

    client, _ = mentor
    coordinator, _ = actors.signed_in("coordinator")
    assert {"safety.alarm", "safety.check_in"} <= set(relevance.registered_kinds())
    alarm_id = post_json(client, "/api/sos", {}).get_json()["alarm_id"]
    (row,) = [r for r in messages(db, kind="safety.alarm") if r.dedup_key.startswith("alarm:")]
    assert relevance.verdict(db, T0, row) is relevance.Verdict.SEND
    post_json(coordinator, f"/api/alarms/{alarm_id}/ack")
    db.expire_all()
    assert relevance.verdict(db, T0, row) is relevance.Verdict.OBSOLETE
