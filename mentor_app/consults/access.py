"""Who sees what of a consult: one helper to fetch it, one function to decide the fields.

- mentors: their own consults, everything in them;
- consultants: consults offered to them or taken by them; before they accept, only urgency,
  topic and language; once they hold it (accepted or closed by them), the case code, note,
  callback number if asked for, the thread and the outcome;
- coordinators: the metadata of every consult (offers, timings, who declined), and the content
  only of consults they take part in (ones they accepted themselves after the coordinator step).

Every view, on a page or through the API, is written to the audit log (no content in it).

Standing is checked here, at the moment of every action, because every route comes through
`get_consult_for`: a consultant who is suspended, unvetted, whose credential has lapsed or who
left the pool gets a 403 that says why, for reading as for accepting (standing.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_time
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from mentor_app.accounts.models import User
from mentor_app.audit import services as audit
from mentor_app.consults import standing, topics
from mentor_app.consults.models import Case, Consult, ConsultMessage, ConsultOffer
from mentor_app.consults.policy import WAVE_EVERYONE
from mentor_app.consults.vocab import (
    OFFER_STATE_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    URGENCY_LABELS,
    language_name,
    wave_label,
)
from mentor_app.i18n.render import topic_label
from mentor_app.pool.models import ConsultantProfile

OVERDUE_AFTER = timedelta(minutes=5)


@dataclass
class Access:
    consult: Consult
    user: User
    relation: str  # "mentor", "consultant" or "coordinator"
    offer: ConsultOffer | None

    @property
    def content(self) -> bool:
        """May this viewer read the consult's content (case code, note, thread)?"""
        if self.relation == "mentor":
            return True
        return self.consult.consultant_id == self.user.id and self.consult.status in (
            "accepted",
            "closed",
        )

    @property
    def is_handler(self) -> bool:
        return self.consult.consultant_id == self.user.id and self.consult.status == "accepted"


def get_consult_for(session: Session, user: User, consult_id: int, now: datetime) -> Access:
    """The consult as `user` may see it at `now`, or 404 (a stranger's consult does not exist
    as far as they can tell); 403 (`standing.NoStanding`) for a consultant whose standing no
    longer allows taking part, whatever they were offered or handled before."""
    consult = session.get(Consult, consult_id)
    if consult is None:
        raise NotFound()
    offer = session.scalar(
        select(ConsultOffer).where(
            ConsultOffer.consult_id == consult_id, ConsultOffer.consultant_id == user.id
        )
    )
    if user.role == "mentor" and consult.mentor_id == user.id:
        return Access(consult, user, "mentor", None)
    if user.role == "consultant" and (offer is not None or consult.consultant_id == user.id):
        if not standing.has_standing(session, user, now):
            raise standing.NoStanding()
        return Access(consult, user, "consultant", offer)
    if user.role == "coordinator":
        return Access(consult, user, "coordinator", offer)
    raise NotFound()


