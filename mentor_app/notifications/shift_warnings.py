"""Warn people before their on-call time when notifications cannot reach them.

Someone whose on-call window starts within the next hour (SHIFT_WARNING_MINUTES) and who is not
reachable by push (no device, blocked, every device failing) gets one generic message per
window. It goes out like any other: push first (a failing device may have recovered), then the
e-mail fallback if they allowed it. The dedup key (person + window start) makes it once per
window, however often the step runs and however often windows are rebuilt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.notifications import messages
from mentor_app.notifications.models import OutboxMessage, PushUrgency
from mentor_app.notifications.reachability import reachability_for
from mentor_app.notifications.services import enqueue
from mentor_app.notifications.topics import push_topic
from mentor_app.pool.models import ConsultantProfile, OnCallWindow
from mentor_app.pool.queries import routable_conditions

KIND = "shift_unreachable"


def dedup_key(user_id: int, starts_at: datetime) -> str:
    return f"{KIND}:{user_id}:{starts_at.strftime('%Y%m%dT%H%M')}"


def warn_unreachable(session: Session, now: datetime, lead: timedelta) -> int:
    windows = session.execute(
        select(OnCallWindow.consultant_id, OnCallWindow.starts_at)
        .join(ConsultantProfile, ConsultantProfile.user_id == OnCallWindow.consultant_id)
        .join(User, User.id == OnCallWindow.consultant_id)
        .where(
            OnCallWindow.starts_at > now,
            OnCallWindow.starts_at <= now + lead,
            # The same standing rule routing uses: nobody is warned about a window they would
            # not be offered requests in (suspended, unvetted, lapsed credential, no longer a
            # consultant).
            *routable_conditions(now),
        )
        .order_by(OnCallWindow.starts_at)
    ).all()
    if not windows:
        return 0
    reach = reachability_for(session, {user_id for user_id, _ in windows})
    keys = {dedup_key(u, s): (u, s) for u, s in windows if not reach[u].reachable}
    if not keys:
        return 0
    known = set(
        session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys)))
    )
    locales = dict(
        session.execute(
            select(User.id, User.locale).where(User.id.in_(sorted({u for u, _ in keys.values()})))
        ).all()
    )
    queued = 0
    for key, (user_id, starts_at) in keys.items():
        if key in known:
            continue
        try:
            with session.begin_nested():  # another worker may queue the same warning
                enqueue(
                    session,
                    now,
                    user_id=user_id,
                    kind=KIND,
                    message=messages.shift_warning_message(locales.get(user_id, "en")),
                    dedup_key=key,
                    urgency=PushUrgency.HIGH,
                    ttl=max(starts_at - now, timedelta(minutes=5)),
                    topic=push_topic("shift-warning"),
                )
        except IntegrityError:
            continue
        queued += 1
    return queued
