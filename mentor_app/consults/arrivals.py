"""Someone comes on call: offer them, at once, what is already waiting (issue 17, item 2).

A consultant who switches to "available now" (or whose shift starts, or whose pause ends)
should not wait for the next periodic re-offer, minutes or hours away, to see the requests
that are already past their first wave. So:
- `offer_waiting(consultant)` runs in the same transaction as the switch (pool/switches.py):
  every open consult past its first wave that has no offer to this person yet (a withdrawn one
  counts as none) is offered to them if routing would offer it to them now, by the very rule
  the "everyone eligible" wave uses (`routing.ranked_candidates`: eligibility, the soft cap);
- the worker step `consults-arrivals` (worker_steps.py) does the same for whoever came on call
  by the clock: an on-call window that began, or a pause that ended, in the last
  ARRIVAL_LOOKBACK. Running it again changes nothing (an offer is made once; a decline stays).
Consults in their first wave are left alone: the first wave is deliberately small, and the next
step widens it on time.

Locking as in routing.py: each consult's row first (routing.lock), then its offers. The caller
may hold the consultant's profile lock; nothing that holds a consult's lock waits on a
profile's, so the order cannot turn into a circle.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.consults import policy, routing
from mentor_app.consults.models import Consult, ConsultOffer, ConsultStatus, OfferState
from mentor_app.pool.models import ConsultantProfile, OnCallWindow

OPEN = ConsultStatus.OPEN.value
ARRIVAL_LOOKBACK = timedelta(minutes=2)
URGENCY_ORDER = {"urgent": 0, "soon": 1, "routine": 2}


def waiting_for(session: Session, consultant_id: int) -> list[int]:
    """Open consults past their first wave with no live or answered offer to this person:
    urgent first, then the oldest."""
    answered = select(ConsultOffer.consult_id).where(
        ConsultOffer.consultant_id == consultant_id,
        ConsultOffer.state != OfferState.WITHDRAWN.value,
    )
    rows = session.execute(
        select(Consult.id, Consult.urgency)
        .where(Consult.status == OPEN, Consult.wave > policy.WAVE_FIRST)
        .where(Consult.id.not_in(answered))
        .order_by(Consult.created_at, Consult.id)
    ).all()
    return [cid for cid, urgency in sorted(rows, key=lambda r: URGENCY_ORDER.get(r[1], 3))]


def offer_waiting(session: Session, now: datetime, consultant_id: int) -> list[int]:
    """Offers `consultant_id` every waiting consult routing would offer them now. Returns the
    ids of the consults offered (each with its push queued)."""
    offered = []
    for consult_id in waiting_for(session, consultant_id):
        consult = routing.lock(session, consult_id)
        if consult is None or consult.status != OPEN or consult.wave <= policy.WAVE_FIRST:
            continue  # accepted, cancelled or re-routed meanwhile
        ranked = routing.ranked_candidates(session, consult, now)
        if not any(c.consultant_id == consultant_id for c in ranked):
            continue
        made = routing.make_offers(
            session, now, consult, [consultant_id], routing.timing_for(consult)
        )
        if made:
            offered.append(consult_id)
            audit.record(
                session,
                now,
                "consult.offered_on_arrival",
                object_type="consult",
                object_id=consult_id,
                details={"wave": consult.wave},
            )
    return offered


def arrived_since(session: Session, now: datetime, since: datetime) -> list[int]:
    """Consultants who came on call by the clock in (since, now]: a window began, or a pause
    ended. (Whether they are on call and routable now is routing's question.)"""
    window_began = select(OnCallWindow.consultant_id).where(
        OnCallWindow.starts_at > since, OnCallWindow.starts_at <= now
    )
    pause_ended = select(ConsultantProfile.user_id).where(
        ConsultantProfile.paused_until > since, ConsultantProfile.paused_until <= now
    )
    ids = session.scalars(
        select(ConsultantProfile.user_id).where(
            or_(
                ConsultantProfile.user_id.in_(window_began),
                ConsultantProfile.user_id.in_(pause_ended),
            )
        )
    )
    return sorted(set(ids))
