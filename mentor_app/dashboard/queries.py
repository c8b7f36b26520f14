"""The metrics' query layer: a handful of set-based queries over one period's consults.

Every query reads only columns that retention never touches (urgency, topic, language, region,
states, timestamps, outcome, rating, who accepted), so a month's figures are the same before and
after its notes and threads are purged. Four scans of the period, each aggregated in the
database; time-to-accept percentiles use percentile_cont on PostgreSQL and the same linear
interpolation in Python elsewhere.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from mentor_app.consults.models import Consult
from mentor_app.dashboard import metrics as m


def _in_period(period: m.Period) -> list[ColumnElement[bool]]:
    return [Consult.created_at >= period.start_at, Consult.created_at < period.end_at]


def compute(session: Session, period: m.Period, guide_limit: int = 10) -> m.Metrics:
    result = m.Metrics(period=period)
    m.fold_status_rows(result, status_rows(session, period))
    m.fold_category_rows(result, category_rows(session, period))
    result.accept = accept_times(session, period)
    result.load = m.bucket_loads(consultant_loads(session, period))
    result.guides = m.guide_usage(session, period, guide_limit)
    return result


def status_rows(session: Session, period: m.Period) -> list[m.StatusRow]:
    # No bound parameters in a grouped expression: PostgreSQL must see the same text twice.
    reached = Consult.coordinator_alerted_at.is_not(None)
    rows = session.execute(
        select(
            Consult.urgency,
            Consult.status,
            Consult.outcome,
            reached,
            Consult.helpful,
            func.count(),
        )
        .where(*_in_period(period))
        .group_by(Consult.urgency, Consult.status, Consult.outcome, reached, Consult.helpful)
    ).all()
    return [
        m.StatusRow(urgency, status, outcome, bool(hit), helpful, count)
        for urgency, status, outcome, hit, helpful, count in rows
    ]


def category_rows(session: Session, period: m.Period) -> list[tuple[str, str, str, int]]:
    rows = session.execute(
        select(Consult.topic, Consult.language, Consult.region, func.count())
        .where(*_in_period(period))
        .group_by(Consult.topic, Consult.language, Consult.region)
    ).all()
    return [(topic, language, region, count) for topic, language, region, count in rows]


def accept_times(session: Session, period: m.Period) -> dict[str, m.AcceptTimes]:
    if session.get_bind().dialect.name == "postgresql":
        return _accept_times_postgresql(session, period)
    return _accept_times_portable(session, period)


def _accept_times_postgresql(session: Session, period: m.Period) -> dict[str, m.AcceptTimes]:
    seconds = func.extract("epoch", Consult.accepted_at - Consult.created_at)
    rows = session.execute(
        select(
            Consult.urgency,
            func.grouping(Consult.urgency),
            func.count(),
            func.percentile_cont(0.5).within_group(seconds),
            func.percentile_cont(0.9).within_group(seconds),
        )
        .where(*_in_period(period), Consult.accepted_at.is_not(None))
        # One scan for each urgency and for all of them together.
        .group_by(func.grouping_sets(tuple_(Consult.urgency), tuple_()))
    ).all()
    result = m.empty_accept()
    for urgency, is_total, count, median, p90 in rows:
        key = m.ALL if is_total else urgency
        result[key] = m.AcceptTimes(
            count,
            None if median is None else float(median),
            None if p90 is None else float(p90),
        )
    return result


def _accept_times_portable(session: Session, period: m.Period) -> dict[str, m.AcceptTimes]:
    rows = session.execute(
        select(Consult.urgency, Consult.created_at, Consult.accepted_at).where(
            *_in_period(period), Consult.accepted_at.is_not(None)
        )
    )
    seconds: dict[str, list[float]] = {}
    for urgency, created_at, accepted_at in rows:
        seconds.setdefault(urgency, []).append((accepted_at - created_at).total_seconds())
    return m.accept_from_seconds(seconds)


def consultant_loads(session: Session, period: m.Period) -> list[int]:
    """How many of the period's consults each consultant accepted (no ids leave this function)."""
    return list(
        session.scalars(
            select(func.count())
            .where(*_in_period(period), Consult.consultant_id.is_not(None))
            .group_by(Consult.consultant_id)
        )
    )
