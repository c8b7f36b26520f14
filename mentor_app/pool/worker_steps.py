"""Pool upkeep in the worker: keep on-call windows three weeks ahead, and credential-expiry
notices."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentor_app.pool import notices
from mentor_app.pool.models import ConsultantProfile
from mentor_app.pool.windows import refresh_windows
from mentor_app.worker.loop import register

# Every profile's windows are rebuilt at least once a day. The work is done in small batches,
# stalest first, so one step never holds SQLite's write lock (or many PostgreSQL row locks)
# for long, and several workers share it (SKIP LOCKED) - the same result as a daily
# `windows.refresh_all`, without a multi-second pause for everyone else.
REFRESH_EVERY = timedelta(days=1)
BATCH = 100


@register("pool-extend-windows", every=60.0)
def extend_windows(session: Session, now: datetime, batch: int = BATCH) -> int:
    stale = session.scalars(
        select(ConsultantProfile)
        .where(
            or_(
                ConsultantProfile.windows_refreshed_at.is_(None),
                ConsultantProfile.windows_refreshed_at <= now - REFRESH_EVERY,
            )
        )
        .order_by(ConsultantProfile.windows_refreshed_at.is_not(None))
        .order_by(ConsultantProfile.windows_refreshed_at, ConsultantProfile.user_id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for profile in stale:
        refresh_windows(session, now, profile.user_id)
    return len(stale)


@register("pool-credential-expiry", every=3600.0)
def credential_expiry(session: Session, now: datetime) -> int:
    """Hourly, so a warning goes out early on the day it is due; each is sent only once."""
    return notices.warn_expiring(session, now) + notices.announce_lapsed(session, now)
