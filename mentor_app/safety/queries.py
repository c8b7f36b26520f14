"""Facts the safety services need, loaded in sets: who is told at each tier of an alarm."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.pool.models import OnCallWindow
from mentor_app.safety.models import SafetyContact, SafetyProfile


def active_coordinators(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(User.id)
            .where(User.role == "coordinator", User.is_disabled.is_(False))
            .order_by(User.id)
        )
    )


def on_call_coordinators(session: Session, now: datetime) -> list[int]:
    """Coordinators on call at `now`: the pool's on-call windows (weekly shifts, overrides and
    holidays, see pool/windows.py) of coordinators who keep a pool profile for them."""
    return list(
        session.scalars(
            select(User.id)
            .join(OnCallWindow, OnCallWindow.consultant_id == User.id)
            .where(
                User.role == "coordinator",
                User.is_disabled.is_(False),
                OnCallWindow.starts_at <= now,
                OnCallWindow.ends_at > now,
            )
            .distinct()
            .order_by(User.id)
        )
    )


def contact_ids(session: Session, mentor_id: int) -> list[int]:
    """The mentor's safety contacts who can still act (enabled, still a mentor/coordinator)."""
    return list(
        session.scalars(
            select(User.id)
            .join(SafetyContact, SafetyContact.contact_id == User.id)
            .where(
                SafetyContact.mentor_id == mentor_id,
                User.is_disabled.is_(False),
                User.role.in_(("mentor", "coordinator")),
                User.id != mentor_id,
            )
            .order_by(User.id)
        )
    )


def contacts_of(session: Session, mentor_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(SafetyContact, SafetyContact.contact_id == User.id)
            .where(SafetyContact.mentor_id == mentor_id)
            .order_by(User.display_name, User.id)
        )
    )


def mentors_i_guard(session: Session, user_id: int) -> list[int]:
    """Mentors who named `user_id` as a safety contact."""
    return list(
        session.scalars(select(SafetyContact.mentor_id).where(SafetyContact.contact_id == user_id))
    )


def recipients(session: Session, now: datetime, mentor_id: int, tier: int) -> list[int]:
    """Who tier `tier` (1..3) goes to (the mentor never: a duress alarm must stay silent)."""
    contacts = contact_ids(session, mentor_id)
    if tier == 1:
        people = set(contacts) | set(on_call_coordinators(session, now))
        if not people:
            people = set(active_coordinators(session))
    else:
        people = set(contacts) | set(active_coordinators(session))
    people.discard(mentor_id)
    return sorted(people)


def profile(session: Session, user_id: int) -> SafetyProfile | None:
    return session.get(SafetyProfile, user_id)


def running_visits(session: Session) -> list[tuple[str, str, datetime]]:
    """(mentor name, state, due_at) of every visit the mentor has not ended, for coordinators:
    who, never where. Oldest due first."""
    from mentor_app.safety.models import OPEN_VISIT_STATES, Visit

    return [
        (name, state, due_at)
        for name, state, due_at in session.execute(
            select(User.display_name, Visit.state, Visit.due_at)
            .join(User, User.id == Visit.mentor_id)
            .where(Visit.ended_at.is_(None), Visit.state.in_(OPEN_VISIT_STATES))
            .order_by(Visit.due_at, Visit.id)
        )
    ]


def contact_phone(session: Session, mentor_id: int) -> str | None:
    """The first safety contact's phone number (for the SOS text message without signal)."""
    for contact in contacts_of(session, mentor_id):
        row = session.get(SafetyProfile, contact.id)
        if row is not None and row.phone:
            return row.phone
    return None


def report_figures(session: Session, period, metrics) -> None:  # type: ignore[no-untyped-def]
    """The month's safety figures for the panel report (dashboard/metrics.py EXTRA_FIGURES):
    visits started, alarms raised by kind, and raised → acknowledged times (p50/p90, the
    same interpolation as the consult figures). Reads no free text."""
    from sqlalchemy import func

    from mentor_app.dashboard import metrics as m
    from mentor_app.safety.models import Alarm, Visit

    start, end = period.start_at, period.end_at
    visits = session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(Visit.started_at >= start, Visit.started_at < end)
    )
    alarms = dict(
        session.execute(
            select(Alarm.kind, func.count())
            .where(Alarm.raised_at >= start, Alarm.raised_at < end)
            .group_by(Alarm.kind)
        ).all()
    )
    waits = sorted(
        (acked - raised).total_seconds()
        for raised, acked in session.execute(
            select(Alarm.raised_at, Alarm.acknowledged_at).where(
                Alarm.raised_at >= start, Alarm.raised_at < end, Alarm.acknowledged_at.is_not(None)
            )
        )
    )
    metrics.safety = m.SafetyFigures(
        visits=visits or 0,
        alarms={str(k): int(v) for k, v in alarms.items()},
        acknowledged=len(waits),
        ack_median_seconds=m.percentile(waits, 0.5),
        ack_p90_seconds=m.percentile(waits, 0.9),
    )


def my_data(session: Session, user_id: int) -> dict:
    """The mentor's own safety data for "my data": phone, whether PINs are set, contacts and
    visit times. Nothing that could tell a duress check-in from a normal one (no visit state,
    no alarm, no "where" line kept for responders): someone may be reading over their shoulder."""
    from mentor_app.safety.models import Visit

    row = session.get(SafetyProfile, user_id)
    visits = session.execute(
        select(Visit.started_at, Visit.due_at, Visit.case_code)
        .where(Visit.mentor_id == user_id)
        .order_by(Visit.id)
    ).all()
    return {
        "phone": row.phone if row else None,
        "safety_pin_set": bool(row and row.safety_pin_hash),
        "duress_pin_set": bool(row and row.duress_pin_hash),
        "contacts": [c.display_name for c in contacts_of(session, user_id)],
        "visits": [
            {"started_at": s.isoformat(), "check_in_by": d.isoformat(), "case_code": code}
            for s, d, code in visits
        ],
    }


def exhausted_alarm_ids(session: Session) -> list[int]:
    """Alarms nobody has taken after every tier: shown on top of every coordinator page."""
    from mentor_app.safety.models import Alarm, AlarmState

    return list(
        session.scalars(
            select(Alarm.id).where(Alarm.state == AlarmState.EXHAUSTED.value).order_by(Alarm.id)
        )
    )


def late_timers(session: Session, now: datetime) -> int:
    """Visits and alarms whose next timer is more than a minute in the past (/healthz)."""
    from datetime import timedelta

    from sqlalchemy import func

    from mentor_app.safety.models import OPEN_VISIT_STATES, Alarm, AlarmState, Visit

    late = now - timedelta(minutes=1)
    visits = session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(Visit.state.in_(OPEN_VISIT_STATES), Visit.next_action_at < late)
    )
    alarms = session.scalar(
        select(func.count())
        .select_from(Alarm)
        .where(
            Alarm.state.in_((AlarmState.RAISED.value, AlarmState.NOTIFYING.value)),
            Alarm.next_action_at < late,
        )
    )
    return (visits or 0) + (alarms or 0)
