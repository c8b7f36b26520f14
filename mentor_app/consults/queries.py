"""Loads what routing needs to know about consultants, for one consult, in one query.

A handful of set-based statements, each reading a small indexed set, rather than one
subquery per consultant (so the cost follows recent activity, not the size of the pool):
- candidates: profiles joined to the language, filtered to active, vetted, enabled and on call
  (a window covering now from `on_call_windows` (starts_at, ends_at), or `available_until`
  ahead; not `paused_until` ahead);
- open consults per consultant (the accepted ones), who advised this case and this mentor,
  expertise tags matching the topic, exclusions for the case, this consult's offers, the last
  urgent consult closed within the longest rest period asked for, and this month's consults
  of those with a monthly cap;
- fair load (consults in the last 30 days) separately, for just the candidates the ranking
  needs it for (`recent_loads`): a first wave of three needs it for a few dozen people, not
  for everyone on call.

For routing, what SQL can judge cheaply goes in the WHERE clause; the pure policy judges the
rest. For a coordinator's direct offer nothing is filtered, so the page can say why someone
does not fit.

Dates (mentor_app/timeutil.py): the credential's expiry is judged in the consultant's own time
zone, through the stored instant it lapses (the same one the pool's queries and the coverage
grid read); the monthly soft cap counts consults accepted since the month began in the panel's
zone (`PANEL_TIMEZONE`), the months of the monthly report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, exists, func, literal, literal_column, null, or_, select, union
from sqlalchemy.orm import Session

from mentor_app import timeutil
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
# `column + 0` (rendered inline, so GROUP BY matches the SELECT text on PostgreSQL too).
ZERO = literal_column("0")
# Ids per IN list (SQLite allows 32,766 variables; PostgreSQL 65,535).
IN_LIST_LIMIT = 2000


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
    return timeutil.month_start(now, timeutil.panel_zone())


# The profile row `_with_facts` reads, in this order (unpacked positionally there).
ROW = (
    "user_id, vetting_state, is_disabled, display_name, timezone, credential_expires_on, "
    "open_consult_limit, rest_minutes_after_urgent, monthly_soft_cap, quiet_from, quiet_until, "
    "expertise_matches, this_month"
)


def _per_row_facts(now: datetime, expertise: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """Two facts read per candidate row, each a primary-key or index range probe: expertise
    tags matching the topic, and (only for those with a monthly cap) this month's consults."""
    p = ConsultantProfile
    matches = (
        select(func.count())
        .select_from(ConsultantExpertise)
        .where(ConsultantExpertise.user_id == p.user_id, ConsultantExpertise.tag.in_(expertise))
        .scalar_subquery()
        if expertise
        else literal(0)
    )
    this_month = case(
        (p.monthly_soft_cap.is_(None), 0),
        else_=select(func.count())
        .select_from(Consult)
        .where(Consult.consultant_id == p.user_id, Consult.accepted_at >= month_start(now))
        .scalar_subquery(),
    )
    return [matches.label("expertise_matches"), this_month.label("this_month")]


def _windows_now(now: datetime):  # type: ignore[no-untyped-def]
    return select(OnCallWindow.consultant_id).where(
        OnCallWindow.starts_at <= now, OnCallWindow.ends_at > now
    )


