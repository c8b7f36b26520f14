"""Keeps `OnCallWindow` rows in step with shifts, overrides and holidays."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mentor_app.pool import policy
from mentor_app.pool.models import (
    ConsultantProfile,
    Holiday,
    OnCallWindow,
    ShiftOverride,
    WeeklyShift,
)

# Windows are kept from a day back (for "who was on call") to this far ahead.
HORIZON = timedelta(days=21)
LOOKBACK = timedelta(days=1)


def refresh_windows(session: Session, now: datetime, consultant_id: int) -> list[policy.Interval]:
    profile = session.get(ConsultantProfile, consultant_id)
    if profile is None:
        return []
    start, end = now - LOOKBACK, now + HORIZON
    shifts = [
        policy.Shift(s.weekday, s.starts, s.ends)
        for s in session.scalars(
            select(WeeklyShift).where(WeeklyShift.consultant_id == consultant_id)
        )
    ]
    overrides = [
        policy.Override(o.kind, o.starts_at, o.ends_at)
        for o in session.scalars(
            select(ShiftOverride).where(
                ShiftOverride.consultant_id == consultant_id,
                ShiftOverride.ends_at > start,
                ShiftOverride.starts_at < end,
            )
        )
    ]
    holidays = [
        policy.Away(h.starts_on, h.ends_on)
        for h in session.scalars(select(Holiday).where(Holiday.consultant_id == consultant_id))
    ]
    intervals = policy.on_call_windows(profile.timezone, shifts, overrides, holidays, start, end)
    session.execute(delete(OnCallWindow).where(OnCallWindow.consultant_id == consultant_id))
    session.add_all(
        OnCallWindow(consultant_id=consultant_id, starts_at=s, ends_at=e) for s, e in intervals
    )
    profile.windows_refreshed_at = now
    session.flush()
    return intervals


def refresh_all(session: Session, now: datetime) -> int:
    ids = session.scalars(select(ConsultantProfile.user_id)).all()
    for consultant_id in ids:
        refresh_windows(session, now, consultant_id)
    return len(ids)
