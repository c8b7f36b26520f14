"""Daily pool upkeep: keep on-call windows three weeks ahead, and credential-expiry notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.pool import notices
from mentor_app.pool.models import ConsultantProfile
from mentor_app.pool.windows import refresh_windows
from mentor_app.worker.loop import register

DAY = 24 * 3600.0


@register("pool-extend-windows", every=DAY)
def extend_windows(session: Session, now: datetime) -> int:
    """Rebuilds every consultant's windows from now (windows.refresh_all), each under its
    profile's row lock so an edit in a request never interleaves with the rebuild."""
    ids = session.scalars(select(ConsultantProfile.user_id).order_by(ConsultantProfile.user_id))
    done = 0
    for consultant_id in list(ids):
        profile = session.get(ConsultantProfile, consultant_id, with_for_update=True)
        if profile is None:
            continue
        refresh_windows(session, now, consultant_id)
        done += 1
    return done


@register("pool-credential-expiry", every=DAY)
def credential_expiry(session: Session, now: datetime) -> int:
    return notices.warn_expiring(session, now) + notices.announce_lapsed(session, now)
