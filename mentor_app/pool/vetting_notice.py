"""Coordinators are told when a consultant submits a credential for vetting (issue 17, item 12).

One generic message per active coordinator, through the outbox, in the coordinator's own
language (rule 12); no name, no profession, no number: it only says that the pool has a
submission waiting. The dedup key holds the consultant's id and the instant of the submission,
so a retried request queues nothing twice while a later resubmission (after "send back") is
announced again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import Role, User
from mentor_app.notifications.models import PushUrgency
from mentor_app.notifications.services import Message, enqueue

KIND = "pool.submitted"
MESSAGE_TTL = timedelta(days=3)


def announce_submission(session: Session, now: datetime, consultant_id: int) -> int:
    """Queues the message to every active coordinator. Returns how many were queued."""
    coordinators = session.scalars(
        select(User).where(User.role == Role.COORDINATOR.value, User.is_disabled.is_(False))
    ).all()
    for coordinator in coordinators:
        with force_locale(coordinator.locale):
            message = Message(
                title=_("A credential is waiting for vetting"),
                body=_("A consultant submitted their credential. Open the pool to check it."),
                url="/pool/?state=submitted",
                tag="pool-submitted",
            )
        enqueue(
            session,
            now,
            user_id=coordinator.id,
            kind=KIND,
            message=message,
            dedup_key=f"pool-submitted:{consultant_id}:{int(now.timestamp())}:{coordinator.id}",
            urgency=PushUrgency.LOW,
            ttl=MESSAGE_TTL,
        )
    return len(coordinators)
