"""Routing in time, with a frozen clock: each wave offers the right consultants at the right
minute, the coordinators are alerted once, an accept just before a wave stops it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from mentor_app.consults.models import Consult
from mentor_app.consults.worker_steps import advance_due
from mentor_app.notifications.models import OutboxMessage
from mentor_app.notifications.topics import push_topic
from tests.consult_helpers import (
    make_consult,
    make_consultant,
    offered_ids,
    post_json,
    route_due,
    run_step,
)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # a Tuesday morning
TIMINGS = {
    # urgency: (first wave size, everyone after, coordinators after, re-offer every)
    "urgent": (3, timedelta(minutes=3), timedelta(minutes=10), timedelta(minutes=5)),
    "soon": (3, timedelta(minutes=15), timedelta(minutes=45), timedelta(minutes=15)),
    "routine": (5, timedelta(hours=4), timedelta(hours=24), timedelta(hours=2)),
}
SECOND = timedelta(seconds=1)


def ranked_pool(actors, db, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Consultants whose order is fixed by fair load: the n-th has n consults this month."""
    other_mentor, _ = actors.create("mentor")
    ids = []
    for n in range(count):
        user_id, _ = actors.create("consultant")
        make_consultant(db, user_id, T0 - timedelta(days=1), languages=("sv", "en"))
        for k in range(n):
            make_consult(
                db,
                other_mentor,
                T0 - timedelta(days=2, minutes=k),
                status="closed",
                consultant_id=user_id,
                accepted_at=T0 - timedelta(days=2),
                closed_at=T0 - timedelta(days=2),
            )
        ids.append(user_id)
    return ids


