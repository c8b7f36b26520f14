"""Property tests of the one time rule (mentor_app/timeutil.py): whatever the zone and the
instant, every part of the app that answers "is this today / this hour / this month / on call
/ expired / quiet" agrees with the wall clock of the zone it belongs to, and with each other.

Zones (shared/design/TESTING.md): half- and three-quarter-hour offsets (Asia/Kolkata,
Australia/Adelaide, Asia/Kathmandu, America/St_Johns, Pacific/Chatham), daylight saving in
both hemispheres (Europe/Stockholm, Europe/Berlin, America/Los_Angeles, Australia/Adelaide),
the date line (Pacific/Kiritimati, UTC+14) and UTC. Instants are drawn around local midnights
and around both daylight-saving changes of 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mentor_app import timeutil
from mentor_app.consults import notify
from mentor_app.consults import policy as routing_policy
from mentor_app.consults import queries as routing_queries
from mentor_app.consults.services import follow_up_allowed
from mentor_app.consults.worker_steps import reminder_horizon
from mentor_app.dashboard import metrics
from mentor_app.pool import coverage, listing, vetting
from mentor_app.pool import policy as pool_policy

ZONES = (
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Pacific/Chatham",
    "Europe/Stockholm",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "UTC",
)
YEAR = 2026
WINDOW = timedelta(hours=3)


@cache
def dst_changes(zone: str) -> tuple[datetime, ...]:
    """The instants in YEAR when the zone's offset changes (day by day, then to the minute)."""
    tz = ZoneInfo(zone)

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(tz).utcoffset()

    changes = []
    day = datetime(YEAR, 1, 1, tzinfo=UTC)
    while day.year == YEAR:
        following = day + timedelta(days=1)
        if offset(day) != offset(following):
            low, high = day, following  # offset(low) != offset(high): narrow to a minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            changes.append(high.replace(second=0, microsecond=0))
        day = following
    return tuple(changes)


for _zone in ZONES:  # once, at import: not while Hypothesis draws
    dst_changes(_zone)


@st.composite
def zone_and_instant(draw):  # type: ignore[no-untyped-def]
    """A zone, and an instant near one of its local midnights or daylight-saving changes."""
    zone = draw(st.sampled_from(ZONES))
    changes = dst_changes(zone)
    if changes and draw(st.booleans()):
        base = draw(st.sampled_from(changes))
    else:
        day = date(YEAR, 1, 1) + timedelta(days=draw(st.integers(0, 364)))
        base = timeutil.day_start(day, zone)
    seconds = draw(st.integers(-int(WINDOW.total_seconds()), int(WINDOW.total_seconds())))
    return zone, base + timedelta(seconds=seconds)


