"""Routing: applies the pure policy to the database. Offers, waves, accept, decline, hand back,
direct offers by a coordinator.

Locking, the same order everywhere so two transactions never wait on each other in a circle:
first the consult row (a conditional UPDATE, or SELECT ... FOR UPDATE), then its offers. Every
state change is a conditional UPDATE whose WHERE clause names the state it expects; a rowcount
of 0 means another request or worker got there first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from mentor_app.audit import services as audit
from mentor_app.consults import notify, policy, queries, topics
from mentor_app.consults.models import (
    Consult,
    ConsultOffer,
    ConsultStatus,
    OfferState,
)

log = logging.getLogger(__name__)

OPEN = ConsultStatus.OPEN.value
OFFERED = OfferState.OFFERED.value


def waves() -> dict[str, policy.WaveTiming]:
    if has_app_context():
        return policy.waves_from_config(current_app.config.get("CONSULT_WAVES"))
    return dict(policy.DEFAULT_WAVES)


def timing_for(consult: Consult) -> policy.WaveTiming:
    return waves()[consult.urgency]


def _emergency_number() -> str:
    return current_app.config["EMERGENCY_NUMBER"] if has_app_context() else "112"


def lock(session: Session, consult_id: int) -> Consult | None:
    """Takes the consult's row lock (PostgreSQL; SQLite already holds the write lock) and
    returns the consult as it is now, not as this session last saw it."""
    return session.scalar(
        select(Consult)
        .where(Consult.id == consult_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def reload(session: Session, consult_id: int) -> Consult:
    consult = session.get(Consult, consult_id, populate_existing=True)
    assert consult is not None
    return consult


def pending_offers(session: Session, consult_id: int) -> list[ConsultOffer]:
    return list(
        session.scalars(
            select(ConsultOffer)
            .where(ConsultOffer.consult_id == consult_id, ConsultOffer.state == OFFERED)
            .order_by(ConsultOffer.id)
            .execution_options(populate_existing=True)
        )
    )


# --- waves ----------------------------------------------------------------------------------


def start(session: Session, now: datetime, consult: Consult) -> None:
    """Begins a routing round (a new consult, or one handed back). The caller holds the
    consult's lock, or has just created it."""
    consult.wave = 0
    consult.routing_started_at = now
    consult.next_action_at = now
    consult.mentor_told_waiting_at = None
    consult.coordinator_alerted_at = None
    session.flush()
    advance(session, now, consult.id, expected_wave=0, consult=consult)