def outbox(db, consult_id: int, kind: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.consult_id == consult_id, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def consult_row(db, consult_id: int) -> Consult:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(Consult, consult_id)


def create(client, urgency: str, topic: str = "general") -> int:  # type: ignore[no-untyped-def]
    response = post_json(
        client,
        "/api/consults",
        {"client_key": str(uuid.uuid4()), "urgency": urgency, "topic": topic},
    )
    assert response.status_code == 201, response.get_json()
    route_due(client.application)  # the worker's first step, at the tap's own minute
    return response.get_json()["id"]


def step_at(app, at: datetime) -> int:  # type: ignore[no-untyped-def]
    return run_step(app, advance_due, at)


@pytest.mark.parametrize("urgency", ["urgent", "soon", "routine"])
def test_each_wave_offers_the_right_consultants_at_the_right_minute(
    app, actors, db, clock, urgency
) -> None:  # type: ignore[no-untyped-def]
    first, widen, coordinators_after, reoffer = TIMINGS[urgency]
    clock.freeze(T0)
    consultants = ranked_pool(actors, db, first + 3)
    coordinator_ids = [actors.create("coordinator")[0] for _ in range(2)]
    client, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consult_id = create(client, urgency)

    # At once: the best `first` by fair load, nobody else; the first wave's timer set.
    assert offered_ids(db, consult_id) == set(consultants[:first])
    row = consult_row(db, consult_id)
    assert (row.wave, row.next_action_at) == (1, T0 + widen)
    offers = outbox(db, consult_id, "consult.offer")
    assert {o.user_id for o in offers} == set(consultants[:first])
    expected_urgency = "high" if urgency == "urgent" else "normal"
    for message in offers:
        assert message.urgency == expected_urgency
        assert message.topic == push_topic(f"consult-{consult_id}")
        assert message.ttl_seconds == int(coordinators_after.total_seconds())
        assert message.payload["url"] == f"/consults/{consult_id}"
        assert message.payload["body"] == f"{urgency.capitalize()} · Swedish · general"

    # One second early: nothing moves.
    assert step_at(app, T0 + widen - SECOND) == 0
    assert offered_ids(db, consult_id) == set(consultants[:first])
    assert outbox(db, consult_id, "consult.waiting") == []

    # On the minute: everyone eligible, and the mentor hears that nobody has accepted yet.
    assert step_at(app, T0 + widen) == 1
    assert offered_ids(db, consult_id) == set(consultants)
    assert [m.user_id for m in outbox(db, consult_id, "consult.waiting")] == [mentor_id]
    row = consult_row(db, consult_id)
    assert (row.wave, row.next_action_at) == (2, T0 + coordinators_after)
    view = client.get(f"/api/consults/{consult_id}").get_json()
    assert view["waiting_notice"] is True

    assert step_at(app, T0 + coordinators_after - SECOND) == 0
    assert outbox(db, consult_id, "consult.coordinators") == []

    # The coordinators, once each, however often the step runs after that.
    assert step_at(app, T0 + coordinators_after) == 1
    for at in (
        T0 + coordinators_after,
        T0 + coordinators_after + reoffer,
        T0 + 2 * coordinators_after,
    ):
        step_at(app, at)
    alerts = outbox(db, consult_id, "consult.coordinators")
    assert sorted(m.user_id for m in alerts) == sorted(coordinator_ids)
    assert consult_row(db, consult_id).coordinator_alerted_at == T0 + coordinators_after
    assert len(outbox(db, consult_id, "consult.waiting")) == 1
    assert len(outbox(db, consult_id, "consult.offer")) == len(consultants)


def test_an_accept_one_second_before_a_wave_cancels_it(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    consultants = ranked_pool(actors, db, 6)
    client, _mentor = actors.signed_in("mentor", languages=["sv"])
    consult_id = create(client, "urgent")
    first_wave = consultants[:3]
    # The offers reached the phones (the delivery worker sent them).
    db.execute(
        update(OutboxMessage).where(OutboxMessage.consult_id == consult_id).values(state="sent")
    )
    db.commit()

    winner = first_wave[0]
    winner_client = actors.app.test_client()
    from mentor_app.accounts.models import User

    actors.login(winner_client, db.get(User, winner).email)
    clock.freeze(T0 + timedelta(minutes=3) - SECOND)
    response = post_json(winner_client, f"/api/consults/{consult_id}/accept")
    assert response.status_code == 200, response.get_json()

    assert step_at(app, T0 + timedelta(minutes=3)) == 0
    assert step_at(app, T0 + timedelta(minutes=10)) == 0
    assert offered_ids(db, consult_id, state=None) == set(first_wave)
    assert offered_ids(db, consult_id, state="withdrawn") == set(first_wave[1:])
    row = consult_row(db, consult_id)
    assert (row.status, row.consultant_id, row.next_action_at) == ("accepted", winner, None)
    assert row.coordinator_alerted_at is None and row.mentor_told_waiting_at is None
    # The others' lock screens: "taken by a colleague" replaces the offer (same topic and tag).
    taken = outbox(db, consult_id, "consult.taken")
    assert {m.user_id for m in taken} == set(first_wave[1:])
    for message in taken:
        assert message.topic == push_topic(f"consult-{consult_id}")
        assert message.payload["tag"] == f"consult-{consult_id}"
        assert message.payload["title"] == "Taken by a colleague"
    assert [m.user_id for m in outbox(db, consult_id, "consult.accepted")] == [row.mentor_id]


def test_unsent_offers_are_dropped_rather_than_replaced(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    consultants = ranked_pool(actors, db, 3)
    client, _mentor = actors.signed_in("mentor", languages=["sv"])
    consult_id = create(client, "urgent")
    from mentor_app.accounts.models import User

    winner_client = actors.app.test_client()
    actors.login(winner_client, db.get(User, consultants[0]).email)
    assert post_json(winner_client, f"/api/consults/{consult_id}/accept").status_code == 200
    offers = outbox(db, consult_id, "consult.offer")
    assert {m.user_id: m.state for m in offers} == {
        consultants[0]: "pending",
        consultants[1]: "cancelled",
        consultants[2]: "cancelled",
    }
    assert outbox(db, consult_id, "consult.taken") == []


def test_nobody_eligible_goes_straight_to_the_coordinators(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    coordinator, _ = actors.create("coordinator")
    german, _ = actors.create("consultant")
    make_consultant(db, german, T0, languages=("de",))
    client, mentor_id = actors.signed_in("mentor", languages=["sv"])
    consult_id = create(client, "soon")
    row = consult_row(db, consult_id)
    assert row.wave == 3
    assert row.coordinator_alerted_at == T0 and row.mentor_told_waiting_at == T0
    assert row.next_action_at == T0 + timedelta(minutes=15)  # re-offer rhythm
    assert [m.user_id for m in outbox(db, consult_id, "consult.coordinators")] == [coordinator]
    assert [m.user_id for m in outbox(db, consult_id, "consult.waiting")] == [mentor_id]
    # The coordinator holds an offer: they may take it on themselves.
    assert offered_ids(db, consult_id) == {coordinator}

    # A Swedish speaker comes on call later: the next re-offer reaches them.
    swede, _ = actors.create("consultant")
    make_consultant(db, swede, T0, languages=("sv",))
    assert step_at(app, T0 + timedelta(minutes=15)) == 1
    assert swede in offered_ids(db, consult_id)
    assert len(outbox(db, consult_id, "consult.coordinators")) == 1


def test_when_everyone_offered_declines_the_next_wave_starts_at_once(
    app, actors, db, clock
) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.accounts.models import User

    clock.freeze(T0)
    consultants = ranked_pool(actors, db, 4)
    client, _mentor_id = actors.signed_in("mentor", languages=["sv"])
    consult_id = create(client, "urgent")
    clock.freeze(T0 + timedelta(minutes=1))
    for consultant in consultants[:3]:
        c = actors.app.test_client()
        actors.login(c, db.get(User, consultant).email)
        response = post_json(c, f"/api/consults/{consult_id}/decline", {"reason": "busy"})
        assert response.status_code == 200, response.get_json()
    row = consult_row(db, consult_id)
    assert row.wave == 2
    assert offered_ids(db, consult_id) == {consultants[3]}
    assert row.mentor_told_waiting_at == T0 + timedelta(minutes=1)
    assert row.next_action_at == T0 + timedelta(minutes=10)  # still counted from the start
    assert offered_ids(db, consult_id, state="declined") == set(consultants[:3])


def test_raising_the_urgency_re_times_the_wave(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(T0)
    consultants = ranked_pool(actors, db, 4)
    client, _ = actors.signed_in("mentor", languages=["sv"])
    consult_id = create(client, "routine")
    assert consult_row(db, consult_id).next_action_at == T0 + timedelta(hours=4)
    clock.freeze(T0 + timedelta(minutes=1))
    response = post_json(client, f"/api/consults/{consult_id}/details", {"urgency": "urgent"})
    assert response.status_code == 200, response.get_json()
    assert consult_row(db, consult_id).next_action_at == T0 + timedelta(minutes=3)
    # The standing offers are sent again, now with high urgency, under the same topic.
    resent = [m for m in outbox(db, consult_id, "consult.offer") if m.urgency == "high"]
    assert {m.user_id for m in resent} == set(consultants[:4])
    assert step_at(app, T0 + timedelta(minutes=3)) == 1
