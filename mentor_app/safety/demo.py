"""Demo data for `make run`: the demo mentor's safety settings (phone number, the demo
coordinator as safety contact, safety PIN 2468 and duress PIN 1357), so a visit, a check-in
and an alarm can be tried at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.safety.models import SafetyContact, SafetyProfile

DEMO_MENTOR = "mentor@example.org"
DEMO_PHONE = "+46 70 000 00 00"
DEMO_PINS = ("2468", "1357")


def seed(session: Session, now: datetime) -> list[str]:
    from mentor_app.accounts.passwords import hash_password

    mentor = session.scalar(select(User).where(User.email == DEMO_MENTOR))
    coordinator = session.scalar(select(User).where(User.role == "coordinator").order_by(User.id))
    if mentor is None or session.get(SafetyProfile, mentor.id) is not None:
        return []
    session.add(
        SafetyProfile(
            user_id=mentor.id,
            phone=DEMO_PHONE,
            safety_pin_hash=hash_password(DEMO_PINS[0]),
            duress_pin_hash=hash_password(DEMO_PINS[1]),
            updated_at=now,
        )
    )
    if coordinator is not None:
        session.add(SafetyContact(mentor_id=mentor.id, contact_id=coordinator.id, created_at=now))
    session.flush()
    return [f"Safety: {DEMO_MENTOR} has safety PIN {DEMO_PINS[0]}, duress PIN {DEMO_PINS[1]}"]
