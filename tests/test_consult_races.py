"""Races on PostgreSQL: threads with their own clients and sessions, released together by a
barrier, many times over; the invariant is checked every round."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.consults import routing
from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.consults.worker_steps import advance_due
from mentor_app.notifications.models import OutboxMessage
from tests.conftest import csrf_token, requires_postgres
from tests.consult_helpers import make_consult, offer, pool

pytestmark = [requires_postgres(), pytest.mark.postgres]

ROUNDS = 200
RACERS = 5


class Crowd:
    """N threads that each run `work(i)` once per round, all released by one barrier."""

    def __init__(self, size: int, work) -> None:  # type: ignore[no-untyped-def]
        self.size = size
        self.work = work
        self.start = threading.Barrier(size + 1, timeout=60)
        self.done = threading.Barrier(size + 1, timeout=60)
        self.results: list = [None] * size
        self.stop = False
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(size)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self, i: int) -> None:
        while True:
            self.start.wait()
            if self.stop:
                return
            try:
                self.results[i] = self.work(i)
            except Exception as err:  # reported by the main thread
                self.results[i] = err
            self.done.wait()

    def round(self) -> list:
        self.start.wait()
        self.done.wait()
        return list(self.results)

    def close(self) -> None:
        self.stop = True
        self.start.wait()
        for thread in self.threads:
            thread.join(timeout=10)


def test_exactly_one_of_five_simultaneous_accepts_wins(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    consultant_ids = pool(actors, db, now, RACERS, open_consult_limit=50)
    clients, tokens = [], []
    for consultant_id in consultant_ids:
        client = app.test_client()
        actors.login(client, db.get(User, consultant_id).email)
        clients.append(client)
        tokens.append(csrf_token(client))
    current = {"id": 0}

    def accept(i: int) -> int:
        response = clients[i].post(
            f"/api/consults/{current['id']}/accept", json={}, headers={"X-CSRFToken": tokens[i]}
        )
        return response.status_code

    crowd = Crowd(RACERS, accept)
    try:
        for round_no in range(ROUNDS):
            consult = make_consult(db, mentor_id, now)
            for consultant_id in consultant_ids:
                offer(db, consult.id, consultant_id, now)
            current["id"] = consult.id
            statuses = crowd.round()
            assert sorted(statuses) == [200, 409, 409, 409, 409], (round_no, statuses)
            winner = consultant_ids[statuses.index(200)]
            db.expire_all()
            row = db.get(Consult, consult.id)
            assert (row.status, row.consultant_id) == ("accepted", winner), round_no
            states = Counter(
                db.scalars(select(ConsultOffer.state).where(ConsultOffer.consult_id == consult.id))
            )
            assert states == {"accepted": 1, "withdrawn": RACERS - 1}, round_no
            # Free the winner's slot for the next round.
            db.execute(update(Consult).where(Consult.id == consult.id).values(status="closed"))
            db.commit()
    finally:
        crowd.close()
    accepted = db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "consult.accepted")
    )
    assert accepted == ROUNDS


def test_two_workers_advance_each_consult_exactly_once(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    consultants = pool(actors, db, now, 4)
    database = app.extensions["mentor_db"]

    def work(_i: int) -> int:
        session = database.session()
        try:
            moved = advance_due(session, now)
            session.commit()
            return moved
        finally:
            session.close()

    crowd = Crowd(2, work)
    all_ids: list[int] = []
    try:
        for _round in range(6):
            ids = []
            for _ in range(30):
                consult = make_consult(
                    db,
                    mentor_id,
                    now - timedelta(minutes=5),
                    urgency="urgent",
                    next_action_at=now - timedelta(minutes=1),
                )
                offer(db, consult.id, consultants[0], now)
                ids.append(consult.id)
            moved = crowd.round()
            assert not any(isinstance(m, Exception) for m in moved), moved
            assert sum(moved) == len(ids)
            all_ids += ids
    finally:
        crowd.close()
    db.expire_all()
    waves = Counter(db.scalars(select(Consult.wave).where(Consult.id.in_(all_ids))))
    assert waves == {2: len(all_ids)}
    steps = Counter(
        db.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "consult.wave"))
    )
    assert set(steps.values()) == {1} and len(steps) == len(all_ids)
    waiting = Counter(
        db.scalars(select(OutboxMessage.consult_id).where(OutboxMessage.kind == "consult.waiting"))
    )
    assert set(waiting.values()) == {1} and len(waiting) == len(all_ids)
    offers = db.scalar(
        select(func.count()).select_from(ConsultOffer).where(ConsultOffer.consult_id.in_(all_ids))
    )
    assert offers == len(all_ids) * len(consultants)


def test_the_claim_alone_lets_one_of_two_advance(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    """Without SKIP LOCKED in the way: both workers try the same consult and the same wave."""
    now = datetime.now(UTC)
    mentor_id, _ = actors.create("mentor")
    pool(actors, db, now, 2)
    database = app.extensions["mentor_db"]
    target = {"id": 0}

    def work(_i: int) -> int:
        session = database.session()
        try:
            with app.app_context():
                steps = routing.advance(session, now, target["id"], expected_wave=1)
            session.commit()
            return steps
        finally:
            session.close()

    crowd = Crowd(2, work)
    try:
        for _ in range(50):
            consult = make_consult(db, mentor_id, now, next_action_at=now)
            target["id"] = consult.id
            assert sorted(crowd.round()) == [0, 1]
    finally:
        crowd.close()


def test_ten_concurrent_replays_of_one_tap_create_one_consult(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    mentor_id, email = actors.create("mentor", languages=["sv"])
    clients, tokens = [], []
    for _ in range(10):
        client = app.test_client()
        actors.login(client, email)
        clients.append(client)
        tokens.append(csrf_token(client))
    key = {"value": ""}

    def replay(i: int) -> tuple[int, int]:
        response = clients[i].post(
            "/api/consults", json={"client_key": key["value"]}, headers={"X-CSRFToken": tokens[i]}
        )
        return response.status_code, response.get_json().get("id")

    crowd = Crowd(10, replay)
    try:
        for round_no in range(20):
            key["value"] = str(uuid.uuid4())
            results = crowd.round()
            statuses = sorted(status for status, _ in results)
            assert statuses == [200] * 9 + [201], (round_no, results)
            assert len({consult_id for _, consult_id in results}) == 1
            db.expire_all()
            assert (
                db.scalar(
                    select(func.count())
                    .select_from(Consult)
                    .where(Consult.client_key == key["value"])
                )
                == 1
            )
    finally:
        crowd.close()
    assert (
        db.scalar(select(func.count()).select_from(Consult).where(Consult.mentor_id == mentor_id))
        == 20
    )
