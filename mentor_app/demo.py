"""Demo data for `make run`: one user of each role, and whatever each domain adds.

Domains append a callable `(session, now) -> list[str]` to DEMO_STEPS; each returns lines to
print. Demo passwords and TOTP secrets are printed once, for the person running `make run`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor_app.accounts import services as accounts
from mentor_app.accounts.models import User

DemoStep = Callable[[Session, datetime], list[str]]
DEMO_STEPS: list[DemoStep] = []

DEMO_USERS = [
    # email, name, role, password, languages
    ("mentor@example.org", "Maja Mentor", "mentor", "lantern-harbour-quietly-7", ["sv", "en"]),
    (
        "consultant@example.org",
        "Karl Consultant",
        "consultant",
        "copper-meadow-listens-4",
        ["sv", "en"],
    ),
    (
        "consultant2@example.org",
        "Greta Consultant",
        "consultant",
        "violet-canyon-answers-2",
        ["de", "en"],
    ),
    (
        "coordinator@example.org",
        "Cora Coordinator",
        "coordinator",
        "granite-orchard-keeps-9",
        ["en", "sv", "de"],
    ),
]
# Fixed demo TOTP secrets so the printed values work in any authenticator app.
DEMO_TOTP = {
    "consultant@example.org": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "consultant2@example.org": "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA",
    "coordinator@example.org": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
}


def is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count()).select_from(User)) or 0) == 0


def seed_users(session: Session, now: datetime) -> list[str]:
    lines = ["Demo sign-ins (development only):"]
    for email, name, role, password, languages in DEMO_USERS:
        user = accounts.create_user(
            session,
            now,
            email=email,
            display_name=name,
            role=role,
            password=password,
            languages=languages,
        )
        secret = DEMO_TOTP.get(email)
        if secret:
            accounts.set_totp_secret_directly(session, now, user, secret)
        extra = f"  TOTP secret {secret}" if secret else ""
        lines.append(f"  {role:<12} {email:<26} password {password}{extra}")
    return lines


def seed_demo(session: Session, now: datetime) -> list[str]:
    lines = seed_users(session, now)
    for step in DEMO_STEPS:
        lines.extend(step(session, now))
    return lines