def wall(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


# --- "today" ----------------------------------------------------------------------------------


@given(zone_and_instant(), st.integers(-2, 2))
def test_follow_ups_are_on_the_closing_persons_calendar(case, shift) -> None:  # type: ignore[no-untyped-def]
    zone, now = case
    today = wall(now, zone).date()
    day = today + timedelta(days=shift)
    assert follow_up_allowed(day, now, zone) == (shift >= 0)
    due = notify.follow_up_due(day, zone, now)
    assert due >= now
    if due > now:  # 08:00 on that day on their own clock
        assert wall(due, zone).date() == day and wall(due, zone).time() == time(8, 0)
    else:  # that morning has passed: at once, and only for today or a day already past
        assert day <= today
    # The worker queues it in time: by 08:00 on the day, the day is within its horizon.
    assert day <= reminder_horizon(timeutil.at_local(day, time(8, 0), zone))


# --- credential expiry ------------------------------------------------------------------------


@given(zone_and_instant(), st.integers(-1, 1))
def test_every_reader_of_a_credential_agrees_on_its_last_day(case, shift) -> None:  # type: ignore[no-untyped-def]
    zone, now = case
    expires_on = wall(now, zone).date() + timedelta(days=shift)
    truth = expires_on >= wall(now, zone).date()  # valid through the expiry day, their clock
    candidate = routing_policy.Candidate(1, timezone=zone, credential_expires_on=expires_on)
    reasons = routing_policy.hard_reasons(candidate, routing_policy.Request("urgent", now))
    lapses = timeutil.credential_lapses_at(expires_on, zone)
    answers = {
        "routing policy": routing_policy.CREDENTIAL_EXPIRED not in reasons,
        "stored lapse instant (pool query, coverage)": now < lapses,
        "activation": not vetting.credential_expired(expires_on, timeutil.local_today(now, zone)),
        "pool list": listing.credential_status(expires_on, zone, now) != "expired",
    }
    assert answers == dict.fromkeys(answers, truth), (zone, now, expires_on)


# --- quiet hours ------------------------------------------------------------------------------


@given(zone_and_instant(), st.integers(0, 23), st.integers(0, 23))
def test_quiet_hours_are_the_consultants_wall_clock(case, start, end) -> None:  # type: ignore[no-untyped-def]
    zone, now = case
    assume(start != end)
    quiet_from, quiet_until = time(start), time(end)
    local = wall(now, zone).time()
    expected = (
        quiet_from <= local < quiet_until
        if quiet_from < quiet_until
        else local >= quiet_from or local < quiet_until
    )
    assert pool_policy.in_quiet_hours(now, zone, quiet_from, quiet_until) == expected
    candidate = routing_policy.Candidate(
        1, timezone=zone, quiet_from=quiet_from, quiet_until=quiet_until
    )
    routine = routing_policy.hard_reasons(candidate, routing_policy.Request("routine", now))
    assert (routing_policy.QUIET_HOURS in routine) == expected
    urgent = routing_policy.hard_reasons(candidate, routing_policy.Request("urgent", now))
    assert routing_policy.QUIET_HOURS not in urgent  # quiet hours hold routine requests only


# --- hours of the coverage grid ---------------------------------------------------------------


@given(zone_and_instant())
def test_coverage_cells_are_whole_hours_of_the_viewers_clock(case) -> None:  # type: ignore[no-untyped-def]
    zone, at = case
    # Known limit: the grid steps whole hours from local midnight, so a clock that jumps at
    # hh:45 (Pacific/Chatham) or by half an hour (Australia/Lord_Howe) loses the part-hour
    # around its change. Every other zone, offsets of :30 and :45 included, is exact.
    assume(
        not (
            zone == "Pacific/Chatham"
            and any(abs(at - c) < timedelta(hours=2) for c in dst_changes(zone))
        )
    )
    start, end = coverage.week_bounds(at, zone, days=2)
    n = -int(-(end - start) // coverage.HOUR)
    rows = coverage._rows(start, n, list(range(n)), start, ZoneInfo(zone))
    local = wall(at, zone)
    cells = dict(rows)[local.date()]
    cell = cells[local.hour]
    assert cell.exists
    # The cell holding `at` starts when the clock showed that hour (hh:00, also in Kolkata,
    # Kathmandu or Chatham), and opening it asks for exactly that hour.
    assert cell.starts_at == timeutil.hour_start(at, zone) or local.fold == 1
    assert wall(cell.starts_at, zone).minute == 0
    assert cell.starts_at <= at or local.fold == 1
    assert timeutil.hour_start(cell.starts_at, zone) == cell.starts_at


# --- months of the panel report ---------------------------------------------------------------


@given(zone_and_instant())
def test_the_report_month_and_the_monthly_cap_share_the_panels_month(case) -> None:  # type: ignore[no-untyped-def]
    zone, at = case
    local = wall(at, zone)
    period = metrics.parse_month(f"{local.year:04d}-{local.month:02d}", zone)
    assert period is not None
    assert period.start_at <= at < period.end_at
    assert wall(period.start_at, zone).replace(tzinfo=None) == datetime(local.year, local.month, 1)
    assert timeutil.month_start(at, zone) == period.start_at
    previous = metrics.parse_month(
        f"{(period.first_day - timedelta(days=1)):%Y-%m}", zone
    )  # the month before ends where this one starts: no consult counted twice or never
    assert previous is not None and previous.end_at == period.start_at


# --- the database agrees too: routing, the pool's routable query, coverage --------------------


@pytest.fixture
def scene(app, actors, db):  # type: ignore[no-untyped-def]
    from tests.consult_helpers import make_consult, make_consultant

    at = datetime(YEAR, 1, 1, tzinfo=UTC)
    mentor_id, _ = actors.create("mentor")
    consultant_id, _ = actors.create("consultant")
    make_consultant(db, consultant_id, at, languages=("sv",))
    consult = make_consult(db, mentor_id, at, language="sv")
    return consultant_id, consult.id


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=zone_and_instant(), shift=st.integers(-1, 1))
def test_routing_pool_and_coverage_agree_in_the_database(app, db, scene, case, shift) -> None:  # type: ignore[no-untyped-def]
    from mentor_app.consults import routing
    from mentor_app.consults.models import Consult
    from mentor_app.pool import queries as pool_queries
    from mentor_app.pool.models import ConsultantProfile

    zone, now = case
    consultant_id, consult_id = scene
    expires_on = wall(now, zone).date() + timedelta(days=shift)
    profile = db.get(ConsultantProfile, consultant_id)
    profile.timezone, profile.credential_expires_on = zone, expires_on
    profile.available_until = now + timedelta(days=3)  # on call throughout
    db.commit()
    truth = expires_on >= wall(now, zone).date()
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        try:
            consult = session.get(Consult, consult_id)
            answers = {
                "routing": consultant_id
                in {c.consultant_id for c in routing.ranked_candidates(session, consult, now)},
                "pool": consultant_id in pool_queries.on_call_consultant_ids(session, now, "sv"),
                "coverage": consultant_id
                in coverage.on_call_intervals(session, now, now, now + timedelta(minutes=1))[1],
            }
            # The monthly soft cap counts from the month the panel's report uses.
            cap_month = routing_queries.month_start(now)
        finally:
            session.close()
    assert answers == dict.fromkeys(answers, truth), (zone, now, expires_on)
    assert cap_month == timeutil.month_start(now, app.config["PANEL_TIMEZONE"])
