"""Duplicate requests (issue 17, item 7): the details screen names an open request on the same
topic or case and offers to merge; "My consults" rows carry date, case code and state; the
topic can be changed on the details screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Consult
from tests.conftest import csrf_from
from tests.consult_helpers import make_case, offer, offered_ids, pool, route_due
from tests.test_consult_pages import html, start_by_form

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _tap(mentor, clock, topic: str = "trauma-reminders") -> int:  # type: ignore[no-untyped-def]
    response, _ = start_by_form(mentor, topic)
    assert response.status_code == 303
    clock.advance(minutes=2)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_same_topic_is_named_and_merged(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    consultants = pool(actors, db, T0, 2)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    first = _tap(mentor, clock)
    second = _tap(mentor, clock)
    other_topic = _tap(mentor, clock, "bereavement-illness-in-family")
    while route_due(app):  # on SQLite one round may stop after a tenth of a second
        pass
    assert offered_ids(db, second) == set(consultants)

    page = mentor.get(f"/consults/{second}")
    text = html(page)
    assert "You already have a request on this" in text
    assert f'name="into" value="{first}"' in text
    assert f'name="into" value="{other_topic}"' not in text
    assert "You already have a request on this" not in html(mentor.get(f"/consults/{other_topic}"))

    merged = mentor.post(
        f"/consults/{second}/merge", data={"csrf_token": csrf_from(page), "into": str(first)}
    )
    assert merged.status_code == 303 and merged.headers["Location"] == f"/consults/{first}"
    db.expire_all()
    assert db.get(Consult, second).status == "cancelled"
    assert db.get(Consult, first).status == "open"
    assert offered_ids(db, second) == set()  # offers withdrawn with the cancel
    assert offered_ids(db, second, state="withdrawn") == set(consultants)
    event = db.query(AuditEvent).filter_by(action="consult.merged").one()
    assert event.details == {"into": first}


def test_merge_only_into_a_live_twin(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    stranger, _ = actors.signed_in("mentor", languages=["sv"])
    theirs = _tap(stranger, clock)
    mine = _tap(mentor, clock)
    page = mentor.get(f"/consults/{mine}")
    for into in (str(theirs), str(mine), "abc", "0"):
        refused = mentor.post(
            f"/consults/{mine}/merge", data={"csrf_token": csrf_from(page), "into": into}
        )
        assert refused.status_code in (400, 409), into
    db.expire_all()
    assert db.get(Consult, mine).status == "open"
    # Someone else's consult: not theirs to merge.
    assert stranger.post(
        f"/consults/{mine}/merge", data={"csrf_token": csrf_from(page), "into": str(theirs)}
    ).status_code in (400, 403, 404)


def test_same_case_is_a_twin_whatever_the_topic(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    case = make_case(db, mentor_id, T0, code="K-DUP1")
    first = _tap(mentor, clock)
    second = _tap(mentor, clock, "bereavement-illness-in-family")
    db.query(Consult).filter(Consult.id.in_([first, second])).update({"case_id": case.id})
    db.commit()
    text = html(mentor.get(f"/consults/{second}"))
    assert f'name="into" value="{first}"' in text and "K-DUP1" in text


def test_my_consults_rows_show_date_case_and_state(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    case = make_case(db, mentor_id, T0, code="K-ROW1")
    first = _tap(mentor, clock)
    _tap(mentor, clock)
    db.get(Consult, first).case_id = case.id
    db.commit()
    text = html(mentor.get("/consults/"))
    rows = text.split('class="consult-row"')[1:]
    assert len(rows) == 2
    assert all("<time datetime=" in row and "status-open" in row for row in rows)
    assert sum("K-ROW1" in row for row in rows) == 1
    assert rows[0] != rows[1]


def test_topic_can_be_changed_on_the_details_screen(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    consult_id = _tap(mentor, clock, "general")
    page = mentor.get(f"/consults/{consult_id}")
    assert 'name="topic"' in html(page)
    form = {
        "csrf_token": csrf_from(page),
        "urgency": "soon",
        "case_code": "",
        "language": "sv",
        "topic": "trauma-reminders",
    }
    assert mentor.post(f"/consults/{consult_id}/details", data=form).status_code == 303
    db.expire_all()
    assert db.get(Consult, consult_id).topic == "trauma-reminders"
    form["topic"] = "no-such-topic"
    assert mentor.post(f"/consults/{consult_id}/details", data=form).status_code == 400
    db.expire_all()
    assert db.get(Consult, consult_id).topic == "trauma-reminders"


def test_an_accepted_request_keeps_its_topic(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    consult_id = _tap(mentor, clock)
    consultant_id = pool(actors, db, T0, 1)[0]
    offer(db, consult_id, consultant_id, T0 + timedelta(minutes=1), state="accepted")
    db.query(Consult).filter_by(id=consult_id).update(
        {"status": "accepted", "consultant_id": consultant_id}
    )
    db.commit()
    assert 'name="topic"' not in html(mentor.get(f"/consults/{consult_id}"))
