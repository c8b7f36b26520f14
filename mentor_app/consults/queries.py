"""Loads what routing needs to know about consultants, for one consult, in one query.

One SELECT over consultant profiles with correlated subqueries, each answered from an index:
- on call: `on_call_windows` (consultant, starts_at), or `available_until` ahead, and not
  `paused_until` ahead;
- language: `consultant_languages` primary key;
- load: `consults` (consultant_id, status) and (consultant_id, accepted_at);
- history with this case and this mentor, expertise tags, exclusions, this consult's offers.

For routing the hard filters that SQL can judge cheaply (active, vetted, enabled, on call,
language) go in the WHERE clause, so only plausible candidates come back; the pure policy
judges the rest. For a coordinator's direct offer nothing is filtered, so the page can say why
someone is not eligible.

Dates: the credential's expiry is judged in the consultant's own time zone (policy.py); the
monthly soft cap counts consults accepted since the first of the month in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.consults import policy
from mentor_app.consults.models import CaseExclusion, Consult, ConsultOffer
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    OnCallWindow,
    VettingState,
)

FAIR_LOAD_WINDOW = timedelta(days=30)
HANDLED = ("accepted", "closed")


@dataclass(frozen=True)
class ConsultFacts:
    """The parts of a consult that routing reads (so callers need not hold an ORM object)."""

    consult_id: int
    mentor_id: int
    case_id: int | None
    language: str
    urgency: str

    @classmethod
    def of(cls, consult: Consult) -> ConsultFacts:
        return cls(
            consult.id, consult.mentor_id, consult.case_id, consult.language, consult.urgency
        )


def month_start(now: datetime) -> datetime:
    start = now.astimezone(UTC)
    return start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _on_call(now: datetime):  # type: ignore[no-untyped-def]
    p = ConsultantProfile
    window = exists().where(
        OnCallWindow.consultant_id == p.user_id,
        OnCallWindow.starts_at <= now,
        OnCallWindow.ends_at > now,
    )
    return and_(
        or_(p.paused_until.is_(None), p.paused_until <= now),
        or_(p.available_until > now, window),
    )


def _speaks(language: str):  # type: ignore[no-untyped-def]
    return exists().where(
        ConsultantLanguage.user_id == ConsultantProfile.user_id,
        ConsultantLanguage.language == language,
    )


def _active():  # type: ignore[no-untyped-def]
    return and_(
        ConsultantProfile.vetting_state == VettingState.ACTIVE.value,
        User.is_disabled.is_(False),
        User.role == "consultant",
    )


def _columns(facts: ConsultFacts, now: datetime, expertise: tuple[str, ...]):  # type: ignore[no-untyped-def]
    p, c = ConsultantProfile, Consult
    mine = c.consultant_id == p.user_id

    def count(*where):  # type: ignore[no-untyped-def]
        return select(func.count()).select_from(c).where(mine, *where).scalar_subquery()

    advised_case = (
        exists().where(mine, c.case_id == facts.case_id, c.status.in_(HANDLED))
        if facts.case_id is not None
        else false()
    )
    excluded = (
        exists().where(
            CaseExclusion.case_id == facts.case_id, CaseExclusion.consultant_id == p.user_id
        )
        if facts.case_id is not None
        else false()
    )
    expertise_matches = (
        select(func.count())
        .select_from(ConsultantExpertise)
        .where(ConsultantExpertise.user_id == p.user_id, ConsultantExpertise.tag.in_(expertise))
        .scalar_subquery()
        if expertise
        else literal(0)
    )
    last_urgent = (
        select(func.max(c.closed_at))
        .where(mine, c.status == "closed", c.urgency == "urgent")
        .scalar_subquery()
    )
    return [
        p.user_id,
        and_(_active()).label("active"),
        p.timezone,
        p.credential_expires_on,
        _on_call(now).label("on_call"),
        _speaks(facts.language).label("speaks"),
        count(c.status == "accepted").label("open_consults"),
        p.open_consult_limit,
        excluded.label("excluded"),
        select(ConsultOffer.state)
        .where(ConsultOffer.consult_id == facts.consult_id, ConsultOffer.consultant_id == p.user_id)
        .scalar_subquery()
        .label("offer_state"),
        # Only worth computing for those who asked for a rest period or set a cap.
        case((p.rest_minutes_after_urgent.is_(None), None), else_=last_urgent).label("rested"),
        p.rest_minutes_after_urgent,
        case(
            (p.monthly_soft_cap.is_(None), 0),
            else_=count(c.accepted_at >= month_start(now)),
        ).label("month"),
        p.monthly_soft_cap,
        p.quiet_from,
        p.quiet_until,
        advised_case.label("advised_case"),
        exists()
        .where(mine, c.mentor_id == facts.mentor_id, c.status.in_(HANDLED))
        .label("advised_mentor"),
        expertise_matches.label("expertise"),
        count(c.accepted_at >= now - FAIR_LOAD_WINDOW).label("recent"),
    ]


def _candidate(row) -> policy.Candidate:  # type: ignore[no-untyped-def]
    return policy.Candidate(
        consultant_id=row.user_id,
        active=bool(row.active),
        timezone=row.timezone,
        credential_expires_on=row.credential_expires_on,
        on_call=bool(row.on_call),
        speaks_language=bool(row.speaks),
        open_consults=row.open_consults or 0,
        open_limit=row.open_consult_limit,
        excluded_for_case=bool(row.excluded),
        offer_state=row.offer_state,
        last_urgent_closed_at=_aware(row.rested),
        rest_minutes_after_urgent=row.rest_minutes_after_urgent,
        consults_this_month=row.month or 0,
        monthly_soft_cap=row.monthly_soft_cap,
        quiet_from=row.quiet_from,
        quiet_until=row.quiet_until,
        advised_case=bool(row.advised_case),
        advised_mentor=bool(row.advised_mentor),
        expertise_matches=row.expertise or 0,
        consults_last_30_days=row.recent or 0,
    )


def _aware(value: datetime | str | None) -> datetime | None:
    """A max() over a UTC column comes back untyped on SQLite (a naive string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def routing_candidates(
    session: Session, facts: ConsultFacts, now: datetime, expertise: tuple[str, ...]
) -> list[policy.Candidate]:
    """Active, vetted, on-call consultants speaking the language, with every ranking fact."""
    query = (
        select(*_columns(facts, now, expertise))
        .select_from(ConsultantProfile)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(_active(), _speaks(facts.language), _on_call(now))
    )
    return [_candidate(row) for row in session.execute(query)]


def all_candidates(
    session: Session, facts: ConsultFacts, now: datetime, expertise: tuple[str, ...]
) -> list[tuple[policy.Candidate, str]]:
    """Every consultant with a profile, and their display name (a coordinator's direct offer)."""
    query = (
        select(*_columns(facts, now, expertise), User.display_name)
        .select_from(ConsultantProfile)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(User.role == "consultant", User.is_disabled.is_(False))
    )
    return [(_candidate(row), row.display_name) for row in session.execute(query)]


def coordinators_for(session: Session, case_id: int | None) -> list[int]:
    """Coordinators to alert, minus any a case manager kept away from this case."""
    query = select(User.id).where(User.role == "coordinator", User.is_disabled.is_(False))
    if case_id is not None:
        query = query.where(
            ~exists().where(
                CaseExclusion.case_id == case_id, CaseExclusion.consultant_id == User.id
            )
        )
    return list(session.scalars(query.order_by(User.id)))


def still_suitable(
    session: Session, consultant_ids: Iterable[int], language: str, case_id: int | None
) -> set[int]:
    """Of these offer holders, who still fits after the mentor changed language or case."""
    ids = list(consultant_ids)
    if not ids:
        return set()
    speaks = set(
        session.scalars(
            select(ConsultantLanguage.user_id).where(
                ConsultantLanguage.user_id.in_(ids), ConsultantLanguage.language == language
            )
        )
    )
    coordinators = set(
        session.scalars(select(User.id).where(User.id.in_(ids), User.role == "coordinator"))
    )
    fitting = speaks | coordinators
    if case_id is not None:
        excluded = set(
            session.scalars(
                select(CaseExclusion.consultant_id).where(
                    CaseExclusion.case_id == case_id, CaseExclusion.consultant_id.in_(ids)
                )
            )
        )
        fitting -= excluded
    return fitting
