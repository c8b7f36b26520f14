"""Helpers for the safety tests: visits through the API, the worker's safety steps, outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from mentor_app.notifications.models import OutboxMessage
from mentor_app.safety.models import Alarm, SafetyContact, Visit
from mentor_app.safety.worker_steps import advance_alarms, advance_visits
from tests.consult_helpers import post_json, run_step


def tick(app, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """The worker's safety steps at `now`, as one loop runs them."""
    app.config["CLOCK"].freeze(now)
    run_step(app, advance_visits, now)
    run_step(app, advance_alarms, now)


def start_visit(client, minutes: int = 60, **extra) -> int:  # type: ignore[no-untyped-def]
    response = post_json(client, "/api/visits", {"minutes": minutes, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def add_contact(db, mentor_id: int, contact_id: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
    db.add(SafetyContact(mentor_id=mentor_id, contact_id=contact_id, created_at=now))
    db.commit()


def alarms(db, mentor_id: int) -> list[Alarm]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(Alarm).where(Alarm.mentor_id == mentor_id).order_by(Alarm.id)))


def visit(db, visit_id: int) -> Visit:  # type: ignore[no-untyped-def]
    db.expire_all()
    return db.get(Visit, visit_id)


def messages(db, kind: str | None = None, user_id: int | None = None) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.kind.like("safety.%"))
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if user_id:
        query = query.where(OutboxMessage.user_id == user_id)
    return list(db.scalars(query.order_by(OutboxMessage.id)))


def live(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    return [r for r in rows if r.state != "cancelled"]
