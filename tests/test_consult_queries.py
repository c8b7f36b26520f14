"""Routing reads the pool correctly: each row arranges one consultant in the database and
checks whether routing would offer them a consult (the SQL filters and facts, end to end)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from mentor_app.accounts.models import User
from mentor_app.consults import policy, routing
from mentor_app.consults.models import CaseExclusion, Consult
from mentor_app.pool.models import OnCallWindow
from tests.consult_helpers import make_case, make_consult, make_consultant, offer

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # 13:00 in Stockholm
HOUR = timedelta(hours=1)


def _window(db, user_id, start, end):  # type: ignore[no-untyped-def]
    db.add(OnCallWindow(consultant_id=user_id, starts_at=start, ends_at=end))
    db.commit()


def _accepted(db, user_id, mentor_id, n=1, **fields):  # type: ignore[no-untyped-def]
    for _ in range(n):
        values = {"status": "accepted", "consultant_id": user_id, "accepted_at": NOW - HOUR}
        values.update(fields)
        make_consult(db, mentor_id, NOW - 2 * HOUR, **values)


# Each arrangement: (profile fields, extra setup or None, expected to be routed)
SCENARIOS = {
    "available now": ({}, None, True),
    "an on-call window covers now": (
        {"available": False},
        lambda db, uid, ctx: _window(db, uid, NOW - HOUR, NOW + HOUR),
        True,
    ),
    "the window ended a second ago": (
        {"available": False},
        lambda db, uid, ctx: _window(db, uid, NOW - HOUR, NOW - timedelta(seconds=1)),
        False,
    ),
    "the window starts in a second": (
        {"available": False},
        lambda db, uid, ctx: _window(db, uid, NOW + timedelta(seconds=1), NOW + HOUR),
        False,
    ),
    "available until a moment ago": ({"available": False, "available_until": NOW}, None, False),
    "paused, despite a window": (
        {"available": False, "paused_until": NOW + HOUR},
        lambda db, uid, ctx: _window(db, uid, NOW - HOUR, NOW + HOUR),
        False,
    ),
    "a pause that ended": ({"paused_until": NOW - HOUR}, None, True),
    "suspended": ({"vetting_state": "suspended"}, None, False),
    "vetted, not yet active": ({"vetting_state": "vetted"}, None, False),
    "credential expired yesterday": ({"credential_expires_on": date(2026, 3, 9)}, None, False),
    "credential expires today": ({"credential_expires_on": date(2026, 3, 10)}, None, True),
    "speaks only German": ({"languages": ("de",)}, None, False),
    "account disabled": (
        {},
        lambda db, uid, ctx: (
            db.execute(update(User).where(User.id == uid).values(is_disabled=True)),
            db.commit(),
        ),
        False,
    ),
    "at the open-consult limit": (
        {"open_consult_limit": 2},
        lambda db, uid, ctx: _accepted(db, uid, ctx["other_mentor"], n=2),
        False,
    ),
    "one under the limit": (
        {"open_consult_limit": 2},
        lambda db, uid, ctx: _accepted(db, uid, ctx["other_mentor"], n=1),
        True,
    ),
    "excluded from the case": (
        {},
        lambda db, uid, ctx: (
            db.add(
                CaseExclusion(
                    case_id=ctx["case_id"],
                    consultant_id=uid,
                    kind="excluded",
                    reason="same_community",
                    created_at=NOW,
                )
            ),
            db.commit(),
        ),
        False,
    ),
    "declined this consult": (
        {},
        lambda db, uid, ctx: offer(db, ctx["consult_id"], uid, NOW, state="declined"),
        False,
    ),
    "handed this consult back": (
        {},
        lambda db, uid, ctx: offer(db, ctx["consult_id"], uid, NOW, state="released"),
        False,
    ),
    "resting after an urgent consult": (
        {"rest_minutes_after_urgent": 120},
        lambda db, uid, ctx: _accepted(
            db, uid, ctx["other_mentor"], status="closed", urgency="urgent", closed_at=NOW - HOUR
        ),
        False,
    ),
    "rested long enough": (
        {"rest_minutes_after_urgent": 30},
        lambda db, uid, ctx: _accepted(
            db, uid, ctx["other_mentor"], status="closed", urgency="urgent", closed_at=NOW - HOUR
        ),
        True,
    ),
    "quiet hours, routine request": (
        {"quiet_from": time(12), "quiet_until": time(14)},
        lambda db, uid, ctx: ctx.update(urgency="routine"),
        False,
    ),
    "quiet hours, urgent request": (
        {"quiet_from": time(12), "quiet_until": time(14)},
        lambda db, uid, ctx: ctx.update(urgency="urgent"),
        True,
    ),
    "over the monthly soft cap, but alone": (
        {"monthly_soft_cap": 1},
        lambda db, uid, ctx: _accepted(db, uid, ctx["other_mentor"], status="closed"),
        True,
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_routing_reads_the_pool(app, actors, db, name) -> None:  # type: ignore[no-untyped-def]
    fields, setup, expected = SCENARIOS[name]
    mentor_id, _ = actors.create("mentor")
    other_mentor, _ = actors.create("mentor")
    case = make_case(db, mentor_id, NOW)
    consult = make_consult(db, mentor_id, NOW, case_id=case.id, wave=0)
    user_id, _ = actors.create("consultant")
    make_consultant(db, user_id, NOW - timedelta(days=1), **fields)
    context = {"other_mentor": other_mentor, "case_id": case.id, "consult_id": consult.id}
    if setup:
        setup(db, user_id, context)
    if "urgency" in context:
        db.execute(
            update(Consult).where(Consult.id == consult.id).values(urgency=context["urgency"])
        )
        db.commit()
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        row = session.get(Consult, consult.id)
        routed = {c.consultant_id for c in routing.ranked_candidates(session, row, NOW)}
        session.close()
    assert (user_id in routed) is expected


def test_the_soft_cap_yields_to_a_colleague_under_it(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    mentor_id, _ = actors.create("mentor")
    consult = make_consult(db, mentor_id, NOW, wave=0)
    capped, _ = actors.create("consultant")
    make_consultant(db, capped, NOW - timedelta(days=1), monthly_soft_cap=1)
    _accepted(db, capped, mentor_id, status="closed")
    free, _ = actors.create("consultant")
    make_consultant(db, free, NOW - timedelta(days=1))
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        routed = {
            c.consultant_id
            for c in routing.ranked_candidates(session, session.get(Consult, consult.id), NOW)
        }
        session.close()
    assert routed == {free}


def test_ranking_facts_come_from_history(app, actors, db) -> None:  # type: ignore[no-untyped-def]
    """Continuity with the case beats continuity with the mentor beats expertise beats load."""
    mentor_id, _ = actors.create("mentor")
    other_mentor, _ = actors.create("mentor")
    case = make_case(db, mentor_id, NOW)
    ids = {}
    for name, expertise in (
        ("case", ()),
        ("mentor", ()),
        ("expert", ("trauma", "depression")),
        ("busy", ()),
        ("idle", ()),
    ):
        ids[name], _ = actors.create("consultant")
        make_consultant(db, ids[name], NOW - timedelta(days=1), expertise=expertise)
    _accepted(
        db, ids["case"], mentor_id, status="closed", case_id=case.id, accepted_at=NOW - 2 * HOUR
    )
    _accepted(db, ids["case"], other_mentor, n=3, status="closed")
    _accepted(db, ids["mentor"], mentor_id, status="closed")
    _accepted(db, ids["mentor"], other_mentor, n=2, status="closed")
    _accepted(db, ids["busy"], other_mentor, n=2, status="closed")
    consult = make_consult(
        db, mentor_id, NOW, case_id=case.id, wave=0, topic="bereavement-illness-in-family"
    )
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        row = session.get(Consult, consult.id)
        top = [c.consultant_id for c in routing.ranked_candidates(session, row, NOW, top=5)]
        session.close()
    assert top == [ids["case"], ids["mentor"], ids["expert"], ids["idle"], ids["busy"]]


candidates = st.lists(
    st.builds(
        policy.Candidate,
        consultant_id=st.integers(1, 10_000),
        advised_case=st.booleans(),
        advised_mentor=st.booleans(),
        expertise_matches=st.integers(0, 3),
        consults_last_30_days=st.integers(0, 20),
    ),
    max_size=40,
    unique_by=lambda c: c.consultant_id,
)


@settings(max_examples=200, deadline=None)
@given(pool=candidates, size=st.integers(1, 6), seed=st.integers(0, 2**31))
def test_ranking_a_prefix_of_whole_tiers_gives_the_same_top(pool, size, seed) -> None:  # type: ignore[no-untyped-def]
    prefix = policy.ranking_prefix(pool, size)
    assert policy.rank(prefix, seed)[:size] == policy.rank(pool, seed)[:size]
