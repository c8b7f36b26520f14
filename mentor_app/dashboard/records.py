"""The consult record for the mentor's case file: the facts of a closed consult, nothing more.

Case code, dates, urgency, topic, outcome, whether the client agreed, the agreed follow-up date.
Never the thread, the note, the outcome summary or anything about the consultant, so the record
can go into another organisation's file, and it stays the same after retention has purged the
consult's content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.consults.models import Case, Consult


class RecordNotReady(Exception):
    """The consult exists and is the mentor's, but it is not closed yet."""


@dataclass(frozen=True)
class ConsultRecord:
    consult_id: int
    case_code: str | None
    created_at: datetime
    accepted_at: datetime | None
    closed_at: datetime
    urgency: str
    topic: str
    outcome: str | None
    client_agreed: bool | None
    follow_up_on: date | None


def get_record_for(session: Session, user_id: int, consult_id: int) -> ConsultRecord:
    """The record of the user's own closed consult. LookupError (shown as 404) for anyone
    else's consult or one that does not exist; RecordNotReady while it is not closed."""
    row = session.execute(
        select(Consult, Case.code)
        .outerjoin(Case, Case.id == Consult.case_id)
        .where(Consult.id == consult_id, Consult.mentor_id == user_id)
    ).first()
    if row is None:
        raise LookupError("no such consult for this mentor")
    consult, code = row
    if consult.status != "closed" or consult.closed_at is None:
        raise RecordNotReady()
    return ConsultRecord(
        consult_id=consult.id,
        case_code=code,
        created_at=consult.created_at,
        accepted_at=consult.accepted_at,
        closed_at=consult.closed_at,
        urgency=consult.urgency,
        topic=consult.topic,
        outcome=consult.outcome,
        client_agreed=consult.client_agreed,
        follow_up_on=consult.follow_up_on,
    )


@dataclass(frozen=True)
class ClosedConsult:
    consult_id: int
    topic: str
    closed_at: datetime


def recent_closed(
    session: Session, user_id: int, since: datetime, limit: int = 5
) -> list[ClosedConsult]:
    """The mentor's consults closed since `since`, newest first (for the home page)."""
    rows = session.execute(
        select(Consult.id, Consult.topic, Consult.closed_at)
        .where(
            Consult.mentor_id == user_id,
            Consult.status == "closed",
            Consult.closed_at >= since,
        )
        .order_by(Consult.closed_at.desc(), Consult.id.desc())
        .limit(limit)
    ).all()
    return [ClosedConsult(cid, topic, closed_at) for cid, topic, closed_at in rows]
