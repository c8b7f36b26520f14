"""A request's timeline (issue 17, item 4): what happened to it and when, read from the audit
events routing and the consult services already record (nothing new is stored).

Who sees it, and how much:
- coordinators: every step, with the consultants' names;
- the mentor who asked: every step, but no consultant's name until one accepts (then only that
  person's, as on the consultant card; declines stay "a consultant");
- the consultant who holds it (accepted or closed by them): every step; their own name only.
Consultants who were merely offered it see no timeline (they may not even get the content).
Entries are words, never codes: each audit action maps to a sentence below; actions without
one (views, downloads) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.audit.models import AuditEvent
from mentor_app.consults.access import Access

MAX_ENTRIES = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    text: str


def visible_to(seen: Access) -> bool:
    if seen.relation in ("mentor", "coordinator"):
        return True
    return seen.consult.consultant_id == seen.user.id


def build(session: Session, seen: Access) -> list[Entry]:
    """The timeline for this viewer, oldest first ([] when they may not see one)."""
    if not visible_to(seen):
        return []
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "consult")
        .where(AuditEvent.object_id == str(seen.consult.id))
        .order_by(AuditEvent.at, AuditEvent.id)
        .limit(MAX_ENTRIES)
    ).all()
    names = _names(session, seen, events)
    entries = []
    for event in events:
        text = _sentence(event, seen, names)
        if text:
            entries.append(Entry(event.at, text))
    return entries


def _names(session: Session, seen: Access, events: list[AuditEvent]) -> dict[int, str]:
    """The names this viewer may read, by user id."""
    if seen.relation == "coordinator":
        ids = {e.actor_id for e in events if e.actor_id} | {
            int(e.details["consultant_id"])
            for e in events
            if isinstance((e.details or {}).get("consultant_id"), int)
        }
    elif seen.consult.consultant_id is not None:
        ids = {seen.consult.consultant_id}  # the person who accepted, once they have
    else:
        ids = set()
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def _who(user_id: object, names: dict[int, str], fallback: str) -> str:
    return names.get(user_id, fallback) if isinstance(user_id, int) else fallback


def _sentence(event: AuditEvent, seen: Access, names: dict[int, str]) -> str | None:
    details = event.details or {}
    consultant = _who(event.actor_id, names, _("a consultant"))
    action = event.action
    if action == "consult.created":
        return _("Request sent")
    if action == "consult.wave":
        return _wave_sentence(details)
    if action == "consult.offered_on_arrival":
        return _("Offered to a consultant who just came on call")
    if action == "consult.assigned":
        target = _who(details.get("consultant_id"), names, _("a consultant"))
        return _("A coordinator offered it to %(name)s", name=target)
    if action == "consult.declined":
        return _("Declined by %(name)s", name=consultant)
    if action == "consult.accepted":
        return _("Accepted by %(name)s", name=consultant)
    if action == "consult.released":
        return _("Handed back by %(name)s; offered to others again", name=consultant)
    if action == "consult.returned":
        return _("Back to routing: the consultant can no longer take part")
    if action == "consult.details_updated":
        return _("Details changed by the mentor")
    if action == "consult.message_posted":
        if event.actor_id == seen.consult.mentor_id:
            return _("Message from the mentor")
        return _("Message from %(name)s", name=consultant)
    if action in ("consult.closed", "consult.closed_stale"):
        return _("Closed")
    if action == "consult.cancelled":
        return _("Cancelled by the mentor")
    return None


def _wave_sentence(details: dict) -> str | None:
    offered = int(details.get("offered") or 0)
    alerted = int(details.get("coordinators_alerted") or 0)
    if alerted:
        return _("Nobody has accepted yet: coordinators alerted")
    if offered:
        # A count after a colon reads right for one and for many, in all three languages.
        return _("Offered to consultants: %(num)d", num=offered)
    return None