def routing_candidates(
    session: Session,
    facts: ConsultFacts,
    now: datetime,
    expertise: tuple[str, ...],
    offer_states: dict[int, str] | None = None,
) -> list[policy.Candidate]:
    """Active, vetted, enabled consultants speaking the language who are on call now (a window
    covers now, or "available until" is ahead, and they have not paused), with every fact the
    policy needs. Driven from who is on call (two index ranges), not from the whole pool.

    Two queries: first who is on call now, then their profiles by primary key. As one query,
    PostgreSQL cannot tell how few windows cover an instant (it reckons `starts_at <= now` and
    `ends_at > now` independently, about a quarter of all windows) and scans every profile."""
    p = ConsultantProfile
    on_call = union(_windows_now(now), select(p.user_id).where(p.available_until > now))
    on_call_ids = sorted(set(session.scalars(on_call)))
    if not on_call_ids:
        return []
    routine = facts.urgency == "routine"
    query = (
        select(
            p.user_id,
            literal(VettingState.ACTIVE.value).label("vetting_state"),
            # Per row, by primary key: joining users instead makes PostgreSQL hash the
            # whole table. A disabled account, or one no longer a consultant, is not active.
            select(or_(User.is_disabled, User.role != "consultant"))
            .where(User.id == p.user_id)
            .scalar_subquery()
            .label("is_disabled"),
            literal("").label("display_name"),
            p.timezone,
            p.credential_expires_on,
            p.open_consult_limit,
            p.rest_minutes_after_urgent,
            p.monthly_soft_cap,
            # Quiet hours hold routine requests only: not worth reading otherwise.
            (p.quiet_from if routine else null()).label("quiet_from"),
            (p.quiet_until if routine else null()).label("quiet_until"),
            *_per_row_facts(now, expertise),
        )
        .join(
            ConsultantLanguage,
            and_(
                ConsultantLanguage.user_id == p.user_id,
                ConsultantLanguage.language == facts.language,
            ),
        )
        .where(
            p.user_id.in_(on_call_ids),
            p.vetting_state == VettingState.ACTIVE.value,
            # Vetted by a coordinator or provisioned by the operator: the pool's own rule.
            or_(p.vetted_at.is_not(None), p.vetted_by_operator),
            or_(p.paused_until.is_(None), p.paused_until <= now),
            # The credential has not lapsed (its expiry date in the consultant's own zone).
            or_(p.credential_lapses_at.is_(None), p.credential_lapses_at > now),
        )
    )
    rows = session.execute(query).all()
    flags = {row[0]: (True, True) for row in rows}
    found = _with_facts(session, facts, now, expertise, rows, flags, False, offer_states)
    return [c for c, _ in found]


def all_candidates(
    session: Session, facts: ConsultFacts, now: datetime, expertise: tuple[str, ...]
) -> list[tuple[policy.Candidate, str]]:
    """Every enabled consultant with a profile, and their name (a coordinator's direct offer:
    nothing is filtered, so the page can say why someone does not fit)."""
    p = ConsultantProfile
    found = session.execute(
        select(
            p.user_id,
            # Active but never vetted is not active (the pool's routable rule).
            case(
                (or_(p.vetted_at.is_not(None), p.vetted_by_operator), p.vetting_state),
                else_=literal(VettingState.VETTED.value),
            ).label("vetting_state"),
            User.is_disabled,
            User.display_name,
            p.timezone,
            p.credential_expires_on,
            p.open_consult_limit,
            p.rest_minutes_after_urgent,
            p.monthly_soft_cap,
            p.quiet_from,
            p.quiet_until,
            *_per_row_facts(now, expertise),
            p.available_until,
            p.paused_until,
        )
        .join(User, User.id == p.user_id)
        .where(User.role == "consultant", User.is_disabled.is_(False))
    ).all()
    in_window = set(session.scalars(_windows_now(now)))
    speaking = set(
        session.scalars(
            select(ConsultantLanguage.user_id).where(ConsultantLanguage.language == facts.language)
        )
    )
    flags, rows = {}, []
    for row in found:
        paused = row.paused_until is not None and row.paused_until > now
        available = row.available_until is not None and row.available_until > now
        on_call = not paused and (available or row.user_id in in_window)
        flags[row.user_id] = (on_call, row.user_id in speaking)
        rows.append(tuple(row)[:13])
    return _with_facts(session, facts, now, expertise, rows, flags, True)


