"""Account actions: create and invite users, sign in, sessions, two-factor, disable.

Services take the session and `now`, flush, and never commit.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentor_app.accounts import passwords, totp
from mentor_app.accounts.models import ROLE_VALUES, Invitation, RecoveryCode, User, UserSession
from mentor_app.accounts.sessions import (  # noqa: F401 - the accounts services, in one place
    SessionLimits,
    end_all_sessions,
    end_other_sessions,
    end_session,
    load_session,
    sign_out_everywhere,
    sign_out_others,
    start_session,
    token_hash,
)
from mentor_app.audit import services as audit


class AccountError(ValueError):
    """A user-facing refusal; the message is safe to show."""


class WrongPassword(AccountError):
    """The current password given to confirm a change was not right (throttled, audited)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    now: datetime,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str | None,
    languages: list[str] | None = None,
    check_password: bool = True,
) -> User:
    if role not in ROLE_VALUES:
        raise AccountError(f"Unknown role {role!r}; use one of {', '.join(ROLE_VALUES)}.")
    email = normalise_email(email)
    if find_user_by_email(session, email):
        raise AccountError("An account with this e-mail address already exists.")
    if password is not None and check_password:
        problems = passwords.password_problems(password, [email, display_name])
        if problems:
            raise AccountError(" ".join(problems))
    user = User(
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=passwords.hash_password(password) if password else None,
        languages=",".join(languages or ["en"]),
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


# --- invitations -----------------------------------------------------------------------------


def invite(
    session: Session,
    now: datetime,
    *,
    inviter: User,
    email: str,
    display_name: str,
    role: str,
    ttl: timedelta,
    ip: str | None = None,
) -> tuple[Invitation, str]:
    """Returns the invitation and its one-time token (only ever shown to the coordinator)."""
    if role not in ROLE_VALUES:
        raise AccountError("Unknown role.")
    email = normalise_email(email)
    if find_user_by_email(session, email):
        raise AccountError("An account with this e-mail address already exists.")
    # A new invitation replaces any open one for the same address.
    session.execute(
        update(Invitation)
        .where(Invitation.email == email, Invitation.used_at.is_(None))
        .where(Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=token_hash(token),
        email=email,
        display_name=display_name.strip(),
        role=role,
        invited_by_id=inviter.id,
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(invitation)
    session.flush()
    audit.record(
        session,
        now,
        "invitation.created",
        actor_id=inviter.id,
        object_type="invitation",
        object_id=invitation.id,
        ip=ip,
        details={"role": role},
    )
    return invitation, token


def open_invitation(session: Session, now: datetime, token: str) -> Invitation | None:
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    )
    if invitation is None or invitation.used_at or invitation.revoked_at:
        return None
    if invitation.expires_at <= now:
        return None
    return invitation


def open_invitation_by_id(
    session: Session, now: datetime, invitation_id: object
) -> Invitation | None:
    """The invitation a browser opened earlier (its id kept in the signed session)."""
    if not isinstance(invitation_id, int) or isinstance(invitation_id, bool):
        return None
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.used_at or invitation.revoked_at:
        return None
    return invitation if invitation.expires_at > now else None


def accept_invitation(
    session: Session, now: datetime, token: str, password: str, ip: str | None = None
) -> User:
    invitation = open_invitation(session, now, token)
    if invitation is None:
        raise AccountError(_("This invitation link is no longer valid. Ask your coordinator."))
    return accept_opened(session, now, invitation, password, ip)


def accept_opened(
    session: Session, now: datetime, invitation: Invitation, password: str, ip: str | None = None
) -> User:
    # Claim it with a conditional update, so a double submit cannot create two accounts.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise AccountError(_("This invitation link has already been used."))
    user = create_user(
        session,
        now,
        email=invitation.email,
        display_name=invitation.display_name,
        role=invitation.role,
        password=password,
    )
    audit.record(
        session,
        now,
        "invitation.accepted",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"invitation_id": invitation.id, "role": user.role},
    )
    return user


def set_disabled(
    session: Session, now: datetime, actor: User, user: User, disabled: bool, ip: str | None = None
) -> None:
    if actor.id == user.id and disabled:
        raise AccountError("You cannot disable your own account.")
    user.is_disabled = disabled
    if disabled:
        end_all_sessions(session, now, user, "disabled")
        _settle_standing(session, now, user, "disabled", force=False)
    audit.record(
        session,
        now,
        "user.disabled" if disabled else "user.enabled",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )


def change_role(
    session: Session, now: datetime, actor: User, user: User, role: str, ip: str | None = None
) -> None:
    if role not in ROLE_VALUES:
        raise AccountError("Unknown role.")
    if actor.id == user.id:
        raise AccountError("You cannot change your own role.")
    old = user.role
    user.role = role
    # A new role may need two-factor or lose access: make the user sign in again.
    end_all_sessions(session, now, user, "role_changed")
    if old != role:
        # Whatever was offered to them in the old role no longer fits the new one.
        _settle_standing(session, now, user, "role_changed", force=True)
    audit.record(
        session,
        now,
        "user.role_changed",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"from": old, "to": role},
    )


