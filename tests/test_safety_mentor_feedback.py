"""What the mentor and the responders are told: the card follows the real state of the
mentor's alarm (SOS sent, going to whom, taken by whom), every timeline line is true, PINs
are typed masked, refusals come in the mentor's language, and an extend is confirmed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from mentor_app.accounts.models import User
from tests.consult_helpers import post_json
from tests.safety_helpers import alarms, start_visit
from tests.test_i18n_source_strings import compiled_catalogues, translated  # noqa: F401

T0 = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


@pytest.fixture
def mentor(actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    return actors.signed_in("mentor", name="Mira Mentor")


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _card(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/").get_data(as_text=True)
    return page.split('id="safety"', 1)[1].split("</section>", 1)[0]


def test_an_sos_during_a_visit_is_confirmed_then_shows_who_took_it(actors, mentor) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    coordinator, _ = actors.signed_in("coordinator", name="Cora Coordinator")
    visit_id = start_visit(client, 60)
    alarm_id = post_json(client, f"/api/visits/{visit_id}/sos", {}).get_json()["alarm_id"]
    card = _card(client)
    assert "Check-in due" not in card  # the check-in is an hour away
    assert "SOS sent" in card and "Cora Coordinator" in card
    post_json(coordinator, f"/api/alarms/{alarm_id}/ack")
    assert "Cora Coordinator has taken your alarm." in _card(client)
    # Other pages carry the same state in the bar.
    assert "Cora Coordinator has taken your alarm." in client.get("/safety/settings").get_data(
        as_text=True
    )


def test_an_sos_without_a_visit_is_confirmed_on_the_home_card(actors, mentor) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    actors.create("coordinator", name="Cora Coordinator")
    post_json(client, "/api/sos", {})
    card = _card(client)
    assert "SOS sent" in card and "Cora Coordinator" in card


def test_a_running_visit_shows_no_alarm_and_no_check_in_due(mentor) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    start_visit(client, 60)
    card = _card(client)
    assert "data-own-alarm" not in card and "Check-in due" not in card


def _timeline(coordinator, alarm_id: int) -> str:  # type: ignore[no-untyped-def]
    page = coordinator.get(f"/safety/alarms/{alarm_id}").get_data(as_text=True)
    return page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]


def test_a_check_in_after_an_sos_before_the_due_time_is_not_called_late(
    actors, mentor, clock
) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    coordinator, _ = actors.signed_in("coordinator")
    post_json(client, "/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"})
    visit_id = start_visit(client, 60)
    alarm_id = post_json(client, f"/api/visits/{visit_id}/sos", {}).get_json()["alarm_id"]
    clock.freeze(T0 + timedelta(minutes=5))
    post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": "2468"})
    lines = _timeline(coordinator, alarm_id)
    assert "late" not in lines
    assert "The mentor checked in (the alarm stays open)" in lines
    assert "Alarm raised: SOS" in lines


def test_a_check_in_after_the_due_time_is_late(actors, mentor, clock) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    coordinator, _ = actors.signed_in("coordinator")
    visit_id = start_visit(client, 15)
    alarm_id = post_json(client, f"/api/visits/{visit_id}/sos", {}).get_json()["alarm_id"]
    clock.freeze(T0 + timedelta(minutes=20))
    post_json(client, f"/api/visits/{visit_id}/check-in", {})
    assert "after the check-in time" in _timeline(coordinator, alarm_id)


def test_a_duress_check_in_is_shown_to_responders_as_duress(actors, mentor, db) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    coordinator, _ = actors.signed_in("coordinator")
    post_json(client, "/api/safety/settings", {"safety_pin": "2468", "duress_pin": "1357"})
    visit_id = start_visit(client, 60)
    sos_id = post_json(client, f"/api/visits/{visit_id}/sos", {}).get_json()["alarm_id"]
    post_json(client, f"/api/visits/{visit_id}/check-in", {"pin": "1357"})
    assert "DURESS" in _timeline(coordinator, sos_id)
    # A duress check-in on a running visit raises a duress alarm, named so in its timeline.
    second = start_visit(client, 60)
    post_json(client, f"/api/visits/{second}/check-in", {"pin": "1357"})
    duress = [a for a in alarms(db, mentor_id) if a.kind == "duress"]
    assert "Alarm raised: Duress PIN" in _timeline(coordinator, duress[0].id)


@pytest.mark.parametrize("path", ["/", "/safety/settings", "/offline"])
def test_every_pin_field_is_masked(mentor, path) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    post_json(client, "/api/safety/settings", {"safety_pin": "2468"})
    start_visit(client, 60)
    page = client.get(path).get_data(as_text=True)
    fields = re.findall(r'<input name="(?:pin|safety_pin|duress_pin)"[^>]*>', page)
    assert fields, path
    for field in fields:
        assert 'type="password"' in field and 'inputmode="numeric"' in field, field


@pytest.mark.usefixtures("translated")
@pytest.mark.parametrize(
    ("lang", "expected"),
    [("sv", "Den pinkoden stämmer inte."), ("de", "Diese PIN ist nicht richtig.")],
)
def test_a_wrong_pin_is_refused_in_the_mentors_language(mentor, db, lang, expected) -> None:  # type: ignore[no-untyped-def]
    client, mentor_id = mentor
    db.get(User, mentor_id).locale = lang
    db.commit()
    post_json(client, "/api/safety/settings", {"safety_pin": "2468"})
    visit_id = start_visit(client, 60)
    page = client.get("/").get_data(as_text=True)
    client.post(
        f"/safety/visits/{visit_id}/check-in", data={"csrf_token": _token(page), "pin": "1111"}
    )
    shown = client.get("/").get_data(as_text=True)
    assert expected in shown and "That PIN is not right." not in shown


def test_an_extend_is_confirmed(mentor) -> None:  # type: ignore[no-untyped-def]
    client, _ = mentor
    visit_id = start_visit(client, 60)
    page = client.get("/").get_data(as_text=True)
    client.post(
        f"/safety/visits/{visit_id}/extend", data={"csrf_token": _token(page), "minutes": "30"}
    )
    assert "Visit extended: check in by" in client.get("/").get_data(as_text=True)
