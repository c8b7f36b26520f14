"""Lists: "my consults" per role, the coordinators' live list of open consults, home sections,
and the overdue count for /healthz. Metadata only: lists never carry a case code or a note."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.consults import standing
from mentor_app.consults.access import OVERDUE_AFTER, is_overdue, offer_rows, summary
from mentor_app.consults.models import Consult, ConsultOffer
from mentor_app.consults.vocab import DECLINE_REASONS, URGENCIES, wave_label

LIST_LIMIT = 100


def mine(session: Session, user: User, now: datetime, status: str | None = None) -> list[dict]:
    """GET /api/consults: the mentor's own, the consultant's offered and taken (none while
    they lack standing: access.py), or (for coordinators) every consult, newest first."""
    if user.role == "consultant" and not standing.has_standing(session, user, now):
        return []
    query = select(Consult)
    if user.role == "mentor":
        query = query.where(Consult.mentor_id == user.id)
    elif user.role == "consultant":
        offered = select(ConsultOffer.consult_id).where(ConsultOffer.consultant_id == user.id)
        query = query.where(or_(Consult.id.in_(offered), Consult.consultant_id == user.id))
    if status:
        query = query.where(Consult.status == status)
    consults = session.scalars(query.order_by(Consult.created_at.desc()).limit(LIST_LIMIT)).all()
    items = [summary(c, session) for c in consults]
    if user.role == "consultant":
        states = dict(
            session.execute(
                select(ConsultOffer.consult_id, ConsultOffer.state).where(
                    ConsultOffer.consultant_id == user.id,
                    ConsultOffer.consult_id.in_([c.id for c in consults]),
                )
            ).all()
        )
        for item, consult in zip(items, consults, strict=True):
            item["offer_state"] = states.get(consult.id)
            item["mine"] = consult.consultant_id == user.id
    return items


def open_list(session: Session, now: datetime) -> list[dict]:
    """The coordinators' live list: every open consult, oldest first, with who was offered
    and who declined."""
    consults = session.scalars(
        select(Consult).where(Consult.status == "open").order_by(Consult.created_at)
    ).all()
    offers = offer_rows(session, [c.id for c in consults])
    mentors = dict(
        session.execute(
            select(User.id, User.display_name).where(User.id.in_({c.mentor_id for c in consults}))
        ).all()
    )
    rows = []
    for consult in consults:
        item = summary(consult, session)
        mine = offers.get(consult.id, [])
        item.update(
            {
                "age_minutes": max(0, int((now - consult.created_at).total_seconds() // 60)),
                "wave": consult.wave,
                "wave_label": wave_label(consult.wave),
                "next_action_at": consult.next_action_at.isoformat()
                if consult.next_action_at
                else None,
                "overdue": is_overdue(consult, now),
                "coordinator_alerted": consult.coordinator_alerted_at is not None,
                "mentor_told_waiting": consult.mentor_told_waiting_at is not None,
                "mentor_name": mentors.get(consult.mentor_id),
                "offered": [o["name"] for o in mine if o["state"] == "offered"],
                "declined": [
                    {
                        "name": o["name"],
                        "reason": o["decline_reason"],
                        "reason_label": str(DECLINE_REASONS.get(o["decline_reason"] or "", "")),
                        "handed_back": False,
                    }
                    for o in mine
                    if o["state"] == "declined"
                ]
                + [
                    {"name": o["name"], "reason": None, "reason_label": "", "handed_back": True}
                    for o in mine
                    if o["state"] == "released"
                ],
            }
        )
        rows.append(item)
    return rows


def overdue_count(session: Session, now: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Consult)
            .where(Consult.status == "open", Consult.next_action_at < now - OVERDUE_AFTER)
        )
        or 0
    )


def mentor_home(session: Session, user: User) -> list[dict]:
    consults = session.scalars(
        select(Consult)
        .where(Consult.mentor_id == user.id, Consult.status.in_(("open", "accepted")))
        .order_by(Consult.created_at.desc())
        .limit(10)
    ).all()
    return [summary(c, session) for c in consults]


def resting_until(session: Session, user: User, now: datetime) -> datetime | None:
    """When the consultant's rest after their last urgent consult ends (UTC), if it has not
    yet: routing offers them nothing new until then (policy.RESTING). None otherwise."""
    from mentor_app.consults.queries import _aware
    from mentor_app.pool.models import ConsultantProfile

    minutes = session.scalar(
        select(ConsultantProfile.rest_minutes_after_urgent).where(
            ConsultantProfile.user_id == user.id
        )
    )
    if not minutes:
        return None
    closed = session.scalar(
        select(func.max(Consult.closed_at)).where(
            Consult.consultant_id == user.id,
            Consult.urgency == "urgent",
            Consult.status == "closed",
            Consult.closed_at >= now - timedelta(minutes=minutes),
        )
    )
    closed = _aware(closed)  # max() over a UTC column is untyped on SQLite
    if closed is None:
        return None
    until = closed + timedelta(minutes=minutes)
    return until if until > now else None


# Sorts consults by urgency, most urgent first (URGENCIES is in that order).
URGENCY_FIRST = case({u: i for i, u in enumerate(URGENCIES)}, value=Consult.urgency, else_=99)


def consultant_home(session: Session, user: User, now: datetime) -> dict:
    if not standing.has_standing(session, user, now):
        return {"offered": [], "handling": [], "no_standing": True}
    offered = session.scalars(
        select(Consult)
        .join(ConsultOffer, ConsultOffer.consult_id == Consult.id)
        .where(
            ConsultOffer.consultant_id == user.id,
            ConsultOffer.state == "offered",
            Consult.status == "open",
        )
        .order_by(URGENCY_FIRST, Consult.created_at)  # urgent first, then the oldest
        .limit(20)
    ).all()
    handling = session.scalars(
        select(Consult)
        .where(Consult.consultant_id == user.id, Consult.status == "accepted")
        .order_by(Consult.accepted_at)
    ).all()
    return {
        "offered": [summary(c, session) for c in offered],
        "handling": [summary(c, session) for c in handling],
    }


def coordinator_home(session: Session, now: datetime) -> dict:
    open_count = (
        session.scalar(select(func.count()).select_from(Consult).where(Consult.status == "open"))
        or 0
    )
    alerted = (
        session.scalar(
            select(func.count())
            .select_from(Consult)
            .where(Consult.status == "open", Consult.coordinator_alerted_at.is_not(None))
        )
        or 0
    )
    return {"open": open_count, "alerted": alerted, "overdue": overdue_count(session, now)}
