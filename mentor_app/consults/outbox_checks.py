"""The consult domain's answers to "is this message's reason still standing?" (see
mentor_app/notifications/relevance.py), asked just before each send.

- an offer (or a coordinator's assignment) stands while the consult is open and the offer to
  that consultant is still `offered`;
- "taken"/"withdrawn" replaces an offer on the phone, so it waits while an offer row of the same
  consult to the same person is still being sent (it must arrive after it, not before);
- "no one has accepted yet" stands while the consult is open;
- a thread message stands while its recipient is still the consult's mentor or consultant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from mentor_app.consults.models import Consult, ConsultOffer, ConsultStatus, OfferState
from mentor_app.notifications import relevance
from mentor_app.notifications.models import OutboxMessage, OutboxState
from mentor_app.notifications.relevance import Verdict

OFFER_KINDS = ("consult.offer", "consult.assigned")
REPLACEMENT_KINDS = ("consult.taken", "consult.withdrawn")


def offer_stands(session: Session, now: datetime, row: OutboxMessage) -> Verdict:
    if row.consult_id is None:
        return Verdict.OBSOLETE
    open_offer = session.scalar(
        select(
            exists().where(
                ConsultOffer.consult_id == row.consult_id,
                ConsultOffer.consultant_id == row.user_id,
                ConsultOffer.state == OfferState.OFFERED.value,
                Consult.id == ConsultOffer.consult_id,
                Consult.status == ConsultStatus.OPEN.value,
            )
        )
    )
    return Verdict.SEND if open_offer else Verdict.OBSOLETE


def replacement_after_offer(session: Session, now: datetime, row: OutboxMessage) -> Verdict:
    in_flight = session.scalar(
        select(
            exists().where(
                OutboxMessage.consult_id == row.consult_id,
                OutboxMessage.user_id == row.user_id,
                OutboxMessage.kind.in_(OFFER_KINDS),
                OutboxMessage.state == OutboxState.SENDING.value,
                OutboxMessage.id != row.id,
            )
        )
    )
    return Verdict.WAIT if in_flight else Verdict.SEND


def still_open(session: Session, now: datetime, row: OutboxMessage) -> Verdict:
    status = session.scalar(select(Consult.status).where(Consult.id == row.consult_id))
    return Verdict.SEND if status == ConsultStatus.OPEN.value else Verdict.OBSOLETE


def still_a_party(session: Session, now: datetime, row: OutboxMessage) -> Verdict:
    consult = session.execute(
        select(Consult.mentor_id, Consult.consultant_id).where(Consult.id == row.consult_id)
    ).first()
    if consult is None:
        return Verdict.OBSOLETE
    return Verdict.SEND if row.user_id in tuple(consult) else Verdict.OBSOLETE


def register() -> None:
    relevance.register(*OFFER_KINDS, check=offer_stands)
    relevance.register(*REPLACEMENT_KINDS, check=replacement_after_offer)
    relevance.register("consult.waiting", check=still_open)
    relevance.register("consult.message", check=still_a_party)
