"""Standing is checked at the moment of every action, and a change of standing withdraws what
it must in the same transaction (ARCHITECTURE rule 11, mentor_app/consults/standing.py).

- the case from the field: a consultant holding an urgent offer, with a push device, is
  suspended: the offer push never leaves (or is replaced by "withdrawn"), the offer is
  withdrawn, their accept is refused and the note stays unread;
- every way standing is lost (suspended, disabled, unvetted, credential expired, removed from
  the pool, role changed away from consultant) withdraws their offers, cancels the offer
  pushes, starts the next wave at once and returns a consult they were handling to routing
  with the mentor told;
- the standing x action matrix: with standing lost behind the app's back (nothing withdrawn
  yet), every consultant action is refused all the same.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from mentor_app.accounts.models import User
from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.notifications.models import OutboxMessage
from mentor_app.notifications.vapid import keys_for
from mentor_app.pool.models import ConsultantProfile
from tests.conftest import csrf_token
from tests.consult_helpers import (
    make_consult,
    make_consultant,
    offer,
    post_json,
    route_due,
    run_step,
)
from tests.push_helpers import LocalPushService, add_device, deliver

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NOTE = "He called about the anniversary of his brother's death"


@pytest.fixture
def push_service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        public = keys_for(app).public_key
    with LocalPushService(expected_public_key=public) as service:
        yield service


def _outbox(db, user_id: int, consult_id: int) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.consult_id == consult_id)
            .order_by(OutboxMessage.id)
        )
    )


def _offer_state(db, consult_id: int, consultant_id: int) -> str | None:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(
        select(ConsultOffer.state).where(
            ConsultOffer.consult_id == consult_id, ConsultOffer.consultant_id == consultant_id
        )
    )


def _suspend(coordinator, consultant_id: int):  # type: ignore[no-untyped-def]
    return coordinator.post(
        f"/pool/{consultant_id}/state",
        data={
            "action": "suspend",
            "reason_code": "conduct_review",
            "note": "",
            "csrf_token": csrf_token(coordinator),
        },
    )


# --- the case from the field ------------------------------------------------------------------


@pytest.fixture
def urgent_offer(app, actors, db, clock, push_service):  # type: ignore[no-untyped-def]
    """One consultant on call with a phone; a mentor's urgent tap with a note, routed to them.
    (Real time: the local push service checks the VAPID token's expiry against its clock.)"""
    now = clock.freeze()
    consultant, consultant_id = actors.signed_in("consultant")
    make_consultant(db, consultant_id, now)
    add_device(db, consultant_id, push_service.subscription("phone"))
    mentor, _ = actors.signed_in("mentor", languages=["sv"])
    tap = post_json(
        mentor,
        "/api/consults",
        {"client_key": str(uuid.uuid4()), "urgency": "urgent", "note": NOTE},
    )
    consult_id = tap.get_json()["id"]
    route_due(app)
    assert _offer_state(db, consult_id, consultant_id) == "offered"
    coordinator, _ = actors.signed_in("coordinator")
    return consultant, consultant_id, consult_id, coordinator


def test_a_suspended_consultant_keeps_no_offer_and_reads_no_note(  # type: ignore[no-untyped-def]
    app, db, clock, urgent_offer, push_service
) -> None:
    consultant, consultant_id, consult_id, coordinator = urgent_offer
    assert _suspend(coordinator, consultant_id).status_code == 302

    assert _offer_state(db, consult_id, consultant_id) == "withdrawn"
    [queued] = _outbox(db, consultant_id, consult_id)
    assert (queued.kind, queued.state) == ("consult.offer", "cancelled")
    deliver(app, clock())
    assert push_service.delivered("phone") == [], "the offer push never left"

    accept = post_json(consultant, f"/api/consults/{consult_id}/accept")
    assert accept.status_code == 403
    db.expire_all()
    assert db.get(Consult, consult_id).status == "open"
    read = consultant.get(f"/api/consults/{consult_id}")
    assert read.status_code == 403 and NOTE not in read.get_data(as_text=True)
    page = consultant.get(f"/consults/{consult_id}")
    assert page.status_code == 403 and NOTE not in page.get_data(as_text=True)
    assert "place in the pool" in page.get_data(as_text=True)


def test_a_delivered_offer_is_replaced_by_withdrawn(  # type: ignore[no-untyped-def]
    app, db, clock, urgent_offer, push_service
) -> None:
    _consultant, consultant_id, _consult_id, coordinator = urgent_offer
    deliver(app, clock())
    [offered] = push_service.delivered("phone")
    assert offered.payload["title"] == "Urgent consult request"

    assert _suspend(coordinator, consultant_id).status_code == 302
    deliver(app, clock())
    [_first, replacement] = push_service.delivered("phone")
    assert replacement.payload["title"] == "Request withdrawn"
    assert replacement.payload["tag"] == offered.payload["tag"]  # replaces it on the screen
    assert push_service.all_problems() == []


# --- every way standing is lost, through the app --------------------------------------------


def _coordinator_post(actors, path: str, data: dict):  # type: ignore[no-untyped-def]
    coordinator, _ = actors.signed_in("coordinator")
    response = coordinator.post(path, data={**data, "csrf_token": csrf_token(coordinator)})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[-500:]


def _record_expired_credential(app, actors, db, clock, consultant_id):  # type: ignore[no-untyped-def]
    today = clock().date()
    _coordinator_post(
        actors,
        f"/pool/{consultant_id}/credential",
        {
            "profession": "Psychologist",
            "credential_register": "Register",
            "credential_number": "123",
            "credential_verified_on": (today - timedelta(days=400)).isoformat(),
            "credential_expires_on": (today - timedelta(days=2)).isoformat(),
        },
    )


def _settle(app, now: datetime) -> int:  # type: ignore[no-untyped-def]
    from mentor_app.consults.worker_steps import settle_lost_standing

    return run_step(app, settle_lost_standing, now)


def _lapse_at_midnight(app, actors, db, clock, consultant_id):  # type: ignore[no-untyped-def]
    # Valid through today in Stockholm; nobody does anything; the clock passes midnight there.
    profile = db.get(ConsultantProfile, consultant_id)
    profile.credential_expires_on = date(2026, 3, 10)
    db.commit()
    clock.freeze(datetime(2026, 3, 10, 23, 1, tzinfo=UTC))  # 00:01 on the 11th in Stockholm
    _settle(app, clock())


def _behind_the_apps_back(**changes):  # type: ignore[no-untyped-def]
    def change(app, actors, db, clock, consultant_id):  # type: ignore[no-untyped-def]
        if changes.get("delete"):
            db.execute(delete(ConsultantProfile).where(ConsultantProfile.user_id == consultant_id))
        else:
            profile = db.get(ConsultantProfile, consultant_id)
            for name, value in changes.items():
                setattr(profile, name, value)
        db.commit()
        _settle(app, clock())

    return change


LOSSES = {
    "suspended": lambda app, actors, db, clock, cid: _coordinator_post(
        actors, f"/pool/{cid}/state", {"action": "suspend", "reason_code": "on_leave"}
    ),
    "disabled": lambda app, actors, db, clock, cid: _coordinator_post(
        actors, f"/admin/users/{cid}/disable", {}
    ),
    "role changed to mentor": lambda app, actors, db, clock, cid: _coordinator_post(
        actors, f"/admin/users/{cid}/role", {"role": "mentor"}
    ),
    "role changed to coordinator": lambda app, actors, db, clock, cid: _coordinator_post(
        actors, f"/admin/users/{cid}/role", {"role": "coordinator"}
    ),
    "credential recorded as expired": _record_expired_credential,
    "credential lapsed at midnight": _lapse_at_midnight,
    "unvetted": _behind_the_apps_back(vetted_at=None, vetted_by_operator=False),
    "removed from the pool": _behind_the_apps_back(delete=True),
}


@pytest.mark.parametrize("loss", list(LOSSES))
def test_losing_standing_withdraws_offers_and_returns_consults(  # type: ignore[no-untyped-def]
    app, actors, db, clock, loss
) -> None:
    at = clock.freeze(datetime(2026, 3, 10, 22, 30, tzinfo=UTC))
    mentor_id, _ = actors.create("mentor", languages=["sv"])
    leaving, _ = actors.create("consultant")
    staying, _ = actors.create("consultant")
    make_consultant(db, leaving, at, timezone="Europe/Stockholm")
    make_consultant(db, staying, at, timezone="Europe/Stockholm")
    # Offered to the leaving consultant alone; the next wave is not due for a while.
    waiting = make_consult(
        db, mentor_id, at, urgency="urgent", next_action_at=at + timedelta(hours=1)
    )
    offer(db, waiting.id, leaving, at)
    # A consult they are handling.
    handled = make_consult(
        db, mentor_id, at, status="accepted", consultant_id=leaving, accepted_at=at, wave=1
    )
    offer(db, handled.id, leaving, at, state="accepted")

    LOSSES[loss](app, actors, db, clock, leaving)

    db.expire_all()
    assert _offer_state(db, waiting.id, leaving) == "withdrawn"
    again = db.get(Consult, waiting.id)
    assert again.wave == 2, "the next wave did not wait for the withdrawn offer"
    assert _offer_state(db, waiting.id, staying) == "offered"

    back = db.get(Consult, handled.id)
    assert (back.status, back.consultant_id) == ("open", None)
    assert _offer_state(db, handled.id, staying) == "offered", "routing started again"
    told = [m for m in _outbox(db, mentor_id, handled.id) if m.kind == "consult.released"]
    assert [m.payload["title"] for m in told] == ["Your consultant can no longer take part"]


def test_the_worker_leaves_consultants_in_standing_alone(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    at = clock.freeze(T0)
    mentor_id, _ = actors.create("mentor")
    consultant_id, _ = actors.create("consultant")
    make_consultant(db, consultant_id, at, credential_expires_on=date(2026, 3, 10))
    consult = make_consult(db, mentor_id, at, next_action_at=at + timedelta(hours=1))
    offer(db, consult.id, consultant_id, at)
    assert _settle(app, at) == 0  # the expiry day itself is still valid
    assert _offer_state(db, consult.id, consultant_id) == "offered"


# --- the standing x action matrix ----------------------------------------------------------


def _lose_quietly(db, user_id: int, loss: str) -> None:  # type: ignore[no-untyped-def]
    """Standing lost in the database alone: nothing withdrawn, nothing settled yet."""
    user = db.get(User, user_id)
    profile = db.get(ConsultantProfile, user_id)
    if loss == "suspended":
        profile.vetting_state = "suspended"
    elif loss == "unvetted":
        profile.vetted_at, profile.vetted_by_operator = None, False
    elif loss == "credential expired":
        profile.credential_expires_on = T0.date() - timedelta(days=1)
    elif loss == "removed from the pool":
        db.delete(profile)
    elif loss == "disabled":
        user.is_disabled = True
    elif loss == "role changed":
        user.role = "mentor"
    db.commit()


ACTIONS = {
    # name: (needs the consult accepted by them, method, path, JSON body)
    "accept": (False, "POST", "/api/consults/{id}/accept", {}),
    "decline": (False, "POST", "/api/consults/{id}/decline", {}),
    "read offer (JSON)": (False, "GET", "/api/consults/{id}", None),
    "read offer (page)": (False, "GET", "/consults/{id}", None),
    "message": (True, "POST", "/api/consults/{id}/messages", {"body": "Any news?"}),
    "hand back": (True, "POST", "/api/consults/{id}/release", {}),
    "close": (True, "POST", "/api/consults/{id}/close", {"outcome": "advice"}),
    "read handled (JSON)": (True, "GET", "/api/consults/{id}", None),
    "read handled (page)": (True, "GET", "/consults/{id}", None),
    "list (JSON)": (True, "GET", "/api/consults", None),
}
# How each loss answers: still signed in -> 403 saying why; signed out by the change -> 401
# (JSON) or the sign-in page; no longer a consultant -> the consult is not theirs (404).
REFUSED = {
    "suspended": {403},
    "unvetted": {403},
    "credential expired": {403},
    "removed from the pool": {403},
    "disabled": {401, 302},
    "role changed": {404},
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("loss", list(REFUSED))
def test_every_consultant_action_checks_standing_at_that_moment(  # type: ignore[no-untyped-def]
    actors, db, clock, loss, action
) -> None:
    at = clock.freeze(T0)
    handled, method, path, body = ACTIONS[action]
    mentor_id, _ = actors.create("mentor")
    client, consultant_id = actors.signed_in("consultant")
    make_consultant(db, consultant_id, at)
    fields = {"note": NOTE}
    if handled:
        fields.update(status="accepted", consultant_id=consultant_id, accepted_at=at)
    consult = make_consult(db, mentor_id, at, **fields)
    offer(db, consult.id, consultant_id, at, state="accepted" if handled else "offered")
    token = csrf_token(client)

    _lose_quietly(db, consultant_id, loss)

    url = path.format(id=consult.id)
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, json=body, headers={"X-CSRFToken": token})
    if action == "list (JSON)" and loss not in ("disabled",):
        # The list answers, but holds nothing of theirs.
        assert response.status_code == 200
        assert response.get_json()["consults"] == []
    else:
        assert response.status_code in REFUSED[loss], (response.status_code, response.data[:200])
    assert NOTE not in response.get_data(as_text=True)
    db.expire_all()
    after = db.get(Consult, consult.id)
    assert after.status == ("accepted" if handled else "open")
    assert after.consultant_id == (consultant_id if handled else None)
