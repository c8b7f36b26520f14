"""Account recovery: a coordinator resets someone's two-factor; password-reset links.

Rules:
- Resetting two-factor (coordinator, not on themselves) removes the authenticator secret and
  the recovery codes and ends every session of the user. A role that requires two-factor is
  sent to enrolment at the next sign-in (views._after_password); a mentor simply has it off.
- A reset link is single use and expires after PASSWORD_RESET_TTL (one hour). Only the token's
  hash is stored. The link travels by e-mail through the outbox (straight to e-mail, never as a
  push: the person at the phone may have lost it) with the token after "#", so it reaches no
  server log; the page exchanges it for the signed session like an invitation.
- A new link replaces any open one for the same user. Using a link sets the password and ends
  every session of the user (it does not lift a second-factor lock: that stays the
  coordinator's call); it is audited, and so are sending and requesting one.
- "Forgot your password?" answers the same whether or not the address has an account; a
  disabled account gets no link.

Services take the session and `now`, flush, and never commit.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.accounts import passwords
from mentor_app.accounts.models import PasswordReset, User
from mentor_app.accounts.services import AccountError, find_user_by_email
from mentor_app.accounts.sessions import end_all_sessions, token_hash
from mentor_app.audit import services as audit
from mentor_app.notifications.models import PushUrgency
from mentor_app.notifications.services import Message, enqueue

RESET_PATH = "/password/reset"


def reset_two_factor(
    session: Session, now: datetime, actor: User, user: User, ip: str | None = None
) -> None:
    """Removes `user`'s second factor so they enrol again at their next sign-in."""
    if actor.id == user.id:
        raise AccountError(_("You cannot reset your own two-factor here; use Settings."))
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.totp_failures = 0
    user.totp_locked_until = None
    user.recovery_codes.clear()
    end_all_sessions(session, now, user, "two_factor_reset")
    audit.record(
        session,
        now,
        "user.2fa_reset",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )


def send_reset_link(
    session: Session,
    now: datetime,
    user: User,
    ttl: timedelta,
    actor: User | None = None,
    ip: str | None = None,
) -> PasswordReset:
    """Creates a link for `user` and queues the e-mail that carries it. `actor` is the
    coordinator who sent it, or None when the user asked on the login page."""
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .where(PasswordReset.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(
        token_hash=token_hash(token),
        user_id=user.id,
        requested_by_id=actor.id if actor else None,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(reset)
    session.flush()
    _email_link(session, now, user, reset, token, ttl)
    audit.record(
        session,
        now,
        "user.password_reset_sent" if actor else "user.password_reset_requested",
        actor_id=actor.id if actor else None,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"reset_id": reset.id},
    )
    return reset


def _email_link(
    session: Session,
    now: datetime,
    user: User,
    reset: PasswordReset,
    token: str,
    ttl: timedelta,
) -> None:
    minutes = int(ttl.total_seconds() // 60)
    with force_locale(user.locale):
        message = Message(
            title=_("Choose a new password for mentor_app"),
            body=_(
                "Someone asked for a new password for your account. The link works once, for "
                "%(minutes)d minutes. If it was not you, ignore this e-mail and tell your "
                "coordinator.",
                minutes=minutes,
            ),
            url=f"{RESET_PATH}#{token}",
            tag="password-reset",
        )
    row = enqueue(
        session,
        now,
        user_id=user.id,
        kind="account.password_reset",
        message=message,
        dedup_key=f"password-reset:{reset.id}",
        urgency=PushUrgency.HIGH,
        ttl=ttl,
    )
    # E-mail only: a reset is for someone who may not have their phone.
    row.fallback_at = now
    session.flush()


def request_reset(
    session: Session, now: datetime, email: str, ttl: timedelta, ip: str | None = None
) -> None:
    """The login page's "Forgot your password?". Returns nothing, whatever the address: the
    page says the same either way."""
    user = find_user_by_email(session, email)
    if user is None or user.is_disabled:
        audit.record(session, now, "user.password_reset_unknown", ip=ip)
        return
    send_reset_link(session, now, user, ttl, actor=None, ip=ip)


def open_reset(session: Session, now: datetime, token: str) -> PasswordReset | None:
    """The unused, unexpired reset for a token from a link, or None."""
    reset = session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token))
    )
    return reset if _usable(reset, now) else None


def open_reset_by_id(session: Session, now: datetime, reset_id: object) -> PasswordReset | None:
    """The reset a browser opened earlier (its id kept in the signed session)."""
    if not isinstance(reset_id, int) or isinstance(reset_id, bool):
        return None
    reset = session.get(PasswordReset, reset_id)
    return reset if _usable(reset, now) else None


def _usable(reset: PasswordReset | None, now: datetime) -> bool:
    return reset is not None and reset.used_at is None and reset.expires_at > now


def complete_reset(
    session: Session, now: datetime, reset: PasswordReset, password: str, ip: str | None = None
) -> User:
    """Sets the new password and ends every session of the user. Raises AccountError for a
    weak password or a link that was used or ran out meanwhile."""
    user = session.get(User, reset.user_id)
    if user is None or user.is_disabled:
        raise AccountError(_("This link is no longer valid. Ask for a new one."))
    problems = passwords.password_problems(password, [user.email, user.display_name])
    if problems:
        raise AccountError(" ".join(problems))
    # Claim it with a conditional update: of two submits with one link, one wins.
    claimed = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .where(PasswordReset.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AccountError(_("This link is no longer valid. Ask for a new one."))
    user.password_hash = passwords.hash_password(password)
    end_all_sessions(session, now, user, "password_reset")
    audit.record(
        session,
        now,
        "user.password_reset",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"reset_id": reset.id},
    )
    return user
