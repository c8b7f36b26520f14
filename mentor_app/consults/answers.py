"""Answers to an offer: accept (exactly one wins), decline, hand back; and a coordinator's
direct offer. Each starts with a conditional UPDATE or the consult's row lock (see routing.py
for the locking order)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from mentor_app.audit import services as audit
from mentor_app.consults import notify, policy
from mentor_app.consults.errors import Conflict, Invalid
from mentor_app.consults.models import Consult, ConsultOffer, ConsultStatus, OfferState
from mentor_app.consults.routing import (
    OFFERED,
    OPEN,
    advance_if_unanswered,
    assignable_candidates,
    lock,
    make_offers,
    reload,
    start,
    timing_for,
    withdraw_offers,
)
from mentor_app.consults.vocab import DECLINE_REASONS
from mentor_app.metrics import instruments as metrics
from mentor_app.notifications.services import cancel_pending
from mentor_app.pool.models import ConsultantProfile
from mentor_app.pool.queries import routable_ids_query


def _open_consults(session: Session, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Consult)
            .where(Consult.consultant_id == user_id, Consult.status == "accepted")
        )
        or 0
    )


def accept(session: Session, now: datetime, consult: Consult, user_id: int, role: str) -> None:
    """Exactly one accept: the consult moves from open to accepted for whoever's conditional
    UPDATE commits first; everyone after that finds it no longer open (409).

    The consult's row lock comes first: a withdrawal (a suspension, a cancel) that holds it is
    then fully committed before the UPDATE below reads the offer and the standing, rather than
    seen half-way (PostgreSQL re-checks only the updated row after a lock wait, not the
    statement's subqueries)."""
    lock(session, consult.id)
    if role == "consultant":
        limit = session.scalar(
            select(ConsultantProfile.open_consult_limit).where(ConsultantProfile.user_id == user_id)
        )
        if limit is not None and _open_consults(session, user_id) >= limit:
            raise Conflict(
                _(
                    "You already have as many open consults as your limit allows. "
                    "Close one first, or ask a coordinator."
                ),
            )
    holds_offer = exists().where(
        ConsultOffer.consult_id == Consult.id,
        ConsultOffer.consultant_id == user_id,
        ConsultOffer.state == OFFERED,
    )
    conditions = [Consult.id == consult.id, Consult.status == OPEN, holds_offer]
    if role == "consultant":
        # Standing as it is when this statement runs (not when the page was read): a
        # suspension committed a moment ago makes this a 409, never an accept.
        conditions.append(
            routable_ids_query(now).where(ConsultantProfile.user_id == user_id).exists()
        )
    result = session.execute(
        update(Consult)
        .where(*conditions)
        .values(
            status=ConsultStatus.ACCEPTED.value,
            consultant_id=user_id,
            accepted_at=now,
            next_action_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Someone else got there first: this request is no longer open to you."))
    consult = reload(session, consult.id)
    started = consult.routing_started_at or consult.created_at  # a hand-back routes anew
    metrics.consult_accepted(session, consult.urgency, (now - started).total_seconds())
    session.execute(
        update(ConsultOffer)
        .where(ConsultOffer.consult_id == consult.id, ConsultOffer.consultant_id == user_id)
        .values(state=OfferState.ACCEPTED.value, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    withdraw_offers(session, now, consult, why="taken", keep=user_id)
    notify.accepted(session, now, consult)
    audit.record(
        session,
        now,
        "consult.accepted",
        actor_id=user_id,
        object_type="consult",
        object_id=consult.id,
        details={"wave": consult.wave},
    )


def decline(
    session: Session,
    now: datetime,
    consult: Consult,
    user_id: int,
    reason: str | None,
) -> Consult:
    """Records a no. When nobody asked in this wave is left to answer, the next wave starts at
    once. Returns the consult as it is now."""
    if reason is not None and reason not in DECLINE_REASONS:
        raise Invalid(_("Choose one of the listed reasons."))
    consult = lock(session, consult.id) or consult
    result = session.execute(
        update(ConsultOffer)
        .where(
            ConsultOffer.consult_id == consult.id,
            ConsultOffer.consultant_id == user_id,
            ConsultOffer.state == OFFERED,
        )
        .values(state=OfferState.DECLINED.value, responded_at=now, decline_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This request is no longer waiting for your answer."))
    cancel_pending(session, consult_id=consult.id, user_id=user_id, kinds=notify.OFFER_KINDS)
    audit.record(
        session,
        now,
        "consult.declined",
        actor_id=user_id,
        object_type="consult",
        object_id=consult.id,
        details={"reason": reason},
    )
    advance_if_unanswered(session, now, consult)
    return consult


def release(session: Session, now: datetime, consult: Consult, user_id: int) -> None:
    """Hands an accepted consult back: routing starts again without this consultant."""
    result = session.execute(
        update(Consult)
        .where(
            Consult.id == consult.id,
            Consult.status == ConsultStatus.ACCEPTED.value,
            Consult.consultant_id == user_id,
        )
        .values(status=OPEN, consultant_id=None, accepted_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Only the consultant who accepted an open consult can hand it back."))
    session.execute(
        update(ConsultOffer)
        .where(ConsultOffer.consult_id == consult.id, ConsultOffer.consultant_id == user_id)
        .values(state=OfferState.RELEASED.value, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    consult = reload(session, consult.id)
    audit.record(
        session,
        now,
        "consult.released",
        actor_id=user_id,
        object_type="consult",
        object_id=consult.id,
    )
    notify.released(session, now, consult)
    start(session, now, consult)


def assign(
    session: Session, now: datetime, consult: Consult, coordinator_id: int, consultant_id: int
) -> None:
    """A coordinator's direct offer to a consultant of their choice."""
    consult = lock(session, consult.id) or consult
    if consult.status != OPEN:
        raise Conflict(_("This consult is no longer open."))
    chosen = assignable_candidates(session, now, consult).get(consultant_id)
    if chosen is None:
        raise Invalid(_("Choose a consultant from the list."))
    candidate, _name = chosen
    if candidate.offer_state == OFFERED:
        raise Conflict(_("This consultant already has the request."))
    if not policy.assignable(candidate, policy.Request(consult.urgency, now)):
        raise Invalid(_("This consultant cannot take this consult."))
    make_offers(
        session, now, consult, [consultant_id], timing_for(consult), assigned_by=coordinator_id
    )
    audit.record(
        session,
        now,
        "consult.assigned",
        actor_id=coordinator_id,
        object_type="consult",
        object_id=consult.id,
        details={"consultant_id": consultant_id},
    )
