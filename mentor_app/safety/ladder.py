"""The alarm ladder: raise, escalate tier by tier, acknowledge (first wins), resolve.

Lock order and claiming: an alarm moves only by a conditional UPDATE naming the state (and
tier) it expects, and the caller checks the rowcount. Two workers reaching the same tier, or
two responders acknowledging at once, race on that one statement: exactly one row changes, the
other gets rowcount 0 (and a 409, for a responder). On PostgreSQL the worker's batch query also
takes the due rows FOR UPDATE SKIP LOCKED (worker_steps.py). The outbox rows of a tier are
written in the transaction that moves the alarm to it, so a crash loses nothing.

Timings and who is told: policy.py and queries.py.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.safety import notify, policy, queries
from mentor_app.safety.errors import Conflict, SafetyError
from mentor_app.safety.models import (
    OPEN_ALARM_STATES,
    Alarm,
    AlarmKind,
    AlarmState,
    Visit,
    VisitState,
)


def timings() -> policy.Timings:
    return policy.Timings.from_config(current_app.config) if has_app_context() else policy.Timings()


def open_alarm_of_visit(session: Session, visit_id: int) -> Alarm | None:
    return session.scalar(
        select(Alarm)
        .where(
            Alarm.visit_id == visit_id,
            Alarm.state.in_((*OPEN_ALARM_STATES, AlarmState.ACKNOWLEDGED.value)),
        )
        .order_by(Alarm.id)
        .limit(1)
    )


def raise_alarm(
    session: Session,
    now: datetime,
    mentor_id: int,
    kind: AlarmKind,
    *,
    visit_id: int | None = None,
    location: tuple[float, float, float | None] | None = None,
) -> Alarm:
    """Writes the alarm and queues its first tier in the same transaction."""
    lat, lon, acc = location if location else (None, None, None)
    alarm = Alarm(
        mentor_id=mentor_id,
        visit_id=visit_id,
        kind=kind.value,
        state=AlarmState.RAISED.value,
        tier=0,
        raised_at=now,
        next_action_at=now,
        latitude=lat,
        longitude=lon,
        accuracy_m=acc,
    )
    session.add(alarm)
    session.flush()
    # The mentor is not the actor: their own data must not show a duress alarm.
    audit.record(
        session,
        now,
        "safety.alarm_raised",
        object_type="alarm",
        object_id=alarm.id,
        details={"kind": kind.value, "location": location is not None},
    )
    escalate(session, now, alarm.id, expected_tier=0)
    return alarm


def escalate(session: Session, now: datetime, alarm_id: int, expected_tier: int) -> bool:
    """Moves the alarm from `expected_tier` to the next and queues that tier's messages.
    False when another worker (or an acknowledgement) got there first."""
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        return False
    tier = expected_tier + 1
    if tier > policy.LAST_TIER:
        return False
    moved = session.execute(
        update(Alarm)
        .where(
            Alarm.id == alarm_id,
            Alarm.tier == expected_tier,
            Alarm.state.in_((AlarmState.RAISED.value, AlarmState.NOTIFYING.value)),
        )
        .values(
            tier=tier,
            state=AlarmState.EXHAUSTED.value
            if tier == policy.LAST_TIER
            else AlarmState.NOTIFYING.value,
            next_action_at=timings().after_tier(alarm.raised_at, tier),
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    session.refresh(alarm)
    people = queries.recipients(session, now, alarm.mentor_id, tier)
    if tier == policy.LAST_TIER:
        notify.broadcast(session, now, alarm, people)
    else:
        notify.alarm_tier(session, now, alarm, people)
    audit.record(
        session,
        now,
        "safety.alarm_tier",
        object_type="alarm",
        object_id=alarm.id,
        details={"tier": tier, "recipients": len(people)},
    )
    return True


def acknowledge(session: Session, now: datetime, alarm: Alarm, user_id: int) -> Alarm:
    """First acknowledgement wins; everyone else gets Conflict (409) naming who has it."""
    taken = session.execute(
        update(Alarm)
        .where(Alarm.id == alarm.id, Alarm.state.in_(OPEN_ALARM_STATES))
        .values(
            state=AlarmState.ACKNOWLEDGED.value,
            acknowledged_by_id=user_id,
            acknowledged_at=now,
            next_action_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(alarm)
    if taken.rowcount != 1:
        raise Conflict(
            _("Someone else has already taken this alarm."), holder=alarm.acknowledged_by_id
        )
    notify.cancel_ladder(session, alarm.id)
    others = [u for u in notify.told_about(session, alarm.id) if u != user_id]
    notify.taken(session, now, alarm, others)
    audit.record(
        session,
        now,
        "safety.alarm_acknowledged",
        actor_id=user_id,
        object_type="alarm",
        object_id=alarm.id,
        details={"tier": alarm.tier, "seconds": int((now - alarm.raised_at).total_seconds())},
    )
    return alarm


def resolve(
    session: Session, now: datetime, alarm: Alarm, user_id: int, outcome: str, note: str | None
) -> Alarm:
    """Ends the alarm with an outcome. The location and the visit's "where" line are deleted
    now; the note follows the consult retention period (worker_steps.purge_notes)."""
    if outcome not in policy.OUTCOMES:
        raise SafetyError("outcome must be one of: " + ", ".join(policy.OUTCOMES))
    text = (note or "").strip() or None
    if text is not None and len(text) > policy.NOTE_MAX:
        raise SafetyError(f"note is at most {policy.NOTE_MAX} characters")
    if alarm.state in OPEN_ALARM_STATES:
        raise Conflict(_("Take the alarm first."))
    done = session.execute(
        update(Alarm)
        .where(Alarm.id == alarm.id, Alarm.state == AlarmState.ACKNOWLEDGED.value)
        .values(
            state=AlarmState.RESOLVED.value,
            resolved_by_id=user_id,
            resolved_at=now,
            outcome=outcome,
            note=text,
            latitude=None,
            longitude=None,
            accuracy_m=None,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("This alarm is already resolved."))
    if alarm.visit_id is not None:
        _end_visit(session, now, alarm.visit_id)
    session.refresh(alarm)
    audit.record(
        session,
        now,
        "safety.alarm_resolved",
        actor_id=user_id,
        object_type="alarm",
        object_id=alarm.id,
        details={"outcome": outcome},
    )
    return alarm


def _end_visit(session: Session, now: datetime, visit_id: int) -> None:
    """The alarm is over, so is its visit (on the mentor's screen too); "where" goes."""
    visit = session.get(Visit, visit_id)
    if visit is None:
        return
    visit.state = VisitState.ENDED.value
    visit.ended_at = visit.ended_at or now
    visit.where_text = None
    visit.next_action_at = None
    session.flush()
