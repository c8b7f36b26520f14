"""Availability acts at once (issue 17, item 2): coming on call offers every open request the
consultant is eligible for that is past its first wave, within one worker round (the switch
itself does it in its own transaction; a shift that starts, in the worker's next round)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentor_app.consults.worker_steps import offer_to_arrivals
from mentor_app.notifications.models import OutboxMessage
from tests.consult_helpers import make_consult, make_consultant, offer, offered_ids, run_step
from tests.test_pool_availability import api

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday morning


def _waiting(db, mentor_id: int, **fields):  # type: ignore[no-untyped-def]
    """An open request routing has already taken past its first wave (wave 2: everyone)."""
    values = {"wave": 2, "routing_started_at": T0 - timedelta(minutes=20)}
    values.update(fields)
    return make_consult(db, mentor_id, T0 - timedelta(minutes=20), **values).id


def test_switching_to_available_offers_what_is_waiting(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor_id, _ = actors.create("mentor")
    client, me = actors.signed_in("consultant")
    make_consultant(db, me, T0, available=False)
    waiting = _waiting(db, mentor_id)
    urgent = _waiting(db, mentor_id, urgency="urgent")
    first_wave = _waiting(db, mentor_id, wave=1)  # still with its first few: left alone
    other_language = _waiting(db, mentor_id, language="de")  # not eligible
    declined = _waiting(db, mentor_id)
    offer(db, declined, me, T0 - timedelta(minutes=5), state="declined")
    taken = _waiting(db, mentor_id, status="accepted")

    assert api(client, {"available": True, "hours": 2}).status_code == 200

    assert me in offered_ids(db, waiting) and me in offered_ids(db, urgent)
    for untouched in (first_wave, other_language, taken):
        assert me not in offered_ids(db, untouched, state=None)
    assert offered_ids(db, declined, state="declined") == {me}
    pushes = db.query(OutboxMessage).filter_by(user_id=me).all()
    assert sorted(p.consult_id for p in pushes) == sorted([waiting, urgent])
    # Urgent first: its offer push is queued before the older, less urgent one.
    assert min(pushes, key=lambda p: p.id).consult_id == urgent


def test_a_shift_starting_offers_within_one_worker_round(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor_id, _ = actors.create("mentor")
    me, _ = actors.create("consultant")
    starts = T0 + timedelta(minutes=10)
    make_consultant(db, me, T0, available=False, window=(starts, starts + timedelta(hours=8)))
    waiting = _waiting(db, mentor_id)

    assert run_step(app, offer_to_arrivals, T0) == 0  # not on call yet
    assert me not in offered_ids(db, waiting)
    assert run_step(app, offer_to_arrivals, starts + timedelta(seconds=15)) == 1
    assert me in offered_ids(db, waiting)
    # The next round changes nothing: an offer is made once.
    assert run_step(app, offer_to_arrivals, starts + timedelta(seconds=30)) == 0
    assert db.query(OutboxMessage).filter_by(user_id=me).count() == 1


def test_a_pause_ending_offers_what_is_waiting(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    mentor_id, _ = actors.create("mentor")
    me, _ = actors.create("consultant")
    pause_ends = T0 + timedelta(minutes=5)
    make_consultant(db, me, T0, paused_until=pause_ends)
    waiting = _waiting(db, mentor_id)
    assert run_step(app, offer_to_arrivals, pause_ends + timedelta(seconds=10)) == 1
    assert me in offered_ids(db, waiting)