def _with_facts(
    session: Session,
    facts: ConsultFacts,
    now: datetime,
    expertise: tuple[str, ...],
    rows: list,  # tuples in the order of ROW
    flags: dict[int, tuple[bool, bool]],
    with_loads: bool,
    offer_states: dict[int, str] | None = None,
) -> list[tuple[policy.Candidate, str]]:
    """Joins the other facts to the profile rows. Each is one statement over a small indexed
    set (this consult's offers, this case, this mentor, the consults being handled now, urgent
    consults closed within the longest rest period), so the cost follows current activity
    rather than the size of the pool. The 30-day counts (fair load) only when asked for: see
    `recent_loads`."""
    if not rows:
        return []
    c = Consult
    ids = [row[0] for row in rows]
    # `+ 0` keeps SQLite from walking the whole (consultant_id, ...) index for the GROUP BY
    # order instead of seeking the few rows the WHERE clause names; harmless elsewhere.
    open_counts = dict(
        session.execute(
            select(c.consultant_id + ZERO, func.count())
            .where(c.status == "accepted")
            .group_by(c.consultant_id + ZERO)
        ).all()
    )
    recent = accepted_since(session, ids, now - FAIR_LOAD_WINDOW) if with_loads else {}
    advised_case: set[int] = set()
    excluded: set[int] = set()
    if facts.case_id is not None:
        advised_case = set(
            session.scalars(
                select(c.consultant_id)
                .where(c.case_id == facts.case_id, c.status.in_(HANDLED))
                .distinct()
            )
        )
        excluded = set(
            session.scalars(
                select(CaseExclusion.consultant_id).where(CaseExclusion.case_id == facts.case_id)
            )
        )
    advised_mentor = set(
        session.scalars(
            select(c.consultant_id)
            .where(c.mentor_id == facts.mentor_id, c.status.in_(HANDLED))
            .distinct()
        )
    )
    offers = offer_states
    if offers is None:
        offers = dict(
            session.execute(
                select(ConsultOffer.consultant_id, ConsultOffer.state).where(
                    ConsultOffer.consult_id == facts.consult_id
                )
            ).all()
        )
    rests = [row[7] for row in rows if row[7]]
    last_urgent: dict[int, datetime] = {}
    if rests:
        last_urgent = {
            consultant_id: _aware(closed)
            for consultant_id, closed in session.execute(
                select(c.consultant_id + ZERO, func.max(c.closed_at))
                .where(
                    c.urgency == "urgent",
                    c.status == "closed",
                    c.closed_at >= now - timedelta(minutes=max(rests)),
                )
                .group_by(c.consultant_id + ZERO)
            )
        }
    active = VettingState.ACTIVE.value
    result = []
    # Positional and unpacked: this loop runs once per candidate, thousands of times a wave.
    for (
        cid,
        vetting,
        disabled,
        name,
        zone,
        expires,
        limit,
        rest,
        cap,
        quiet_from,
        quiet_until,
        matches,
        this_month,
    ) in rows:
        on_call, speaks = flags[cid]
        candidate = policy.Candidate(
            cid,
            vetting == active and not disabled,
            zone,
            expires,
            on_call,
            speaks,
            open_counts.get(cid, 0),
            limit,
            cid in excluded,
            offers.get(cid),
            last_urgent.get(cid),
            rest,
            this_month or 0,
            cap,
            quiet_from,
            quiet_until,
            cid in advised_case,
            cid in advised_mentor,
            matches or 0,
            recent.get(cid, 0),
        )
        result.append((candidate, name))
    return result


def accepted_since(session: Session, ids: list[int], since: datetime) -> dict[int, int]:
    """Consults each of `ids` accepted since `since`: one index range per consultant on
    (consultant_id, accepted_at)."""
    counts: dict[int, int] = {}
    for start in range(0, len(ids), IN_LIST_LIMIT):
        chunk = ids[start : start + IN_LIST_LIMIT]
        counts.update(
            session.execute(
                select(Consult.consultant_id, func.count())
                .where(Consult.consultant_id.in_(chunk), Consult.accepted_at >= since)
                .group_by(Consult.consultant_id)
            ).all()
        )
    return counts


def recent_loads(session: Session, ids: list[int], now: datetime) -> dict[int, int]:
    """Fair load: consults accepted in the last 30 days, for the candidates the ranking
    still has to tell apart."""
    return accepted_since(session, ids, now - FAIR_LOAD_WINDOW)


def _aware(value: datetime | str | None) -> datetime | None:
    """A max() over a UTC column comes back untyped on SQLite (a naive string)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
