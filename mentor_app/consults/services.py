"""Consult actions. Every function takes the session and `now`, flushes, and never commits.

Routing (waves, accept, decline, hand back, direct offers) lives in routing.py and is
re-exported here, so views have one module to call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import cases, notify, queries, routing, topics
from mentor_app.consults.errors import Conflict, Forbidden, Invalid
from mentor_app.consults.models import Consult, ConsultMessage, ConsultStatus
from mentor_app.consults.vocab import (
    CLIENT_KEY_RE,
    LANGUAGE_RE,
    MESSAGE_MAX,
    NOTE_MAX,
    OUTCOMES,
    PHONE_RE,
    SUMMARY_MAX,
    URGENCIES,
)

accept = routing.accept
decline = routing.decline
release = routing.release
assign = routing.assign

FOLLOW_UP_HORIZON = timedelta(days=366)
_UNSET = object()


def _clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"A note is at most {NOTE_MAX} characters.")
    return note or None


def _check_urgency(urgency: str) -> str:
    if urgency not in URGENCIES:
        raise Invalid("Urgency must be urgent, soon or routine.")
    return urgency


def _check_language(language: str) -> str:
    if not LANGUAGE_RE.match(language):
        raise Invalid("Language must be a language code such as sv or en.")
    return language


def _check_topic(slug: str) -> str:
    if topics.get(slug) is None:
        raise Invalid("Unknown topic.")
    return slug


# --- the request ----------------------------------------------------------------------------


def create(
    session: Session,
    now: datetime,
    mentor: User,
    *,
    client_key: str,
    urgency: str = "soon",
    topic: str = topics.GENERAL,
    note: str | None = None,
    case_code: str | None = None,
    language: str | None = None,
    ip: str | None = None,
    via: str = "api",
) -> tuple[Consult, bool]:
    """The one tap. Returns (consult, created); a replay of the same client_key returns the
    consult the first tap made, whatever else the replay carries."""
    if mentor.role != "mentor":
        raise Forbidden("Only mentors ask for consults.")
    client_key = client_key.lower() if isinstance(client_key, str) else ""
    if not CLIENT_KEY_RE.match(client_key):
        raise Invalid("client_key must be a UUID.")
    existing = _by_key(session, mentor.id, client_key)
    if existing is not None:
        return existing, False
    _check_urgency(urgency)
    _check_topic(topic)
    note = _clean_note(note)
    case = None
    if case_code:
        case = cases.find_own_case(session, mentor.id, case_code)
        if case is None:
            raise Invalid("Unknown case code.")
    language = _check_language(
        language or (case.language if case else None) or (mentor.language_list or ["en"])[0]
    )
    consult = Consult(
        mentor_id=mentor.id,
        client_key=client_key,
        case_id=case.id if case else None,
        urgency=urgency,
        topic=topic,
        language=language,
        region=case.region if case else "",
        note=note,
        status=ConsultStatus.OPEN.value,
        wave=0,
        created_at=now,
        updated_at=now,
    )
    try:
        # Ten taps racing with one key: the unique (mentor, key) index lets one insert win;
        # the others roll back to this savepoint and return the winner's consult.
        with session.begin_nested():
            session.add(consult)
            session.flush()
    except IntegrityError:
        existing = _by_key(session, mentor.id, client_key)
        if existing is None:
            raise
        return existing, False
    audit.record(
        session,
        now,
        "consult.created",
        actor_id=mentor.id,
        object_type="consult",
        object_id=consult.id,
        ip=ip,
        details={"urgency": urgency, "topic": topic, "via": via, "with_case": case is not None},
    )
    routing.start(session, now, consult)
    return consult, True


def _by_key(session: Session, mentor_id: int, client_key: str) -> Consult | None:
    return session.scalar(
        select(Consult).where(Consult.mentor_id == mentor_id, Consult.client_key == client_key)
    )


@dataclass
class DetailsChange:
    """What the details screen sends; fields left as _UNSET are not touched."""

    urgency: object = _UNSET
    case_code: object = _UNSET  # a code, "" for none, or "new"
    note: object = _UNSET
    callback_requested: object = _UNSET
    callback_number: object = _UNSET
    language: object = _UNSET


def update_details(
    session: Session,
    now: datetime,
    consult: Consult,
    mentor: User,
    change: DetailsChange,
    ip: str | None = None,
) -> list[str]:
    """The mentor completes or corrects the request. Urgency, case and language can change
    while it is open (routing re-plans); note and callback also while in progress."""
    if consult.mentor_id != mentor.id:
        raise Forbidden("Only the mentor who asked can change this request.")
    consult = routing.lock(session, consult.id) or consult
    is_open = consult.status == ConsultStatus.OPEN.value
    if consult.status not in (ConsultStatus.OPEN.value, ConsultStatus.ACCEPTED.value):
        raise Conflict("This consult is finished; it can no longer be changed.")
    routing_fields = ("urgency", "case_code", "language")
    if not is_open and any(getattr(change, f) is not _UNSET for f in routing_fields):
        raise Conflict("Urgency, case and language can only change before someone accepts.")
    changed: list[str] = []
    old_urgency, old_language, old_case = consult.urgency, consult.language, consult.case_id
    if change.urgency is not _UNSET and change.urgency != consult.urgency:
        consult.urgency = _check_urgency(str(change.urgency))
        changed.append("urgency")
    if change.case_code is not _UNSET:
        changed += _set_case(session, now, consult, mentor, str(change.case_code or ""), ip)
    if change.language is not _UNSET and change.language != consult.language:
        consult.language = _check_language(str(change.language))
        changed.append("language")
    if change.note is not _UNSET:
        note = _clean_note(change.note)  # type: ignore[arg-type]
        if note != consult.note:
            consult.note = note
            changed.append("note")
    changed += _set_callback(consult, change)
    if not changed:
        return changed
    consult.updated_at = now
    session.flush()
    audit.record(
        session,
        now,
        "consult.details_updated",
        actor_id=mentor.id,
        object_type="consult",
        object_id=consult.id,
        ip=ip,
        details={"fields": sorted(set(changed))},
    )
    if is_open:
        _replan(session, now, consult, old_urgency, old_language, old_case)
    return changed


def _set_case(
    session: Session, now: datetime, consult: Consult, mentor: User, code: str, ip: str | None
) -> list[str]:
    code = code.strip()
    if code == "":
        new_id = None
    elif code.lower() == "new":
        new_id = cases.create_case(session, now, mentor, language=consult.language, ip=ip).id
    else:
        case = cases.find_own_case(session, mentor.id, code)
        if case is None:
            raise Invalid("Unknown case code.")
        new_id = case.id
        consult.region = case.region
    if new_id == consult.case_id:
        return []
    consult.case_id = new_id
    return ["case"]


def _set_callback(consult: Consult, change: DetailsChange) -> list[str]:
    changed = []
    if change.callback_requested is not _UNSET:
        wanted = bool(change.callback_requested)
        if wanted != consult.callback_requested:
            consult.callback_requested = wanted
            changed.append("callback")
    if change.callback_number is not _UNSET:
        number = str(change.callback_number or "").strip() or None
        if number is not None and not PHONE_RE.match(number):
            raise Invalid("Enter the phone number with digits only (a leading + is fine).")
        if number != consult.callback_number:
            consult.callback_number = number
            changed.append("callback")
    if consult.callback_requested and not consult.callback_number:
        raise Invalid("Give a number to call you back on, or untick the call-back box.")
    if not consult.callback_requested and consult.callback_number:
        consult.callback_number = None
    return changed


def _replan(
    session: Session,
    now: datetime,
    consult: Consult,
    old_urgency: str,
    old_language: str,
    old_case: int | None,
) -> None:
    """After a change while open: withdraw offers the new details rule out, re-time the
    current wave, and re-send standing offers when the request became more urgent."""
    if consult.language != old_language or consult.case_id != old_case:
        holders = {o.consultant_id for o in routing.pending_offers(session, consult.id)}
        fitting = queries.still_suitable(session, holders, consult.language, consult.case_id)
        routing.withdraw_offers(session, now, consult, why="changed", only=holders - fitting)
    timing = routing.timing_for(consult)
    if consult.urgency != old_urgency:
        due = routing.policy.due_for_wave(consult.wave, timing, consult.routing_started_at or now)
        if due is not None:
            consult.next_action_at = max(now, due)
        if URGENCIES.index(consult.urgency) < URGENCIES.index(old_urgency):
            for offer in routing.pending_offers(session, consult.id):
                if offer.assigned_by_id is None:
                    notify.offer(
                        session, now, consult, offer.consultant_id, offer.offered_at, timing
                    )
    session.flush()
    pending = routing.pending_offers(session, consult.id)
    if consult.wave in (1, 2) and (
        not pending or (consult.next_action_at and consult.next_action_at <= now)
    ):
        routing.advance(session, now, consult.id, consult.wave)


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
        raise Conflict("This request is no longer open, so it cannot be cancelled.")
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
        raise Conflict("Messages can be written while a consultant is handling the consult.")
    body = body.strip() if isinstance(body, str) else ""
    if not body:
        raise Invalid("Write a message first.")
    if len(body) > MESSAGE_MAX:
        raise Invalid(f"A message is at most {MESSAGE_MAX} characters.")
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
        raise Invalid("Choose an outcome from the list.")
    summary = (data.summary or "").strip() or None
    if summary is not None and len(summary) > SUMMARY_MAX:
        raise Invalid(f"A summary is at most {SUMMARY_MAX} characters.")
    if data.client_agreed is not None and data.outcome != "see_client":
        raise Invalid("Whether the client agreed applies to 'recommends seeing the client'.")
    if data.follow_up_on is not None and not (
        now.date() <= data.follow_up_on <= (now + FOLLOW_UP_HORIZON).date()
    ):
        raise Invalid("A follow-up date is from today to a year ahead.")
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
        raise Conflict("Only the consultant handling an open consult can close it.")
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
        raise Conflict("A consult can be rated once it is closed.")
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
