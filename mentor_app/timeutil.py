"""The one time rule, and the only conversions between instants and a person's dates and hours.

The rule:

1. Instants are UTC. Every timestamp is an aware UTC `datetime` (`db.UTCDateTime` columns,
   names ending in `_at`); they are compared with each other and nothing else.
2. A date or an hour that a person types or sees belongs to a zone:
   - the consultant's own zone (`ConsultantProfile.timezone`) for their credential's dates,
     their shifts, holidays and quiet hours;
   - the viewer's zone (`User.timezone`) for anything shown on or typed into a page: "today",
     the follow-up date, message times, the coverage grid's hours;
   - the panel's zone (`PANEL_TIMEZONE`) for the monthly report's month boundaries (and the
     dashboard's periods), so every coordinator sees the same month.
3. Convert once, at the edge, through this module: a typed date becomes an instant (or a pair
   of instants) here before it is stored or compared; an instant becomes a local date or clock
   time here just before it is shown. Never compare a local date with `now.date()` (that is
   the UTC date, a day off for hours of every day in most of the world).
4. Hours are whole hours of the viewer's zone: an hour starts when the local clock shows
   hh:00, which in Asia/Kolkata is hh:30 UTC and in Asia/Kathmandu hh:15 UTC. A local time
   that does not exist (the spring-forward gap) is read as the wall clock shows it just after
   the jump; a repeated one (fall back) means its first occurrence.

A zone name that is not in the tz database is read as UTC rather than failing the request or
the worker step: every zone stored here was validated when it was saved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The zone called `name`, or UTC for a missing or unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local(at: datetime, zone_name: str | None) -> datetime:
    """The instant `at` on the wall clock of `zone_name` (for showing it)."""
    return at.astimezone(zone(zone_name))


def local_date(at: datetime, zone_name: str | None) -> date:
    """The calendar date at instant `at` in `zone_name`."""
    return local(at, zone_name).date()


def local_today(now: datetime, zone_name: str | None) -> date:
    """ "Today" for a person in `zone_name`."""
    return local_date(now, zone_name)


def at_local(day: date, clock: time, zone_name: str | None) -> datetime:
    """The UTC instant when the wall clock in `zone_name` shows `clock` on `day`."""
    # fold=0: in a repeated hour the first occurrence; in the spring-forward gap the offset
    # before the jump, which lands where the clock stands just after it (02:30 -> 03:30).
    return datetime.combine(day, clock.replace(tzinfo=None), tzinfo=zone(zone_name)).astimezone(UTC)


def day_start(day: date, zone_name: str | None) -> datetime:
    """The instant `day` begins in `zone_name` (its first existing moment)."""
    return at_local(day, time(0), zone_name)


def day_bounds(day: date, zone_name: str | None) -> tuple[datetime, datetime]:
    """[start, end) of `day` in `zone_name`, as UTC instants (23, 24 or 25 hours long)."""
    return day_start(day, zone_name), day_start(day + timedelta(days=1), zone_name)


def days_bounds(first: date, last: date, zone_name: str | None) -> tuple[datetime, datetime]:
    """[start of `first`, end of `last`) in `zone_name`: a range of whole local days."""
    return day_start(first, zone_name), day_start(last + timedelta(days=1), zone_name)


def month_bounds(year: int, month: int, zone_name: str | None) -> tuple[datetime, datetime]:
    """[first instant of the month, first instant of the next) in `zone_name`."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return day_start(first, zone_name), day_start(following, zone_name)


def month_start(now: datetime, zone_name: str | None) -> datetime:
    """The instant the month containing `now` began in `zone_name`."""
    today = local_today(now, zone_name)
    return month_bounds(today.year, today.month, zone_name)[0]


def hour_start(at: datetime, zone_name: str | None) -> datetime:
    """The instant the local hour containing `at` began: whole hours of the zone's clock."""
    wall = local(at, zone_name)
    return wall.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def credential_lapses_at(expires_on: date | None, zone_name: str | None) -> datetime | None:
    """A credential is valid through its expiry date in the consultant's own zone: it lapses
    at the start of the next day there. None: it does not expire."""
    if expires_on is None:
        return None
    return day_start(expires_on + timedelta(days=1), zone_name)


def credential_valid(expires_on: date | None, zone_name: str | None, at: datetime) -> bool:
    lapses = credential_lapses_at(expires_on, zone_name)
    return lapses is None or at < lapses


def in_daily_span(at: datetime, zone_name: str | None, starts: time, ends: time) -> bool:
    """Whether the wall clock in `zone_name` at `at` is within [starts, ends), a span that may
    wrap midnight (22:00-07:00). An empty span (starts == ends) holds nothing."""
    if starts == ends:
        return False
    clock = local(at, zone_name).time().replace(tzinfo=None)
    if starts < ends:
        return starts <= clock < ends
    return clock >= starts or clock < ends


def panel_zone() -> str:
    """The zone of the multi-agency panel (`PANEL_TIMEZONE`): the monthly report's months, the
    dashboard's days and the pool's monthly caps. UTC outside an app."""
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("PANEL_TIMEZONE") or "UTC"
    return "UTC"


def check_zone_name(name: object, setting: str) -> str:
    """A configured zone name, or a RuntimeError that says which setting is wrong."""
    if not isinstance(name, str) or not name:
        raise RuntimeError(f"{setting} must name a time zone, e.g. Europe/Stockholm")
    try:
        ZoneInfo(name)
    except (KeyError, ValueError) as err:
        raise RuntimeError(f"{setting}={name!r} is not a time zone in the tz database") from err
    return name
