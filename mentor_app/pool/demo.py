"""Demo pool for `make run`: the two demo consultants plus a dozen more, with shifts that cover
most of the week, a deliberate gap (Sunday 00:00–08:00, Stockholm time), and one consultant in
each state a coordinator meets (waiting for vetting, credential expiring, expired, suspended)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts import services as accounts
from mentor_app.accounts.models import User
from mentor_app.pool import services, validation, vetting
from mentor_app.pool.models import ConsultantExpertise, ConsultantRegion, WeeklyShift
from mentor_app.pool.policy import END_OF_DAY
from mentor_app.pool.windows import refresh_windows

DEMO_POOL_PASSWORD = "harbour-willow-answers-6"  # noqa: S105 - demo only, printed by seed-demo
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)

# email, name, zone, languages, expertise, region, shifts [(days, from, to)], state
EXTRA = [
    ("amira.haddad@example.org", "Amira Haddad", "Europe/Stockholm", ["ar", "sv", "en"],
     ["trauma", "family-work"], "Stockholm", [((MON, TUE, WED, THU), 18, 24)], "active"),
    ("jonas.berg@example.org", "Jonas Berg", "Europe/Stockholm", ["sv", "en"],
     ["psychosis", "substance-use"], "Uppsala", [((TUE, THU), 0, 8), ((SAT,), 16, 24)],
     "expiring"),
    ("leila.ahmadi@example.org", "Leila Ahmadi", "Europe/Stockholm", ["fa", "sv", "en"],
     ["depression", "youth"], "Göteborg", [((WED, THU, FRI, SAT, SUN), 8, 14)], "active"),
    ("hodan.warsame@example.org", "Hodan Warsame", "Europe/Stockholm", ["so", "sv", "en"],
     ["trauma", "youth"], "Malmö", [((FRI, SAT, SUN), 14, 22)], "active"),
    ("mikael.virtanen@example.org", "Mikael Virtanen", "Europe/Helsinki", ["fi", "sv"],
     ["adhd", "youth"], "Helsinki", [(WEEKDAYS, 8, 16)], "active"),
    ("anna.schmidt@example.org", "Anna Schmidt", "Europe/Berlin", ["de", "en"],
     ["personality-disorders", "ideology"], "Berlin", [(WEEKDAYS, 8, 16)], "active"),
    ("yusuf.demir@example.org", "Yusuf Demir", "Europe/Berlin", ["tr", "de"],
     ["ideology", "family-work"], "Köln", [((SAT, SUN), 8, 20)], "active"),
    ("sofie.jensen@example.org", "Sofie Jensen", "Europe/Copenhagen", ["da", "en"],
     ["depression", "trauma"], "København", [((MON, WED, FRI), 16, 24)], "expired"),
    ("pieter.devries@example.org", "Pieter de Vries", "Europe/Amsterdam", ["nl", "en", "de"],
     ["substance-use", "adhd"], "Utrecht", [((TUE, WED, THU, FRI, SAT), 0, 6)], "active"),
    ("claire.martin@example.org", "Claire Martin", "Europe/Paris", ["fr", "en"],
     ["ideology", "psychosis"], "Lyon", [((SUN,), 18, 24), ((MON, TUE, WED, THU), 20, 24)],
     "suspended"),
    ("tesfay.gebre@example.org", "Tesfay Gebre", "Europe/Stockholm", ["ti", "sv", "en"],
     ["trauma"], "Stockholm", [], "submitted"),
    ("nadia.rahimi@example.org", "Nadia Rahimi", "Europe/Stockholm", ["prs", "sv"],
     [], "", [], "invited"),
]  # fmt: skip

MAIN = {
    "consultant@example.org": (
        "Europe/Stockholm",
        ["trauma", "depression", "ideology"],
        "Stockholm",
        [(WEEKDAYS, 8, 20), ((SAT,), 10, 16)],
    ),
    "consultant2@example.org": (
        "Europe/Berlin",
        ["personality-disorders", "family-work", "youth"],
        "Hamburg",
        [(WEEKDAYS, 12, 22), ((SUN,), 10, 18)],
    ),
}


def _clock(hour: int) -> time:
    return END_OF_DAY if hour == 24 else time(hour)


def _shape(
    session: Session,
    now: datetime,
    user: User,
    coordinator: User | None,
    zone: str,
    expertise: list[str],
    region: str,
    shifts: list,
    state: str,
) -> None:
    profile = services.ensure_profile(session, now, user)
    profile.timezone = zone
    profile.profession = "Licensed psychologist"
    profile.bio = "Volunteer consultant in the demo pool."
    profile.expertise = [ConsultantExpertise(tag=t) for t in expertise]
    profile.regions = [ConsultantRegion(region=region)] if region else []
    if state not in ("invited",):
        profile.credential_register = "National register of health professionals"
        profile.credential_number = f"DEMO-{user.id:05d}"
    if state not in ("invited", "submitted"):
        today = timeutil.local_today(now, zone)
        profile.credential_verified_on = today - timedelta(days=200)
        profile.credential_expires_on = _expiry(state, today)
        profile.training_completed_on = today - timedelta(days=190)
        profile.vetted_by_id = coordinator.id if coordinator else None
        profile.vetted_at = now - timedelta(days=180)
    profile.vetting_state = {
        "expiring": vetting.ACTIVE,
        "expired": vetting.ACTIVE,
    }.get(state, state)
    if state == "suspended":
        profile.state_reason_code = "on_leave"
    profile.rest_minutes_after_urgent = 60
    profile.monthly_soft_cap = 8
    for days, start, end in shifts:
        for day in days:
            session.add(
                WeeklyShift(
                    consultant_id=user.id, weekday=day, starts=_clock(start), ends=_clock(end)
                )
            )
    session.flush()
    refresh_windows(session, now, user.id)


def _expiry(state: str, today: date) -> date:
    if state == "expiring":
        return today + timedelta(days=20)
    if state == "expired":
        return today - timedelta(days=3)
    return today + timedelta(days=700)


def demo_pool(session: Session, now: datetime) -> list[str]:
    validation.ensure_default_tags(session)
    coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
    for email, (zone, expertise, region, shifts) in MAIN.items():
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:
            _shape(session, now, user, coordinator, zone, expertise, region, shifts, "active")
    for email, name, zone, languages, expertise, region, shifts, state in EXTRA:
        user = accounts.create_user(
            session,
            now,
            email=email,
            display_name=name,
            role="consultant",
            password=DEMO_POOL_PASSWORD,
            languages=languages,
            check_password=False,
        )
        user.timezone = zone
        _shape(session, now, user, coordinator, zone, expertise, region, shifts, state)
    return [
        f"Consultant pool: {len(EXTRA)} more demo consultants (password {DEMO_POOL_PASSWORD},",
        "  no two-factor yet, no phone subscribed: choose 'Everyone on call by plan' on the",
        "  coverage page); the plan has a deliberate gap on Sunday 00:00-08:00 Stockholm time.",
    ]
