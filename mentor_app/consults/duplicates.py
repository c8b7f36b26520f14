"""Duplicate requests (issue 17, item 7): a mentor who taps twice, or asks again about the same
case, should see it and be able to keep one.

- `twins(consult)`: the same mentor's other requests still open or being handled on the same
  topic, or about the same case (when it has one), newest first;
- `merge(consult, into)`: cancels `consult` (its offers withdrawn with a replacement
  notification, as any cancel) and keeps `into`, which must be one of its twins; audited;
- `row_facts`: the date and case code that tell a mentor's rows in "My consults" apart.
Services take the session and `now`, flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import services
from mentor_app.consults.errors import Conflict
from mentor_app.consults.models import Case, Consult, ConsultStatus

LIVE = (ConsultStatus.OPEN.value, ConsultStatus.ACCEPTED.value)
TWINS_SHOWN = 3


def twins(session: Session, consult: Consult) -> list[Consult]:
    """The mentor's other live requests on the same topic or the same case."""
    same = [Consult.topic == consult.topic]
    if consult.case_id is not None:
        same.append(Consult.case_id == consult.case_id)
    return list(
        session.scalars(
            select(Consult)
            .where(Consult.mentor_id == consult.mentor_id, Consult.id != consult.id)
            .where(Consult.status.in_(LIVE), or_(*same))
            .order_by(Consult.created_at.desc(), Consult.id.desc())
            .limit(TWINS_SHOWN)
        )
    )


def merge(
    session: Session,
    now: datetime,
    consult: Consult,
    into_id: int,
    mentor: User,
    ip: str | None = None,
) -> Consult:
    """Cancels `consult` in favour of its twin `into_id` and returns the twin. Raises Conflict
    when `into_id` is not (or no longer) a live twin, or `consult` is no longer open."""
    keep = next((t for t in twins(session, consult) if t.id == into_id), None)
    if keep is None:
        raise Conflict(_("That request is no longer open on the same topic or case."))
    services.cancel(session, now, consult, mentor, ip)
    audit.record(
        session,
        now,
        "consult.merged",
        actor_id=mentor.id,
        object_type="consult",
        object_id=consult.id,
        ip=ip,
        details={"into": keep.id},
    )
    return keep


@dataclass(frozen=True)
class RowFacts:
    created_at: datetime
    case_code: str | None


def row_facts(session: Session, mentor_id: int, ids: list[int]) -> dict[int, RowFacts]:
    """For the mentor's own list: when each request was made and its case code."""
    if not ids:
        return {}
    rows = session.execute(
        select(Consult.id, Consult.created_at, Case.code)
        .outerjoin(Case, Case.id == Consult.case_id)
        .where(Consult.mentor_id == mentor_id, Consult.id.in_(ids))
    ).all()
    return {cid: RowFacts(created, code) for cid, created, code in rows}
