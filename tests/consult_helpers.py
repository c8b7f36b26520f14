"""Arranging consult tests: consultants in the pool, cases, consults, and the worker's steps."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select

from mentor_app.consults.models import Case, Consult, ConsultOffer
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    ExpertiseTag,
    OnCallWindow,
)
from tests.conftest import csrf_token

FAR = timedelta(days=30)


def ensure_tags(db, tags: Iterable[str]) -> None:  # type: ignore[no-untyped-def]
    for tag in tags:
        if db.get(ExpertiseTag, tag) is None:
            db.add(ExpertiseTag(tag=tag, label=tag))
    db.commit()


def make_consultant(  # type: ignore[no-untyped-def]
    db,
    user_id: int,
    now: datetime,
    *,
    languages: Iterable[str] = ("sv",),
    expertise: Iterable[str] = (),
    available: bool = True,
    window: tuple[datetime, datetime] | None = None,
    **fields,
) -> ConsultantProfile:
    """Gives a user a routable profile (get-or-create, so a pool actor hook may exist)."""
    profile = db.get(ConsultantProfile, user_id)
    if profile is None:
        profile = ConsultantProfile(user_id=user_id, created_at=now, updated_at=now)
        db.add(profile)
    profile.vetting_state = fields.pop("vetting_state", "active")
    profile.timezone = fields.pop("timezone", "Europe/Stockholm")
    profile.open_consult_limit = fields.pop("open_consult_limit", 3)
    profile.available_until = now + FAR if available else None
    for key, value in fields.items():
        setattr(profile, key, value)
    db.flush()
    for existing in list(profile.languages):
        db.delete(existing)
    for existing in list(profile.expertise):
        db.delete(existing)
    db.flush()
    expertise = list(expertise)
    ensure_tags(db, expertise)
    profile = db.get(ConsultantProfile, user_id)
    db.add_all(ConsultantLanguage(user_id=user_id, language=lang) for lang in languages)
    db.add_all(ConsultantExpertise(user_id=user_id, tag=tag) for tag in expertise)
    if window is not None:
        db.add(OnCallWindow(consultant_id=user_id, starts_at=window[0], ends_at=window[1]))
    db.commit()
    return profile


def pool(actors, db, now: datetime, count: int, **kwargs) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for _ in range(count):
        user_id, _email = actors.create("consultant")
        make_consultant(db, user_id, now, **kwargs)
        ids.append(user_id)
    return ids


def make_case(db, mentor_id: int, now: datetime, code: str | None = None, language: str = "sv"):  # type: ignore[no-untyped-def]
    case = Case(
        code=code or f"K-{uuid.uuid4().hex[:6].upper()}",
        mentor_id=mentor_id,
        language=language,
        region="",
        created_at=now,
    )
    db.add(case)
    db.commit()
    return case


def make_consult(db, mentor_id: int, now: datetime, **fields) -> Consult:  # type: ignore[no-untyped-def]
    """A consult row as routing would leave it (no routing run)."""
    values = {
        "mentor_id": mentor_id,
        "client_key": str(uuid.uuid4()),
        "urgency": "soon",
        "topic": "general",
        "language": "sv",
        "status": "open",
        "wave": 1,
        "routing_started_at": now,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    consult = Consult(**values)
    db.add(consult)
    db.commit()
    return consult


def offer(db, consult_id: int, consultant_id: int, now: datetime, state: str = "offered"):  # type: ignore[no-untyped-def]
    row = ConsultOffer(
        consult_id=consult_id, consultant_id=consultant_id, wave=1, state=state, offered_at=now
    )
    db.add(row)
    db.commit()
    return row


def offered_ids(db, consult_id: int, state: str | None = "offered") -> set[int]:  # type: ignore[no-untyped-def]
    query = select(ConsultOffer.consultant_id).where(ConsultOffer.consult_id == consult_id)
    if state:
        query = query.where(ConsultOffer.state == state)
    db.expire_all()
    return set(db.scalars(query))


def run_step(app, step, now: datetime) -> int:  # type: ignore[no-untyped-def]
    """A worker step as the worker runs it: its own session, one commit."""
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        try:
            done = step(session, now)
            session.commit()
            return done
        finally:
            session.close()


def post_json(client, path: str, data=None, token: str | None = None):  # type: ignore[no-untyped-def]
    token = token or csrf_token(client)
    return client.post(path, json=data if data is not None else {}, headers={"X-CSRFToken": token})
