"""Who sees what of visits and alarms: the one place that decides (views and API use it).

- A visit: only its mentor acts on it. Coordinators and the mentor's safety contacts may know
  of it (403 on an action); anyone else gets 404.
- An alarm: coordinators and the mentor's current safety contacts see it; nobody else, and
  never the mentor themselves (a duress alarm must not show on their phone): 404.
  Everyone who sees it sees the mentor's name, its kind, state, tier and age, who took it.
  The phone number, case code, "where" line and location only the responder who acknowledged
  it, and only until it is resolved (the location and "where" line are deleted then anyway).
- Lists of alarms: coordinators see every alarm; a safety contact those of mentors who named
  them; a consultant is refused (403).
Standing is read at the moment of each request (Flask-Login refuses disabled accounts; a
contact who is disabled or no longer a mentor/coordinator stops being one at once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden, NotFound

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.safety import queries
from mentor_app.safety.models import OPEN_ALARM_STATES, Alarm, AlarmState, SafetyProfile, Visit

RECENT = timedelta(hours=24)
VIEWED = "safety.alarm_viewed"
STATE_ORDER = {"exhausted": 0, "notifying": 1, "raised": 1, "acknowledged": 2, "resolved": 3}


def _guards(session: Session, user: User, mentor_id: int) -> bool:
    return user.id != mentor_id and user.id in queries.contact_ids(session, mentor_id)


def visit_for_owner(session: Session, user: User, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound()
    if user.role == "mentor" and visit.mentor_id == user.id:
        return visit
    if user.role == "coordinator" or _guards(session, user, visit.mentor_id):
        raise Forbidden(_("Only the mentor can act on their visit."))
    raise NotFound()


def may_list_alarms(user: User) -> bool:
    return user.role in ("coordinator", "mentor")


def alarm_for(session: Session, user: User, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None or user.id == alarm.mentor_id:
        raise NotFound()
    if user.role == "coordinator" or _guards(session, user, alarm.mentor_id):
        return alarm
    raise NotFound()


def visible_alarms(session: Session, user: User, now: datetime) -> list[Alarm]:
    """Open alarms and those closed in the last day, exhausted first, then oldest first."""
    query = select(Alarm).where(
        or_(
            Alarm.state.in_((*OPEN_ALARM_STATES, AlarmState.ACKNOWLEDGED.value)),
            Alarm.resolved_at >= now - RECENT,
        )
    )
    if user.role != "coordinator":
        guarded = [
            m
            for m in queries.mentors_i_guard(session, user.id)
            if user.id in queries.contact_ids(session, m)
        ]
        query = query.where(Alarm.mentor_id.in_(guarded), Alarm.mentor_id != user.id)
    alarms = list(session.scalars(query))
    return sorted(alarms, key=lambda a: (STATE_ORDER.get(a.state, 9), a.raised_at, a.id))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def alarm_view(
    session: Session, user: User, alarm: Alarm, now: datetime, *, detail: bool = False
) -> dict[str, Any]:
    """The alarm as `user` may see it (JSON-ready). `detail` adds the timeline."""
    mentor = session.get(User, alarm.mentor_id)
    holder = session.get(User, alarm.acknowledged_by_id) if alarm.acknowledged_by_id else None
    view: dict[str, Any] = {
        "id": alarm.id,
        "kind": alarm.kind,
        "state": alarm.state,
        "tier": alarm.tier,
        "raised_at": _iso(alarm.raised_at),
        "age_seconds": max(0, int((now - alarm.raised_at).total_seconds())),
        "mentor_name": mentor.display_name if mentor else None,
        "acknowledged_by": holder.display_name if holder else None,
        "acknowledged_at": _iso(alarm.acknowledged_at),
        "resolved_at": _iso(alarm.resolved_at),
        "outcome": alarm.outcome,
        "url": f"/safety/alarms/{alarm.id}",
        "responder": alarm.acknowledged_by_id == user.id,
    }
    if alarm.acknowledged_by_id == user.id and alarm.state == AlarmState.ACKNOWLEDGED.value:
        view.update(_responder_facts(session, alarm))
    if alarm.state == AlarmState.RESOLVED.value and (
        alarm.acknowledged_by_id == user.id or user.role == "coordinator"
    ):
        view["note"] = alarm.note
    if detail:
        view["timeline"] = timeline(session, alarm.id)
    return view


def _responder_facts(session: Session, alarm: Alarm) -> dict[str, Any]:
    profile = session.get(SafetyProfile, alarm.mentor_id)
    visit = session.get(Visit, alarm.visit_id) if alarm.visit_id else None
    location = None
    if alarm.latitude is not None and alarm.longitude is not None:
        location = {
            "latitude": alarm.latitude,
            "longitude": alarm.longitude,
            "accuracy_m": alarm.accuracy_m,
        }
    return {
        "phone": profile.phone if profile else None,
        "case_code": visit.case_code if visit else None,
        "where": visit.where_text if visit else None,
        "visit_started_at": _iso(visit.started_at) if visit else None,
        "visit_due_at": _iso(visit.due_at) if visit else None,
        "location": location,
    }


def timeline(session: Session, alarm_id: int) -> list[dict[str, Any]]:
    """The alarm's audit events, oldest first: [{at, action, details}] (no free text)."""
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "alarm",
            AuditEvent.object_id == str(alarm_id),
            AuditEvent.action != VIEWED,
        )
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        {"at": _iso(row.at), "action": row.action.removeprefix("safety."), "details": row.details}
        for row in rows
    ]


def record_view(session: Session, now: datetime, user: User, alarm: Alarm, via: str) -> None:
    """Who looked at an alarm, and whether they saw the responder's facts (phone, place,
    location). In the audit log, not in the alarm's timeline."""
    from mentor_app.audit import services as audit

    facts = alarm.acknowledged_by_id == user.id and alarm.state == AlarmState.ACKNOWLEDGED.value
    audit.record(
        session,
        now,
        VIEWED,
        actor_id=user.id,
        object_type="alarm",
        object_id=alarm.id,
        details={"via": via, "facts": facts},
    )
