"""The dead-worker e-mail, sent by a web process (not the worker, which is what is dead).

After a request, at most every WORKER_ALARM_CHECK_SECONDS per process (and never on the
request's own time: it runs when the response has been sent), a web process asks whether no
worker has completed a round for WORKER_ALARM_MINUTES. If so, each active coordinator gets one
plain e-mail in their language, straight over SMTP: the outbox is delivered by the worker, so
it cannot carry this news.

Exactly once per outage: the outage is named by the last round it followed ("never" when no
worker ever ran), and a row keyed by that name in `worker_alarms` is inserted before sending;
the primary key lets one process win, across processes and machines. The insert and the sends
share one transaction: if SMTP fails, the row is rolled back and the next check tries again.
A worker that comes back and dies again starts a new outage, and a new e-mail.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from mentor_app.accounts.models import User
from mentor_app.db import Base, UTCDateTime, utcnow
from mentor_app.errors import log_unexpected
from mentor_app.notifications.email import OutgoingEmail, sender_for
from mentor_app.worker.heartbeats import last_round_at

log = logging.getLogger("mentor_app.worker")
NEVER = "never"


class WorkerAlarm(Base):
    __tablename__ = "worker_alarms"

    # The outage: the ISO instant of the last round before it, or "never".
    outage: Mapped[str] = mapped_column(String(40), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


_last_check = 0.0


def after_request(app: Flask) -> None:
    """Throttled per process; call from a response's `call_on_close`."""
    global _last_check
    every = float(app.config.get("WORKER_ALARM_CHECK_SECONDS", 30))
    if time.monotonic() - _last_check < every:
        return
    _last_check = time.monotonic()
    with app.app_context():
        clock = app.config.get("CLOCK") or utcnow
        session = app.extensions["mentor_db"].session()
        try:
            check(session, clock(), app)
        except SQLAlchemyError:
            session.rollback()
            log.warning("dead-worker check skipped: the database did not answer")
        finally:
            session.close()


def check(session: Session, now: datetime, app: Flask) -> int:
    """Sends the alarm when due and not sent yet; returns how many e-mails went out (commits)."""
    last = last_round_at(session)
    limit = timedelta(minutes=float(app.config.get("WORKER_ALARM_MINUTES", 5)))
    if last is not None and now - last < limit:
        return 0
    if last is None and not _worker_expected(session, now, limit):
        return 0
    outage = last.isoformat() if last else NEVER
    if session.get(WorkerAlarm, outage) is not None:
        return 0
    try:
        with session.begin_nested():
            session.add(WorkerAlarm(outage=outage, sent_at=now))
    except IntegrityError:
        session.rollback()
        return 0  # another process is sending (or sent) this one
    sent, failed = _send(session, app, last, now)
    if failed and not sent:
        session.rollback()  # nobody heard it: the next check tries again
        return 0
    session.commit()
    return sent


def _worker_expected(session: Session, now: datetime, limit: timedelta) -> bool:
    """With no round ever: alarm only once the installation is older than the limit (its
    first user was created before), so a fresh start is not an outage."""
    first = session.scalar(select(User.created_at).order_by(User.created_at).limit(1))
    return first is not None and now - first >= limit


def _send(session: Session, app: Flask, last: datetime | None, now: datetime) -> tuple[int, int]:
    """E-mails every active coordinator; returns (sent, failed)."""
    sender = sender_for(app)
    if sender is None:
        log.error("no worker has completed a round, and no SMTP server is set to say so")
        return 0, 1
    coordinators = session.scalars(
        select(User).where(User.role == "coordinator", User.is_disabled.is_(False))
    ).all()
    minutes = int((now - last).total_seconds() // 60) if last else None
    sent = failed = 0
    for person in coordinators:
        with force_locale(person.locale):
            subject = _("Alerts are not being sent")
            if minutes is None:
                first = _("No worker has ever completed a round.")
            else:
                first = _("No worker has completed a round for %(n)s minutes.", n=minutes)
            text = "\n\n".join(
                [
                    first,
                    _(
                        "Consult requests, offers and e-mail fallbacks wait in the queue until "
                        "a worker runs again. Ask your administrator to check the worker service."
                    ),
                    app.config.get("PUBLIC_BASE_URL", "") or "",
                ]
            ).strip()
        result = sender.send(OutgoingEmail(person.id, person.email, subject, text))
        if result.ok:
            sent += 1
        else:
            failed += 1
            log.error("dead-worker e-mail to coordinator %s failed: %s", person.id, result.error)
    log.error(
        "no worker has completed a round since %s: %d coordinator(s) e-mailed",
        last.isoformat() if last else NEVER,
        sent,
    )
    return sent, failed


def init_app(app: Flask) -> None:
    from flask import Response

    @app.after_request
    def _schedule(response: Response) -> Response:
        if app.config.get("WORKER_ALARM", True):
            response.call_on_close(lambda: _safe(app))
        return response


def _safe(app: Flask) -> None:
    try:
        after_request(app)
    except Exception:
        log_unexpected(log, "dead-worker check failed")
