"""What a new request starts with (issue 17): safety-critical topics start urgent, the language
is the one the mentor works in, and the emergency line shows once per page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.consults.topics import URGENT_TOPICS, all_topics
from mentor_app.pool.models import ConsultantProfile
from tests.conftest import csrf_from
from tests.consult_helpers import make_consult, offer, pool
from tests.test_consult_pages import T0, html, signed_in_as, start_by_form

EMERGENCY = "Immediate danger? Call"  # the hidden offline panel has its own


def _visible(response) -> str:  # type: ignore[no-untyped-def]
    """The page without its <template>s (shown only when a script needs them)."""
    return re.sub(r"<template.*?</template>", "", html(response), flags=re.S)


def _newest(db) -> Consult:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(Consult).order_by(Consult.id.desc()))


def test_the_urgent_topics_are_guides_that_exist() -> None:
    assert set(all_topics()) >= URGENT_TOPICS


def test_safety_topics_start_urgent_and_others_soon(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    start_by_form(mentor, "intent-to-harm-disclosure")
    assert _newest(db).urgency == "urgent"
    start_by_form(mentor, "bereavement-illness-in-family")
    assert _newest(db).urgency == "soon"


def test_a_safety_topic_chosen_in_the_details_makes_it_urgent(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    response, _ = start_by_form(mentor)
    consult = _newest(db)
    assert consult.urgency == "soon"
    url = f"/consults/{consult.id}/details"
    page = mentor.get(response.headers["Location"])
    form = {"csrf_token": csrf_from(page), "urgency": "soon", "language": "sv", "case_code": ""}
    form["topic"] = "mentor-own-safety"
    assert mentor.post(url, data=form).status_code == 303
    assert _newest(db).urgency == "urgent"
    # The mentor's own choice in the same change wins.
    form.update(topic="alcohol-drugs-overdose", urgency="routine")
    assert mentor.post(url, data=form).status_code == 303
    assert _newest(db).urgency == "routine"


def test_the_language_defaults_to_the_mentors_ui_language(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv", "en"])  # the UI is English
    start_by_form(mentor)
    assert _newest(db).language == "en"


def test_the_emergency_line_shows_once_on_consult_pages(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    start = mentor.get("/consults/start")
    assert _visible(start).count(EMERGENCY) == 1
    response, _ = start_by_form(mentor)
    waiting = mentor.get(response.headers["Location"])
    assert _visible(waiting).count(EMERGENCY) == 1
    assert _visible(mentor.get("/")).count(EMERGENCY) == 1  # other pages keep the footer


def test_the_waiting_card_says_what_routing_is_really_doing(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(minutes=20))
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    [consultant] = pool(actors, db, T0, 1)
    consult = make_consult(
        db,
        mentor_id,
        T0,
        wave=2,
        mentor_told_waiting_at=T0 + timedelta(minutes=15),
        next_action_at=T0 + timedelta(minutes=45),
    )
    offer(db, consult.id, consultant, T0)
    text = _visible(mentor.get(f"/consults/{consult.id}"))
    assert "We are asking more consultants" not in text
    assert "1 consultant has the request and has not answered yet." in text
    assert "A coordinator will be told at" in text
    db.execute(update(ConsultOffer).values(state="declined"))
    db.commit()
    text = _visible(mentor.get(f"/consults/{consult.id}"))
    assert "No consultant is free right now. A coordinator will be told at" in text


def test_waiting_requests_come_first_on_a_consultants_home(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(minutes=5))
    _mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    [consultant] = pool(actors, db, T0, 1)
    older = make_consult(db, mentor_id, T0, urgency="soon", topic="trauma-reminders")
    newer = make_consult(db, mentor_id, T0 + timedelta(minutes=1), urgency="urgent")
    for consult in (older, newer):
        offer(db, consult.id, consultant, T0)
    client = signed_in_as(actors, db, consultant)
    home = _visible(client.get("/"))
    waiting = home.index("Requests waiting for you")
    assert waiting < home.index('id="guide-home-h"') < len(home)
    assert waiting < home.index('id="pool-switch-h"')
    assert home.index(f"/consults/{newer.id}") < home.index(f"/consults/{older.id}")


def test_a_resting_consultant_is_told_until_when(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0 + timedelta(minutes=30))
    _mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    [consultant] = pool(actors, db, T0, 1)
    db.execute(
        update(ConsultantProfile)
        .where(ConsultantProfile.user_id == consultant)
        .values(rest_minutes_after_urgent=60)
    )
    make_consult(
        db,
        mentor_id,
        T0,
        urgency="urgent",
        status="closed",
        consultant_id=consultant,
        accepted_at=T0,
        closed_at=T0 + timedelta(minutes=20),
    )
    client = signed_in_as(actors, db, consultant)
    home = _visible(client.get("/"))
    assert "You are resting until" in home
    assert "You are on call right now." not in home
    clock.freeze(T0 + timedelta(minutes=81))  # the rest is over (a fresh sign-in: idle timeout)
    assert "You are on call right now." in _visible(signed_in_as(actors, db, consultant).get("/"))
