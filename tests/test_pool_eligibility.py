"""What routing reads from the pool: `on_call_consultant_ids` over shifts across a daylight-saving
change, overrides, holidays, the switches, credentials, states, languages and expertise.

Sweden moves to summer time on Sunday 29 March 2026 (02:00 CET → 03:00 CEST). Every case seeds
one consultant in Europe/Stockholm, refreshes windows at NOW and asks about instants in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from mentor_app.accounts.models import User
from mentor_app.consults.models import Consult
from mentor_app.pool import shifts, vetting
from mentor_app.pool.models import OnCallWindow
from mentor_app.pool.policy import END_OF_DAY
from mentor_app.pool.queries import load_for, on_call_consultant_ids
from tests import pool_helpers

NOW = datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # Monday, 09:00 in Stockholm (CET)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Case:
    name: str
    arrange: Callable  # (db, coordinator, consultant_id) -> None
    checks: list[tuple[datetime, bool]]
    language: str | None = None
    expertise: str | None = None
    languages: list[str] = field(default_factory=lambda: ["sv", "en"])


def weekly(day: int, start: time, end: time) -> Callable:
    def arrange(db, coordinator, cid):  # type: ignore[no-untyped-def]
        shifts.add_weekly_shift(db, NOW, coordinator, cid, day, start, end)

    return arrange


def both(*steps: Callable) -> Callable:
    def arrange(db, coordinator, cid):  # type: ignore[no-untyped-def]
        for step in steps:
            step(db, coordinator, cid)

    return arrange


def override(kind: str, start: datetime, end: datetime) -> Callable:
    def arrange(db, coordinator, cid):  # type: ignore[no-untyped-def]
        shifts.add_override(db, NOW, coordinator, cid, kind, start, end)

    return arrange


def holiday(first: date, last: date) -> Callable:
    def arrange(db, coordinator, cid):  # type: ignore[no-untyped-def]
        shifts.add_holiday(db, NOW, coordinator, cid, first, last)

    return arrange


def profile(**values: object) -> Callable:
    def arrange(db, coordinator, cid):  # type: ignore[no-untyped-def]
        pool_helpers.set_profile(db, cid, **values)

    return arrange


def expertise(*tags: str) -> Callable:
    def arrange(db, coordinator, cid):  # type: ignore[no-untyped-def]
        pool_helpers.set_expertise(db, cid, list(tags))

    return arrange


def disabled(db, coordinator, cid) -> None:  # type: ignore[no-untyped-def]
    db.get(User, cid).is_disabled = True


TUESDAY_EVENING = weekly(TUE, time(18), time(22))
WORKDAYS = both(*(weekly(d, time(9), time(17)) for d in (MON, TUE, WED, THU, FRI)))
WED_MORNING = weekly(WED, time(8), time(16))

CASES = [
    Case(
        "tuesday 18-22 local keeps local time across the change",
        TUESDAY_EVENING,
        [
            (utc(3, 24, 16, 59), False),
            (utc(3, 24, 17), True),  # 18:00 CET
            (utc(3, 24, 20, 59), True),
            (utc(3, 24, 21), False),  # 22:00 CET: the end is exclusive
            (utc(3, 31, 15, 30), False),  # 17:30 CEST
            (utc(3, 31, 16), True),  # 18:00 CEST
            (utc(3, 31, 19, 59), True),
            (utc(3, 31, 20), False),  # 22:00 CEST
        ],
    ),
    Case(
        "a shift in the night of the change is an hour shorter",
        weekly(SUN, time(2), time(4)),
        [
            (utc(3, 29, 0, 30), False),  # 01:30 CET
            (utc(3, 29, 1), True),  # 03:00 CEST (02:00-03:00 does not exist)
            (utc(3, 29, 1, 59), True),
            (utc(3, 29, 2), False),  # 04:00 CEST
        ],
    ),
    Case(
        "a shift to 24:00 runs to midnight and joins the next day's early shift",
        both(weekly(MON, time(20), END_OF_DAY), weekly(TUE, time(0), time(2))),
        [
            (utc(3, 23, 22, 59), True),  # 23:59 CET Monday
            (utc(3, 23, 23), True),  # 00:00 Tuesday
            (utc(3, 24, 0, 59), True),
            (utc(3, 24, 1), False),  # 02:00 Tuesday
        ],
    ),
    Case(
        "extra cover without any shift",
        override("cover", utc(3, 25, 10), utc(3, 25, 12)),
        [(utc(3, 25, 9, 59), False), (utc(3, 25, 10), True), (utc(3, 25, 12), False)],
    ),
    Case(
        "time off inside a shift",
        both(WED_MORNING, override("off", utc(3, 25, 9), utc(3, 25, 11))),
        [
            (utc(3, 25, 8), True),  # 09:00 CET
            (utc(3, 25, 9, 30), False),
            (utc(3, 25, 11), True),
        ],
    ),
    Case(
        "a holiday removes the shifts of its days",
        both(WORKDAYS, holiday(date(2026, 3, 26), date(2026, 3, 26))),
        [(utc(3, 25, 10), True), (utc(3, 26, 10), False), (utc(3, 27, 10), True)],
    ),
    Case(
        "extra cover still counts on a holiday",
        both(
            WORKDAYS,
            holiday(date(2026, 3, 26), date(2026, 3, 27)),
            override("cover", utc(3, 26, 12), utc(3, 26, 13)),
        ),
        [(utc(3, 26, 10), False), (utc(3, 26, 12, 30), True), (utc(3, 27, 12, 30), False)],
    ),
    Case(
        "'available now' covers its hours, then expires",
        profile(available_until=NOW + timedelta(hours=2)),
        [
            (NOW, True),
            (NOW + timedelta(hours=1, minutes=59), True),
            (NOW + timedelta(hours=2), False),
        ],
    ),
    Case(
        "a pause beats a shift, then the shift applies again",
        both(WED_MORNING, profile(paused_until=utc(3, 25, 10))),
        [(utc(3, 25, 9), False), (utc(3, 25, 10), True)],
    ),
    Case(
        "a credential is valid through its expiry date",
        both(WED_MORNING, profile(credential_expires_on=date(2026, 3, 25))),
        [(utc(3, 25, 10), True)],
    ),
    Case(
        "an expired credential removes the consultant",
        both(WED_MORNING, profile(credential_expires_on=date(2026, 3, 24))),
        [(utc(3, 25, 10), False)],
    ),
    Case(
        "suspended consultants are not on call",
        both(WED_MORNING, profile(vetting_state=vetting.SUSPENDED)),
        [(utc(3, 25, 10), False)],
    ),
    Case(
        "vetted but not yet active",
        both(WED_MORNING, profile(vetting_state=vetting.VETTED)),
        [(utc(3, 25, 10), False)],
    ),
    Case(
        "credentials submitted, not vetted",
        both(
            WED_MORNING,
            profile(vetting_state=vetting.SUBMITTED, vetted_at=None, vetted_by_operator=False),
        ),
        [(utc(3, 25, 10), False)],
    ),
    Case(
        "active without any vetting record",
        both(WED_MORNING, profile(vetted_at=None, vetted_by_operator=False)),
        [(utc(3, 25, 10), False)],
    ),
    Case("a disabled account", both(WED_MORNING, disabled), [(utc(3, 25, 10), False)]),
    Case("speaks the language", WED_MORNING, [(utc(3, 25, 10), True)], language="sv"),
    Case("does not speak it", WED_MORNING, [(utc(3, 25, 10), False)], language="de"),
    Case(
        "holds the expertise",
        both(WED_MORNING, expertise("trauma", "youth")),
        [(utc(3, 25, 10), True)],
        expertise="trauma",
    ),
    Case(
        "lacks the expertise",
        both(WED_MORNING, expertise("youth")),
        [(utc(3, 25, 10), False)],
        expertise="trauma",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_on_call_consultant_ids(app, actors, db, case: Case) -> None:  # type: ignore[no-untyped-def]
    coordinator_id, _ = actors.create("coordinator")
    consultant_id, _ = actors.create("consultant", languages=case.languages)
    bystander_id, _ = actors.create("consultant")  # never on call: must never appear
    coordinator = db.get(User, coordinator_id)
    pool_helpers.set_profile(db, consultant_id, timezone="Europe/Stockholm")
    case.arrange(db, coordinator, consultant_id)
    db.commit()
    for at, expected in case.checks:
        found = on_call_consultant_ids(db, at, language=case.language, expertise=case.expertise)
        assert bystander_id not in found
        assert (consultant_id in found) is expected, f"{case.name}: at {at.isoformat()}"


def test_windows_are_merged_across_midnight(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    coordinator_id, _ = actors.create("coordinator")
    consultant_id, _ = actors.create("consultant")
    coordinator = db.get(User, coordinator_id)
    shifts.add_weekly_shift(db, NOW, coordinator, consultant_id, MON, time(20), END_OF_DAY)
    shifts.add_weekly_shift(db, NOW, coordinator, consultant_id, TUE, time(0), time(2))
    db.commit()
    windows = db.scalars(
        select(OnCallWindow)
        .where(OnCallWindow.consultant_id == consultant_id)
        .order_by(OnCallWindow.starts_at)
    ).all()
    # Monday 23 March 20:00 CET → Tuesday 02:00 is one window, not two.
    assert (windows[0].starts_at, windows[0].ends_at) == (utc(3, 23, 19), utc(3, 24, 1))


def test_load_counts_open_and_recent_consults(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    mentor_id, _ = actors.create("mentor")
    busy, _ = actors.create("consultant")
    idle, _ = actors.create("consultant")

    def consult(key: str, status: str, accepted_days_ago: int, consultant: int) -> Consult:
        accepted = NOW - timedelta(days=accepted_days_ago)
        return Consult(
            mentor_id=mentor_id,
            client_key=key,
            language="sv",
            status=status,
            consultant_id=consultant,
            accepted_at=accepted,
            closed_at=accepted + timedelta(hours=1) if status == "closed" else None,
            created_at=accepted,
            updated_at=accepted,
        )

    db.add_all(
        [
            consult("a", "accepted", 1, busy),
            consult("b", "accepted", 40, busy),  # open, but accepted before the 30 days
            consult("c", "closed", 3, busy),
            consult("d", "closed", 31, busy),  # neither open nor recent
        ]
    )
    db.commit()
    loads = load_for(db, NOW)
    assert (loads[busy].open, loads[busy].recent) == (2, 2)
    assert idle not in loads
    assert db.scalar(select(func.count()).select_from(Consult)) == 4
