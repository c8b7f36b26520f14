"""The "available now" and "pause" switches, and what they add up to right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.pool import policy
from mentor_app.pool.models import ConsultantProfile, OnCallWindow
from mentor_app.pool.queries import is_routable
from mentor_app.pool.services import lock_profile
from mentor_app.pool.validation import MAX_AVAILABLE_HOURS, PoolError, bounded


def set_availability(
    session: Session, now: datetime, profile: ConsultantProfile, available: bool, hours: int | None
) -> ConsultantProfile:
    """`available` True: on call for the next `hours` (1-24) whatever the shifts say, and any
    pause ends. False with `hours`: paused (off call) for that long, and "available now" ends.
    False without hours: "available now" ends and the usual shifts apply again (a running pause
    is left as it is)."""
    if not isinstance(available, bool):
        raise PoolError("'available' must be true or false.")
    if hours is not None:
        bounded(hours, 1, MAX_AVAILABLE_HOURS, "'hours'")
    elif available:
        raise PoolError(_("Say for how many hours (1-24) you are available."))
    profile = lock_profile(session, profile.user_id)
    if available:
        profile.available_until = now + timedelta(hours=hours or 0)
        profile.paused_until = None
    else:
        profile.available_until = None
        if hours is not None:
            profile.paused_until = now + timedelta(hours=hours)
    profile.last_active_at = profile.updated_at = now
    session.flush()
    if available:
        _offer_waiting(session, now, profile.user_id)
    return profile


def resume_plan(session: Session, now: datetime, profile: ConsultantProfile) -> None:
    """Back to the weekly shifts: clears both "available now" and a pause."""
    profile = lock_profile(session, profile.user_id)
    profile.available_until = profile.paused_until = None
    profile.last_active_at = profile.updated_at = now
    session.flush()
    _offer_waiting(session, now, profile.user_id)


def _offer_waiting(session: Session, now: datetime, consultant_id: int) -> None:
    """Coming on call acts at once: what is already waiting is offered in this transaction
    (consults/arrivals.py), not at the next periodic re-offer."""
    from mentor_app.consults import arrivals  # consults builds on pool, not the reverse

    arrivals.offer_waiting(session, now, consultant_id)


@dataclass(frozen=True)
class Availability:
    available_until: datetime | None
    paused_until: datetime | None
    on_call_now: bool
    routable: bool  # active, vetted, credential valid

    def as_json(self) -> dict:
        return {
            "available": self.available_until is not None,
            "available_until": _iso(self.available_until),
            "paused_until": _iso(self.paused_until),
            "on_call_now": self.on_call_now,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def current_state(session: Session, now: datetime, profile: ConsultantProfile) -> Availability:
    """The switches as they stand now (expired ones read as off) and whether routing would
    count this consultant as on call right now."""
    available = profile.available_until if _future(profile.available_until, now) else None
    paused = profile.paused_until if _future(profile.paused_until, now) else None
    windows = session.execute(
        select(OnCallWindow.starts_at, OnCallWindow.ends_at).where(
            OnCallWindow.consultant_id == profile.user_id,
            OnCallWindow.starts_at <= now,
            OnCallWindow.ends_at > now,
        )
    ).tuples()
    on_call = policy.is_on_call(now, list(windows), available, paused)
    routable = is_routable(session, profile, now)
    return Availability(available, paused, on_call and routable, routable)


def _future(value: datetime | None, now: datetime) -> bool:
    return value is not None and value > now
