"""The consult JSON API: the one tap, strict input checks, who sees what, and a consult's life
from request to rating."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import CaseExclusion, Consult, ConsultMessage
from mentor_app.consults.worker_steps import follow_up_reminders
from mentor_app.notifications.models import OutboxMessage
from tests.conftest import csrf_token
from tests.consult_helpers import (
    make_case,
    make_consultant,
    offered_ids,
    pool,
    post_json,
    route_due,
    run_step,
)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def signed_in_as(actors, db, user_id: int):  # type: ignore[no-untyped-def]
    client = actors.app.test_client()
    actors.login(client, db.get(User, user_id).email)
    return client


@pytest.fixture
def scene(app, actors, db, clock):  # type: ignore[no-untyped-def]
    """A mentor who works in Swedish only, three consultants on call, a coordinator."""
    clock.freeze(T0)
    consultants = pool(actors, db, T0, 3)
    mentor, mentor_id = actors.signed_in("mentor", languages=["sv"])
    coordinator, coordinator_id = actors.signed_in("coordinator")
    return {
        "mentor": mentor,
        "mentor_id": mentor_id,
        "consultants": consultants,
        "coordinator": coordinator,
        "coordinator_id": coordinator_id,
    }


def create(client, **fields):  # type: ignore[no-untyped-def]
    """A tap, then the worker's first routing step."""
    body = {"client_key": str(uuid.uuid4()), **fields}
    response = post_json(client, "/api/consults", body)
    route_due(client.application)
    return response


# --- the one tap --------------------------------------------------------------------------


def test_one_tap_creates_a_request_with_defaults(scene, db) -> None:  # type: ignore[no-untyped-def]
    response = create(scene["mentor"])
    assert response.status_code == 201
    body = response.get_json()
    assert body == {"id": body["id"], "status": "open", "url": f"/consults/{body['id']}"}
    consult = db.get(Consult, body["id"])
    assert (consult.urgency, consult.topic, consult.language) == ("soon", "general", "sv")
    assert offered_ids(db, consult.id) == set(scene["consultants"])


def test_a_tap_from_a_guide_carries_its_topic(scene, db) -> None:  # type: ignore[no-untyped-def]
    response = create(scene["mentor"], topic="bereavement-illness-in-family")
    consult = db.get(Consult, response.get_json()["id"])
    assert consult.topic == "bereavement-illness-in-family"
    payloads = db.scalars(
        select(OutboxMessage.payload).where(OutboxMessage.consult_id == consult.id)
    )
    assert {p["body"] for p in payloads} == {"Soon · Swedish · bereavement"}


def test_a_replay_returns_the_same_consult(scene, db) -> None:  # type: ignore[no-untyped-def]
    key = str(uuid.uuid4())
    first = post_json(scene["mentor"], "/api/consults", {"client_key": key})
    for body in ({"client_key": key}, {"client_key": key.upper(), "urgency": "urgent"}):
        again = post_json(scene["mentor"], "/api/consults", body)
        assert again.status_code == 200
        assert again.get_json() == first.get_json()
    assert count(db, Consult) == 1
    assert db.get(Consult, first.get_json()["id"]).urgency == "soon"


