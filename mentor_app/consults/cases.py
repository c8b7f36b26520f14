"""Cases: pseudonymous codes a mentor holds (their caseload), and who is kept away from them.

No client names anywhere: the app generates the code (K-7F3Q); the mentor keeps the key to
who it is in their own records, outside this app.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden as HTTPForbidden
from werkzeug.exceptions import NotFound

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import routing
from mentor_app.consults.errors import Invalid
from mentor_app.consults.models import Case, CaseExclusion, Consult
from mentor_app.consults.vocab import EXCLUSION_REASONS, LANGUAGE_RE, REGION_MAX

# No 0/O or 1/I: codes are read aloud and copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_ATTEMPTS = 8


def new_code(length: int = 4) -> str:
    return "K-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def create_case(
    session: Session,
    now: datetime,
    mentor: User,
    *,
    language: str,
    region: str = "",
    ip: str | None = None,
) -> Case:
    if mentor.role != "mentor":
        raise Invalid(_("Only mentors hold cases."))
    if not isinstance(language, str) or not LANGUAGE_RE.match(language):
        raise Invalid(_("Choose a language."))
    region = (region or "").strip()
    if len(region) > REGION_MAX:
        raise Invalid(_("A region is at most %(n)s characters.", n=REGION_MAX))
    for attempt in range(CODE_ATTEMPTS):
        # Four characters give 1,048,576 codes; longer ones if the space gets crowded.
        case = Case(
            code=new_code(4 if attempt < 4 else 6),
            mentor_id=mentor.id,
            language=language,
            region=region,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(case)
                session.flush()
        except IntegrityError:
            continue
        audit.record(
            session,
            now,
            "case.created",
            actor_id=mentor.id,
            object_type="case",
            object_id=case.id,
            ip=ip,
        )
        return case
    raise Invalid(_("Could not make a new case code; please try again."))


def caseload(session: Session, mentor_id: int, include_closed: bool = False) -> list[Case]:
    query = select(Case).where(Case.mentor_id == mentor_id)
    if not include_closed:
        query = query.where(Case.closed_at.is_(None))
    return list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc())))


def find_own_case(session: Session, mentor_id: int, code: str) -> Case | None:
    """A case code counts only in its own mentor's hands; anyone else's is 'unknown'."""
    return session.scalar(
        select(Case).where(Case.code == code.strip().upper(), Case.mentor_id == mentor_id)
    )


def get_case_for(session: Session, user: User, case_id: int) -> Case:
    """The case manager and coordinators see a case; anyone else gets 404 (mentors) or 403."""
    if user.role == "consultant":
        raise HTTPForbidden()
    case = session.get(Case, case_id)
    if case is None or (user.role == "mentor" and case.mentor_id != user.id):
        raise NotFound()
    return case


def set_closed(session: Session, now: datetime, case: Case, user: User, closed: bool) -> None:
    case.closed_at = now if closed else None
    session.flush()
    audit.record(
        session,
        now,
        "case.closed" if closed else "case.reopened",
        actor_id=user.id,
        object_type="case",
        object_id=case.id,
    )


@dataclass(frozen=True)
class ExclusionRow:
    id: int
    consultant_id: int
    consultant_name: str
    kind: str
    reason: str
    created_at: datetime


def exclusions(session: Session, case_id: int) -> list[ExclusionRow]:
    rows = session.execute(
        select(CaseExclusion, User.display_name)
        .join(User, User.id == CaseExclusion.consultant_id)
        .where(CaseExclusion.case_id == case_id)
        .order_by(CaseExclusion.created_at)
    )
    return [
        ExclusionRow(x.id, x.consultant_id, name, x.kind, x.reason, x.created_at)
        for x, name in rows
    ]


def excludable_consultants(session: Session, case_id: int) -> list[tuple[int, str]]:
    """Consultants (and coordinators, who may be offered unanswered requests) not yet kept
    away from this case, by name."""
    taken = select(CaseExclusion.consultant_id).where(CaseExclusion.case_id == case_id)
    rows = session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_(("consultant", "coordinator")), User.is_disabled.is_(False))
        .where(User.id.not_in(taken))
        .order_by(User.display_name, User.id)
    )
    return [(row.id, row.display_name) for row in rows]


def add_exclusion(
    session: Session,
    now: datetime,
    case: Case,
    actor: User,
    consultant_id: int,
    reason: str,
    ip: str | None = None,
) -> None:
    if reason not in EXCLUSION_REASONS:
        raise Invalid(_("Choose a reason from the list."))
    target = session.get(User, consultant_id)
    if target is None or target.role not in ("consultant", "coordinator"):
        raise Invalid(_("Choose a consultant from the list."))
    if not exclude(session, now, case.id, consultant_id, "excluded", reason, actor.id):
        raise Invalid(_("This consultant is already kept away from this case."))
    audit.record(
        session,
        now,
        "case.exclusion_added",
        actor_id=actor.id,
        object_type="case",
        object_id=case.id,
        ip=ip,
        details={"consultant_id": consultant_id, "reason": reason},
    )


def remove_exclusion(
    session: Session, now: datetime, case: Case, actor: User, exclusion_id: int
) -> None:
    row = session.get(CaseExclusion, exclusion_id)
    if row is None or row.case_id != case.id:
        raise NotFound()
    session.execute(delete(CaseExclusion).where(CaseExclusion.id == exclusion_id))
    session.flush()
    audit.record(
        session,
        now,
        "case.exclusion_removed",
        actor_id=actor.id,
        object_type="case",
        object_id=case.id,
        details={"consultant_id": row.consultant_id, "kind": row.kind},
    )


def exclude(
    session: Session,
    now: datetime,
    case_id: int,
    consultant_id: int,
    kind: str,
    reason: str,
    actor_id: int,
) -> bool:
    """Keeps a consultant away from a case; standing offers on its open consults are
    withdrawn. Returns False if they were already kept away."""
    already = session.scalar(
        select(CaseExclusion.id).where(
            CaseExclusion.case_id == case_id, CaseExclusion.consultant_id == consultant_id
        )
    )
    if already is not None:
        return False
    session.add(
        CaseExclusion(
            case_id=case_id,
            consultant_id=consultant_id,
            kind=kind,
            reason=reason,
            created_by_id=actor_id,
            created_at=now,
        )
    )
    session.flush()
    open_ids = session.scalars(
        select(Consult.id).where(Consult.case_id == case_id, Consult.status == "open")
    ).all()
    for consult_id in open_ids:
        consult = routing.lock(session, consult_id)
        if consult is None or consult.status != "open":
            continue
        withdrawn = routing.withdraw_offers(
            session, now, consult, why="excluded", only={consultant_id}
        )
        if withdrawn:
            routing.advance_if_unanswered(session, now, consult)
    return True


def consults_of_case(session: Session, case_id: int) -> list[Consult]:
    return list(
        session.scalars(
            select(Consult).where(Consult.case_id == case_id).order_by(Consult.created_at.desc())
        )
    )
