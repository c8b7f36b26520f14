"""Worker steps: a visit's timers (check-in due, reminder, missed check-in alarm), the alarm
ladder's tiers, and the note retention.

Claiming: on PostgreSQL due rows are selected FOR UPDATE SKIP LOCKED, so two workers take
disjoint batches; on every database each row then moves with a conditional UPDATE naming the
state (visit) or tier (alarm) it expects, so a row seen by two workers moves once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.errors import log_unexpected
from mentor_app.notifications.jobs import checkpoint
from mentor_app.safety import ladder, notify, policy
from mentor_app.safety.models import Alarm, AlarmKind, AlarmState, Visit, VisitState
from mentor_app.worker.loop import register

log = logging.getLogger(__name__)
BATCH = 50


def _skip_locked(session: Session, query):  # type: ignore[no-untyped-def]
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


@register("safety-visits")  # every loop: a missed check-in is an emergency
def advance_visits(session: Session, now: datetime) -> int:
    """Runs every visit timer that is due. Returns how many visits moved."""
    query = (
        select(Visit.id, Visit.state)
        .where(
            Visit.state.in_(
                (VisitState.RUNNING.value, VisitState.DUE.value, VisitState.REMINDED.value)
            ),
            Visit.next_action_at <= now,
        )
        .order_by(Visit.next_action_at, Visit.id)
        .limit(BATCH)
    )
    moved = 0
    for visit_id, state in session.execute(_skip_locked(session, query)).all():
        try:
            with session.begin_nested():
                moved += 1 if advance_visit(session, now, visit_id, state) else 0
        except Exception:
            log_unexpected(log, "advancing visit %s failed", visit_id)
    return moved


def advance_visit(session: Session, now: datetime, visit_id: int, state: str) -> bool:
    """One step of a visit's timers from `state`; False if it moved meanwhile."""
    timings = ladder.timings()
    visit = session.get(Visit, visit_id, populate_existing=True)
    if visit is None:
        return False
    if state == VisitState.RUNNING.value:
        new_state, next_at = VisitState.DUE.value, timings.reminder_at(visit.due_at)
    elif state == VisitState.DUE.value:
        new_state, next_at = VisitState.REMINDED.value, timings.alarm_at(visit.due_at)
    else:
        new_state, next_at = VisitState.ALARM.value, None
    moved = session.execute(
        update(Visit)
        .where(Visit.id == visit_id, Visit.state == state, Visit.ended_at.is_(None))
        .values(state=new_state, next_action_at=next_at)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    session.refresh(visit)
    if new_state == VisitState.ALARM.value:
        ladder.raise_alarm(session, now, visit.mentor_id, AlarmKind.MISSED, visit_id=visit.id)
        checkpoint("safety_after_raise")  # crash tests stop the worker here, before commit
    else:
        remaining = timings.alarm_at(visit.due_at) - now
        notify.visit_prompt(
            session, now, visit, second=new_state == VisitState.REMINDED.value, ttl=remaining
        )
    return True


@register("safety-ladder")  # every loop: each tier goes out at its second
def advance_alarms(session: Session, now: datetime) -> int:
    """Sends every alarm tier that is due. Returns how many alarms moved."""
    query = (
        select(Alarm.id, Alarm.tier)
        .where(
            Alarm.state.in_((AlarmState.RAISED.value, AlarmState.NOTIFYING.value)),
            Alarm.next_action_at <= now,
        )
        .order_by(Alarm.next_action_at, Alarm.id)
        .limit(BATCH)
    )
    moved = 0
    for alarm_id, tier in session.execute(_skip_locked(session, query)).all():
        try:
            with session.begin_nested():
                moved += 1 if ladder.escalate(session, now, alarm_id, tier) else 0
        except Exception:
            log_unexpected(log, "escalating alarm %s failed", alarm_id)
    return moved


@register("safety-retention", every=3600.0)
def purge_notes(session: Session, now: datetime) -> int:
    """Deletes resolution notes older than CONSULT_RETENTION_DAYS (the outcome stays)."""
    days = 180
    if has_app_context():
        days = int(current_app.config.get("CONSULT_RETENTION_DAYS", days))
    result = session.execute(
        update(Alarm)
        .where(Alarm.note.is_not(None), Alarm.resolved_at <= policy.note_cutoff(now, days))
        .values(note=None, note_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
