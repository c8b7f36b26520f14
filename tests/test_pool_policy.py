"""On-call windows: weekly shifts in local time, overrides, holidays, and the switches."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from mentor_app.pool.policy import (
    Away,
    Override,
    Shift,
    in_quiet_hours,
    is_on_call,
    merge,
    on_call_windows,
    subtract,
)

STOCKHOLM = "Europe/Stockholm"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_merge_and_subtract() -> None:
    a, b, c, d = utc(2026, 1, 1, 8), utc(2026, 1, 1, 10), utc(2026, 1, 1, 12), utc(2026, 1, 1, 14)
    assert merge([(c, d), (a, b), (b, c)]) == [(a, d)]
    assert subtract([(a, d)], [(b, c)]) == [(a, b), (c, d)]
    assert subtract([(a, b)], [(a, d)]) == []


def test_tuesday_evening_shift_keeps_local_time_across_dst() -> None:
    shift = [Shift(weekday=1, starts=time(18), ends=time(22))]
    # Sweden moves to summer time on Sunday 29 March 2026.
    windows = on_call_windows(STOCKHOLM, shift, [], [], utc(2026, 3, 23), utc(2026, 4, 2))
    assert windows == [
        (utc(2026, 3, 24, 17), utc(2026, 3, 24, 21)),  # CET, UTC+1
        (utc(2026, 3, 31, 16), utc(2026, 3, 31, 20)),  # CEST, UTC+2
    ]


def test_shift_in_the_spring_forward_gap_is_an_hour_shorter() -> None:
    # 02:00-04:00 local on the night of the change: 02:00-03:00 does not exist.
    shift = [Shift(weekday=6, starts=time(2), ends=time(4))]
    windows = on_call_windows(STOCKHOLM, shift, [], [], utc(2026, 3, 28), utc(2026, 3, 30))
    assert len(windows) == 1
    start, end = windows[0]
    assert end - start == timedelta(hours=1)


def test_holiday_removes_shift_and_cover_adds_time() -> None:
    shifts = [Shift(weekday=d, starts=time(9), ends=time(17)) for d in range(5)]
    holiday = [Away(date(2026, 6, 1), date(2026, 6, 1))]  # a Monday
    cover = [Override("cover", utc(2026, 6, 6, 10), utc(2026, 6, 6, 12))]  # Saturday
    off = [Override("off", utc(2026, 6, 2, 7), utc(2026, 6, 2, 11))]  # Tuesday 09-13 local
    windows = on_call_windows(
        STOCKHOLM, shifts, cover + off, holiday, utc(2026, 6, 1), utc(2026, 6, 8)
    )
    assert not is_on_call(utc(2026, 6, 1, 10), windows)
    assert not is_on_call(utc(2026, 6, 2, 9), windows)
    assert is_on_call(utc(2026, 6, 2, 12), windows)
    assert is_on_call(utc(2026, 6, 6, 11), windows)
    assert not is_on_call(utc(2026, 6, 6, 12), windows)  # end is exclusive


def test_switches_beat_the_plan() -> None:
    at = utc(2026, 6, 6, 3)
    assert is_on_call(at, [], available_until=at + timedelta(hours=1))
    assert not is_on_call(at, [], available_until=at)  # expired exactly now
    plan = [(at - timedelta(hours=1), at + timedelta(hours=1))]
    assert not is_on_call(at, plan, paused_until=at + timedelta(minutes=5))


def test_quiet_hours_wrap_midnight() -> None:
    assert in_quiet_hours(utc(2026, 6, 6, 22), STOCKHOLM, time(22), time(7))  # 00:00 local
    assert not in_quiet_hours(utc(2026, 6, 6, 12), STOCKHOLM, time(22), time(7))
    assert not in_quiet_hours(utc(2026, 6, 6, 12), STOCKHOLM, None, None)
