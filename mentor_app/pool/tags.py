"""The coordinator-managed list of expertise tags."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import Role, User
from mentor_app.audit import services as audit
from mentor_app.pool.models import ConsultantExpertise, ExpertiseTag
from mentor_app.pool.validation import TAG_RE, PoolError, clean_text

MAX_TAGS = 60


def _coordinator(user: User) -> None:
    if user.role != Role.COORDINATOR.value:
        raise PoolError(_("Only a coordinator can change the expertise list."))


def _label(label: str) -> str:
    label = clean_text(label, 80, _("The label"))
    if not label:
        raise PoolError(_("Give the tag a label."))
    return label


def usage(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(ConsultantExpertise.tag, func.count()).group_by(ConsultantExpertise.tag)
    ).tuples()
    return dict(rows.all())


def add_tag(
    session: Session, now: datetime, actor: User, tag: str, label: str, ip: str | None = None
) -> ExpertiseTag:
    _coordinator(actor)
    tag = tag.strip().lower()
    if not TAG_RE.match(tag):
        raise PoolError(
            _("A tag is 2–40 lower-case letters, digits or hyphens, e.g. 'eating-disorders'.")
        )
    label = _label(label)
    if session.get(ExpertiseTag, tag) is not None:
        raise PoolError(_("That tag exists already."))
    if (session.scalar(select(func.count()).select_from(ExpertiseTag)) or 0) >= MAX_TAGS:
        raise PoolError(_("At most %(n)s tags.", n=MAX_TAGS))
    row = ExpertiseTag(tag=tag, label=label)
    session.add(row)
    session.flush()
    _record(session, now, actor, "pool.tag_added", tag, ip)
    return row


def relabel_tag(
    session: Session, now: datetime, actor: User, tag: str, label: str, ip: str | None = None
) -> None:
    _coordinator(actor)
    row = session.get(ExpertiseTag, tag)
    if row is None:
        raise LookupError(tag)
    row.label = _label(label)
    session.flush()
    _record(session, now, actor, "pool.tag_relabelled", tag, ip)


def remove_tag(
    session: Session, now: datetime, actor: User, tag: str, ip: str | None = None
) -> None:
    """Only an unused tag can go: removing one in use would silently change who gets routed."""
    _coordinator(actor)
    row = session.get(ExpertiseTag, tag)
    if row is None:
        raise LookupError(tag)
    in_use = usage(session).get(tag, 0)
    if in_use:
        raise PoolError(
            ngettext(
                "%(num)s consultant holds this tag; remove it from their profile first.",
                "%(num)s consultants hold this tag; remove it from their profiles first.",
                in_use,
            )
        )
    session.delete(row)
    session.flush()
    _record(session, now, actor, "pool.tag_removed", tag, ip)


def _record(
    session: Session, now: datetime, actor: User, action: str, tag: str, ip: str | None
) -> None:
    audit.record(
        session, now, action, actor_id=actor.id, object_type="expertise_tag", object_id=tag, ip=ip
    )
