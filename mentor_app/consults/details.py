"""The details screen: the mentor completes or corrects a request after the one tap.

Urgency, case and language change only while the request is open, and routing re-plans:
offers the new details rule out are withdrawn, the current wave is re-timed from the start of
routing, and standing offers are sent again when the request became more urgent. Note and
call-back can still be corrected while a consultant handles it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import cases, notify, policy, queries, routing, topics
from mentor_app.consults.errors import Conflict, Forbidden, Invalid
from mentor_app.consults.models import Consult, ConsultStatus
from mentor_app.consults.vocab import LANGUAGE_RE, NOTE_MAX, PHONE_RE, URGENCIES

_UNSET = object()


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("A note is at most %(n)s characters.", n=NOTE_MAX))
    return note or None


def check_urgency(urgency: str) -> str:
    if urgency not in URGENCIES:
        raise Invalid(_("Urgency must be urgent, soon or routine."))
    return urgency


def check_language(language: str) -> str:
    if not LANGUAGE_RE.match(language):
        raise Invalid(_("Language must be a language code such as sv or en."))
    return language


@dataclass
class DetailsChange:
    """What the details screen sends; fields left as _UNSET are not touched."""

    urgency: object = _UNSET
    case_code: object = _UNSET  # a code, "" for none, or "new"
    note: object = _UNSET
    callback_requested: object = _UNSET
    callback_number: object = _UNSET
    language: object = _UNSET
    topic: object = _UNSET


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
        raise Conflict(_("This consult is finished; it can no longer be changed."))
    routing_fields = ("urgency", "case_code", "language", "topic")
    if not is_open and any(getattr(change, f) is not _UNSET for f in routing_fields):
        raise Conflict(
            _("Urgency, topic, case and language can only change before someone accepts.")
        )
    changed: list[str] = []
    old_urgency, old_language, old_case = consult.urgency, consult.language, consult.case_id
    if change.urgency is not _UNSET and change.urgency != consult.urgency:
        consult.urgency = check_urgency(str(change.urgency))
        changed.append("urgency")
    if change.case_code is not _UNSET:
        changed += _set_case(session, now, consult, mentor, str(change.case_code or ""), ip)
    if change.language is not _UNSET and change.language != consult.language:
        consult.language = check_language(str(change.language))
        changed.append("language")
    if change.topic is not _UNSET and change.topic != consult.topic:
        consult.topic = _check_topic(session, change.topic)
        changed.append("topic")
        changed += _raise_for_topic(consult, urgency_chosen="urgency" in changed)
    if change.note is not _UNSET:
        note = clean_note(change.note)  # type: ignore[arg-type]
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


def _raise_for_topic(consult: Consult, urgency_chosen: bool) -> list[str]:
    """A topic where a life may be at stake makes the request urgent, unless the mentor chose
    the urgency in this same change. Returns ["urgency"] if it rose, else []."""
    wanted = topics.default_urgency(consult.topic)
    if urgency_chosen or URGENCIES.index(wanted) >= URGENCIES.index(consult.urgency):
        return []
    consult.urgency = wanted
    return ["urgency"]


def _check_topic(session: Session, slug: object) -> str:
    """A topic the app knows (a published guide's, or "general"); its expertise only changes
    whom routing ranks first, so offers already made stand."""
    topic = topics.get(slug if isinstance(slug, str) else None, session)
    if topic is None:
        raise Invalid(_("Choose one of the topics in the list."))
    return topic.slug


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
            raise Invalid(_("Unknown case code."))
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
            raise Invalid(_("Enter the phone number with digits only (a leading + is fine)."))
        if number != consult.callback_number:
            consult.callback_number = number
            changed.append("callback")
    if consult.callback_requested and not consult.callback_number:
        raise Invalid(_("Give a number to call you back on, or untick the call-back box."))
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
        due = policy.due_for_wave(consult.wave, timing, consult.routing_started_at or now)
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
        routing.advance(session, now, consult.id, consult.wave, consult=consult)
