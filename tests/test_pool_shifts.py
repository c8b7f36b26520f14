"""Shifts, overrides, holidays and profile edits through the pages: bad input is refused with a
clear message and nothing is stored; coordinators may edit anyone's, and that is audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from mentor_app.audit.models import AuditEvent
from mentor_app.pool.models import (
    ConsultantProfile,
    Holiday,
    OnCallWindow,
    ShiftOverride,
    WeeklyShift,
)
from tests.conftest import csrf_token

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # Monday


def post(client, path: str, **data):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client), **data})


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def me(app, actors, clock):  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    return actors.signed_in("consultant")


def test_consultant_adds_and_removes_own_shift(app, me, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    response = post(client, f"/pool/{user_id}/shifts", weekday="0", starts="18:00", ends="24:00")
    assert response.status_code == 302
    shift = db.scalar(select(WeeklyShift).where(WeeklyShift.consultant_id == user_id))
    assert shift is not None
    # The windows were rebuilt in the same request.
    assert count(db, OnCallWindow) == 3  # three Mondays within the three-week horizon
    page = client.get("/pool/me/shifts").get_data(as_text=True)
    assert "Monday 18:00–24:00" in page
    removed = post(client, f"/pool/{user_id}/shifts/{shift.id}/delete")
    assert removed.status_code == 302
    assert count(db, WeeklyShift) == 0 and count(db, OnCallWindow) == 0


BAD_SHIFTS = [
    ({"weekday": "0", "starts": "12:00", "ends": "10:00"}, "ends before it starts"),
    ({"weekday": "0", "starts": "10:00", "ends": "10:00"}, "same time"),
    ({"weekday": "0", "starts": "09:00", "ends": "11:00"}, "overlaps"),  # clashes with 10-14
    ({"weekday": "0", "starts": "13:45", "ends": "15:00"}, "overlaps"),
    ({"weekday": "7", "starts": "09:00", "ends": "11:00"}, "Not a valid choice"),
    ({"weekday": "0", "starts": "09:07", "ends": "11:00"}, "Not a valid choice"),
]


@pytest.mark.parametrize(("data", "message"), BAD_SHIFTS)
def test_bad_weekly_shifts_are_refused(app, me, db, data, message) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    assert (
        post(
            client, f"/pool/{user_id}/shifts", weekday="0", starts="10:00", ends="14:00"
        ).status_code
        == 302
    )
    windows = count(db, OnCallWindow)
    response = post(client, f"/pool/{user_id}/shifts", **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, WeeklyShift) == 1 and count(db, OnCallWindow) == windows
    # Adjacent is not overlapping; the same hours on another day are fine.
    assert (
        post(
            client, f"/pool/{user_id}/shifts", weekday="0", starts="14:00", ends="16:00"
        ).status_code
        == 302
    )
    assert (
        post(
            client, f"/pool/{user_id}/shifts", weekday="1", starts="10:00", ends="14:00"
        ).status_code
        == 302
    )


def span(kind: str, first: str, last: str) -> dict[str, str]:
    return {"kind": kind, "starts_at": first, "ends_at": last}


BAD_OVERRIDES = [
    (span("cover", "2026-06-03T12:00", "2026-06-03T10:00"), "ends before it starts"),
    (span("off", "2026-06-03T12:00", "2026-06-03T12:00"), "same time"),
    (span("cover", "2026-05-01T12:00", "2026-05-01T14:00"), "already over"),
    (span("cover", "2026-06-03T12:00", "2026-07-30T12:00"), "31 days"),
    (span("sideways", "2026-06-03T12:00", "2026-06-03T14:00"), "Not a valid choice"),
    (span("cover", "tomorrow", "2026-06-03T14:00"), "Not a valid datetime"),
]


@pytest.mark.parametrize(("data", "message"), BAD_OVERRIDES)
def test_bad_overrides_are_refused(app, me, db, data, message) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    response = post(client, f"/pool/{user_id}/overrides", **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, ShiftOverride) == 0


def test_override_times_are_read_in_the_consultants_zone(app, me, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    db.get(ConsultantProfile, user_id).timezone = "Europe/Stockholm"
    db.commit()
    data = {"kind": "cover", "starts_at": "2026-06-03T12:00", "ends_at": "2026-06-03T14:00"}
    assert post(client, f"/pool/{user_id}/overrides", **data).status_code == 302
    row = db.scalar(select(ShiftOverride))
    assert (row.starts_at, row.ends_at) == (
        datetime(2026, 6, 3, 10, tzinfo=UTC),
        datetime(2026, 6, 3, 12, tzinfo=UTC),
    )
    clash = post(client, f"/pool/{user_id}/overrides", **{**data, "starts_at": "2026-06-03T13:00"})
    assert clash.status_code == 400 and count(db, ShiftOverride) == 1


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-06-10", "2026-06-09", "ends before it starts"),
        ("2026-05-01", "2026-05-03", "already over"),
        ("2026-06-10", "2027-06-10", "at most a year"),  # 366 days, both included
        ("2026-06-10", "", "This field is required"),
    ],
)
def test_bad_holidays_are_refused(app, me, db, first, last, message) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    response = post(client, f"/pool/{user_id}/holidays", starts_on=first, ends_on=last)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(db, Holiday) == 0


def practical(**overrides: str) -> dict[str, str]:
    data = {
        "languages": "sv, en",
        "regions": "Stockholm",
        "timezone": "Europe/Stockholm",
        "bio": "Clinical psychologist.",
        "quiet_from": "22:00",
        "quiet_until": "07:00",
        "rest_minutes_after_urgent": "60",
        "takes_clients": "y",
    }
    data.update(overrides)
    return data


def test_consultant_edits_practical_fields(app, me, db) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    data = practical()
    response = client.post(
        f"/pool/{user_id}/profile",
        data={"csrf_token": csrf_token(client), **data, "expertise": ["trauma", "youth"]},
    )
    assert response.status_code == 302
    profile = db.get(ConsultantProfile, user_id)
    assert sorted(x.language for x in profile.languages) == ["en", "sv"]
    assert sorted(x.tag for x in profile.expertise) == ["trauma", "youth"]
    assert [x.region for x in profile.regions] == ["Stockholm"]
    assert (profile.timezone, profile.takes_clients, profile.rest_minutes_after_urgent) == (
        "Europe/Stockholm",
        True,
        60,
    )
    assert profile.quiet_from.hour == 22 and profile.quiet_until.hour == 7


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "Not a valid choice"),
        ({"languages": "english"}, "not a language code"),
        ({"languages": "sv, qq"}, "not a known language code"),
        ({"languages": ""}, "This field is required"),
        ({"expertise": "astrology"}, "is not a valid choice"),
        ({"bio": "x" * 601}, "600"),
        ({"quiet_until": ""}, "both ends"),
        ({"quiet_until": "22:00"}, "different times"),
        ({"rest_minutes_after_urgent": "-5"}, "Number must be"),
        ({"regions": "<script>"}, "region"),
    ],
)
def test_bad_profile_input_is_refused(app, me, db, change, message) -> None:  # type: ignore[no-untyped-def]
    client, user_id = me
    before = db.get(ConsultantProfile, user_id)
    zone, languages = before.timezone, sorted(x.language for x in before.languages)
    response = post(client, f"/pool/{user_id}/profile", **practical(**change))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.expire_all()
    after = db.get(ConsultantProfile, user_id)
    assert after.timezone == zone and sorted(x.language for x in after.languages) == languages
    assert after.bio == ""


def test_unknown_time_zone_is_refused_by_the_service(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.accounts.models import User
    from mentor_app.pool import services

    user_id, _ = actors.create("consultant")
    user = db.get(User, user_id)
    profile = db.get(ConsultantProfile, user_id)
    data = services.Practical(["sv"], [], [], "Europe/Atlantis", "", None, None, None, False)
    with pytest.raises(services.PoolError, match="not a known time zone"):
        services.update_practical(db, NOW, user, profile, data)


def test_consultants_cannot_touch_others_shifts(app, me, actors, db) -> None:  # type: ignore[no-untyped-def]
    client, _ = me
    other_id, _ = actors.create("consultant")
    shift = WeeklyShift(
        consultant_id=other_id,
        weekday=2,
        starts=datetime(2026, 1, 1, 9).time(),
        ends=datetime(2026, 1, 1, 12).time(),
    )
    db.add(shift)
    db.commit()
    assert client.get(f"/pool/{other_id}/shifts").status_code == 404
    assert (
        post(
            client, f"/pool/{other_id}/shifts", weekday="0", starts="10:00", ends="12:00"
        ).status_code
        == 404
    )
    assert post(client, f"/pool/{other_id}/shifts/{shift.id}/delete").status_code == 404
    assert post(client, f"/pool/{other_id}/profile", **practical()).status_code == 404
    assert count(db, WeeklyShift) == 1


def test_coordinator_edits_of_others_shifts_are_audited(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    coordinator, coordinator_id = actors.signed_in("coordinator")
    consultant_id, _ = actors.create("consultant")
    assert (
        post(
            coordinator, f"/pool/{consultant_id}/shifts", weekday="4", starts="08:00", ends="12:00"
        ).status_code
        == 302
    )
    assert (
        post(
            coordinator,
            f"/pool/{consultant_id}/overrides",
            kind="off",
            starts_at="2026-06-05T08:00",
            ends_at="2026-06-05T10:00",
        ).status_code
        == 302
    )
    assert (
        post(
            coordinator,
            f"/pool/{consultant_id}/holidays",
            starts_on="2026-07-01",
            ends_on="2026-07-14",
            label="Summer",
        ).status_code
        == 302
    )
    shift = db.scalar(select(WeeklyShift))
    assert post(coordinator, f"/pool/{consultant_id}/shifts/{shift.id}/delete").status_code == 302
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.object_id == str(consultant_id)).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == [
        "pool.shift_added",
        "pool.override_added",
        "pool.holiday_added",
        "pool.shift_removed",
    ]
    assert all(e.actor_id == coordinator_id and e.details["by_coordinator"] for e in events)
    assert "Summer" not in str([e.details for e in events])
    page = coordinator.get(f"/pool/{consultant_id}/shifts").get_data(as_text=True)
    assert "Time off" in page and "Summer" in page
