"""Weekly shifts, one-off overrides and holidays. Every change rebuilds the consultant's on-call
windows in the same transaction, so routing never reads a plan that is half old, half new."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts.models import Role, User
from mentor_app.pool import policy
from mentor_app.pool.models import (
    ConsultantProfile,
    Holiday,
    OverrideKind,
    ShiftOverride,
    WeeklyShift,
)
from mentor_app.pool.services import lock_profile, record_audit
from mentor_app.pool.validation import PoolError, clean_text
from mentor_app.pool.windows import refresh_windows

MAX_WEEKLY_SHIFTS = 42
MAX_OVERRIDE = timedelta(days=31)
MAX_HOLIDAY_DAYS = 365  # first and last day included
MAX_FUTURE = timedelta(days=400)
WEEKDAYS = range(7)


def _may_edit(actor: User, consultant_id: int) -> None:
    if actor.id != consultant_id and actor.role != Role.COORDINATOR.value:
        raise PoolError(_("Only a coordinator can change another consultant's shifts."))


def _changed(
    session: Session,
    now: datetime,
    actor: User,
    profile: ConsultantProfile,
    action: str,
    ip: str | None,
    details: dict,
) -> None:
    profile.updated_at = now
    if actor.id == profile.user_id:
        profile.last_active_at = now
    session.flush()
    refresh_windows(session, now, profile.user_id)
    details = {**details, "by_coordinator": actor.id != profile.user_id}
    record_audit(session, now, actor, profile, action, ip, details)


def _overlaps(a_start, a_end, b_start, b_end) -> bool:  # type: ignore[no-untyped-def]
    return a_start < b_end and b_start < a_end


# --- weekly shifts ---------------------------------------------------------------------------


def add_weekly_shift(
    session: Session,
    now: datetime,
    actor: User,
    consultant_id: int,
    weekday: int,
    starts: time,
    ends: time,
    ip: str | None = None,
) -> WeeklyShift:
    """`ends` may be `policy.END_OF_DAY` (24:00). A shift across midnight is two shifts."""
    _may_edit(actor, consultant_id)
    if isinstance(weekday, bool) or not isinstance(weekday, int) or weekday not in WEEKDAYS:
        raise PoolError(_("Choose a weekday."))
    if starts == ends:
        raise PoolError(_("A shift must not start and end at the same time."))
    if ends < starts:
        raise PoolError(
            _(
                "The shift ends before it starts. For a night shift, add two: "
                "one until 24:00 and one from 00:00 the next day."
            )
        )
    profile = lock_profile(session, consultant_id)
    existing = session.scalars(
        select(WeeklyShift).where(WeeklyShift.consultant_id == consultant_id)
    ).all()
    if len(existing) >= MAX_WEEKLY_SHIFTS:
        raise PoolError(_("At most %(n)s weekly shifts.", n=MAX_WEEKLY_SHIFTS))
    for other in existing:
        if other.weekday == weekday and _overlaps(starts, ends, other.starts, other.ends):
            raise PoolError(
                _(
                    "This overlaps the shift %(starts)s–%(ends)s on the same day. "
                    "Change or remove that one first.",
                    starts=_clock(other.starts),
                    ends=_clock(other.ends),
                )
            )
    shift = WeeklyShift(consultant_id=consultant_id, weekday=weekday, starts=starts, ends=ends)
    session.add(shift)
    _changed(session, now, actor, profile, "pool.shift_added", ip, {"weekday": weekday})
    return shift


def _clock(value: time) -> str:
    return "24:00" if value == policy.END_OF_DAY else f"{value:%H:%M}"


def remove_weekly_shift(
    session: Session,
    now: datetime,
    actor: User,
    consultant_id: int,
    shift_id: int,
    ip: str | None = None,
) -> None:
    _may_edit(actor, consultant_id)
    profile = lock_profile(session, consultant_id)
    shift = session.get(WeeklyShift, shift_id)
    if shift is None or shift.consultant_id != consultant_id:
        raise LookupError("shift")
    weekday = shift.weekday
    session.delete(shift)
    _changed(session, now, actor, profile, "pool.shift_removed", ip, {"weekday": weekday})


# --- overrides -------------------------------------------------------------------------------


def local_to_utc(value: datetime, zone_name: str) -> datetime:
    """A wall-clock time in the consultant's zone as UTC (a time in the spring-forward gap is
    read as the clock would show it just after the jump; an ambiguous one as the first)."""
    return timeutil.at_local(value.date(), value.time(), zone_name)


def add_override(
    session: Session,
    now: datetime,
    actor: User,
    consultant_id: int,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    ip: str | None = None,
) -> ShiftOverride:
    """`starts_at`/`ends_at` are aware datetimes (convert local input with `local_to_utc`)."""
    _may_edit(actor, consultant_id)
    if kind not in (OverrideKind.COVER.value, OverrideKind.OFF.value):
        raise PoolError(_("Choose 'extra cover' or 'time off'."))
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise PoolError(_("Times need a time zone."))
    if ends_at == starts_at:
        raise PoolError(_("The change must not start and end at the same time."))
    if ends_at < starts_at:
        raise PoolError(_("The change ends before it starts."))
    if ends_at - starts_at > MAX_OVERRIDE:
        raise PoolError(_("A one-off change lasts at most 31 days; use a holiday for longer."))
    if ends_at <= now:
        raise PoolError(_("This period is already over."))
    if starts_at > now + MAX_FUTURE:
        raise PoolError(_("That is too far ahead."))
    profile = lock_profile(session, consultant_id)
    clashes = session.scalar(
        select(ShiftOverride.id).where(
            ShiftOverride.consultant_id == consultant_id,
            ShiftOverride.kind == kind,
            ShiftOverride.starts_at < ends_at,
            ShiftOverride.ends_at > starts_at,
        )
    )
    if clashes is not None:
        raise PoolError(_("This overlaps another change of the same kind; remove that one first."))
    row = ShiftOverride(
        consultant_id=consultant_id,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(row)
    _changed(session, now, actor, profile, "pool.override_added", ip, {"kind": kind})
    return row


def remove_override(
    session: Session,
    now: datetime,
    actor: User,
    consultant_id: int,
    override_id: int,
    ip: str | None = None,
) -> None:
    _may_edit(actor, consultant_id)
    profile = lock_profile(session, consultant_id)
    row = session.get(ShiftOverride, override_id)
    if row is None or row.consultant_id != consultant_id:
        raise LookupError("override")
    kind = row.kind
    session.delete(row)
    _changed(session, now, actor, profile, "pool.override_removed", ip, {"kind": kind})


# --- holidays --------------------------------------------------------------------------------


def add_holiday(
    session: Session,
    now: datetime,
    actor: User,
    consultant_id: int,
    starts_on: date,
    ends_on: date,
    label: str = "",
    ip: str | None = None,
) -> Holiday:
    _may_edit(actor, consultant_id)
    if ends_on < starts_on:
        raise PoolError(_("The holiday ends before it starts."))
    if (ends_on - starts_on).days + 1 > MAX_HOLIDAY_DAYS:
        raise PoolError(_("A holiday lasts at most a year."))
    profile = lock_profile(session, consultant_id)
    today = timeutil.local_today(now, profile.timezone)
    if ends_on < today:
        raise PoolError(_("This holiday is already over."))
    if starts_on > today + MAX_FUTURE:
        raise PoolError(_("That is too far ahead."))
    label = clean_text(label, 80, _("The label"))
    clashes = session.scalar(
        select(Holiday.id).where(
            Holiday.consultant_id == consultant_id,
            Holiday.starts_on <= ends_on,
            Holiday.ends_on >= starts_on,
        )
    )
    if clashes is not None:
        raise PoolError(_("This overlaps another holiday; change or remove that one first."))
    row = Holiday(consultant_id=consultant_id, starts_on=starts_on, ends_on=ends_on, label=label)
    session.add(row)
    _changed(session, now, actor, profile, "pool.holiday_added", ip, {})
    return row


def remove_holiday(
    session: Session,
    now: datetime,
    actor: User,
    consultant_id: int,
    holiday_id: int,
    ip: str | None = None,
) -> None:
    _may_edit(actor, consultant_id)
    profile = lock_profile(session, consultant_id)
    row = session.get(Holiday, holiday_id)
    if row is None or row.consultant_id != consultant_id:
        raise LookupError("holiday")
    session.delete(row)
    _changed(session, now, actor, profile, "pool.holiday_removed", ip, {})


# --- reading ---------------------------------------------------------------------------------


def plan_for(session: Session, now: datetime, consultant_id: int) -> dict:
    """What the shifts page shows: the weekly pattern, upcoming changes and holidays."""
    profile = session.get(ConsultantProfile, consultant_id)
    zone = timeutil.zone(profile.timezone if profile else "UTC")
    today = timeutil.local_today(now, zone.key)
    weekly = session.scalars(
        select(WeeklyShift)
        .where(WeeklyShift.consultant_id == consultant_id)
        .order_by(WeeklyShift.weekday, WeeklyShift.starts)
    ).all()
    overrides = session.scalars(
        select(ShiftOverride)
        .where(ShiftOverride.consultant_id == consultant_id, ShiftOverride.ends_at > now)
        .order_by(ShiftOverride.starts_at)
    ).all()
    holidays = session.scalars(
        select(Holiday)
        .where(Holiday.consultant_id == consultant_id, Holiday.ends_on >= today)
        .order_by(Holiday.starts_on)
    ).all()
    return {"weekly": weekly, "overrides": overrides, "holidays": holidays, "zone": zone}