def record_view(
    session: Session, now: datetime, access: Access, via: str, ip: str | None = None
) -> None:
    audit.record(
        session,
        now,
        "consult.viewed",
        actor_id=access.user.id,
        object_type="consult",
        object_id=access.consult.id,
        ip=ip,
        details={"via": via, "content": access.content},
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def is_overdue(consult: Consult, now: datetime) -> bool:
    return (
        consult.status == "open"
        and consult.next_action_at is not None
        and consult.next_action_at < now - OVERDUE_AFTER
    )


def summary(consult: Consult, session: Session | None = None) -> dict:
    """What any viewer may see: the request's shape, never its content. With `session`, a
    topic from a guide published in the app is named too (topics.py)."""
    topic = topics.resolve(consult.topic, session)
    return {
        "id": consult.id,
        "url": f"/consults/{consult.id}",
        "status": consult.status,
        "status_label": str(STATUS_LABELS.get(consult.status, consult.status)),
        "urgency": consult.urgency,
        "urgency_label": str(URGENCY_LABELS.get(consult.urgency, consult.urgency)),
        "topic": consult.topic,
        "topic_label": topic_label(topic.slug, topic.label),
        "language": consult.language,
        "language_name": language_name(consult.language),
        "created_at": _iso(consult.created_at),
        "accepted_at": _iso(consult.accepted_at),
        "closed_at": _iso(consult.closed_at),
        "cancelled_at": _iso(consult.cancelled_at),
    }


def view_model(session: Session, access: Access, now: datetime) -> dict:
    """Every field this viewer may see, and the actions open to them."""
    consult = access.consult
    data = summary(consult, session)
    topic = topics.resolve(consult.topic, session)
    data["guide_url"] = f"/guides/{topic.slug}" if topic.has_guide else None
    data["actions"] = _actions(access)
    if access.relation == "mentor":
        data["waiting_notice"] = (
            consult.status == "open" and consult.mentor_told_waiting_at is not None
        )
        data["coordinators_alerted"] = consult.coordinator_alerted_at is not None
        data.update(_waiting_facts(session, consult))
    if access.relation == "consultant":
        data["offer_state"] = access.offer.state if access.offer else None
        data["taken_by_colleague"] = (
            consult.status in ("accepted", "closed") and consult.consultant_id != access.user.id
        )
    if access.relation == "coordinator":
        data.update(_coordinator_metadata(session, consult, now))
    if consult.consultant_id is not None and (access.relation != "consultant" or access.content):
        data["consultant"] = _consultant_card(
            session, consult.consultant_id, with_phone=_shows_phone(access)
        )
    if access.content:
        data.update(_content(session, access))
    return data


def _actions(access: Access) -> list[str]:
    consult, relation = access.consult, access.relation
    actions = []
    holds_offer = access.offer is not None and access.offer.state == "offered"
    if consult.status == "open" and holds_offer:
        actions += ["accept", "decline"]
    if relation == "mentor" and consult.status == "open":
        actions += ["details", "cancel"]
    if relation == "mentor" and consult.status == "accepted":
        actions += ["details", "message"]
    if relation == "mentor" and consult.status == "closed":
        actions.append("rate")
    if access.is_handler:
        actions += ["message", "close", "release"]
    if relation == "coordinator" and consult.status == "open":
        actions.append("assign")
    return actions


def _consultant_card(session: Session, consultant_id: int, with_phone: bool = False) -> dict:
    row = session.execute(
        select(User.display_name, User.phone, ConsultantProfile.bio, ConsultantProfile.profession)
        .outerjoin(ConsultantProfile, ConsultantProfile.user_id == User.id)
        .where(User.id == consultant_id)
    ).first()
    if row is None:
        return {"name": None, "bio": "", "profession": "", "phone": None}
    return {
        "name": row.display_name,
        "bio": row.bio or "",
        "profession": row.profession or "",
        "phone": row.phone if with_phone else None,
    }


def _shows_phone(access: Access) -> bool:
    """The consultant's own number: to coordinators, and to the mentor once accepted when the
    mentor asked for a call-back (issue 17, item 16)."""
    if access.relation == "coordinator":
        return True
    return access.relation == "mentor" and access.consult.callback_requested


def _content(session: Session, access: Access) -> dict:
    consult = access.consult
    if consult.content_purged_at is not None:
        return {"content_purged": True, "case_code": None, "note": None, "messages": []}
    case = session.get(Case, consult.case_id) if consult.case_id else None
    names = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_({consult.mentor_id, consult.consultant_id} - {None})
            )
        ).all()
    )
    messages = session.scalars(
        select(ConsultMessage)
        .where(ConsultMessage.consult_id == consult.id)
        .order_by(ConsultMessage.id)
    ).all()
    # The number is for calling back: the mentor always sees their own; the consultant while
    # handling the consult, and only if the mentor asked for a call.
    show_number = consult.callback_requested and (
        access.relation == "mentor" or consult.status == "accepted"
    )
    return {
        "content_purged": False,
        "case_code": case.code if case else None,
        "note": consult.note,
        "mentor": {"name": names.get(consult.mentor_id)},
        "callback_requested": consult.callback_requested,
        "callback_number": consult.callback_number if show_number else None,
        "messages": [
            {
                "id": m.id,
                "mine": m.author_id == access.user.id,
                "author": names.get(m.author_id, "") if m.author_id else "",
                "body": m.body,
                "created_at": _iso(m.created_at),
                # The viewer's clock, like every other time on the page (timeutil rule 2).
                "time": format_time(m.created_at, "short"),
            }
            for m in messages
        ],
        "outcome": consult.outcome,
        "outcome_label": str(OUTCOME_LABELS[consult.outcome]) if consult.outcome else None,
        "outcome_summary": consult.outcome_summary,
        "client_agreed": consult.client_agreed,
        "follow_up_on": consult.follow_up_on.isoformat() if consult.follow_up_on else None,
        "helpful": consult.helpful,
    }


