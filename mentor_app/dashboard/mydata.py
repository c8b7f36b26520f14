""" "My data": everything the app holds about one user, as plain JSON-ready values.

Only what is about the user, and only what their role lets them see: no password hash, no
two-factor secret, no session tokens, no push keys or endpoints. A consultant sees the consults
they hold as their own view shows them (no case codes: those are the mentor's); a mentor sees
their cases and consults with the consultant's name.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import RecoveryCode, User, UserSession
from mentor_app.audit.models import AuditEvent
from mentor_app.consults.models import Case, CaseExclusion, Consult, ConsultMessage, ConsultOffer
from mentor_app.notifications.models import OutboxMessage, PushSubscription
from mentor_app.playbooks.models import Guide, GuideFeedback, GuideRead
from mentor_app.pool import models as pool
from mentor_app.relay import services as relay

FORMAT_VERSION = 1


def _iso(value: datetime | date | time | None) -> str | None:
    return None if value is None else value.isoformat()


def collect(session: Session, user_id: int, now: datetime) -> dict[str, Any]:
    user = session.get(User, user_id)
    if user is None:
        raise LookupError("no such user")
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": _iso(now),
        "profile": _profile(session, user),
        "sign_in_sessions": _sessions(session, user.id),
        "devices": _devices(session, user.id),
        "second_channel": relay.export(session, user.id),
        "cases": _cases(session, user.id),
        "consults_as_mentor": _consults_as_mentor(session, user.id),
        "consults_as_consultant": _consults_as_consultant(session, user.id),
        "offers_received": _offers(session, user.id),
        "consultant_profile": _consultant_profile(session, user.id),
        "case_exclusions": _exclusions(session, user.id),
        "notifications": _notifications(session, user.id),
        "guide_feedback": guide_feedback(session, user.id),
        "guide_reads": guide_reads(session, user.id),
        "audit_entries": _audit(session, user.id),
        "safety": _safety(session, user.id),
    }


def _safety(session: Session, user_id: int) -> dict[str, Any]:
    from mentor_app.safety import queries as safety_queries

    return safety_queries.my_data(session, user_id)


def _profile(session: Session, user: User) -> dict[str, Any]:
    codes_left = session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    return {
        "id": user.id,
        "email": user.email,
        "phone": user.phone,
        "display_name": user.display_name,
        "role": user.role,
        "disabled": user.is_disabled,
        "locale": user.locale,
        "timezone": user.timezone,
        "languages": user.language_list,
        "email_fallback": user.email_fallback,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "two_factor_enabled_at": _iso(user.totp_enabled_at),
        "recovery_codes_unused": codes_left or 0,
    }


def _sessions(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id.desc())
    )
    return [
        {
            "started_at": _iso(s.created_at),
            "last_seen_at": _iso(s.last_seen_at),
            "ended_at": _iso(s.ended_at),
            "ended_reason": s.ended_reason,
            "two_factor_done": s.two_factor_done,
        }
        for s in rows
    ]


def _devices(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(PushSubscription)
        .where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id)
    )
    return [
        {
            "label": s.device_label,
            "created_at": _iso(s.created_at),
            "last_used_at": _iso(s.last_used_at),
            "last_success_at": _iso(s.last_success_at),
            "disabled_at": _iso(s.disabled_at),
            "disabled_reason": s.disabled_reason,
        }
        for s in rows
    ]


def _cases(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Case).where(Case.mentor_id == user_id).order_by(Case.id))
    return [
        {
            "code": c.code,
            "language": c.language,
            "region": c.region,
            "created_at": _iso(c.created_at),
            "closed_at": _iso(c.closed_at),
        }
        for c in rows
    ]


def _consult_facts(c: Consult) -> dict[str, Any]:
    return {
        "id": c.id,
        "urgency": c.urgency,
        "topic": c.topic,
        "language": c.language,
        "region": c.region,
        "status": c.status,
        "created_at": _iso(c.created_at),
        "accepted_at": _iso(c.accepted_at),
        "closed_at": _iso(c.closed_at),
        "cancelled_at": _iso(c.cancelled_at),
        "note": c.note,
        "callback_requested": c.callback_requested,
        "callback_number": c.callback_number,
        "outcome": c.outcome,
        "outcome_summary": c.outcome_summary,
        "client_agreed": c.client_agreed,
        "follow_up_on": _iso(c.follow_up_on),
        "helpful": c.helpful,
        "content_purged_at": _iso(c.content_purged_at),
    }


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _thread(session: Session, consult_ids: list[int], user_id: int) -> dict[int, list]:
    threads: dict[int, list[dict[str, Any]]] = {cid: [] for cid in consult_ids}
    if not consult_ids:
        return threads
    rows = session.scalars(
        select(ConsultMessage)
        .where(ConsultMessage.consult_id.in_(consult_ids))
        .order_by(ConsultMessage.id)
    )
    for message in rows:
        threads[message.consult_id].append(
            {
                "from": "you" if message.author_id == user_id else "other",
                "at": _iso(message.created_at),
                "text": message.body,
            }
        )
    return threads


def _consults_as_mentor(session: Session, user_id: int) -> list[dict[str, Any]]:
    consults = list(
        session.scalars(select(Consult).where(Consult.mentor_id == user_id).order_by(Consult.id))
    )
    codes = dict(
        session.execute(
            select(Case.id, Case.code).where(
                Case.id.in_({c.case_id for c in consults if c.case_id})
            )
        ).all()
    )
    names = _names(session, {c.consultant_id for c in consults if c.consultant_id})
    threads = _thread(session, [c.id for c in consults], user_id)
    return [
        {
            **_consult_facts(c),
            "case_code": codes.get(c.case_id) if c.case_id else None,
            "consultant": names.get(c.consultant_id) if c.consultant_id else None,
            "messages": threads[c.id],
        }
        for c in consults
    ]


def _consults_as_consultant(session: Session, user_id: int) -> list[dict[str, Any]]:
    consults = list(
        session.scalars(
            select(Consult).where(Consult.consultant_id == user_id).order_by(Consult.id)
        )
    )
    names = _names(session, {c.mentor_id for c in consults})
    threads = _thread(session, [c.id for c in consults], user_id)
    return [
        {
            **_consult_facts(c),
            # The mentor's number was theirs to give while the consultant handled the consult.
            "callback_number": c.callback_number if c.status == "accepted" else None,
            "mentor": names.get(c.mentor_id),
            "messages": threads[c.id],
        }
        for c in consults
    ]


def _offers(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ConsultOffer, Consult.urgency, Consult.topic, Consult.language)
        .join(Consult, Consult.id == ConsultOffer.consult_id)
        .where(ConsultOffer.consultant_id == user_id)
        .order_by(ConsultOffer.id)
    ).all()
    return [
        {
            "consult_id": offer.consult_id,
            "urgency": urgency,
            "topic": topic,
            "language": language,
            "wave": offer.wave,
            "state": offer.state,
            "offered_at": _iso(offer.offered_at),
            "responded_at": _iso(offer.responded_at),
            "decline_reason": offer.decline_reason,
            "assigned_by_coordinator": offer.assigned_by_id is not None,
        }
        for offer, urgency, topic, language in rows
    ]


def _consultant_profile(session: Session, user_id: int) -> dict[str, Any] | None:
    profile = session.get(pool.ConsultantProfile, user_id)
    if profile is None:
        return None
    facts = {
        column: _plain(getattr(profile, column))
        for column in (
            "profession",
            "credential_register",
            "credential_number",
            "credential_verified_on",
            "credential_expires_on",
            "training_completed_on",
            "vetting_state",
            "vetted_at",
            "vetted_by_operator",
            "state_reason",
            "open_consult_limit",
            "timezone",
            "bio",
            "takes_clients",
            "available_until",
            "paused_until",
            "rest_minutes_after_urgent",
            "monthly_soft_cap",
            "quiet_from",
            "quiet_until",
            "last_active_at",
            "created_at",
            "updated_at",
        )
    }
    facts["languages"] = sorted(lang.language for lang in profile.languages)
    facts["expertise"] = sorted(e.tag for e in profile.expertise)
    facts["regions"] = sorted(r.region for r in profile.regions)
    facts["weekly_shifts"] = [
        {"weekday": s.weekday, "starts": _iso(s.starts), "ends": _iso(s.ends)}
        for s in session.scalars(
            select(pool.WeeklyShift)
            .where(pool.WeeklyShift.consultant_id == user_id)
            .order_by(pool.WeeklyShift.weekday, pool.WeeklyShift.starts)
        )
    ]
    facts["shift_overrides"] = [
        {"kind": o.kind, "starts_at": _iso(o.starts_at), "ends_at": _iso(o.ends_at)}
        for o in session.scalars(
            select(pool.ShiftOverride)
            .where(pool.ShiftOverride.consultant_id == user_id)
            .order_by(pool.ShiftOverride.starts_at)
        )
    ]
    facts["holidays"] = [
        {"starts_on": _iso(h.starts_on), "ends_on": _iso(h.ends_on), "label": h.label}
        for h in session.scalars(
            select(pool.Holiday)
            .where(pool.Holiday.consultant_id == user_id)
            .order_by(pool.Holiday.starts_on)
        )
    ]
    return facts


def _plain(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime | date | time) else value


def _exclusions(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(CaseExclusion)
        .where(CaseExclusion.consultant_id == user_id)
        .order_by(CaseExclusion.id)
    )
    # The case itself stays the mentor's: only that an exclusion exists, and why (a code).
    return [{"kind": e.kind, "reason": e.reason, "created_at": _iso(e.created_at)} for e in rows]


def _notifications(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(OutboxMessage.id)
    )
    return [
        {
            "kind": n.kind,
            "title": (n.payload or {}).get("title"),
            "body": (n.payload or {}).get("body"),
            "state": n.state,
            "created_at": _iso(n.created_at),
            "sent_at": _iso(n.sent_at),
            "channel": n.channel,
        }
        for n in rows
    ]


def guide_feedback(session: Session, user_id: int) -> list[dict[str, Any]]:
    """The user's answers to "Did this help?", with the comment until retention deletes it."""
    rows = session.execute(
        select(GuideFeedback, Guide.slug)
        .join(Guide, Guide.id == GuideFeedback.guide_id)
        .where(GuideFeedback.user_id == user_id)
        .order_by(GuideFeedback.id)
    ).all()
    return [
        {
            "guide": slug,
            "helpful": f.helpful,
            "comment": f.comment,
            "created_at": _iso(f.created_at),
            "updated_at": _iso(f.updated_at),
        }
        for f, slug in rows
    ]


def guide_reads(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(GuideRead.read_at, Guide.slug)
        .join(Guide, Guide.id == GuideRead.guide_id)
        .where(GuideRead.user_id == user_id)
        .order_by(GuideRead.id)
    ).all()
    return [{"guide": slug, "read_at": _iso(read_at)} for read_at, slug in rows]


def audit_about(user_id: int):  # type: ignore[no-untyped-def]
    """Audit rows by the user, or about the user's account."""
    return or_(
        AuditEvent.actor_id == user_id,
        and_(AuditEvent.object_type == "user", AuditEvent.object_id == str(user_id)),
    )


def _audit(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AuditEvent, User.role)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(audit_about(user_id))
        .order_by(AuditEvent.id)
    ).all()
    return [
        {
            "at": _iso(event.at),
            "action": event.action,
            "by": "you" if event.actor_id == user_id else (role or "system"),
            "object_type": event.object_type,
            "object_id": event.object_id,
            # Someone else's address is theirs, not yours.
            "ip": event.ip if event.actor_id == user_id else None,
            "details": event.details,
        }
        for event, role in rows
    ]
