"""Pool set-up for tests of any domain.

Every actor gets the expertise tag list (as the migration seeds it in production), and every
consultant actor an ACTIVE, vetted profile with the account's languages and NO shifts: a test
that needs someone on call opts in with `make_available` or `add_shift`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from mentor_app.accounts.models import Role, User
from mentor_app.pool import services, validation, vetting
from mentor_app.pool.models import ConsultantExpertise, ConsultantProfile, WeeklyShift
from mentor_app.pool.windows import refresh_windows


def give_actor_pool_profile(session: Session, now: datetime, user: User) -> None:
    validation.ensure_default_tags(session)
    if user.role != Role.CONSULTANT.value:
        return
    profile = services.ensure_profile(session, now, user)
    profile.vetting_state = vetting.ACTIVE
    profile.vetted_by_operator = True
    profile.vetted_at = now
    session.flush()


def set_profile(session: Session, user_id: int, **values: object) -> ConsultantProfile:
    """Set profile columns directly (e.g. credential_expires_on, open_consult_limit)."""
    profile = session.get(ConsultantProfile, user_id)
    assert profile is not None, "not a consultant actor"
    for name, value in values.items():
        setattr(profile, name, value)
    session.flush()
    return profile


def set_expertise(session: Session, user_id: int, tags: list[str]) -> None:
    validation.ensure_default_tags(session)
    profile = session.get(ConsultantProfile, user_id)
    assert profile is not None
    profile.expertise = [ConsultantExpertise(tag=t) for t in tags]
    session.flush()


def make_available(session: Session, now: datetime, user_id: int, hours: int = 4) -> None:
    """On call from `now` for `hours`, whatever the shifts say."""
    set_profile(session, user_id, available_until=now + timedelta(hours=hours), paused_until=None)


def add_shift(
    session: Session, now: datetime, user_id: int, weekday: int, starts: time, ends: time
) -> None:
    """A weekly shift (local time in the profile's zone), with windows rebuilt from `now`."""
    session.add(WeeklyShift(consultant_id=user_id, weekday=weekday, starts=starts, ends=ends))
    session.flush()
    refresh_windows(session, now, user_id)


def always_on(session: Session, now: datetime, user_id: int) -> None:
    """Every day, all day."""
    for day in range(7):
        session.add(WeeklyShift(consultant_id=user_id, weekday=day, starts=time(0), ends=time.max))
    session.flush()
    refresh_windows(session, now, user_id)