def test_only_mentors_ask(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    assert create(scene["coordinator"]).status_code == 403
    consultant = signed_in_as(actors, db, scene["consultants"][0])
    assert create(consultant).status_code == 403


BAD_INPUT = [
    ("unknown urgency", {"urgency": "whenever"}),
    ("a 501-character note", {"note": "x" * 501}),
    ("a malformed client_key", {"client_key": "not-a-uuid"}),
    ("a client_key without hyphens", {"client_key": uuid.uuid4().hex}),
    ("a numeric client_key", {"client_key": 12345}),
    ("a missing client_key", {"client_key": None}),
    ("urgency of the wrong type", {"urgency": 3}),
    ("a note that is a list", {"note": ["a"]}),
    ("an unknown field", {"client_name": "someone"}),
    ("a language that is not a code", {"language": "Swedish"}),
    ("a case code that does not exist", {"case_code": "K-ZZZZ"}),
]


@pytest.mark.parametrize("fields", [row[1] for row in BAD_INPUT], ids=[row[0] for row in BAD_INPUT])
def test_bad_input_is_refused_and_nothing_stored(scene, db, fields) -> None:  # type: ignore[no-untyped-def]
    body = {"client_key": str(uuid.uuid4()), **fields}
    if body["client_key"] is None:
        del body["client_key"]
    response = post_json(scene["mentor"], "/api/consults", body)
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"}
    assert count(db, Consult) == 0
    assert count(db, OutboxMessage) == 0


def test_another_mentors_case_code_is_refused(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    other, _ = actors.create("mentor")
    theirs = make_case(db, other, T0, code="K-7F3Q")
    response = create(scene["mentor"], case_code=theirs.code)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Unknown case code."}
    assert count(db, Consult) == 0


@pytest.mark.parametrize("raw", ['["a list"]', '"a string"', "42", "{not json", "null"])
def test_a_body_that_is_not_an_object_is_refused(scene, db, raw) -> None:  # type: ignore[no-untyped-def]
    response = scene["mentor"].post(
        "/api/consults",
        data=raw,
        content_type="application/json",
        headers={"X-CSRFToken": csrf_token(scene["mentor"])},
    )
    assert response.status_code == 400
    assert count(db, Consult) == 0


def test_without_a_csrf_token_nothing_happens(scene, db) -> None:  # type: ignore[no-untyped-def]
    response = scene["mentor"].post("/api/consults", json={"client_key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert count(db, Consult) == 0


def test_a_500_character_note_and_own_case_are_fine(scene, db) -> None:  # type: ignore[no-untyped-def]
    case = make_case(db, scene["mentor_id"], T0, code="K-AB12", language="en")
    response = create(scene["mentor"], note="n" * 500, case_code="k-ab12", urgency="routine")
    assert response.status_code == 201
    consult = db.get(Consult, response.get_json()["id"])
    assert (consult.case_id, consult.language, len(consult.note)) == (case.id, "en", 500)


# --- who sees what --------------------------------------------------------------------------


def test_consultants_see_content_only_after_accepting(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    make_case(db, scene["mentor_id"], T0, code="K-CASE")
    consult_id = create(
        scene["mentor"], case_code="K-CASE", note="He stopped answering calls."
    ).get_json()["id"]
    post_json(
        scene["mentor"],
        f"/api/consults/{consult_id}/details",
        {"callback_requested": True, "callback_number": "+46 70 123 45 67"},
    )
    first, second = (signed_in_as(actors, db, cid) for cid in scene["consultants"][:2])

    before = first.get(f"/api/consults/{consult_id}").get_json()
    text = json.dumps(before)
    assert "K-CASE" not in text and "stopped answering" not in text and "+46" not in text
    assert {"urgency", "topic", "language"} <= set(before)
    assert before["actions"] == ["accept", "decline"]

    assert post_json(first, f"/api/consults/{consult_id}/accept").status_code == 200
    after = first.get(f"/api/consults/{consult_id}").get_json()
    assert after["case_code"] == "K-CASE"
    assert after["note"] == "He stopped answering calls."
    assert after["callback_number"] == "+46 70 123 45 67"

    loser = second.get(f"/api/consults/{consult_id}").get_json()
    assert loser["taken_by_colleague"] is True
    assert "K-CASE" not in json.dumps(loser)

    coordinator = scene["coordinator"].get(f"/api/consults/{consult_id}").get_json()
    assert "K-CASE" not in json.dumps(coordinator) and "stopped answering" not in json.dumps(
        coordinator
    )
    assert {o["consultant_id"] for o in coordinator["offers"]} == set(scene["consultants"])

    mentor = scene["mentor"].get(f"/api/consults/{consult_id}").get_json()
    assert mentor["consultant"]["name"] == db.get(User, scene["consultants"][0]).display_name


def test_strangers_get_404(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"]).get_json()["id"]
    other_mentor, _ = actors.signed_in("mentor")
    outsider, outsider_id = actors.signed_in("consultant")
    make_consultant(db, outsider_id, T0, languages=("de",))
    for client in (other_mentor, outsider):
        assert client.get(f"/api/consults/{consult_id}").status_code == 404
        assert post_json(client, f"/api/consults/{consult_id}/accept").status_code == 404


def test_every_view_is_audited_without_content(scene, db) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"], note="private words").get_json()["id"]
    scene["mentor"].get(f"/api/consults/{consult_id}")
    scene["mentor"].get(f"/consults/{consult_id}")
    scene["coordinator"].get(f"/api/consults/{consult_id}")
    db.expire_all()
    views = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "consult.viewed").order_by(AuditEvent.id)
    ).all()
    assert [(v.actor_id, v.details["via"], v.details["content"]) for v in views] == [
        (scene["mentor_id"], "api", True),
        (scene["mentor_id"], "page", True),
        (scene["coordinator_id"], "api", False),
    ]
    everything = json.dumps([e.details for e in db.scalars(select(AuditEvent))])
    assert "private words" not in everything


def test_lists_per_role(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    mine = create(scene["mentor"]).get_json()["id"]
    other, _ = actors.signed_in("mentor", languages=["de"])
    theirs = create(other).get_json()["id"]
    consultant = signed_in_as(actors, db, scene["consultants"][0])
    ids = lambda client: {c["id"] for c in client.get("/api/consults").get_json()["consults"]}  # noqa: E731
    assert ids(scene["mentor"]) == {mine}
    assert ids(consultant) == {mine}  # the German request was not offered to them
    assert ids(scene["coordinator"]) == {mine, theirs}
    listed = json.dumps(scene["coordinator"].get("/api/consults").get_json())
    assert "note" not in listed and "case_code" not in listed
    assert scene["mentor"].get("/api/consults?status=bogus").status_code == 400


# --- a consult's life -----------------------------------------------------------------------


def test_accept_thread_close_rate_and_follow_up(app, scene, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"], urgency="urgent").get_json()["id"]
    handler_id, other_id = scene["consultants"][:2]
    handler = signed_in_as(actors, db, handler_id)
    other = signed_in_as(actors, db, other_id)

    assert post_json(handler, f"/api/consults/{consult_id}/accept").status_code == 200
    second = post_json(other, f"/api/consults/{consult_id}/accept")
    assert second.status_code == 409 and "error" in second.get_json()
    assert (
        post_json(other, f"/api/consults/{consult_id}/messages", {"body": "hi"}).status_code == 403
    )

    url = f"/api/consults/{consult_id}/messages"
    assert post_json(scene["mentor"], url, {"body": "Thanks for taking it."}).status_code == 201
    assert post_json(handler, url, {"body": "Tell me what happened."}).status_code == 201
    assert post_json(handler, url, {"body": "x" * 1001}).status_code == 400
    assert post_json(handler, url, {"body": "   "}).status_code == 400
    thread = scene["mentor"].get(f"/api/consults/{consult_id}").get_json()["messages"]
    assert [(m["body"], m["mine"]) for m in thread] == [
        ("Thanks for taking it.", True),
        ("Tell me what happened.", False),
    ]
    assert count(db, ConsultMessage) == 2

    close_url = f"/api/consults/{consult_id}/close"
    follow_up = (T0 + timedelta(days=7)).date().isoformat()
    assert post_json(handler, close_url, {"outcome": "maybe"}).status_code == 400
    assert (
        post_json(handler, close_url, {"outcome": "advice", "client_agreed": True}).status_code
        == 400
    )
    assert (
        post_json(
            handler, close_url, {"outcome": "advice", "follow_up_on": "2020-01-01"}
        ).status_code
        == 400
    )
    assert (
        post_json(handler, close_url, {"outcome": "advice", "follow_up_on": "soon"}).status_code
        == 400
    )
    assert post_json(scene["mentor"], close_url, {"outcome": "advice"}).status_code == 403
    response = post_json(
        handler,
        close_url,
        {
            "outcome": "see_client",
            "summary": "Meet him with the mentor.",
            "client_agreed": True,
            "follow_up_on": follow_up,
        },
    )
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert post_json(handler, url, {"body": "late"}).status_code == 409

    view = scene["mentor"].get(f"/api/consults/{consult_id}").get_json()
    assert (view["outcome"], view["client_agreed"], view["follow_up_on"]) == (
        "see_client",
        True,
        follow_up,
    )
    assert (
        post_json(
            scene["mentor"], f"/api/consults/{consult_id}/rate", {"helpful": "yes"}
        ).status_code
        == 400
    )
    assert (
        post_json(
            scene["mentor"], f"/api/consults/{consult_id}/rate", {"helpful": True}
        ).status_code
        == 200
    )
    db.expire_all()
    assert db.get(Consult, consult_id).helpful is True

    # Reminders: not yet two days before; on the eve, both get one, due 08:00 their time; once.
    assert run_step(app, follow_up_reminders, T0 + timedelta(days=5)) == 0
    assert run_step(app, follow_up_reminders, T0 + timedelta(days=6, hours=1)) == 1
    assert run_step(app, follow_up_reminders, T0 + timedelta(days=7, hours=1)) == 0
    db.expire_all()
    reminders = db.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "consult.follow_up")
    ).all()
    assert {r.user_id for r in reminders} == {scene["mentor_id"], handler_id}
    stockholm_eight = datetime(2026, 3, 17, 7, 0, tzinfo=UTC)
    assert {r.due_at for r in reminders} == {stockholm_eight}


def test_decline_can_keep_the_consultant_away_from_the_case(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    make_case(db, scene["mentor_id"], T0, code="K-FAMI")
    consult_id = create(scene["mentor"], case_code="K-FAMI").get_json()["id"]
    decliner = scene["consultants"][0]
    client = signed_in_as(actors, db, decliner)
    bad = post_json(client, f"/api/consults/{consult_id}/decline", {"reason": "tired of it"})
    assert bad.status_code == 400
    response = post_json(
        client,
        f"/api/consults/{consult_id}/decline",
        {"reason": "conflict_of_interest", "decline_case": True},
    )
    assert response.status_code == 200 and response.get_json()["case_declined"] is True
    assert post_json(client, f"/api/consults/{consult_id}/decline").status_code == 409
    exclusion = db.scalar(select(CaseExclusion))
    assert (exclusion.consultant_id, exclusion.kind) == (decliner, "declined")
    # The next request about the same case does not reach them.
    again = create(scene["mentor"], case_code="K-FAMI").get_json()["id"]
    assert offered_ids(db, again) == set(scene["consultants"][1:])


def test_hand_back_routes_again_without_that_consultant(scene, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"]).get_json()["id"]
    first = scene["consultants"][0]
    client = signed_in_as(actors, db, first)
    assert post_json(client, f"/api/consults/{consult_id}/accept").status_code == 200
    assert post_json(scene["mentor"], f"/api/consults/{consult_id}/release").status_code == 403
    clock.freeze(T0 + timedelta(minutes=20))
    response = post_json(client, f"/api/consults/{consult_id}/release")
    assert response.status_code == 200 and response.get_json()["status"] == "open"
    db.expire_all()
    consult = db.get(Consult, consult_id)
    assert (consult.wave, consult.consultant_id) == (1, None)
    assert consult.routing_started_at == T0 + timedelta(minutes=20)
    assert offered_ids(db, consult_id) == set(scene["consultants"][1:])
    assert offered_ids(db, consult_id, "released") == {first}
    assert post_json(client, f"/api/consults/{consult_id}/accept").status_code == 409
    kinds = db.scalars(
        select(OutboxMessage.kind).where(OutboxMessage.user_id == scene["mentor_id"])
    ).all()
    assert "consult.released" in kinds


def test_cancel_withdraws_every_offer(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"]).get_json()["id"]
    consultant = signed_in_as(actors, db, scene["consultants"][0])
    assert post_json(consultant, f"/api/consults/{consult_id}/cancel").status_code == 403
    assert post_json(scene["mentor"], f"/api/consults/{consult_id}/cancel").status_code == 200
    assert post_json(scene["mentor"], f"/api/consults/{consult_id}/cancel").status_code == 409
    assert offered_ids(db, consult_id, "withdrawn") == set(scene["consultants"])
    assert post_json(consultant, f"/api/consults/{consult_id}/accept").status_code == 409


def test_the_open_consult_limit_holds_at_accept(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    consultant = scene["consultants"][0]
    make_consultant(db, consultant, T0, open_consult_limit=1)
    client = signed_in_as(actors, db, consultant)
    first = create(scene["mentor"]).get_json()["id"]
    second = create(scene["mentor"]).get_json()["id"]
    assert consultant in offered_ids(db, second)
    assert post_json(client, f"/api/consults/{first}/accept").status_code == 200
    refused = post_json(client, f"/api/consults/{second}/accept")
    assert refused.status_code == 409 and "limit" in refused.get_json()["error"]
    # And routing stops offering them new ones.
    third = create(scene["mentor"]).get_json()["id"]
    assert consultant not in offered_ids(db, third)


def test_details_change_the_request_while_it_is_open(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"]).get_json()["id"]
    url = f"/api/consults/{consult_id}/details"
    other, _ = actors.create("mentor")
    make_case(db, other, T0, code="K-0THR")
    for body in (
        {"case_code": "K-0THR"},
        {"urgency": "asap"},
        {"note": "y" * 501},
        {"callback_requested": True},
        {"callback_requested": True, "callback_number": "call me"},
        {"callback_requested": "yes"},
    ):
        assert post_json(scene["mentor"], url, body).status_code == 400, body
    db.expire_all()
    assert db.get(Consult, consult_id).case_id is None

    response = post_json(scene["mentor"], url, {"case_code": "new", "note": "Short note."})
    assert response.status_code == 200 and response.get_json()["changed"] == ["case", "note"]
    db.expire_all()
    consult = db.get(Consult, consult_id)
    assert consult.case.code.startswith("K-") and consult.case.mentor_id == scene["mentor_id"]
    assert post_json(scene["coordinator"], url, {"note": "x"}).status_code == 403

    # The mentor excludes a consultant holding an offer: the offer goes.
    excluded = scene["consultants"][0]
    from mentor_app.consults import cases

    with actors.app.app_context():
        session = actors.app.extensions["mentor_db"].session()
        cases.exclude(
            session, T0, consult.case_id, excluded, "excluded", "same_community", scene["mentor_id"]
        )
        session.commit()
        session.close()
    assert excluded in offered_ids(db, consult_id, "withdrawn")

    # Switching to a language nobody on call speaks withdraws every offer and escalates.
    assert post_json(scene["mentor"], url, {"language": "de"}).status_code == 200
    db.expire_all()
    consult = db.get(Consult, consult_id)
    assert offered_ids(db, consult_id) == {scene["coordinator_id"]}
    assert consult.wave == 3


def test_a_coordinator_offers_directly(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"]).get_json()["id"]
    off_shift, _ = actors.create("consultant")
    make_consultant(db, off_shift, T0, available=False)
    german, _ = actors.create("consultant")
    make_consultant(db, german, T0, languages=("de",))
    url = f"/api/consults/{consult_id}/assign"
    assert post_json(scene["mentor"], url, {"consultant_id": off_shift}).status_code == 403
    assert post_json(scene["coordinator"], url, {"consultant_id": german}).status_code == 400
    assert post_json(scene["coordinator"], url, {"consultant_id": "7"}).status_code == 400
    assert post_json(scene["coordinator"], url, {"consultant_id": 999999}).status_code == 400
    assert (
        post_json(scene["coordinator"], url, {"consultant_id": scene["consultants"][0]}).status_code
        == 409
    )
    assert post_json(scene["coordinator"], url, {"consultant_id": off_shift}).status_code == 200
    assert off_shift in offered_ids(db, consult_id)
    assigned = db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.user_id == off_shift, OutboxMessage.kind == "consult.assigned"
        )
    )
    assert assigned.payload["title"] == "A coordinator asks you to take a consult"
    client = signed_in_as(actors, db, off_shift)
    assert post_json(client, f"/api/consults/{consult_id}/accept").status_code == 200


def test_notifications_never_carry_content(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    make_case(db, scene["mentor_id"], T0, code="K-SECR")
    consult_id = create(
        scene["mentor"], case_code="K-SECR", note="Ahmed said something"
    ).get_json()["id"]
    handler = signed_in_as(actors, db, scene["consultants"][0])
    post_json(handler, f"/api/consults/{consult_id}/accept")
    post_json(scene["mentor"], f"/api/consults/{consult_id}/messages", {"body": "Ahmed again"})
    post_json(
        handler, f"/api/consults/{consult_id}/close", {"outcome": "advice", "summary": "Ahmed"}
    )
    db.expire_all()
    payloads = db.scalars(select(OutboxMessage.payload)).all()
    assert len(payloads) >= 5
    names = [u.display_name for u in db.scalars(select(User))]
    for payload in payloads:
        text = json.dumps(payload)
        assert "K-SECR" not in text and "Ahmed" not in text
        assert not any(name in text for name in names)
        assert set(payload) == {"title", "body", "url", "tag"}
        assert len(text.encode()) < 1024


def test_follow_up_date_is_a_real_date(scene, actors, db) -> None:  # type: ignore[no-untyped-def]
    consult_id = create(scene["mentor"]).get_json()["id"]
    handler = signed_in_as(actors, db, scene["consultants"][0])
    post_json(handler, f"/api/consults/{consult_id}/accept")
    url = f"/api/consults/{consult_id}/close"
    assert (
        post_json(handler, url, {"outcome": "referral", "follow_up_on": 20260320}).status_code
        == 400
    )
    assert (
        post_json(handler, url, {"outcome": "referral", "follow_up_on": "2026-02-30"}).status_code
        == 400
    )
    ok = post_json(handler, url, {"outcome": "referral", "follow_up_on": "2026-03-20"})
    assert ok.status_code == 200
    db.expire_all()
    assert db.get(Consult, consult_id).follow_up_on == date(2026, 3, 20)


def test_a_coordinator_can_take_an_unanswered_consult_on(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    """Nobody in the pool fits: the coordinators are offered it; one takes it and only they
    see its content; the other coordinator's offer is withdrawn."""
    clock.freeze(T0)
    mentor, _ = actors.signed_in("mentor", languages=["fi"])
    first, first_id = actors.signed_in("coordinator")
    second, _ = actors.signed_in("coordinator")
    consult_id = create(mentor, note="Only for whoever takes it.").get_json()["id"]
    assert post_json(first, f"/api/consults/{consult_id}/accept").status_code == 200
    assert post_json(second, f"/api/consults/{consult_id}/accept").status_code == 409
    mine = first.get(f"/api/consults/{consult_id}").get_json()
    theirs = second.get(f"/api/consults/{consult_id}").get_json()
    assert mine["note"] == "Only for whoever takes it." and "close" in mine["actions"]
    assert (
        "note" not in theirs and theirs["consultant"]["name"] == db.get(User, first_id).display_name
    )
    assert (
        post_json(first, f"/api/consults/{consult_id}/close", {"outcome": "referral"}).status_code
        == 200
    )
