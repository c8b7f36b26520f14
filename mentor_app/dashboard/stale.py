"""Consults nobody closes: closed after CONSULT_STALE_DAYS without activity (retention.py).

A consult's note, thread and callback number are deleted a while after it closes; one that is
never closed would keep them for ever. So a consult still open or accepted whose `updated_at`
(its last message, change of details or answer) is older than the stale period is ended here:
an open request is cancelled and its standing offers withdrawn; an accepted one is closed
without an outcome (the monthly report counts it under "none"). The mentor is told, and so is
the consultant who held it; the audit log records it as done by the system. Each consult is
ended by a conditional UPDATE on its state, so a mentor closing it at the same moment, or a
second worker, makes this a no-op for that consult.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import routing
from mentor_app.consults.models import Consult, ConsultStatus
from mentor_app.dashboard.retention import RetentionPolicy
from mentor_app.notifications.models import PushUrgency
from mentor_app.notifications.services import Message, enqueue
from mentor_app.notifications.topics import push_topic

BATCH = 200
OPEN, ACCEPTED = ConsultStatus.OPEN.value, ConsultStatus.ACCEPTED.value


def close_stale(session: Session, now: datetime, policy: RetentionPolicy) -> int:
    """Ends every stale consult; returns how many."""
    cutoff = policy.stale_cutoff(now)
    ids = list(
        session.scalars(
            select(Consult.id)
            .where(Consult.status.in_((OPEN, ACCEPTED)), Consult.updated_at <= cutoff)
            .order_by(Consult.id)
            .limit(BATCH)
        )
    )
    ended = 0
    for consult_id in ids:
        ended += _end_one(session, now, consult_id, cutoff, policy.stale_consult_days)
    return ended


def _end_one(session: Session, now: datetime, consult_id: int, cutoff: datetime, days: int) -> int:
    consult = session.get(Consult, consult_id)
    if consult is None:
        return 0
    was = consult.status
    values = (
        {"status": ConsultStatus.CANCELLED.value, "cancelled_at": now, "next_action_at": None}
        if was == OPEN
        else {"status": ConsultStatus.CLOSED.value, "closed_at": now, "next_action_at": None}
    )
    won = session.execute(
        update(Consult)
        .where(Consult.id == consult_id, Consult.status == was, Consult.updated_at <= cutoff)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        return 0
    consult = session.get(Consult, consult_id, populate_existing=True)
    assert consult is not None
    if was == OPEN:
        routing.withdraw_offers(session, now, consult, why="cancelled")
    for user_id in {consult.mentor_id, consult.consultant_id} - {None}:
        _tell(session, now, consult, user_id, days)  # type: ignore[arg-type]
    audit.record(
        session,
        now,
        "consult.closed_stale",
        object_type="consult",
        object_id=consult.id,
        details={"was": was, "days": days},
    )
    return 1


def _tell(session: Session, now: datetime, consult: Consult, user_id: int, days: int) -> None:
    user = session.get(User, user_id)
    with force_locale(user.locale if user else "en"):
        message = Message(
            title=_("A consult was closed"),
            body=_(
                "It had no activity for %(days)d days, so it was closed automatically. Ask "
                "again if you still need advice.",
                days=days,
            ),
            url=f"/consults/{consult.id}",
            tag=f"consult-{consult.id}",
        )
    enqueue(
        session,
        now,
        user_id=user_id,
        kind="consult.closed_stale",
        message=message,
        dedup_key=f"c{consult.id}:stale:u{user_id}",
        consult_id=consult.id,
        urgency=PushUrgency.LOW,
        ttl=timedelta(days=7),
        topic=push_topic(f"consult-{consult.id}"),
    )
