"""Server-side sessions: start, load (with the idle and absolute limits), end one, end all or
all but the current one. Services: take the session and `now`, flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from mentor_app.accounts.models import User, UserSession
from mentor_app.audit import services as audit


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


def end_other_sessions(
    session: Session, now: datetime, user: User, keep: UserSession | None, reason: str
) -> int:
    """Ends every session of `user` but `keep` (the one making the change). Returns how many
    ended. The version bump refuses any older session; `keep` moves to the new version."""
    user.session_version += 1
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
        keep.user_version = user.session_version
    ended = session.execute(query.values(ended_at=now, ended_reason=reason))
    session.flush()
    return max(int(ended.rowcount or 0), 0)


def sign_out_others(
    session: Session, now: datetime, user: User, keep: UserSession | None, ip: str | None = None
) -> int:
    """ "Sign out my other devices" in Settings."""
    ended = end_other_sessions(session, now, user, keep, "signed_out_by_user")
    audit.record(
        session,
        now,
        "user.signed_out_other_devices",
        actor_id=user.id,
        object_type="user",
        object_id=user.id,
        ip=ip,
        details={"sessions": ended},
    )
    return ended


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
