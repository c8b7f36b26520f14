"""Visit actions and safety settings. Each takes the session and `now`, flushes, never commits.

Every state change is a conditional UPDATE naming the states it expects, with its rowcount
checked, so a double tap or a race with the worker's timer changes a visit once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.accounts.passwords import hash_password, verify_password
from mentor_app.audit import services as audit
from mentor_app.safety import ladder, notify, policy
from mentor_app.safety.errors import Conflict, SafetyError
from mentor_app.safety.models import (
    OPEN_VISIT_STATES,
    AlarmKind,
    SafetyContact,
    SafetyProfile,
    Visit,
    VisitState,
)

MAX_CONTACTS = 5


def running_visit(session: Session, mentor_id: int) -> Visit | None:
    """The visit the mentor's screen shows as running (at most one)."""
    return session.scalar(
        select(Visit)
        .where(Visit.mentor_id == mentor_id, Visit.ended_at.is_(None))
        .order_by(Visit.id.desc())
        .limit(1)
    )


def start(
    session: Session,
    now: datetime,
    mentor: User,
    *,
    minutes: int,
    case_code: str | None = None,
    where: str | None = None,
    client_key: str | None = None,
) -> tuple[Visit, bool]:
    """Starts a visit due in `minutes`. Returns (visit, created); a replayed `client_key`
    returns the first visit. A mentor has one running visit: starting another ends nothing
    and is refused with 409 (extend the running one instead)."""
    problem = policy.visit_minutes_problem(minutes)
    if problem:
        raise SafetyError(problem)
    where_text = policy.one_line(where)
    if where_text is not None and len(where_text) > policy.WHERE_MAX:
        raise SafetyError(f"where is at most {policy.WHERE_MAX} characters")
    code = policy.one_line(case_code)
    if client_key:
        existing = session.scalar(
            select(Visit).where(Visit.mentor_id == mentor.id, Visit.client_key == client_key)
        )
        if existing is not None:
            return existing, False
    if running_visit(session, mentor.id) is not None:
        raise Conflict(_("A visit is already running: check in or extend it."))
    due = now + timedelta(minutes=minutes)
    visit = Visit(
        mentor_id=mentor.id,
        state=VisitState.RUNNING.value,
        started_at=now,
        due_at=due,
        next_action_at=due,
        case_code=code,
        where_text=where_text,
        client_key=client_key,
    )
    session.add(visit)
    session.flush()
    audit.record(
        session,
        now,
        "safety.visit_started",
        actor_id=mentor.id,
        object_type="visit",
        object_id=visit.id,
        details={"minutes": minutes},
    )
    return visit, True


def extend(session: Session, now: datetime, visit: Visit, minutes: int) -> Visit:
    problem = policy.visit_minutes_problem(minutes)
    if problem:
        raise SafetyError(problem)
    due = policy.extended_due(visit.due_at, now, minutes)
    moved = session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.state.in_(OPEN_VISIT_STATES), Visit.ended_at.is_(None))
        .values(state=VisitState.RUNNING.value, due_at=due, next_action_at=due)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(_("This visit has ended."))
    notify.cancel_visit_prompts(session, visit.id)
    session.refresh(visit)
    audit.record(
        session,
        now,
        "safety.visit_extended",
        actor_id=visit.mentor_id,
        object_type="visit",
        object_id=visit.id,
        details={"minutes": minutes},
    )
    return visit


def pin_kind(profile: SafetyProfile | None, pin: str | None) -> str:
    """ "safe", "duress" or "wrong". Both hashes are always checked (when set), so the time
    taken does not tell the two PINs apart."""
    safety_hash = profile.safety_pin_hash if profile else None
    duress_hash = profile.duress_pin_hash if profile else None
    if safety_hash is None:
        return "safe" if not pin else "wrong"
    if not pin:
        return "wrong"
    is_safe = verify_password(safety_hash, pin)
    is_duress = verify_password(duress_hash, pin) if duress_hash else verify_password(None, pin)
    if is_safe:
        return "safe"
    return "duress" if is_duress else "wrong"


def check_in(session: Session, now: datetime, visit: Visit, pin: str | None) -> None:
    """Ends the visit ("I'm safe"). With the duress PIN it ends the same way on the mentor's
    side and raises a DURESS alarm. A check-in after a missed-check-in alarm is a fact for
    the responders (the alarm's timeline), not a reason to stand down on its own."""
    kind = pin_kind(session.get(SafetyProfile, visit.mentor_id), pin)
    if kind == "wrong":
        raise SafetyError("That PIN is not right.", status=403)
    if visit.ended_at is not None:
        raise Conflict(_("This visit has ended."))
    if visit.state == VisitState.ALARM.value:
        _late_check_in(session, now, visit, kind)
        return
    duress = kind == "duress"
    ended = session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.state.in_(OPEN_VISIT_STATES), Visit.ended_at.is_(None))
        .values(
            state=VisitState.ALARM.value if duress else VisitState.ENDED.value,
            ended_at=now,
            next_action_at=None,
            # The "where" line is for responders during an alarm only.
            where_text=Visit.where_text if duress else None,
        )
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        raise Conflict(_("This visit has ended."))
    notify.cancel_visit_prompts(session, visit.id)
    # The same event for both PINs: the mentor's own data must not tell them apart.
    audit.record(
        session,
        now,
        "safety.visit_ended",
        actor_id=visit.mentor_id,
        object_type="visit",
        object_id=visit.id,
    )
    if duress:
        ladder.raise_alarm(session, now, visit.mentor_id, AlarmKind.DURESS, visit_id=visit.id)
    session.refresh(visit)


