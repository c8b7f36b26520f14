"""Read-side questions about the pool, shared by the pool pages, the coverage grid and routing.

"Routable" means: a consultant account that is not disabled, in state active, vetted (by a
coordinator, or by the operator who provisioned it on the command line), and whose credential
has not lapsed (valid through its expiry date in the consultant's own zone: the stored
`credential_lapses_at`, see mentor_app/timeutil.py). This is also what "standing" means for a
consultant (mentor_app/pool/standing.py). "On call" at `at` means: not paused at
`at`, and either marked available until after `at` or inside one of its on-call windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import Role, User
from mentor_app.consults.models import Consult, ConsultStatus
from mentor_app.pool import vetting
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    OnCallWindow,
)

LOAD_PERIOD = timedelta(days=30)


def credential_valid_at(at: datetime) -> ColumnElement[bool]:
    return or_(
        ConsultantProfile.credential_lapses_at.is_(None),
        ConsultantProfile.credential_lapses_at > at,
    )


def routable_conditions(at: datetime) -> list[ColumnElement[bool]]:
    """WHERE conditions over ConsultantProfile joined to User (join on user_id)."""
    return [
        User.role == Role.CONSULTANT.value,
        User.is_disabled.is_(False),
        ConsultantProfile.vetting_state == vetting.ACTIVE,
        or_(ConsultantProfile.vetted_at.is_not(None), ConsultantProfile.vetted_by_operator),
        credential_valid_at(at),
    ]


def matching_conditions(
    language: str | None = None, expertise: str | None = None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if language:
        conditions.append(
            select(ConsultantLanguage.user_id)
            .where(
                ConsultantLanguage.user_id == ConsultantProfile.user_id,
                ConsultantLanguage.language == language,
            )
            .exists()
        )
    if expertise:
        conditions.append(
            select(ConsultantExpertise.user_id)
            .where(
                ConsultantExpertise.user_id == ConsultantProfile.user_id,
                ConsultantExpertise.tag == expertise,
            )
            .exists()
        )
    return conditions


def on_call_condition(at: datetime) -> ColumnElement[bool]:
    in_window = (
        select(OnCallWindow.id)
        .where(
            OnCallWindow.consultant_id == ConsultantProfile.user_id,
            OnCallWindow.starts_at <= at,
            OnCallWindow.ends_at > at,
        )
        .exists()
    )
    not_paused = or_(ConsultantProfile.paused_until.is_(None), ConsultantProfile.paused_until <= at)
    return and_(not_paused, or_(ConsultantProfile.available_until > at, in_window))


def routable_ids_query(at: datetime, language: str | None = None, expertise: str | None = None):  # type: ignore[no-untyped-def]
    return (
        select(ConsultantProfile.user_id)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(*routable_conditions(at), *matching_conditions(language, expertise))
    )


def on_call_consultant_ids(
    session: Session, at: datetime, language: str | None = None, expertise: str | None = None
) -> list[int]:
    """Active, vetted, unexpired consultants on call at `at` (windows or "available now", not
    paused), optionally speaking `language` and holding `expertise`. Sorted ids."""
    query = routable_ids_query(at, language, expertise).where(on_call_condition(at))
    return sorted(session.scalars(query))


def routable_ids(
    session: Session, at: datetime, language: str | None = None, expertise: str | None = None
) -> list[int]:
    return sorted(session.scalars(routable_ids_query(at, language, expertise)))


def is_routable(session: Session, profile: ConsultantProfile, at: datetime) -> bool:
    query = routable_ids_query(at).where(ConsultantProfile.user_id == profile.user_id)
    return session.scalar(query) is not None


@dataclass(frozen=True)
class Load:
    open: int = 0  # accepted and not yet closed
    recent: int = 0  # accepted in the last 30 days, whatever their state now


NO_LOAD = Load()


def load_for(session: Session, now: datetime, ids: list[int] | None = None) -> dict[int, Load]:
    """Each consultant's load, in two grouped queries (all consultants when `ids` is None)."""
    open_q = (
        select(Consult.consultant_id, func.count())
        .where(Consult.status == ConsultStatus.ACCEPTED.value, Consult.consultant_id.is_not(None))
        .group_by(Consult.consultant_id)
    )
    recent_q = (
        select(Consult.consultant_id, func.count())
        .where(Consult.accepted_at >= now - LOAD_PERIOD, Consult.consultant_id.is_not(None))
        .group_by(Consult.consultant_id)
    )
    if ids is not None:
        open_q = open_q.where(Consult.consultant_id.in_(ids))
        recent_q = recent_q.where(Consult.consultant_id.in_(ids))
    open_counts = dict(session.execute(open_q).tuples().all())
    recent_counts = dict(session.execute(recent_q).tuples().all())
    keys = set(open_counts) | set(recent_counts)
    return {k: Load(open_counts.get(k, 0), recent_counts.get(k, 0)) for k in keys}
