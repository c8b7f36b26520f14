"""Account actions: create and invite users, sign in, sessions, two-factor, disable.

Services take the session and `now`, flush, and never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from mentor_app.accounts import passwords, totp
from mentor_app.accounts.models import ROLE_VALUES, Invitation, RecoveryCode, User, UserSession
from mentor_app.audit import services as audit


class AccountError(ValueError):
    """A user-facing refusal; the message is safe to show."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def accept_invitation(
    session: Session, now: datetime, token: str, password: str, ip: str | None = None
) -> User:
    invitation = open_invitation(session, now, token)
    if invitation is None:
        raise AccountError("This invitation link is no longer valid. Ask your coordinator.")
    # Claim it with a conditional update, so a double submit cannot create two accounts.
    claimed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise AccountError("This invitation link has already been used.")
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


# --- sessions --------------------------------------------------------------------------------


@dataclass
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def start_session(session: Session, now: datetime, user: User, two_factor_done: bool) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            user_version=user.session_version,
            two_factor_done=two_factor_done,
            created_at=now,
            last_seen_at=now,
        )
    )
    user.last_login_at = now
    session.flush()
    return token


def load_session(
    session: Session, now: datetime, token: str, limits: SessionLimits, touch: bool = True
) -> UserSession | None:
    """The live session for a cookie token, or None. Ends it here if it has run out.

    `touch=False` (a page refreshing itself in the background) checks the session without
    counting as activity, so an unattended screen still signs out after the idle limit."""
    # Every signed-in request starts here: the user comes in the same round trip.
    record = session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == token_hash(token))
    )
    if record is None or record.ended_at is not None:
        return None
    user = record.user
    reason = None
    if user.is_disabled:
        reason = "disabled"
    elif record.user_version != user.session_version:
        reason = "revoked"
    elif now - record.last_seen_at > limits.idle:
        reason = "idle"
    elif now - record.created_at > limits.absolute:
        reason = "absolute"
    if reason:
        record.ended_at = now
        record.ended_reason = reason
        session.flush()
        return None
    # Write last-seen at most once a minute: the idle limit is in minutes.
    if touch and now - record.last_seen_at > timedelta(seconds=60):
        record.last_seen_at = now
        session.flush()
    return record


def end_session(session: Session, now: datetime, token: str, reason: str = "logout") -> None:
    record = session.scalar(select(UserSession).where(UserSession.token_hash == token_hash(token)))
    if record is not None and record.ended_at is None:
        record.ended_at = now
        record.ended_reason = reason
        session.flush()


def end_all_sessions(session: Session, now: datetime, user: User, reason: str) -> None:
    user.session_version += 1
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    session.flush()


def sign_out_everywhere(
    session: Session, now: datetime, actor: User, user: User, ip: str | None = None
) -> None:
    end_all_sessions(session, now, user, "signed_out_everywhere")
    audit.record(
        session,
        now,
        "user.signed_out_everywhere",
        actor_id=actor.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )


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


def _settle_standing(session: Session, now: datetime, user: User, why: str, force: bool) -> None:
    """Consults follow a change of standing in the same transaction: offers withdrawn, held
    consults back to routing (mentor_app/consults/standing.py)."""
    from mentor_app.consults import standing

    session.flush()
    standing.settle(session, now, user.id, why=why, force=force)


def change_password(
    session: Session, now: datetime, user: User, current: str, new: str, ip: str | None = None
) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise AccountError("Your current password is not right.")
    problems = passwords.password_problems(new, [user.email, user.display_name])
    if problems:
        raise AccountError(" ".join(problems))
    user.password_hash = passwords.hash_password(new)
    audit.record(session, now, "user.password_changed", actor_id=user.id, ip=ip)


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
    session: Session, now: datetime, user: User, secret: str, code: str, ip: str | None = None
) -> list[str] | None:
    """Turns two-factor on if `code` matches `secret`. Returns the recovery codes (shown once)."""
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        return None
    user.totp_secret = totp.encrypt_secret(secret)
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = totp.new_recovery_codes()
    user.recovery_codes.clear()
    session.flush()
    for code_text in codes:
        user.recovery_codes.append(RecoveryCode(code_hash=totp.hash_recovery_code(code_text)))
    session.flush()
    audit.record(
        session,
        now,
        "user.2fa_enabled",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    return codes


def set_totp_secret_directly(session: Session, now: datetime, user: User, secret: str) -> None:
    """For provisioning from the command line (`create-user --totp-secret`)."""
    user.totp_secret = totp.encrypt_secret(secret)
    user.totp_enabled_at = now
    session.flush()