def _late_check_in(session: Session, now: datetime, visit: Visit, kind: str) -> None:
    """The visit already raised an alarm (missed check-in): the screen ends the visit; the
    alarm's timeline records the check-in (and a duress PIN as such, for responders only)."""
    done = session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("This visit has ended."))
    notify.cancel_visit_prompts(session, visit.id)
    audit.record(
        session,
        now,
        "safety.visit_ended",
        actor_id=visit.mentor_id,
        object_type="visit",
        object_id=visit.id,
    )
    alarm = ladder.open_alarm_of_visit(session, visit.id)
    if alarm is not None:
        action = "safety.alarm_duress_check_in" if kind == "duress" else "safety.alarm_checked_in"
        audit.record(session, now, action, object_type="alarm", object_id=alarm.id)
    session.refresh(visit)


def sos(
    session: Session,
    now: datetime,
    visit: Visit,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    accuracy_m: float | None = None,
) -> int:
    """Raises an SOS alarm at once (the visit's timers stop: the alarm has taken over).
    Returns the alarm id. A second SOS while one is open returns the open alarm."""
    if visit.ended_at is not None:
        # Ended on the mentor's screen, whichever PIN ended it: the same answer for both (a
        # duress visit must not answer differently to someone probing with the phone).
        raise Conflict(_("This visit has ended."))
    location = _location(latitude, longitude, accuracy_m)
    existing = ladder.open_alarm_of_visit(session, visit.id)
    if existing is not None:
        if location and existing.latitude is None:
            existing.latitude, existing.longitude, existing.accuracy_m = location
            session.flush()
        return existing.id
    session.execute(
        update(Visit)
        .where(Visit.id == visit.id)
        .values(state=VisitState.ALARM.value, next_action_at=None)
        .execution_options(synchronize_session=False)
    )
    notify.cancel_visit_prompts(session, visit.id)
    alarm = ladder.raise_alarm(
        session, now, visit.mentor_id, AlarmKind.SOS, visit_id=visit.id, location=location
    )
    return alarm.id


def _location(
    latitude: float | None, longitude: float | None, accuracy_m: float | None
) -> tuple[float, float, float | None] | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise SafetyError("Send both latitude and longitude, or neither.")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SafetyError("latitude or longitude out of range")
    if accuracy_m is not None and not 0 <= accuracy_m <= 1_000_000:
        raise SafetyError("accuracy_m out of range")
    return float(latitude), float(longitude), accuracy_m


# --- settings -------------------------------------------------------------------------------


def _profile(session: Session, now: datetime, user_id: int) -> SafetyProfile:
    row = session.get(SafetyProfile, user_id)
    if row is None:
        row = SafetyProfile(user_id=user_id, updated_at=now)
        session.add(row)
    return row


def set_pins(
    session: Session, now: datetime, mentor: User, safety_pin: str | None, duress_pin: str | None
) -> None:
    """Sets (or with both None, clears) the PINs. A duress PIN needs a safety PIN and must
    differ from it."""
    row = _profile(session, now, mentor.id)
    if safety_pin is None and duress_pin is None:
        row.safety_pin_hash = row.duress_pin_hash = None
    else:
        if safety_pin is None or (problem := policy.pin_problem(safety_pin)):
            raise SafetyError(problem if safety_pin else "Set a safety PIN first.")
        if duress_pin is not None:
            if problem := policy.pin_problem(duress_pin):
                raise SafetyError(problem)
            if duress_pin == safety_pin:
                raise SafetyError("The duress PIN must differ from the safety PIN.")
        row.safety_pin_hash = hash_password(safety_pin)
        row.duress_pin_hash = hash_password(duress_pin) if duress_pin else None
    row.updated_at = now
    session.flush()
    audit.record(
        session,
        now,
        "safety.pins_changed",
        actor_id=mentor.id,
        object_type="user",
        object_id=mentor.id,
    )


def set_phone(session: Session, now: datetime, mentor: User, phone: str | None) -> None:
    value = (phone or "").strip() or None
    if value is not None and (problem := policy.phone_problem(value)):
        raise SafetyError(problem)
    row = _profile(session, now, mentor.id)
    row.phone = value
    row.updated_at = now
    session.flush()


def add_contact(session: Session, now: datetime, mentor: User, email: str) -> User:
    """Names a colleague (an enabled mentor or coordinator, found by e-mail) as a contact."""
    contact = session.scalar(select(User).where(User.email == email.strip().lower()))
    if (
        contact is None
        or contact.is_disabled
        or contact.role not in ("mentor", "coordinator")
        or contact.id == mentor.id
    ):
        raise SafetyError("No colleague with that e-mail can be a safety contact.")
    count = len(
        session.scalars(select(SafetyContact.id).where(SafetyContact.mentor_id == mentor.id)).all()
    )
    exists = session.scalar(
        select(SafetyContact.id).where(
            SafetyContact.mentor_id == mentor.id, SafetyContact.contact_id == contact.id
        )
    )
    if exists is None:
        if count >= MAX_CONTACTS:
            raise SafetyError(f"At most {MAX_CONTACTS} safety contacts.")
        session.add(SafetyContact(mentor_id=mentor.id, contact_id=contact.id, created_at=now))
        session.flush()
        audit.record(
            session,
            now,
            "safety.contact_added",
            actor_id=mentor.id,
            object_type="user",
            object_id=contact.id,
        )
    return contact


def remove_contact(session: Session, now: datetime, mentor: User, contact_id: int) -> None:
    session.execute(
        delete(SafetyContact).where(
            SafetyContact.mentor_id == mentor.id, SafetyContact.contact_id == contact_id
        )
    )
    audit.record(
        session,
        now,
        "safety.contact_removed",
        actor_id=mentor.id,
        object_type="user",
        object_id=contact_id,
    )