def _coordinator_metadata(session: Session, consult: Consult, now: datetime) -> dict:
    offers = offer_rows(session, [consult.id]).get(consult.id, [])
    mentor = session.get(User, consult.mentor_id)
    return {
        "wave": consult.wave,
        "wave_label": wave_label(consult.wave),
        "next_action_at": _iso(consult.next_action_at),
        "overdue": is_overdue(consult, now),
        "coordinator_alerted_at": _iso(consult.coordinator_alerted_at),
        "mentor_told_waiting_at": _iso(consult.mentor_told_waiting_at),
        "mentor_name": mentor.display_name if mentor else None,
        "has_case": consult.case_id is not None,
        "age_minutes": int((now - consult.created_at).total_seconds() // 60),
        "offers": offers,
    }


def offer_rows(session: Session, consult_ids: list[int]) -> dict[int, list[dict]]:
    """Offers per consult with the consultants' names (coordinators' view)."""
    result: dict[int, list[dict]] = {cid: [] for cid in consult_ids}
    if not consult_ids:
        return result
    rows = session.execute(
        select(ConsultOffer, User.display_name, User.role)
        .join(User, User.id == ConsultOffer.consultant_id)
        .where(ConsultOffer.consult_id.in_(consult_ids))
        .order_by(ConsultOffer.consult_id, ConsultOffer.offered_at, ConsultOffer.id)
    )
    for offer, name, role in rows:
        result[offer.consult_id].append(
            {
                "consultant_id": offer.consultant_id,
                "name": name,
                "role": role,
                "wave": offer.wave,
                "state": offer.state,
                "state_label": str(OFFER_STATE_LABELS.get(offer.state, offer.state)),
                "offered_at": _iso(offer.offered_at),
                "responded_at": _iso(offer.responded_at),
                "decline_reason": offer.decline_reason,
                "assigned": offer.assigned_by_id is not None,
            }
        )
    return result


def _waiting_facts(session: Session, consult: Consult) -> dict[str, object]:
    """What the mentor's waiting card may truthfully say (issue 17): `offers_waiting`, how many
    consultants hold the request unanswered; `coordinators_at`, the local time ("HH:MM") when
    the coordinators will be told, if that is the next routing step, else None."""
    waiting = session.scalar(
        select(func.count())
        .select_from(ConsultOffer)
        .where(ConsultOffer.consult_id == consult.id, ConsultOffer.state == "offered")
    )
    next_is_coordinators = (
        consult.status == "open"
        and consult.coordinator_alerted_at is None
        and consult.wave == WAVE_EVERYONE
        and consult.next_action_at is not None
    )
    return {
        "offers_waiting": int(waiting or 0),
        "coordinators_at": format_time(consult.next_action_at, "short")
        if next_is_coordinators
        else None,
    }