def check_password(
    session: Session, now: datetime, user: User, password: str, ip: str | None, stage: str
) -> bool:
    """A signed-in user proves their password again (Settings, replacing two-factor). A wrong
    one is audited like a failed sign-in; the caller throttles (views.py)."""
    if passwords.verify_password(user.password_hash, password):
        return True
    audit.record(session, now, "login.failed", actor_id=user.id, ip=ip, details={"stage": stage})
    return False


def _settle_standing(session: Session, now: datetime, user: User, why: str, force: bool) -> None:
    """Consults follow a change of standing in the same transaction: offers withdrawn, held
    consults back to routing (mentor_app/consults/standing.py)."""
    from mentor_app.consults import standing

    session.flush()
    standing.settle(session, now, user.id, why=why, force=force)


def change_password(
    session: Session,
    now: datetime,
    user: User,
    current: str,
    new: str,
    ip: str | None = None,
    keep: UserSession | None = None,
) -> int:
    """Sets a new password and ends every other session (someone who knew the old one may be
    signed in). Returns how many sessions ended."""
    if not check_password(session, now, user, current, ip, "settings"):
        raise WrongPassword(_("Your current password is not right."))
    problems = passwords.password_problems(new, [user.email, user.display_name])
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = passwords.hash_password(new)
    ended = end_other_sessions(session, now, user, keep, "password_changed")
    audit.record(
        session,
        now,
        "user.password_changed",
        actor_id=user.id,
        ip=ip,
        details={"other_sessions_ended": ended},
    )
    return ended


# --- two-factor ------------------------------------------------------------------------------


def verify_totp(session: Session, now: datetime, user: User, code: str) -> bool:
    """A code from the app (once only) or an unused recovery code."""
    secret = totp.decrypt_secret(user.totp_secret) if user.totp_secret else None
    if secret:
        step = totp.matching_step(secret, code, now, user.totp_last_step)
        if step is not None:
            # Conditional update: two requests racing with one code cannot both win.
            won = session.execute(
                update(User)
                .where(User.id == user.id)
                .where((User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)
                .execution_options(synchronize_session=False)
            )
            if won.rowcount == 1:
                user.totp_last_step = step
                return True
            return False
    return _use_recovery_code(session, now, user, code)


def _use_recovery_code(session: Session, now: datetime, user: User, code: str) -> bool:
    if len(code) > 32:
        return False
    used = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .where(RecoveryCode.code_hash == totp.hash_recovery_code(code))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def enable_totp(
    session: Session,
    now: datetime,
    user: User,
    secret: str,
    code: str,
    ip: str | None = None,
    keep: UserSession | None = None,
    replacing: bool = False,
) -> list[str] | None:
    """Turns two-factor on (or, with `replacing`, puts a new authenticator in place of the old)
    if `code` matches `secret`. Returns the recovery codes (shown once), or None for a wrong
    code. Every other session of the user ends: whoever else was signed in did not prove this
    factor. A first enrolment is a conditional update, so of two sessions enrolling at once
    only one wins (the other gets AccountError)."""
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        return None
    claim = update(User).where(User.id == user.id)
    if not replacing:
        claim = claim.where(User.totp_enabled_at.is_(None))
    won = session.execute(
        claim.values(
            totp_secret=totp.encrypt_secret(secret),
            totp_enabled_at=now,
            totp_last_step=step,
            totp_failures=0,
            totp_locked_until=None,
        ).execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise AccountError(_("Two-factor authentication is already on. Sign in again."))
    session.refresh(user)
    codes = totp.new_recovery_codes()
    user.recovery_codes.clear()
    session.flush()
    for code_text in codes:
        user.recovery_codes.append(RecoveryCode(code_hash=totp.hash_recovery_code(code_text)))
    ended = end_other_sessions(session, now, user, keep, "two_factor_changed")
    audit.record(
        session,
        now,
        "user.2fa_replaced" if replacing else "user.2fa_enabled",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"other_sessions_ended": ended},
    )
    return codes


def set_totp_secret_directly(session: Session, now: datetime, user: User, secret: str) -> None:
    """For provisioning from the command line (`create-user --totp-secret`)."""
    user.totp_secret = totp.encrypt_secret(secret)
    user.totp_enabled_at = now
    session.flush()
