"""Safety races on PostgreSQL: two responders acknowledging one alarm at once (exactly one
200, the other 409, 200 rounds); two workers never escalate one alarm twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.notifications.models import OutboxMessage
from mentor_app.safety import ladder
from mentor_app.safety.models import Alarm
from mentor_app.safety.worker_steps import advance_alarms
from tests.conftest import csrf_token, requires_postgres
from tests.test_consult_races import Crowd

pytestmark = [requires_postgres(), pytest.mark.postgres]

ROUNDS = 200


def _alarm(db, mentor_id: int, raised_at: datetime, tier: int = 1) -> int:  # type: ignore[no-untyped-def]
    row = Alarm(
        mentor_id=mentor_id,
        kind="sos",
        state="notifying",
        tier=tier,
        raised_at=raised_at,
        next_action_at=raised_at + timedelta(seconds=120 * tier),
    )
    db.add(row)
    db.commit()
    return row.id


def test_two_responders_ack_at_once_exactly_one_wins(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    clients, tokens = [], []
    for _ in range(2):
        coordinator_id, _email = actors.create("coordinator")
        client = app.test_client()
        actors.login(client, db.get(User, coordinator_id).email)
        clients.append(client)
        tokens.append(csrf_token(client))
    current = {"id": 0}

    def ack(i: int) -> int:
        response = clients[i].post(
            f"/api/alarms/{current['id']}/ack", json={}, headers={"X-CSRFToken": tokens[i]}
        )
        return response.status_code

    crowd = Crowd(2, ack)
    winners = []
    try:
        for _round in range(ROUNDS):
            current["id"] = _alarm(db, mentor_id, now)
            statuses = crowd.round()
            assert sorted(statuses) == [200, 409], statuses
            db.expire_all()
            winners.append(db.get(Alarm, current["id"]).acknowledged_by_id)
    finally:
        crowd.close()
    acks = Counter(
        db.scalars(
            select(AuditEvent.object_id).where(AuditEvent.action == "safety.alarm_acknowledged")
        )
    )
    assert len(acks) == ROUNDS and set(acks.values()) == {1}
    assert None not in winners


def test_two_workers_never_escalate_one_alarm_twice(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    for _ in range(2):
        actors.create("coordinator")
    database = app.extensions["mentor_db"]

    def work(_i: int) -> int:
        session = database.session()
        try:
            with app.app_context():
                moved = advance_alarms(session, now)
            session.commit()
            return moved
        finally:
            session.close()

    crowd = Crowd(2, work)
    ids: list[int] = []
    try:
        for _round in range(6):
            batch = [_alarm(db, mentor_id, now - timedelta(seconds=121)) for _ in range(20)]
            moved = crowd.round()
            assert not any(isinstance(m, Exception) for m in moved), moved
            assert sum(moved) == len(batch)
            ids += batch
    finally:
        crowd.close()
    db.expire_all()
    assert Counter(db.scalars(select(Alarm.tier).where(Alarm.id.in_(ids)))) == {2: len(ids)}
    tiers = Counter(
        db.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "safety.alarm_tier"))
    )
    assert len(tiers) == len(ids) and set(tiers.values()) == {1}
    per_alarm = Counter(
        db.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.kind == "safety.alarm"))
    )
    assert set(per_alarm.values()) == {1} and len(per_alarm) == 2 * len(ids)


def test_the_conditional_update_alone_lets_one_of_two_escalate(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    """Without SKIP LOCKED in the way: both workers try the same alarm at the same tier."""
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    actors.create("coordinator")
    database = app.extensions["mentor_db"]
    target = {"id": 0}

    def work(_i: int) -> bool:
        session = database.session()
        try:
            with app.app_context():
                moved = ladder.escalate(session, now, target["id"], expected_tier=1)
            session.commit()
            return moved
        finally:
            session.close()

    crowd = Crowd(2, work)
    try:
        for _ in range(50):
            target["id"] = _alarm(db, mentor_id, now - timedelta(seconds=121))
            assert sorted(crowd.round()) == [False, True]
    finally:
        crowd.close()
