"""The coverage grid against a hand-computed week, the clock changes, and the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from mentor_app.accounts.models import User
from mentor_app.notifications.models import PushSubscription
from mentor_app.pool import coverage, shifts, vetting
from mentor_app.pool.policy import END_OF_DAY
from tests import pool_helpers

NOW = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # Monday 1 June, midnight UTC
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# Hand-computed, UTC hours 00..23, Monday 1 June to Sunday 7 June:
#   A (sv, en; trauma)   Mon-Fri 08-16, time off Tue 12-14
#   B (sv; depression)   every day 16-24, holiday on Wednesday
#   C (de, en)           every day 10-12 Stockholm time = 08-10 UTC (summer time)
#   G (en)               "available now" for 3 hours from Monday 00:00
#   not counted: D suspended, E credential expired, F push failing, H no device at all
EXPECTED = {
    date(2026, 6, 1): "111000002211111111111111",
    date(2026, 6, 2): "000000002211001111111111",
    date(2026, 6, 3): "000000002211111100000000",
    date(2026, 6, 4): "000000002211111111111111",
    date(2026, 6, 5): "000000002211111111111111",
    date(2026, 6, 6): "000000001100000011111111",
    date(2026, 6, 7): "000000001100000011111111",
}
EXPECTED_GAPS = [
    ((1, 3), (1, 8)),
    ((2, 0), (2, 8)),
    ((2, 12), (2, 14)),
    ((3, 0), (3, 8)),
    ((3, 16), (4, 8)),  # Wednesday evening runs into Thursday morning
    ((5, 0), (5, 8)),
    ((6, 0), (6, 8)),
    ((6, 10), (6, 16)),
    ((7, 0), (7, 8)),
    ((7, 10), (7, 16)),
]


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 6, day, tzinfo=UTC) + timedelta(hours=hour)


def device(db, user_id: int, failing: bool = False) -> None:  # type: ignore[no-untyped-def]
    db.add(
        PushSubscription(
            user_id=user_id,
            endpoint=f"https://push.example.org/{user_id}",
            p256dh="k",
            auth="a",
            created_at=NOW,
            failing_since=NOW if failing else None,
        )
    )


def seed_week(actors, db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    coordinator_id, _ = actors.create("coordinator")
    coordinator = db.get(User, coordinator_id)
    coordinator.timezone = "UTC"
    ids = {"coordinator": coordinator_id}
    for name, languages in [
        ("A", ["sv", "en"]),
        ("B", ["sv"]),
        ("C", ["de", "en"]),
        ("G", ["en"]),
        ("D", ["sv"]),
        ("E", ["sv"]),
        ("F", ["sv"]),
        ("H", ["sv"]),
    ]:
        ids[name], _ = actors.create("consultant", languages=languages, name=f"Consultant {name}")
        pool_helpers.set_profile(db, ids[name], timezone="UTC")
    pool_helpers.set_profile(db, ids["C"], timezone="Europe/Stockholm")
    pool_helpers.set_expertise(db, ids["A"], ["trauma"])
    pool_helpers.set_expertise(db, ids["B"], ["depression"])
    for day in (MON, TUE, WED, THU, FRI):
        shifts.add_weekly_shift(db, NOW, coordinator, ids["A"], day, time(8), time(16))
    shifts.add_override(db, NOW, coordinator, ids["A"], "off", at(2, 12), at(2, 14))
    for day in range(7):
        shifts.add_weekly_shift(db, NOW, coordinator, ids["B"], day, time(16), END_OF_DAY)
        shifts.add_weekly_shift(db, NOW, coordinator, ids["C"], day, time(10), time(12))
        for absent in ("D", "E", "F", "H"):
            shifts.add_weekly_shift(db, NOW, coordinator, ids[absent], day, time(0), END_OF_DAY)
    shifts.add_holiday(db, NOW, coordinator, ids["B"], date(2026, 6, 3), date(2026, 6, 3))
    pool_helpers.make_available(db, NOW, ids["G"], hours=3)
    pool_helpers.set_profile(db, ids["D"], vetting_state=vetting.SUSPENDED)
    pool_helpers.set_profile(db, ids["E"], credential_expires_on=date(2026, 5, 31))
    for name in ("A", "B", "C", "G", "D", "E"):
        device(db, ids[name])
    device(db, ids["F"], failing=True)
    db.commit()
    return ids


def as_strings(grid: coverage.Grid) -> dict[date, str]:
    return {day: "".join(str(c.count) for c in cells) for day, cells in grid.rows}


def test_week_matches_the_hand_computed_grid(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    seed_week(actors, db)
    grid = coverage.build_grid(db, NOW, "UTC")
    assert as_strings(grid) == EXPECTED
    assert grid.considered == 4  # A, B, C, G
    assert grid.unreachable == 2  # F (failing) and H (no device); D and E are not routable
    assert grid.gap_hours == sum(s.count("0") for s in EXPECTED.values()) == 75
    gaps = [
        ((g.starts_at.day, g.starts_at.hour), (g.ends_at.day, g.ends_at.hour)) for g in grid.gaps
    ]
    assert gaps == EXPECTED_GAPS
    assert not any(c.past for _, cells in grid.rows for c in cells)
    # Per language: German is C alone, two hours a day.
    assert grid.language_gaps["de"] == 168 - 14
    assert grid.language_gaps["sv"] == 168 - (16 + 14 + 8 + 16 + 16 + 8 + 8)  # A and B
    assert grid.expertise_gaps == {"depression": 168 - 48, "trauma": 168 - 38}


def test_filters_narrow_the_grid(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    seed_week(actors, db)
    german = as_strings(coverage.build_grid(db, NOW, "UTC", language="de"))
    assert set(german.values()) == {"000000001100000000000000"}
    trauma = as_strings(coverage.build_grid(db, NOW, "UTC", expertise="trauma"))
    assert trauma[date(2026, 6, 2)] == "000000001111001100000000"
    assert trauma[date(2026, 6, 6)] == "0" * 24


def test_past_hours_are_not_gaps(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    seed_week(actors, db)
    later = NOW + timedelta(hours=5, minutes=30)
    grid = coverage.build_grid(db, later, "UTC")
    monday = grid.rows[0][1]
    assert [c.past for c in monday[:6]] == [True] * 5 + [False]
    assert not any(c.gap for c in monday[:5])
    assert monday[5].gap  # 05:00-06:00 is still ahead and nobody is on call


def test_hour_detail_lists_who_could_cover(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    ids = seed_week(actors, db)
    detail = coverage.hour_detail(db, NOW, at(2, 12))  # Tuesday 12:00, A has time off
    # F and H are on shift but cannot be reached; D (suspended) and E (expired) are not routable.
    assert detail.on_call == sorted([ids["F"], ids["H"]])
    assert set(detail.could_cover) == {ids[n] for n in ("A", "B", "C", "G")}
    german = coverage.hour_detail(db, NOW, at(2, 8), language="de")
    assert (german.on_call, german.could_cover) == ([ids["C"]], [])


def test_clock_changes_in_the_coordinators_zone(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    consultant, _ = actors.create("consultant")
    device(db, consultant)
    coordinator_id, _ = actors.create("coordinator")
    coordinator = db.get(User, coordinator_id)
    # Autumn: Sunday 25 October 2026, 03:00 CEST becomes 02:00 CET; 02:00-03:00 comes twice.
    monday = datetime(2026, 10, 18, 22, 0, tzinfo=UTC)  # Monday 19 Oct, 00:00 in Stockholm
    first_two = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # the first 02:00 (CEST)
    shifts.add_override(
        db, monday, coordinator, consultant, "cover", first_two, first_two + timedelta(hours=1)
    )
    db.commit()
    grid = coverage.build_grid(db, monday, "Europe/Stockholm")
    sunday, cells = grid.rows[-1]
    assert sunday == date(2026, 10, 25) and len(grid.rows) == 7
    assert cells[2].count == 0 and cells[2].gap  # the repeated hour counts its worse half
    assert cells[2].starts_at == first_two
    assert cells[3].starts_at == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    # Spring: Sunday 29 March 2026 has no 02:00 in Stockholm.
    spring = coverage.build_grid(db, datetime(2026, 3, 22, 23, tzinfo=UTC), "Europe/Stockholm")
    day, cells = spring.rows[-1]
    assert day == date(2026, 3, 29)
    assert not cells[2].exists and not cells[2].gap
    assert cells[3].starts_at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_coverage_pages_render(app, actors, db, clock) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    ids = seed_week(actors, db)
    client = app.test_client()
    actors.login(client, db.get(User, ids["coordinator"]).email)
    page = client.get("/pool/coverage")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "75 hours with nobody" in html
    assert html.count('class="cell-gap"') == 75
    assert ">0!<" in html  # a text marker, not colour only
    assert "Mon, Jun 1, 03:00 – 08:00" in html  # the list alternative to the grid (Babel, en)
    detail = client.get("/pool/coverage/hour?at=2026-06-02T12:00Z")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and "Consultant A" in text and "Nobody reachable." in text
    assert client.get("/pool/coverage/hour?at=2027-01-01T00:00Z").status_code == 400
    assert client.get("/pool/coverage/hour?at=not-a-time").status_code == 400
    assert client.get("/pool/coverage?language=de").status_code == 200
    assert client.get("/pool/coverage?count=sometimes").status_code == 400
    # Counting everyone on call by plan adds F and H (on shift all week, phones unreachable).
    planned = client.get("/pool/coverage?count=all").get_data(as_text=True)
    assert "no hour without someone" in planned and 'class="cell-gap"' not in planned
