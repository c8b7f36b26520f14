"""The notification steps of the worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

# Every table must be known before a flush: the outbox refers to consults, which no module of
# this process might otherwise import.
from mentor_app import models  # noqa: F401
from mentor_app.notifications import delivery, shift_warnings
from mentor_app.notifications.services import WAKE_CHANNEL
from mentor_app.worker.loop import listen, register

# An idle worker on PostgreSQL wakes on `NOTIFY mentor_outbox`, issued by `enqueue`.
listen(WAKE_CHANNEL)


@register("notifications-deliver")
def deliver_due(session: Session, now: datetime) -> int:
    """Every loop: claim due outbox rows, send them, record the results."""
    return delivery.run_step(session, now)


@register("notifications-shift-warnings", every=60.0)
def warn_before_shifts(session: Session, now: datetime) -> int:
    minutes = int(current_app.config["SHIFT_WARNING_MINUTES"])
    return shift_warnings.warn_unreachable(session, now, timedelta(minutes=minutes))
