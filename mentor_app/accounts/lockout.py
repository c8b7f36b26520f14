"""The second step's failure lock: a bounded number of guesses, then a long pause.

Rules (config `TOTP_LOCK_AFTER`, `TOTP_LOCK_HOURS`; defaults 20 and 24):
- Every wrong code (authenticator or recovery code, at sign-in or when re-authenticating)
  adds one to the user's count of wrong codes in a row; a right code sets it back to 0.
- When the count reaches TOTP_LOCK_AFTER, the second step is locked for TOTP_LOCK_HOURS: even
  a right code is refused. So someone holding the password gets at most TOTP_LOCK_AFTER
  guesses a day (2 in 50,000 of the million codes), instead of 14,400.
- The lock ends when a coordinator unlocks the account (audited) or the time passes; then the
  count starts again from 0.
- Locking is recorded in the audit log and the user gets an e-mail (through the outbox,
  straight to e-mail whatever the fallback setting): a lock means someone has their password.

Per-account rate limits of sign-in stay as they are (views.py); this lock is the bound over
days that a per-minute limit cannot give.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm import Session

from mentor_app.accounts import services
from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.notifications.models import PushUrgency
from mentor_app.notifications.services import Message, enqueue


@dataclass(frozen=True)
class LockPolicy:
    after: int = 20
    hours: int = 24

    @classmethod
    def from_config(cls, config: dict) -> LockPolicy:
        return cls(max(1, int(config["TOTP_LOCK_AFTER"])), max(1, int(config["TOTP_LOCK_HOURS"])))


class Check(Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


def locked(user: User, now: datetime) -> bool:
    return user.totp_locked_until is not None and user.totp_locked_until > now


def second_factor(
    session: Session,
    now: datetime,
    user: User,
    code: str,
    policy: LockPolicy,
    ip: str | None = None,
) -> Check:
    """Checks a code against the lock. A lock that has run out is lifted first."""
    if user.totp_locked_until is not None and not locked(user, now):
        user.totp_locked_until = None
        user.totp_failures = 0
        session.flush()
    if locked(user, now):
        return Check.LOCKED
    if services.verify_totp(session, now, user, code):
        if user.totp_failures:
            user.totp_failures = 0
            session.flush()
        return Check.OK
    _count_failure(session, now, user, policy, ip)
    return Check.LOCKED if locked(user, now) else Check.WRONG


def _count_failure(
    session: Session, now: datetime, user: User, policy: LockPolicy, ip: str | None
) -> None:
    # One statement, so parallel guesses each count.
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(totp_failures=User.totp_failures + 1)
        .execution_options(synchronize_session=False)
    )
    until = now + timedelta(hours=policy.hours)
    won = session.execute(
        update(User)
        .where(User.id == user.id, User.totp_failures >= policy.after)
        .where(User.totp_locked_until.is_(None) | (User.totp_locked_until <= now))
        .values(totp_locked_until=until)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["totp_failures", "totp_locked_until"])
    if won.rowcount == 1:  # this guess locked it: tell once
        audit.record(
            session,
            now,
            "user.2fa_locked",
            object_type="user",
            object_id=user.id,
            ip=ip,
            details={"failures": user.totp_failures, "hours": policy.hours},
        )
        _tell(session, now, user, until)


def _tell(session: Session, now: datetime, user: User, until: datetime) -> None:
    with force_locale(user.locale):
        message = Message(
            title=_("Sign-in to mentor_app locked"),
            body=_(
                "Too many wrong two-factor codes were entered for your account, so signing in "
                "is locked. Someone may know your password: ask your coordinator to unlock it, "
                "then change it."
            ),
            url="/login",
            tag="account-lock",
        )
    row = enqueue(
        session,
        now,
        user_id=user.id,
        kind="account.2fa_locked",
        message=message,
        dedup_key=f"u{user.id}:2fa-locked:{int(until.timestamp())}",
        urgency=PushUrgency.HIGH,
        ttl=timedelta(days=2),
    )
    # By e-mail, not as a push: the person at the phone may be the one guessing.
    row.fallback_at = now
    session.flush()


def unlock(session: Session, now: datetime, actor: User, user: User, ip: str | None = None) -> bool:
    """A coordinator lifts the lock (and the count). Returns whether there was one."""
    was_locked = locked(user, now) or bool(user.totp_failures)
    user.totp_locked_until = None
    user.totp_failures = 0
    session.flush()
    audit.record(
        session,
        now,
        "user.2fa_unlocked",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    return was_locked
