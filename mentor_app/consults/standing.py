"""Standing: whether someone may take part in consults right now, and what losing it undoes.

Standing is decided at the moment of every action from the person's current state
(ARCHITECTURE rule 11), never from what was true when an offer was made:
- a consultant: account enabled, role consultant, vetting state active, vetted, credential not
  lapsed (`pool.queries.routable_conditions`, the very facts routing offers by);
- a coordinator: account enabled, role coordinator;
- a mentor: account enabled, role mentor (their own consults only: see access.py).

`access.get_consult_for`, the one door to a consult, refuses a consultant without standing, so
accepting, declining, writing, handing back, closing and reading all check it.

A change that can take standing away calls `settle` inside its own transaction (suspension,
disabling, a role change, a credential recorded as expired or a new zone that moves its lapse).
Every standing offer of the person is withdrawn (a queued offer push is cancelled, a delivered
one replaced by "withdrawn": `notify.offer_closed`), the consult's next wave starts at once when
nobody else is left to answer, and a consult they were handling returns to routing with the
mentor told. Losses nobody acts out (a credential lapsing at midnight in the consultant's zone,
an operator's edit in the database) are settled by the worker step `consults-standing` within a
minute; until then the routing query no longer offers them anything and the access check
already refuses them.

Locking follows routing.py: each consult's row first, then its offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, union, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden

from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.consults import notify, routing
from mentor_app.consults.models import Consult, ConsultOffer, ConsultStatus, OfferState
from mentor_app.notifications.services import cancel_pending
from mentor_app.pool.models import ConsultantProfile
from mentor_app.pool.queries import routable_ids_query

OPEN, ACCEPTED = ConsultStatus.OPEN.value, ConsultStatus.ACCEPTED.value
OFFERED, WITHDRAWN = OfferState.OFFERED.value, OfferState.WITHDRAWN.value
REFUSAL = _l(
    "You cannot take part in consults at the moment: your place in the pool has changed "
    "(for example suspended, or your credential has expired). Ask a coordinator."
)


class NoStanding(Forbidden):
    """403 with a message that says why (errors.py shows it as a page or as JSON)."""

    custom_message = True

    def __init__(self) -> None:
        super().__init__(description=str(REFUSAL))


def consultant_in_standing(session: Session, user_id: int, now: datetime) -> bool:
    query = routable_ids_query(now).where(ConsultantProfile.user_id == user_id)
    return session.scalar(query) is not None


def has_standing(session: Session, user: User, now: datetime) -> bool:
    if user.is_disabled:
        return False
    if user.role == Role.CONSULTANT.value:
        return consultant_in_standing(session, user.id, now)
    return user.role in (Role.MENTOR.value, Role.COORDINATOR.value)


@dataclass(frozen=True)
class Settled:
    withdrawn: int = 0  # standing offers withdrawn
    returned: int = 0  # consults they were handling, back in routing

    def __bool__(self) -> bool:
        return bool(self.withdrawn or self.returned)


def settle(
    session: Session, now: datetime, user_id: int, *, why: str, force: bool = False
) -> Settled:
    """Undoes what `user_id` may no longer hold: unless they still have standing (or `force`:
    a role change, after which no earlier offer fits), every standing offer is withdrawn and
    every consult they were handling goes back to routing. Idempotent: a second call finds
    nothing left to do."""
    user = session.get(User, user_id, populate_existing=True)
    if user is None or (not force and has_standing(session, user, now)):
        return Settled()
    withdrawn = sum(
        _withdraw_offer(session, now, cid, user_id) for cid in _offered(session, user_id)
    )
    returned = sum(_return(session, now, cid, user_id, why) for cid in _handled(session, user_id))
    return Settled(withdrawn, returned)


def _offered(session: Session, user_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(ConsultOffer.consult_id)
            .join(Consult, Consult.id == ConsultOffer.consult_id)
            .where(
                ConsultOffer.consultant_id == user_id,
                ConsultOffer.state == OFFERED,
                Consult.status == OPEN,
            )
        )
    )


def _handled(session: Session, user_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(Consult.id).where(Consult.consultant_id == user_id, Consult.status == ACCEPTED)
        )
    )


def _withdraw_offer(session: Session, now: datetime, consult_id: int, user_id: int) -> int:
    consult = routing.lock(session, consult_id)
    if consult is None or consult.status != OPEN:
        return 0
    withdrawn = routing.withdraw_offers(session, now, consult, why="standing", only={user_id})
    if withdrawn:
        audit.record(
            session,
            now,
            "consult.offer_withdrawn",
            object_type="consult",
            object_id=consult.id,
            details={"consultant_id": user_id, "reason": "standing"},
        )
        # Nobody else left to answer: the next wave does not wait for this one.
        routing.advance_if_unanswered(session, now, consult)
    return len(withdrawn)


def _return(session: Session, now: datetime, consult_id: int, user_id: int, why: str) -> int:
    """The consult they were handling goes back to routing, as a hand-back would, and the
    mentor is told; the thread stays with the consult for whoever takes it next."""
    if routing.lock(session, consult_id) is None:
        return 0
    moved = session.execute(
        update(Consult)
        .where(
            Consult.id == consult_id, Consult.status == ACCEPTED, Consult.consultant_id == user_id
        )
        .values(status=OPEN, consultant_id=None, accepted_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return 0
    session.execute(
        update(ConsultOffer)
        .where(ConsultOffer.consult_id == consult_id, ConsultOffer.consultant_id == user_id)
        .values(state=WITHDRAWN, responded_at=now)
        .execution_options(synchronize_session=False)
    )
    # Nothing more about this consult reaches them.
    cancel_pending(session, consult_id=consult_id, user_id=user_id, kinds=notify.THREAD_KINDS)
    consult = routing.reload(session, consult_id)
    audit.record(
        session,
        now,
        "consult.returned",
        object_type="consult",
        object_id=consult.id,
        details={"consultant_id": user_id, "reason": why},
    )
    notify.handler_left(session, now, consult)
    routing.start(session, now, consult)
    return 1


def holders_without_standing(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """People holding a standing offer or handling a consult who no longer have standing."""
    holders = union(
        select(ConsultOffer.consultant_id.label("user_id"))
        .join(Consult, Consult.id == ConsultOffer.consult_id)
        .where(ConsultOffer.state == OFFERED, Consult.status == OPEN),
        select(Consult.consultant_id.label("user_id")).where(
            Consult.status == ACCEPTED, Consult.consultant_id.is_not(None)
        ),
    ).subquery()
    ids = set(session.scalars(select(holders.c.user_id)))
    if not ids:
        return []
    fine = set(
        session.scalars(routable_ids_query(now).where(ConsultantProfile.user_id.in_(ids)))
    ) | set(
        session.scalars(
            select(User.id).where(
                User.id.in_(ids),
                User.role == Role.COORDINATOR.value,
                User.is_disabled.is_(False),
            )
        )
    )
    return sorted(ids - fine)[:limit]
