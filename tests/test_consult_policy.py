"""The routing policy alone: plain dataclasses in, decisions out (no database, no clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from mentor_app.consults import policy
from mentor_app.consults.policy import Candidate, Request, WaveTiming

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday, 13:00 in Stockholm
URGENT = Request("urgent", NOW)
ROUTINE = Request("routine", NOW)


def c(consultant_id: int = 1, **kwargs) -> Candidate:  # type: ignore[no-untyped-def]
    return Candidate(consultant_id=consultant_id, **kwargs)


# --- eligibility: one row per rule ------------------------------------------------------------

ELIGIBILITY = [
    ("fit and on call", c(), URGENT, []),
    ("suspended or not yet active", c(active=False), URGENT, [policy.NOT_ACTIVE]),
    (
        "credential expired yesterday",
        c(credential_expires_on=date(2026, 3, 9)),
        URGENT,
        [policy.CREDENTIAL_EXPIRED],
    ),
    (
        "credential expires today: still valid",
        c(credential_expires_on=date(2026, 3, 10)),
        URGENT,
        [],
    ),
    (
        # 23:30 UTC on the 9th is already the 10th in Stockholm: expired there, judged there.
        "expiry judged in the consultant's zone",
        c(credential_expires_on=date(2026, 3, 9), timezone="Europe/Stockholm"),
        Request("urgent", datetime(2026, 3, 9, 23, 30, tzinfo=UTC)),
        [policy.CREDENTIAL_EXPIRED],
    ),
    (
        "same instant, a zone still on the 9th",
        c(credential_expires_on=date(2026, 3, 9), timezone="America/New_York"),
        Request("urgent", datetime(2026, 3, 9, 23, 30, tzinfo=UTC)),
        [],
    ),
    ("not on call", c(on_call=False), URGENT, [policy.NOT_ON_CALL]),
    ("no shared language", c(speaks_language=False), URGENT, [policy.NO_SHARED_LANGUAGE]),
    ("at the open-consult limit", c(open_consults=3, open_limit=3), URGENT, [policy.AT_LIMIT]),
    ("one under the limit", c(open_consults=2, open_limit=3), URGENT, []),
    ("excluded from the case", c(excluded_for_case=True), URGENT, [policy.EXCLUDED_FOR_CASE]),
    ("declined this consult", c(offer_state="declined"), URGENT, [policy.DECLINED_THIS]),
    ("handed this consult back", c(offer_state="released"), URGENT, [policy.HANDED_BACK_THIS]),
    ("an earlier offer was withdrawn", c(offer_state="withdrawn"), URGENT, []),
    (
        "resting after an urgent consult",
        c(rest_minutes_after_urgent=60, last_urgent_closed_at=NOW - timedelta(minutes=59)),
        URGENT,
        [policy.RESTING],
    ),
    (
        "rest period over",
        c(rest_minutes_after_urgent=60, last_urgent_closed_at=NOW - timedelta(minutes=60)),
        URGENT,
        [],
    ),
    (
        "no rest period asked for",
        c(rest_minutes_after_urgent=None, last_urgent_closed_at=NOW - timedelta(minutes=1)),
        URGENT,
        [],
    ),
    (
        "quiet hours hold routine requests",
        c(quiet_from=time(12), quiet_until=time(14), timezone="Europe/Stockholm"),
        ROUTINE,
        [policy.QUIET_HOURS],
    ),
    (
        "quiet hours do not hold urgent ones",
        c(quiet_from=time(12), quiet_until=time(14), timezone="Europe/Stockholm"),
        URGENT,
        [],
    ),
    (
        "quiet hours wrapping midnight, outside them",
        c(quiet_from=time(22), quiet_until=time(7), timezone="Europe/Stockholm"),
        ROUTINE,
        [],
    ),
]


@pytest.mark.parametrize(
    ("candidate", "request_", "expected"),
    [row[1:] for row in ELIGIBILITY],
    ids=[row[0] for row in ELIGIBILITY],
)
def test_eligibility_rules(candidate: Candidate, request_: Request, expected: list[str]) -> None:
    assert policy.hard_reasons(candidate, request_) == expected
    assert (candidate in policy.eligible([candidate], request_)) is (expected == [])


def test_the_soft_cap_yields_to_others_but_never_to_nobody() -> None:
    capped = c(1, consults_this_month=10, monthly_soft_cap=10)
    free = c(2, consults_this_month=3, monthly_soft_cap=10)
    uncapped = c(3)
    assert policy.eligible([capped, free, uncapped], URGENT) == [free, uncapped]
    assert policy.eligible([capped], URGENT) == [capped]
    # Someone under the cap but ineligible for another reason does not push the capped out.
    assert policy.eligible([capped, c(4, on_call=False)], URGENT) == [capped]
    assert policy.OVER_SOFT_CAP in policy.reasons(capped, URGENT)


def test_a_coordinator_may_override_availability_but_not_fitness() -> None:
    assert policy.assignable(c(on_call=False, open_consults=5, open_limit=3), URGENT)
    assert policy.assignable(c(consults_this_month=9, monthly_soft_cap=2), URGENT)
    assert not policy.assignable(c(speaks_language=False), URGENT)
    assert not policy.assignable(c(excluded_for_case=True), URGENT)
    assert not policy.assignable(c(offer_state="declined"), URGENT)
    assert not policy.assignable(c(offer_state="offered"), URGENT)
    assert not policy.assignable(c(active=False), URGENT)


# --- ranking ------------------------------------------------------------------------------------


def test_ranking_continuity_then_expertise_then_load() -> None:
    candidates = [
        c(1, consults_last_30_days=0),
        c(2, expertise_matches=2, consults_last_30_days=9),
        c(3, advised_mentor=True, consults_last_30_days=9),
        c(4, advised_case=True, consults_last_30_days=20),
        c(5, expertise_matches=1, consults_last_30_days=0),
        c(6, expertise_matches=2, consults_last_30_days=1),
        c(7, consults_last_30_days=5),
    ]
    ranked = [x.consultant_id for x in policy.rank(candidates, seed=1)]
    assert ranked == [4, 3, 6, 2, 5, 1, 7]


def test_ties_are_broken_by_a_seeded_draw() -> None:
    tied = [c(i) for i in range(1, 21)]
    first = [x.consultant_id for x in policy.rank(tied, seed=42)]
    assert first == [x.consultant_id for x in policy.rank(list(reversed(tied)), seed=42)]
    orders = {tuple(x.consultant_id for x in policy.rank(tied, seed=s)) for s in range(10)}
    assert len(orders) > 1  # different consults spread the first offers around


# --- waves --------------------------------------------------------------------------------------

T = WaveTiming(3, timedelta(minutes=3), timedelta(minutes=10), timedelta(minutes=5))
START = NOW


@pytest.mark.parametrize(
    ("step", "fresh", "pending", "at", "expected"),
    [
        # The first wave: the top three, due to widen three minutes after the start.
        (1, [5, 4, 3, 2, 1], 0, START, ((5, 4, 3), START + timedelta(minutes=3), False)),
        (1, [9], 0, START, ((9,), START + timedelta(minutes=3), False)),
        # Nobody eligible: straight on to the next step.
        (1, [], 0, START, ((), START, True)),
        # Everyone else eligible; the coordinators are due ten minutes after the start.
        (
            2,
            [2, 1],
            3,
            START + timedelta(minutes=3),
            ((2, 1), START + timedelta(minutes=10), False),
        ),
        # All first-wave consultants declined at minute 1: the next wave runs at once.
        (
            2,
            [2, 1],
            0,
            START + timedelta(minutes=1),
            ((2, 1), START + timedelta(minutes=10), False),
        ),
        # Nobody new and nobody left to answer: on to the coordinators at once.
        (2, [], 0, START + timedelta(minutes=3), ((), START + timedelta(minutes=3), True)),
        # Nobody new, but first-wave offers stand: wait for them until the coordinator step.
        (2, [], 2, START + timedelta(minutes=3), ((), START + timedelta(minutes=10), False)),
        # The coordinator step offers to newcomers and then re-offers every five minutes.
        (3, [8], 1, START + timedelta(minutes=10), ((8,), START + timedelta(minutes=15), False)),
        (4, [], 1, START + timedelta(minutes=15), ((), START + timedelta(minutes=20), False)),
    ],
)
def test_wave_plan(step, fresh, pending, at, expected) -> None:  # type: ignore[no-untyped-def]
    plan = policy.plan_step(step, fresh, pending, T, START, at)
    assert (plan.offer_to, plan.next_action_at, plan.go_on_now) == expected
    assert plan.tell_mentor_waiting is (step >= 2)
    assert plan.alert_coordinators is (step == 3)


def test_default_timings_match_the_issue() -> None:
    waves = policy.waves_from_config(None)
    assert waves["urgent"] == WaveTiming(
        3, timedelta(minutes=3), timedelta(minutes=10), timedelta(minutes=5)
    )
    assert (waves["soon"].first_size, waves["soon"].widen_after) == (3, timedelta(minutes=15))
    assert waves["soon"].coordinators_after == timedelta(minutes=45)
    assert (waves["routine"].first_size, waves["routine"].widen_after) == (5, timedelta(hours=4))
    assert waves["routine"].coordinators_after == timedelta(hours=24)


def test_timings_are_configurable_and_checked() -> None:
    waves = policy.waves_from_config({"urgent": {"first": 2, "widen_after_minutes": 1}})
    assert waves["urgent"].first_size == 2
    assert waves["urgent"].widen_after == timedelta(minutes=1)
    assert waves["urgent"].coordinators_after == timedelta(minutes=10)
    for bad in (
        {"someday": {}},
        {"urgent": {"first": 0}},
        {"urgent": {"widen_after_minutes": 20}},  # after the coordinators
        {"urgent": "fast"},
    ):
        with pytest.raises(ValueError):
            policy.waves_from_config(bad)


def test_due_for_wave_counts_from_the_start() -> None:
    assert policy.due_for_wave(1, T, START) == START + timedelta(minutes=3)
    assert policy.due_for_wave(2, T, START) == START + timedelta(minutes=10)
    assert policy.due_for_wave(3, T, START) is None
