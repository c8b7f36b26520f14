"""Demo data for `make run`: one user of each role, and whatever each domain adds.

Domains append a callable `(session, now) -> list[str]` to DEMO_STEPS; each returns lines to
print. Demo passwords and TOTP secrets are printed for the person running `make run`, at every
start, by `flask demo-logins` (for the demo users that exist in this database).
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


def _login_line(email: str, role: str, password: str) -> str:
    secret = DEMO_TOTP.get(email)
    extra = f"  TOTP secret {secret}" if secret else ""
    return f"  {role:<12} {email:<26} password {password}{extra}"


def login_block() -> list[str]:
    """The lines `seed_users` prints: a heading and one line per demo user."""
    return [LOGIN_HEADING, *(_login_line(e, r, p) for e, _n, r, p, _l in DEMO_USERS)]


def login_lines(session: Session) -> list[str]:
    """The sign-ins of the demo users present in this database (their demo password and
    TOTP secret, as seeded; a changed password is not known here), or a hint when none is."""
    emails = [email for email, *_rest in DEMO_USERS]
    present = set(session.scalars(select(User.email).where(User.email.in_(emails))))
    lines = [_login_line(e, r, p) for e, _n, r, p, _l in DEMO_USERS if e in present]
    if not lines:
        return ["No demo users in this database (`flask --app mentor_app seed-demo` adds them)."]
    return [LOGIN_HEADING, *lines]


LOGIN_HEADING = "Demo sign-ins (development only):"


def seed_users(session: Session, now: datetime) -> list[str]:
    lines = [LOGIN_HEADING]
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
        lines.append(_login_line(email, role, password))
    return lines


def seed_demo(session: Session, now: datetime) -> list[str]:
    lines = seed_users(session, now)
    for step in DEMO_STEPS:
        lines.extend(step(session, now))
    return lines
