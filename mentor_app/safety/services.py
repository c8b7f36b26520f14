"""Visit actions and safety settings. Each takes the session and `now`, flushes, never commits.

Every state change is a conditional UPDATE naming the states it expects, with its rowcount
checked, so a double tap or a race with the worker's timer changes a visit once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

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
        raise SafetyError(_(problem, **policy.LIMITS))
    where_text = policy.one_line(where)
    if where_text is not None and len(where_text) > policy.WHERE_MAX:
        raise SafetyError(
            _('The "where" line is at most %(where_max)d characters.', **policy.LIMITS)
        )
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
        raise SafetyError(_(problem, **policy.LIMITS))
    due = policy.extended_due(visit.due_at, now, minutes)
    moved = session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.state.in_(OPEN_VISIT_STATES), Visit.ended_at.is_(None))
        .values(state=VisitState.RUNNING.value, due_at=due, next_action_at=due)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        _extend_refused(session, now, visit)
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


def _extend_refused(session: Session, now: datetime, visit: Visit) -> NoReturn:
    """Extending a visit whose alarm (missed check-in or SOS) is open: the alarm stays until a
    responder resolves it, since an extend tap proves the phone is in someone's hand, not that
    the mentor is safe. The tap goes into the alarm's timeline and the mentor is told the
    alarm is still on. A visit ended on the mentor's screen (either PIN) answers "ended"."""
    session.refresh(visit)
    alarm = None
    if visit.ended_at is None and visit.state == VisitState.ALARM.value:
        alarm = ladder.open_alarm_of_visit(session, visit.id)
    if alarm is None:
        raise Conflict(_("This visit has ended."))
    audit.record(
        session,
        now,
        "safety.alarm_extend_tapped",
        actor_id=visit.mentor_id,
        object_type="alarm",
        object_id=alarm.id,
    )
    raise Conflict(
        _(
            "An alarm is open for this visit, so it cannot be extended. The alarm stays until "
            "a colleague resolves it; they can see that you tapped extend."
        ),
        keep=True,
    )


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
        raise SafetyError(_("That PIN is not right."), status=403)
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
        audit.record(
            session,
            now,
            _check_in_action(kind, now, visit),
            object_type="alarm",
            object_id=alarm.id,
        )
    session.refresh(visit)


def _check_in_action(kind: str, now: datetime, visit: Visit) -> str:
    """The timeline step for a check-in made while the visit's alarm is open: with the duress
    PIN said as such (responders only), and "late" only after the visit's check-in time (a
    check-in after an SOS may well come before it)."""
    if kind == "duress":
        return "safety.alarm_duress_check_in"
    if now > visit.due_at:
        return "safety.alarm_checked_in_late"
    return "safety.alarm_checked_in"


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


def sos_now(
    session: Session,
    now: datetime,
    mentor: User,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    accuracy_m: float | None = None,
) -> int:
    """The SOS from the home screen shortcut or the mentor home: an alarm at once, visit or
    not. With a visit running on the mentor's screen it is that visit's SOS (its timers stop);
    without one the alarm stands alone (`visit_id` NULL: no case code, no "where", the
    responders see the mentor's phone and the location if shared). A second press while such
    an alarm is open returns it. Returns the alarm id."""
    visit = running_visit(session, mentor.id)
    if visit is not None:
        return sos(
            session, now, visit, latitude=latitude, longitude=longitude, accuracy_m=accuracy_m
        )
    location = _location(latitude, longitude, accuracy_m)
    existing = ladder.open_sos_without_visit(session, mentor.id)
    if existing is not None:
        if location and existing.latitude is None:
            existing.latitude, existing.longitude, existing.accuracy_m = location
            session.flush()
        return existing.id
    alarm = ladder.raise_alarm(session, now, mentor.id, AlarmKind.SOS, location=location)
    return alarm.id


def _location(
    latitude: float | None, longitude: float | None, accuracy_m: float | None
) -> tuple[float, float, float | None] | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise SafetyError(_("Send both latitude and longitude, or neither."))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SafetyError(_("The location is out of range."))
    if accuracy_m is not None and not 0 <= accuracy_m <= 1_000_000:
        raise SafetyError(_("The location's accuracy is out of range."))
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
            raise SafetyError(
                _(problem, **policy.LIMITS) if safety_pin else _("Set a safety PIN first.")
            )
        if duress_pin is not None:
            if problem := policy.pin_problem(duress_pin):
                raise SafetyError(_(problem, **policy.LIMITS))
            if duress_pin == safety_pin:
                raise SafetyError(_("The duress PIN must differ from the safety PIN."))
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
        raise SafetyError(_(problem, **policy.LIMITS))
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
        raise SafetyError(_("No colleague with that e-mail can be a safety contact."))
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
            raise SafetyError(_("At most %(count)d safety contacts.", count=MAX_CONTACTS))
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
