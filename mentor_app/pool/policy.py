"""Pure rules about when a consultant is on call. No database, no clock: `now` is passed in.

Precedence, strongest first: "not available" (paused) > "available now" > off overrides >
cover overrides > holidays > weekly shifts. Shifts are local wall-clock times in the consultant's
zone, so a daylight-saving change moves them in UTC, never in local time. A local time that does
not exist (the spring-forward gap) is read as the wall clock would show it just after the jump.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mentor_app import timeutil

Interval = tuple[datetime, datetime]

# A weekly shift that runs to midnight ends at "24:00", which `time` cannot hold: it is stored
# as the last representable instant of the day and read as the next day's 00:00.
END_OF_DAY = time.max


@dataclass(frozen=True)
class Shift:
    weekday: int  # 0 = Monday
    starts: time
    ends: time


@dataclass(frozen=True)
class Override:
    kind: str  # "cover" or "off"
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Away:
    starts_on: date
    ends_on: date  # inclusive


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, adjacent intervals joined."""
    result: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def subtract(base: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    result: list[Interval] = []
    holes = merge(holes)
    for start, end in merge(base):
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return timeutil.at_local(day, clock, zone.key)


def _shift_end(day: date, clock: time, zone: ZoneInfo) -> datetime:
    if clock == END_OF_DAY:
        return _local(day + timedelta(days=1), time(0), zone)
    return _local(day, clock, zone)


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> list[date]:
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def on_call_windows(
    tz_name: str,
    shifts: Iterable[Shift],
    overrides: Iterable[Override],
    holidays: Iterable[Away],
    window_start: datetime,
    window_end: datetime,
) -> list[Interval]:
    """UTC intervals within [window_start, window_end) when the consultant is on call by plan."""
    zone = ZoneInfo(tz_name)
    days = _days(window_start, window_end, zone)
    shifts = list(shifts)
    planned = [
        (_local(day, s.starts, zone), _shift_end(day, s.ends, zone))
        for day in days
        for s in shifts
        if s.weekday == day.weekday()
    ]
    away = [
        (_local(h.starts_on, time(0), zone), _local(h.ends_on + timedelta(days=1), time(0), zone))
        for h in holidays
    ]
    overrides = list(overrides)
    covers = [(o.starts_at, o.ends_at) for o in overrides if o.kind == "cover"]
    offs = [(o.starts_at, o.ends_at) for o in overrides if o.kind == "off"]
    on_call = merge(subtract(planned, away) + covers)
    on_call = subtract(on_call, offs)
    clipped = [(max(s, window_start), min(e, window_end)) for s, e in on_call]
    return merge(clipped)


def is_on_call(
    at: datetime,
    windows: Iterable[Interval],
    available_until: datetime | None = None,
    paused_until: datetime | None = None,
) -> bool:
    if paused_until is not None and at < paused_until:
        return False
    if available_until is not None and at < available_until:
        return True
    return any(start <= at < end for start, end in windows)


def in_quiet_hours(
    at: datetime, tz_name: str, quiet_from: time | None, quiet_until: time | None
) -> bool:
    """Quiet hours are the consultant's wall clock and may wrap midnight (22:00-07:00)."""
    if quiet_from is None or quiet_until is None:
        return False
    return timeutil.in_daily_span(at, tz_name, quiet_from, quiet_until)
