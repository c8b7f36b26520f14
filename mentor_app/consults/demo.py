"""Demo data for `make run`: a small caseload for the demo mentor, one closed consult with its
outcome and thread, and one open consult being routed."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.consults import cases, services
from mentor_app.consults.models import Consult, ConsultMessage, ConsultOffer

DEMO_MENTOR = "mentor@example.org"
DEMO_CONSULTANT = "consultant@example.org"


def seed(session: Session, now: datetime) -> list[str]:
    mentor = session.scalar(select(User).where(User.email == DEMO_MENTOR))
    consultant = session.scalar(select(User).where(User.email == DEMO_CONSULTANT))
    if mentor is None:
        return []
    caseload = [
        cases.create_case(session, now - timedelta(days=20), mentor, language="sv", region="Malmö"),
        cases.create_case(session, now - timedelta(days=9), mentor, language="sv"),
        cases.create_case(session, now - timedelta(days=2), mentor, language="en"),
    ]
    lines = [f"Consults: cases {', '.join(c.code for c in caseload)} for {DEMO_MENTOR}"]
    if consultant is not None:
        closed = _closed_consult(session, now - timedelta(days=3), mentor, consultant, caseload[0])
        lines.append(f"  closed consult #{closed.id} (advice given, rated helpful)")
    open_consult, _created = services.create(
        session,
        now - timedelta(minutes=1),
        mentor,
        client_key=str(uuid.uuid4()),
        urgency="soon",
        topic="bereavement-illness-in-family",
        case_code=caseload[1].code,
        via="demo",
    )
    lines.append(f"  open consult #{open_consult.id} (soon · bereavement), being routed")
    return lines


def _closed_consult(
    session: Session, at: datetime, mentor: User, consultant: User, case
) -> Consult:  # type: ignore[no-untyped-def]
    consult = Consult(
        mentor_id=mentor.id,
        client_key=str(uuid.uuid4()),
        case_id=case.id,
        urgency="urgent",
        topic="confrontation-rupture",
        language="sv",
        region=case.region,
        note="Client walked out of our meeting after I questioned a new contact.",
        status="closed",
        wave=1,
        routing_started_at=at,
        consultant_id=consultant.id,
        accepted_at=at + timedelta(minutes=2),
        closed_at=at + timedelta(minutes=40),
        outcome="advice",
        outcome_summary="Give it a day, then reconnect on practical matters first; "
        "name the rupture and your part in it before returning to the contact.",
        helpful=True,
        created_at=at,
        updated_at=at + timedelta(minutes=40),
    )
    session.add(consult)
    session.flush()
    session.add(
        ConsultOffer(
            consult_id=consult.id,
            consultant_id=consultant.id,
            wave=1,
            state="accepted",
            offered_at=at,
            responded_at=at + timedelta(minutes=2),
        )
    )
    session.add_all(
        [
            ConsultMessage(
                consult_id=consult.id,
                author_id=consultant.id,
                body="I'm here. Is everyone safe right now?",
                created_at=at + timedelta(minutes=3),
            ),
            ConsultMessage(
                consult_id=consult.id,
                author_id=mentor.id,
                body="Yes. He left angry but not threatening.",
                created_at=at + timedelta(minutes=5),
            ),
        ]
    )
    session.flush()
    return consult
