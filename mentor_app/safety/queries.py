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
