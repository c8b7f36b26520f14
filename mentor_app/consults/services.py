"""Consult actions. Every function takes the session and `now`, flushes, and never commits.

Routing (waves, offers) lives in routing.py, the answers to an offer in answers.py; both are
re-exported here, so views have one module to call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import answers, cases, details, notify, routing, topics
from mentor_app.consults.errors import Conflict, Forbidden, Invalid
from mentor_app.consults.models import Consult, ConsultMessage, ConsultStatus
from mentor_app.consults.vocab import (
    CLIENT_KEY_RE,
    DECLINED_BY_CONSULTANT,
    MESSAGE_MAX,
    OUTCOMES,
    SUMMARY_MAX,
)
from mentor_app.metrics import instruments as metrics
from mentor_app.notifications.services import wake_workers

accept = answers.accept
release = answers.release
assign = answers.assign
DetailsChange = details.DetailsChange
update_details = details.update_details

FOLLOW_UP_HORIZON = timedelta(days=366)


# --- the request ----------------------------------------------------------------------------


def create(
    session: Session,
    now: datetime,
    mentor: User,
    *,
    client_key: str,
    urgency: str | None = None,
    topic: str = topics.GENERAL,
    note: str | None = None,
    case_code: str | None = None,
    language: str | None = None,
    ip: str | None = None,
    via: str = "api",
) -> tuple[Consult, bool]:
    """The one tap. Returns (consult, created); a replay of the same client_key returns the
    consult the first tap made, whatever else the replay carries. Without `urgency`, the topic
    decides (topics.default_urgency); without `language`, the case's, else the mentor's
    (`_mentor_language`)."""
    if mentor.role != "mentor":
        raise Forbidden("Only mentors ask for consults.")
    client_key = client_key.lower() if isinstance(client_key, str) else ""
    if not CLIENT_KEY_RE.match(client_key):
        raise Invalid("client_key must be a UUID.")
    try:
        values = _new_consult_values(
            session, now, mentor, urgency, topic, note, case_code, language
        )
    except Invalid:
        # A replay may carry anything: the first tap's consult still answers it.
        existing = _by_key(session, mentor.id, client_key)
        if existing is None:
            raise
        return existing, False
    consult = _insert_once(session, mentor.id, client_key, values)
    if consult is None:
        # A replay, or ten taps racing with one key: the unique (mentor, key) index let one
        # insert win; the others rolled back to their savepoint.
        existing = _by_key(session, mentor.id, client_key)
        if existing is None:
            raise Conflict(_("The request could not be saved; try again."))
        return existing, False
    audit.record(
        session,
        now,
        "consult.created",
        actor_id=mentor.id,
        object_type="consult",
        object_id=consult.id,
        ip=ip,
        details={
            "urgency": consult.urgency,
            "topic": consult.topic,
            "via": via,
            "with_case": consult.case_id is not None,
        },
    )
    metrics.consult_created(session, consult.urgency)
    # The first wave is the worker's job (next_action_at is now): the tap answers at once and
    # a burst of taps is routed as fast as the workers go. Wake an idle worker at commit.
    wake_workers(session)
    return consult, True


def _new_consult_values(
    session: Session,
    now: datetime,
    mentor: User,
    urgency: str | None,
    topic: str,
    note: str | None,
    case_code: str | None,
    language: str | None,
) -> dict[str, object]:
    """The checked columns of a new consult (raises Invalid on bad input)."""
    # Every published guide is a topic; an unknown or withdrawn one becomes "general": the
    # tap is never refused over its topic (topics.py).
    topic = topics.resolve(topic, session).slug
    urgency = details.check_urgency(urgency or topics.default_urgency(topic))
    note = details.clean_note(note)
    case = None
    if case_code:
        case = cases.find_own_case(session, mentor.id, case_code)
        if case is None:
            raise Invalid(_("Unknown case code."))
    language = details.check_language(
        language or (case.language if case else None) or _mentor_language(mentor)
    )
    return {
        "case_id": case.id if case else None,
        "urgency": urgency,
        "topic": topic,
        "language": language,
        "region": case.region if case else "",
        "note": note,
        "status": ConsultStatus.OPEN.value,
        "wave": 0,
        "routing_started_at": now,
        "next_action_at": now,
        "created_at": now,
        "updated_at": now,
    }


def _mentor_language(mentor: User) -> str:
    """A new request's language without a case: the mentor's UI language when they list it
    among their languages (the one they are working in now), else the first they list."""
    spoken = mentor.language_list or ["en"]
    return mentor.locale if mentor.locale in spoken else spoken[0]


def _insert_once(
    session: Session, mentor_id: int, client_key: str, values: dict[str, object]
) -> Consult | None:
    """Inserts the consult unless (mentor, client_key) exists; None if it did. The unique index
    alone decides races between replays, so the tap needs no look-up first. (A dialect's
    INSERT .. ON CONFLICT would save the savepoint, but SQLAlchemy compiles it afresh on every
    call, which costs more than the two savepoint statements.)"""
    consult = Consult(mentor_id=mentor_id, client_key=client_key, **values)
    try:
        with session.begin_nested():
            session.add(consult)
            session.flush()
    except IntegrityError:
        return None
    return consult


def _by_key(session: Session, mentor_id: int, client_key: str) -> Consult | None:
    return session.scalar(
        select(Consult).where(Consult.mentor_id == mentor_id, Consult.client_key == client_key)
    )


def decline(
    session: Session,
    now: datetime,
    consult: Consult,
    user_id: int,
    reason: str | None,
    decline_case: bool,
) -> bool:
    """A consultant's no, optionally for every future request about the same case. Returns
    whether the case was declined too."""
    consult = answers.decline(session, now, consult, user_id, reason)
    if not decline_case or consult.case_id is None:
        return False
    added = cases.exclude(
        session, now, consult.case_id, user_id, "declined", DECLINED_BY_CONSULTANT, user_id
    )
    if added:
        audit.record(
            session,
            now,
            "case.exclusion_added",
            actor_id=user_id,
            object_type="case",
            object_id=consult.case_id,
            details={"consultant_id": user_id, "reason": DECLINED_BY_CONSULTANT},
        )
    return added


def cancel(session: Session, now: datetime, consult: Consult, mentor: User, ip: str | None) -> None:
    if consult.mentor_id != mentor.id:
        raise Forbidden("Only the mentor who asked can cancel this request.")
    result = session.execute(
        update(Consult)
        .where(Consult.id == consult.id, Consult.status == ConsultStatus.OPEN.value)
        .values(
            status=ConsultStatus.CANCELLED.value,
            cancelled_at=now,
            next_action_at=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This request is no longer open, so it cannot be cancelled."))
    consult = session.get(Consult, consult.id, populate_existing=True) or consult
    routing.withdraw_offers(session, now, consult, why="cancelled")
    audit.record(
        session,
        now,
        "consult.cancelled",
        actor_id=mentor.id,
        object_type="consult",
        object_id=consult.id,
        ip=ip,
    )


# --- the thread and the close ---------------------------------------------------------------


def post_message(
    session: Session, now: datetime, consult: Consult, author: User, body: str
) -> ConsultMessage:
    participants = {consult.mentor_id, consult.consultant_id}
    if author.id not in participants:
        raise Forbidden("Only the mentor and the consultant who accepted write here.")
    if consult.status != ConsultStatus.ACCEPTED.value:
        raise Conflict(_("Messages can be written while a consultant is handling the consult."))
    body = body.strip() if isinstance(body, str) else ""
    if not body:
        raise Invalid(_("Write a message first."))
    if len(body) > MESSAGE_MAX:
        raise Invalid(_("A message is at most %(n)s characters.", n=MESSAGE_MAX))
    message = ConsultMessage(consult_id=consult.id, author_id=author.id, body=body, created_at=now)
    session.add(message)
    consult.updated_at = now
    session.flush()
    other = consult.consultant_id if author.id == consult.mentor_id else consult.mentor_id
    if other is not None:
        notify.message(session, now, consult, other, message.id)
    audit.record(
        session,
        now,
        "consult.message_posted",
        actor_id=author.id,
        object_type="consult",
        object_id=consult.id,
    )
    return message


def follow_up_allowed(day: date, now: datetime, zone: str) -> bool:
    """From today to a year ahead, "today" being the closing consultant's, in the zone their
    pages show (mentor_app/timeutil.py, rule 2)."""
    today = timeutil.local_today(now, zone)
    return today <= day <= today + FOLLOW_UP_HORIZON


@dataclass(frozen=True)
class CloseInput:
    outcome: str
    summary: str | None = None
    client_agreed: bool | None = None
    follow_up_on: date | None = None


def close(
    session: Session, now: datetime, consult: Consult, consultant: User, data: CloseInput
) -> None:
    if data.outcome not in OUTCOMES:
        raise Invalid(_("Choose an outcome from the list."))
    summary = (data.summary or "").strip() or None
    if summary is not None and len(summary) > SUMMARY_MAX:
        raise Invalid(_("A summary is at most %(n)s characters.", n=SUMMARY_MAX))
    if data.client_agreed is not None and data.outcome != "see_client":
        raise Invalid(_("Whether the client agreed applies to 'recommends seeing the client'."))
    if data.follow_up_on is not None and not follow_up_allowed(
        data.follow_up_on, now, consultant.timezone
    ):
        raise Invalid(_("A follow-up date is from today to a year ahead."))
    result = session.execute(
        update(Consult)
        .where(
            Consult.id == consult.id,
            Consult.status == ConsultStatus.ACCEPTED.value,
            Consult.consultant_id == consultant.id,
        )
        .values(
            status=ConsultStatus.CLOSED.value,
            closed_at=now,
            outcome=data.outcome,
            outcome_summary=summary,
            client_agreed=data.client_agreed,
            follow_up_on=data.follow_up_on,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Only the consultant handling an open consult can close it."))
    consult = session.get(Consult, consult.id, populate_existing=True) or consult
    notify.closed(session, now, consult)
    audit.record(
        session,
        now,
        "consult.closed",
        actor_id=consultant.id,
        object_type="consult",
        object_id=consult.id,
        details={"outcome": data.outcome, "follow_up": data.follow_up_on is not None},
    )


def rate(session: Session, now: datetime, consult: Consult, mentor: User, helpful: bool) -> None:
    if consult.mentor_id != mentor.id:
        raise Forbidden("Only the mentor who asked can rate this consult.")
    if consult.status != ConsultStatus.CLOSED.value:
        raise Conflict(_("A consult can be rated once it is closed."))
    consult.helpful = bool(helpful)
    consult.updated_at = now
    session.flush()
    audit.record(
        session,
        now,
        "consult.rated",
        actor_id=mentor.id,
        object_type="consult",
        object_id=consult.id,
        details={"helpful": bool(helpful)},
    )
