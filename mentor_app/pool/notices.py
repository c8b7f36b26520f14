"""Credential-expiry notices: 30 days ahead, and on the day a credential lapses.

Routing drops a consultant with an expired credential by itself, at the instant the day after
the expiry date begins in the consultant's zone (`credential_lapses_at`); these notices make
sure nobody is surprised by it, and "30 days" and "lapsed" are counted on the consultant's own
calendar too (mentor_app/timeutil.py). Texts are generic (no names, no numbers): the
consultant and every coordinator are told to look at the pool. Each message has a dedup key per
consultant, expiry date and recipient, so a re-run never sends it twice. Queued by the worker,
outside any request: each text is rendered in its recipient's own language as it is queued.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts.models import Role, User
from mentor_app.i18n.render import N_, in_language, language_of, render
from mentor_app.notifications.models import OutboxMessage, PushUrgency
from mentor_app.notifications.services import Message, enqueue
from mentor_app.pool import vetting
from mentor_app.pool.models import ConsultantProfile

WARN_AHEAD = timedelta(days=30)
# After a worker outage, lapses this recent are still announced; older ones are not news.
LAPSE_GRACE = timedelta(days=7)
DAY = timedelta(days=1)
MESSAGE_TTL = timedelta(days=3)


def _coordinators(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(User.role == Role.COORDINATOR.value, User.is_disabled.is_(False))
        )
    )


def _send(
    session: Session,
    now: datetime,
    recipients: list[int],
    kind: str,
    key: str,
    messages: tuple[Message, Message],
    consultant_id: int,
) -> int:
    """messages = (to the consultant, to coordinators), their title and body English msgids
    (marked N_), rendered per recipient. Returns how many were newly queued."""
    keys = {user_id: f"{key}:{user_id}" for user_id in recipients}
    queued = set(
        session.scalars(
            select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys.values()))
        )
    )
    sent = 0
    for user_id in recipients:
        if keys[user_id] in queued:
            continue
        source = messages[0] if user_id == consultant_id else messages[1]
        with in_language(language_of(session, user_id)):
            message = Message(render(source.title), render(source.body), source.url, source.tag)
        enqueue(
            session,
            now,
            user_id=user_id,
            kind=kind,
            message=message,
            dedup_key=keys[user_id],
            urgency=PushUrgency.LOW,
            ttl=MESSAGE_TTL,
        )
        sent += 1
    return sent


def warn_expiring(session: Session, now: datetime) -> int:
    """Consultants whose credential expires within 30 days and who were not warned for this
    expiry date yet: a notice to them and to every coordinator; `expiry_warned_on` records it."""
    utc_today = now.date()  # a coarse cut only: every zone's date is within a day of it
    profiles = session.scalars(
        select(ConsultantProfile)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(
            User.role == Role.CONSULTANT.value,
            User.is_disabled.is_(False),
            ConsultantProfile.vetting_state.in_((vetting.VETTED, vetting.ACTIVE)),
            ConsultantProfile.credential_expires_on >= utc_today - DAY,
            ConsultantProfile.credential_expires_on <= utc_today + WARN_AHEAD + DAY,
        )
        .with_for_update(of=ConsultantProfile, skip_locked=True)
    ).all()
    coordinators = _coordinators(session)
    done = 0
    for profile in profiles:
        expires: date = profile.credential_expires_on  # type: ignore[assignment]
        today = timeutil.local_today(now, profile.timezone)
        if not today <= expires <= today + WARN_AHEAD:
            continue
        if profile.expiry_warned_on and profile.expiry_warned_on >= expires - WARN_AHEAD:
            continue
        messages = (
            Message(
                N_("Credential renewal due"),
                N_(
                    "Your registered credential expires within 30 days. "
                    "Send the renewal to your coordinator to keep receiving requests."
                ),
                "/pool/me",
                "pool-credential",
            ),
            Message(
                N_("A credential expires soon"),
                N_("A consultant's credential expires within 30 days. Open the pool to review."),
                "/pool/?credential=expiring",
                "pool-credential",
            ),
        )
        key = f"pool.cred-warn:{profile.user_id}:{expires.isoformat()}"
        _send(
            session,
            now,
            [profile.user_id, *coordinators],
            "pool.credential_expiring",
            key,
            messages,
            profile.user_id,
        )
        profile.expiry_warned_on = today
        done += 1
    session.flush()
    return done


def announce_lapsed(session: Session, now: datetime) -> int:
    """On the first day after a credential's expiry date (from `credential_lapses_at`, the
    instant routing stops): tell the consultant (no more requests until a renewal is recorded)
    and every coordinator."""
    profiles = session.scalars(
        select(ConsultantProfile)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(
            User.role == Role.CONSULTANT.value,
            User.is_disabled.is_(False),
            ConsultantProfile.vetting_state.in_((vetting.VETTED, vetting.ACTIVE)),
            ConsultantProfile.credential_lapses_at <= now,
            ConsultantProfile.credential_lapses_at > now - LAPSE_GRACE,
        )
    ).all()
    coordinators = _coordinators(session)
    messages = (
        Message(
            N_("Credential expired"),
            N_(
                "Your registered credential has expired, so no requests reach you until "
                "a coordinator records the renewal."
            ),
            "/pool/me",
            "pool-credential",
        ),
        Message(
            N_("A credential has expired"),
            N_("A consultant no longer receives requests: their credential has expired."),
            "/pool/?credential=expired",
            "pool-credential",
        ),
    )
    sent = 0
    for profile in profiles:
        key = f"pool.cred-lapsed:{profile.user_id}:{profile.credential_expires_on.isoformat()}"  # type: ignore[union-attr]
        sent += _send(
            session,
            now,
            [profile.user_id, *coordinators],
            "pool.credential_expired",
            key,
            messages,
            profile.user_id,
        )
    return sent
