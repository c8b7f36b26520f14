"""Routing policy: who may get a consult, in which order, and what each wave does.

Pure: plain dataclasses in, decisions out. No database, no clock (`now` is passed in), no
randomness that a test cannot seed. `consults/queries.py` loads the facts; `consults/routing.py`
applies the decisions.

Rules, in the words of the issue:
- eligible: active and vetted, credential not expired (judged by the date in the consultant's
  own time zone, inclusive of the expiry day), on call now, sharing the request's language,
  under their open-consult limit, not excluded from (or declined) the case, not the one who
  declined or handed back this consult, not resting after an urgent consult, and (routine
  requests only) outside their quiet hours;
- the monthly cap is soft: a consultant over it is offered a request only when nobody under
  their cap is eligible for it;
- ranked by continuity (advised this case, then this mentor), then expertise matching the
  topic, then fewest consults in the last 30 days, then a seeded random draw;
- waves: the first few at once, everyone eligible after a while, the coordinators after a
  while longer, then a periodic re-offer to whoever has become eligible since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from mentor_app import timeutil
from mentor_app.pool.policy import in_quiet_hours

# --- wave timings -----------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveTiming:
    first_size: int  # how many get the first wave
    widen_after: timedelta  # from the start of routing: everyone eligible
    coordinators_after: timedelta  # from the start of routing: the coordinators
    reoffer_every: timedelta  # afterwards: offer to whoever has become eligible


DEFAULT_WAVES: dict[str, WaveTiming] = {
    "urgent": WaveTiming(3, timedelta(minutes=3), timedelta(minutes=10), timedelta(minutes=5)),
    "soon": WaveTiming(3, timedelta(minutes=15), timedelta(minutes=45), timedelta(minutes=15)),
    "routine": WaveTiming(5, timedelta(hours=4), timedelta(hours=24), timedelta(hours=2)),
}

WAVE_FIRST, WAVE_EVERYONE, WAVE_COORDINATORS = 1, 2, 3


def waves_from_config(raw: Mapping[str, object] | None) -> dict[str, WaveTiming]:
    """Reads `CONSULT_WAVES`: either WaveTiming values, or dicts with `first`,
    `widen_after_minutes`, `coordinators_after_minutes` and `reoffer_minutes`; missing
    urgencies or keys keep their defaults."""
    waves = dict(DEFAULT_WAVES)
    for urgency, value in (raw or {}).items():
        if urgency not in DEFAULT_WAVES:
            raise ValueError(f"CONSULT_WAVES: unknown urgency {urgency!r}")
        if isinstance(value, WaveTiming):
            waves[urgency] = value
            continue
        if not isinstance(value, Mapping):
            raise ValueError(f"CONSULT_WAVES[{urgency!r}] must be a mapping")
        base = DEFAULT_WAVES[urgency]
        minutes = {
            key: float(value[key])  # type: ignore[arg-type]
            for key in ("widen_after_minutes", "coordinators_after_minutes", "reoffer_minutes")
            if key in value
        }
        timing = WaveTiming(
            first_size=int(value.get("first", base.first_size)),  # type: ignore[call-overload]
            widen_after=timedelta(minutes=minutes["widen_after_minutes"])
            if "widen_after_minutes" in minutes
            else base.widen_after,
            coordinators_after=timedelta(minutes=minutes["coordinators_after_minutes"])
            if "coordinators_after_minutes" in minutes
            else base.coordinators_after,
            reoffer_every=timedelta(minutes=minutes["reoffer_minutes"])
            if "reoffer_minutes" in minutes
            else base.reoffer_every,
        )
        if timing.first_size < 1 or not (
            timedelta(0) <= timing.widen_after <= timing.coordinators_after
        ):
            raise ValueError(f"CONSULT_WAVES[{urgency!r}]: first >= 1 and widen <= coordinators")
        if timing.reoffer_every <= timedelta(0):
            raise ValueError(f"CONSULT_WAVES[{urgency!r}]: reoffer_minutes must be positive")
        waves[urgency] = timing
    return waves


# --- facts and eligibility --------------------------------------------------------------------


@dataclass(slots=True)
class Candidate:
    """What routing knows about one consultant, for one consult, at one moment. (Not frozen:
    routing builds thousands of these per wave and frozen dataclasses are slow to build;
    nothing here mutates them.)"""

    consultant_id: int
    active: bool = True  # vetting state "active" and the account enabled
    timezone: str = "UTC"
    credential_expires_on: date | None = None
    on_call: bool = True  # a window covers now, or "available until" is ahead; not paused
    speaks_language: bool = True
    open_consults: int = 0
    open_limit: int = 3
    excluded_for_case: bool = False
    offer_state: str | None = None  # this consultant's offer for this consult, if any
    last_urgent_closed_at: datetime | None = None
    rest_minutes_after_urgent: int | None = None
    consults_this_month: int = 0
    monthly_soft_cap: int | None = None
    quiet_from: time | None = None
    quiet_until: time | None = None
    advised_case: bool = False
    advised_mentor: bool = False
    expertise_matches: int = 0
    consults_last_30_days: int = 0


@dataclass(frozen=True)
class Request:
    urgency: str
    now: datetime


# Reasons a consultant cannot take a consult, in the order they are reported.
NOT_ACTIVE = "not_active"
CREDENTIAL_EXPIRED = "credential_expired"
NO_SHARED_LANGUAGE = "no_shared_language"
EXCLUDED_FOR_CASE = "excluded_for_case"
DECLINED_THIS = "declined_this"
HANDED_BACK_THIS = "handed_back_this"
NOT_ON_CALL = "not_on_call"
AT_LIMIT = "at_limit"
RESTING = "resting"
QUIET_HOURS = "quiet_hours"
OVER_SOFT_CAP = "over_soft_cap"

# A coordinator's direct offer may override these (they may have phoned the person); the
# others always hold.
OVERRIDABLE = frozenset({NOT_ON_CALL, AT_LIMIT, RESTING, QUIET_HOURS, OVER_SOFT_CAP})


def _expired(expires_on: date, tz_name: str, now: datetime) -> bool:
    """Expired in the consultant's own zone (timeutil.credential_lapses_at, the same instant
    the pool's queries and the coverage grid use). Every zone's date is within a day of UTC's,
    so only an expiry date next to today needs the zone (this runs per candidate)."""
    utc_today = now.astimezone(UTC).date()
    if expires_on > utc_today + timedelta(days=1):
        return False
    if expires_on < utc_today - timedelta(days=1):
        return True
    return not timeutil.credential_valid(expires_on, tz_name, now)


def hard_reasons(c: Candidate, req: Request) -> list[str]:
    """Every rule the consultant fails, the soft cap excepted (see `eligible`)."""
    reasons = []
    if not c.active:
        reasons.append(NOT_ACTIVE)
    if c.credential_expires_on is not None and _expired(
        c.credential_expires_on, c.timezone, req.now
    ):
        reasons.append(CREDENTIAL_EXPIRED)
    if not c.speaks_language:
        reasons.append(NO_SHARED_LANGUAGE)
    if c.excluded_for_case:
        reasons.append(EXCLUDED_FOR_CASE)
    if c.offer_state == "declined":
        reasons.append(DECLINED_THIS)
    if c.offer_state == "released":
        reasons.append(HANDED_BACK_THIS)
    if not c.on_call:
        reasons.append(NOT_ON_CALL)
    if c.open_consults >= c.open_limit:
        reasons.append(AT_LIMIT)
    if (
        c.rest_minutes_after_urgent
        and c.last_urgent_closed_at is not None
        and req.now < c.last_urgent_closed_at + timedelta(minutes=c.rest_minutes_after_urgent)
    ):
        reasons.append(RESTING)
    if req.urgency == "routine" and _quiet(c, req.now):
        reasons.append(QUIET_HOURS)
    return reasons


def _quiet(c: Candidate, now: datetime) -> bool:
    try:
        return in_quiet_hours(now, c.timezone, c.quiet_from, c.quiet_until)
    except (KeyError, ValueError):
        return False


def over_soft_cap(c: Candidate) -> bool:
    return c.monthly_soft_cap is not None and c.consults_this_month >= c.monthly_soft_cap


def reasons(c: Candidate, req: Request) -> list[str]:
    """All reasons, the soft cap included (for display to coordinators)."""
    found = hard_reasons(c, req)
    if over_soft_cap(c):
        found.append(OVER_SOFT_CAP)
    return found


def eligible(candidates: Iterable[Candidate], req: Request) -> list[Candidate]:
    """Who may be offered the consult now (already-offered consultants included).

    The soft cap yields to others but never to nobody: consultants over their monthly cap are
    eligible only when no one under it is.
    """
    passing = [c for c in candidates if not hard_reasons(c, req)]
    under_cap = [c for c in passing if not over_soft_cap(c)]
    return under_cap or passing


def assignable(c: Candidate, req: Request) -> bool:
    """A coordinator may offer directly to anyone failing only overridable rules."""
    return not (set(reasons(c, req)) - OVERRIDABLE) and c.offer_state not in ("offered",)


# --- ranking ------------------------------------------------------------------------------


def draw(seed: int, consultant_id: int) -> int:
    """A tie-break that looks random but depends only on (consult, consultant): the same
    consultant draws the same number for a consult at every step and in any subset, and
    different consults order the same people differently (splitmix64)."""
    x = (seed * 0x9E3779B97F4A7C15 + consultant_id) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


def _tier(c: Candidate) -> tuple[bool, bool, int]:
    return (not c.advised_case, not c.advised_mentor, -c.expertise_matches)


def rank(candidates: Iterable[Candidate], seed: int) -> list[Candidate]:
    """Continuity, then expertise, then fair load, then the seeded draw."""
    return sorted(
        candidates,
        key=lambda c: (*_tier(c), c.consults_last_30_days, draw(seed, c.consultant_id)),
    )


def ranking_prefix(candidates: Iterable[Candidate], size: int) -> list[Candidate]:
    """The fewest whole tiers (same continuity and expertise) holding at least `size`
    candidates. Ranking them alone gives the same top `size` as ranking everyone, so the
    fair-load counts, the costliest fact, are needed only for them."""
    ordered = sorted(candidates, key=_tier)
    taken: list[Candidate] = []
    for c in ordered:
        if len(taken) >= size and _tier(c) != _tier(taken[-1]):
            break
        taken.append(c)
    return taken


# --- waves ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepPlan:
    step: int
    offer_to: tuple[int, ...]  # consultant ids to offer now, best first
    next_action_at: datetime
    go_on_now: bool = False  # nobody to wait for: run the next step at once
    tell_mentor_waiting: bool = False
    alert_coordinators: bool = False


def plan_step(
    step: int,
    ranked_fresh: Sequence[int],
    pending_offers: int,
    timing: WaveTiming,
    started_at: datetime,
    now: datetime,
) -> StepPlan:
    """What routing step `step` does.

    `ranked_fresh`: eligible consultants without an open offer, best first.
    `pending_offers`: offers still waiting for an answer.
    """
    if step <= WAVE_FIRST:
        offer = tuple(ranked_fresh[: timing.first_size])
        if not offer and pending_offers == 0:
            return StepPlan(WAVE_FIRST, (), now, go_on_now=True)
        return StepPlan(WAVE_FIRST, offer, max(now, started_at + timing.widen_after))
    if step == WAVE_EVERYONE:
        offer = tuple(ranked_fresh)
        # Whatever else happens, the first wave has passed without an accept.
        if not offer and pending_offers == 0:
            return StepPlan(WAVE_EVERYONE, (), now, go_on_now=True, tell_mentor_waiting=True)
        return StepPlan(
            WAVE_EVERYONE,
            offer,
            max(now, started_at + timing.coordinators_after),
            tell_mentor_waiting=True,
        )
    return StepPlan(
        step,
        tuple(ranked_fresh),
        now + timing.reoffer_every,
        tell_mentor_waiting=True,
        alert_coordinators=step == WAVE_COORDINATORS,
    )


def due_for_wave(wave: int, timing: WaveTiming, started_at: datetime) -> datetime | None:
    """When the step after `wave` is due, counted from the start of routing (used when the
    urgency changes mid-round). None for the re-offer steps, which keep their own rhythm."""
    if wave == WAVE_FIRST:
        return started_at + timing.widen_after
    if wave == WAVE_EVERYONE:
        return started_at + timing.coordinators_after
    return None