def claim(session: Session, now: datetime, consult_id: int, expected_wave: int) -> bool:
    """Moves an open consult from `expected_wave` to the next, or reports that someone else
    did (or that it was accepted or cancelled meanwhile)."""
    result = session.execute(
        update(Consult)
        .where(
            Consult.id == consult_id,
            Consult.wave == expected_wave,
            Consult.status == OPEN,
        )
        .values(wave=expected_wave + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def advance(
    session: Session,
    now: datetime,
    consult_id: int,
    expected_wave: int,
    consult: Consult | None = None,
) -> int:
    """Runs the routing step after `expected_wave`, and the ones after it while nobody is
    there to wait for. Returns how many steps ran (0: someone else got there first).

    Pass `consult` only when it is current (the caller created it or holds its lock); otherwise
    it is read again after the claim, which waits for any other writer to finish."""
    steps = 0
    while claim(session, now, consult_id, expected_wave):
        steps += 1
        if consult is None:
            consult = reload(session, consult_id)
        else:
            set_committed_value(consult, "wave", expected_wave + 1)
            set_committed_value(consult, "updated_at", now)
        plan = _run_step(session, now, consult)
        if not plan.go_on_now or plan.step >= policy.WAVE_COORDINATORS:
            break
        expected_wave = consult.wave
    return steps


def ranked_candidates(
    session: Session,
    consult: Consult,
    now: datetime,
    top: int | None = None,
    offer_states: dict[int, str] | None = None,
) -> list[policy.Candidate]:
    """Everyone who may be offered this consult now, best first (offer holders included).

    With `top`, only the best `top` without a standing offer, fair load included; without,
    everyone fresh, in continuity and expertise order (a wider wave offers to all of them at
    once, so their fair-load order does not matter and is not computed)."""
    facts = queries.ConsultFacts.of(consult)
    expertise = topics.resolve(consult.topic, session).expertise
    candidates = queries.routing_candidates(session, facts, now, expertise, offer_states)
    eligible = policy.eligible(candidates, policy.Request(consult.urgency, now))
    if top is None:
        return policy.rank(eligible, seed=consult.id)
    fresh = [c for c in eligible if c.offer_state != OFFERED]
    shortlist = policy.ranking_prefix(fresh, top)
    loads = queries.recent_loads(session, [c.consultant_id for c in shortlist], now)
    shortlist = [replace(c, consults_last_30_days=loads.get(c.consultant_id, 0)) for c in shortlist]
    return policy.rank(shortlist, seed=consult.id)[:top]


def first_wave(session: Session, consult: Consult, now: datetime) -> tuple[int, ...]:
    """Who the first wave would offer this consult to, without offering it (what
    benchmarks/bench_consults.py times; `_run_step` does the same and then writes)."""
    timing = timing_for(consult)
    ranked = ranked_candidates(session, consult, now, top=timing.first_size)
    fresh = [c.consultant_id for c in ranked]
    started = consult.routing_started_at or now
    return policy.plan_step(policy.WAVE_FIRST, fresh, 0, timing, started, now).offer_to


def _offers_of(session: Session, consult_id: int) -> dict[int, ConsultOffer]:
    return {
        offer.consultant_id: offer
        for offer in session.scalars(
            select(ConsultOffer)
            .where(ConsultOffer.consult_id == consult_id)
            .execution_options(populate_existing=True)
        )
    }


def _run_step(session: Session, now: datetime, consult: Consult) -> policy.StepPlan:
    timing = timing_for(consult)
    top = timing.first_size if consult.wave == policy.WAVE_FIRST else None
    offers = _offers_of(session, consult.id)
    states = {consultant_id: offer.state for consultant_id, offer in offers.items()}
    ranked = ranked_candidates(session, consult, now, top=top, offer_states=states)
    fresh = [c.consultant_id for c in ranked if c.offer_state != OFFERED]
    pending = sum(1 for offer in offers.values() if offer.state == OFFERED)
    plan = policy.plan_step(
        consult.wave, fresh, pending, timing, consult.routing_started_at or now, now
    )
    make_offers(session, now, consult, plan.offer_to, timing, known=offers)
    if plan.tell_mentor_waiting and consult.mentor_told_waiting_at is None:
        consult.mentor_told_waiting_at = now
        notify.waiting(session, now, consult, _emergency_number())
    alerted: list[int] = []
    if plan.alert_coordinators and consult.coordinator_alerted_at is None:
        consult.coordinator_alerted_at = now
        alerted = queries.coordinators_for(session, consult.case_id)
        make_offers(session, now, consult, alerted, timing, known=offers, silent=True)
        notify.coordinators(session, now, consult, alerted)
    consult.next_action_at = plan.next_action_at
    session.flush()
    audit.record(
        session,
        now,
        "consult.wave",
        object_type="consult",
        object_id=consult.id,
        details={
            "wave": consult.wave,
            "offered": len(plan.offer_to),
            "ranked": len(ranked),
            "coordinators_alerted": len(alerted),
        },
    )
    return plan


def make_offers(
    session: Session,
    now: datetime,
    consult: Consult,
    consultant_ids: Iterable[int],
    timing: policy.WaveTiming,
    *,
    assigned_by: int | None = None,
    silent: bool = False,
    known: dict[int, ConsultOffer] | None = None,
) -> list[ConsultOffer]:
    """Offers the consult to each person (again, if an earlier offer was withdrawn).
    Declined, handed-back, accepted and standing offers are left alone. The caller holds the
    consult's lock, so two offers to one person cannot race. `known`: this consult's offers,
    if the caller has them already."""
    ids = list(consultant_ids)
    if not ids:
        return []
    offers = known if known is not None else _offers_of(session, consult.id)
    made = []
    for consultant_id in ids:
        offer = offers.get(consultant_id)
        if offer is not None and offer.state != OfferState.WITHDRAWN.value:
            continue
        if offer is None:
            offer = ConsultOffer(consult_id=consult.id, consultant_id=consultant_id)
            session.add(offer)
            offers[consultant_id] = offer
        offer.wave = consult.wave
        offer.state = OFFERED
        offer.offered_at = now
        offer.responded_at = None
        offer.assigned_by_id = assigned_by
        made.append(offer)
    session.flush()
    if not silent:
        for offer in made:
            notify.offer(
                session,
                now,
                consult,
                offer.consultant_id,
                now,
                timing,
                assigned=assigned_by is not None,
            )
    return made


def withdraw_offers(
    session: Session,
    now: datetime,
    consult: Consult,
    *,
    why: str,
    keep: int | None = None,
    only: set[int] | None = None,
) -> list[int]:
    """Withdraws standing offers (all but `keep`, or just those in `only`) and replaces
    their notifications."""
    timing = timing_for(consult)
    withdrawn = []
    for offer in pending_offers(session, consult.id):
        if offer.consultant_id == keep or (only is not None and offer.consultant_id not in only):
            continue
        offer.state = OfferState.WITHDRAWN.value
        offer.responded_at = now
        withdrawn.append(offer.consultant_id)
        notify.offer_closed(session, now, consult, offer.consultant_id, timing, why=why)
    session.flush()
    return withdrawn


def advance_if_unanswered(session: Session, now: datetime, consult: Consult) -> None:
    """Everyone asked so far has said no (or lost the offer): the next wave starts at once.
    The caller holds the consult's lock."""
    if (
        consult.status == OPEN
        and consult.wave in (policy.WAVE_FIRST, policy.WAVE_EVERYONE)
        and not pending_offers(session, consult.id)
    ):
        advance(session, now, consult.id, consult.wave, consult=consult)


def assignable_candidates(
    session: Session, now: datetime, consult: Consult
) -> dict[int, tuple[policy.Candidate, str]]:
    """Every consultant with the facts a coordinator's direct offer is judged by."""
    facts = queries.ConsultFacts.of(consult)
    expertise = topics.resolve(consult.topic, session).expertise
    return {
        c.consultant_id: (c, name)
        for c, name in queries.all_candidates(session, facts, now, expertise)
    }
