"""The metrics' query layer: set-based queries over one period's consults.

Every query reads only columns that retention never touches (urgency, topic, language, region,
states, timestamps, outcome, rating, who accepted), so a month's figures are the same before and
after its notes and threads are purged.

On PostgreSQL: two scans of the period. One GROUP BY GROUPING SETS gives the counts by state,
by category and by consultant at once; one percentile_cont gives the time-to-accept median and
90th percentile per urgency and overall. Elsewhere (SQLite): one GROUP BY per kind of count, and
the percentiles by the same linear interpolation in Python over the ordered seconds.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, func, select, text, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from mentor_app.consults.models import Consult
from mentor_app.dashboard import metrics as m


def _in_period(period: m.Period) -> list[ColumnElement[bool]]:
    return [Consult.created_at >= period.start_at, Consult.created_at < period.end_at]


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def compute(session: Session, period: m.Period, guide_limit: int = 10) -> m.Metrics:
    result = m.Metrics(period=period)
    if _postgresql(session):
        # A month of consults is sorted once for the percentiles; keep that sort in memory.
        session.execute(text("SET LOCAL work_mem = '32MB'"))
        statuses, categories, loads = _counts_postgresql(session, period)
    else:
        statuses = status_rows(session, period)
        categories = category_rows(session, period)
        loads = consultant_loads(session, period)
    m.fold_status_rows(result, statuses)
    m.fold_category_rows(result, categories)
    result.load = m.bucket_loads(loads)
    result.accept = accept_times(session, period)
    result.guides = m.guide_usage(session, period, guide_limit)
    for provider in m.EXTRA_FIGURES:
        provider(session, period, result)
    return result


# GROUPING(urgency, topic, consultant_id) tells which grouping set a row belongs to: a bit is 1
# when that column is rolled up in the row.
_STATUS_SET, _CATEGORY_SET, _CONSULTANT_SET = 0b011, 0b101, 0b110


def _counts_postgresql(
    session: Session, period: m.Period
) -> tuple[list[m.StatusRow], list[tuple[str, str, str, int]], list[int]]:
    reached = Consult.coordinator_alerted_at.is_not(None)
    status_set = (Consult.urgency, Consult.status, Consult.outcome, reached, Consult.helpful)
    category_set = (Consult.topic, Consult.language, Consult.region)
    rows = session.execute(
        select(
            func.grouping(Consult.urgency, Consult.topic, Consult.consultant_id),
            *status_set,
            *category_set,
            Consult.consultant_id,
            func.count(),
        )
        .where(*_in_period(period))
        .group_by(
            func.grouping_sets(
                tuple_(*status_set), tuple_(*category_set), tuple_(Consult.consultant_id)
            )
        )
    ).all()
    statuses, categories, loads = [], [], []
    for which, urgency, status, outcome, hit, helpful, topic, lang, region, who, count in rows:
        if which == _STATUS_SET:
            statuses.append(m.StatusRow(urgency, status, outcome, bool(hit), helpful, count))
        elif which == _CATEGORY_SET:
            categories.append((topic, lang, region, count))
        elif which == _CONSULTANT_SET and who is not None:
            loads.append(count)
    return statuses, categories, loads


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
    if _postgresql(session):
        return _accept_times_postgresql(session, period)
    return _accept_times_portable(session, period)


def _accept_times_postgresql(session: Session, period: m.Period) -> dict[str, m.AcceptTimes]:
    # date_part (double precision) sorts much faster than extract (numeric since PostgreSQL 14).
    seconds = func.date_part("epoch", Consult.accepted_at - Consult.created_at)
    fractions = postgresql.array([0.5, 0.9], type_=Float)
    rows = session.execute(
        select(
            Consult.urgency,
            func.grouping(Consult.urgency),
            func.count(),
            func.percentile_cont(fractions).within_group(seconds),
        )
        .where(*_in_period(period), Consult.accepted_at.is_not(None))
        # One sorted pass gives each urgency and all of them together.
        .group_by(func.grouping_sets(tuple_(Consult.urgency), tuple_()))
    ).all()
    result = m.empty_accept()
    for urgency, is_total, count, percentiles in rows:
        if not count:  # the overall row of an empty period
            continue
        median, p90 = percentiles
        result[m.ALL if is_total else urgency] = m.AcceptTimes(count, float(median), float(p90))
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
