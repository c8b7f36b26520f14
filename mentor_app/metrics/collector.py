"""Gauges read from the database at scrape time (one custom collector, a few bounded queries).

What the database holds is the truth for every process and machine, so these are not kept in
process memory: each scrape asks. Every query is a grouped count or a MIN over an indexed
column; terminal outbox rows are counted for the last 24 hours only, so a scrape costs the same
after a year as on the first day.

Other domains add their gauges through `GAUGE_HOOKS` (a callable `(session, now) ->
iterable of metric families`). The safety domain (mentor_app/safety/, being built) is
expected to register `mentor_safety_alarms{state}` there; nothing stands in for it until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mentor_app.consults.models import Consult, ConsultStatus
from mentor_app.consults.policy import WAVE_EVERYONE
from mentor_app.metrics.instruments import CHANNELS, URGENCIES, closed
from mentor_app.notifications.models import OutboxMessage, OutboxState

log = logging.getLogger("mentor_app.metrics")

GaugeHook = Callable[[Session, datetime], Iterable[Metric]]
GAUGE_HOOKS: list[GaugeHook] = []

TERMINAL_WINDOW = timedelta(hours=24)
COVERAGE_AHEAD = timedelta(hours=24)
LIVE_STATES = (OutboxState.PENDING.value, OutboxState.SENDING.value)
OUTBOX_STATES = tuple(s.value for s in OutboxState)


class DatabaseCollector(Collector):
    """Yields the database gauges for one scrape. `open_session` gives a fresh session (closed
    here); `now` the scrape's instant; `languages` the configured language codes."""

    def __init__(
        self,
        open_session: Callable[[], Session],
        now: datetime,
        languages: Iterable[str],
    ) -> None:
        self.open_session = open_session
        self.now = now
        self.languages = tuple(languages)

    def collect(self) -> Iterator[Metric]:
        session = self.open_session()
        try:
            yield from outbox_gauges(session, self.now)
            yield from consult_gauges(session, self.now)
            yield coverage_gauge(session, self.now, self.languages)
            yield from heartbeat_gauges(session, self.now)
            for hook in GAUGE_HOOKS:
                yield from hook(session, self.now)
        except SQLAlchemyError:
            log.exception("metrics: a database gauge could not be read")
            up = GaugeMetricFamily("mentor_database_up", "1 when the scrape read the database.")
            up.add_metric([], 0)
            yield up
            return
        finally:
            session.close()
        up = GaugeMetricFamily("mentor_database_up", "1 when the scrape read the database.")
        up.add_metric([], 1)
        yield up


def outbox_gauges(session: Session, now: datetime) -> Iterator[Metric]:
    by_state = GaugeMetricFamily(
        "mentor_outbox_messages",
        "Outbox rows by state and channel: pending/sending all, terminal ones created in the "
        "last 24 h. Channel is where a sent row went, 'none' before that.",
        labels=["state", "channel"],
    )
    counts: dict[tuple[str, str], int] = {(s, "none"): 0 for s in LIVE_STATES}
    recent = OutboxMessage.created_at >= now - TERMINAL_WINDOW
    rows = session.execute(
        select(OutboxMessage.state, OutboxMessage.channel, func.count())
        .where(OutboxMessage.state.in_(LIVE_STATES) | recent)
        .group_by(OutboxMessage.state, OutboxMessage.channel)
    ).tuples()
    for state, channel, count in rows:
        key = (closed(state, OUTBOX_STATES), closed(channel, CHANNELS) if channel else "none")
        counts[key] = counts.get(key, 0) + count
    for (state, channel), count in sorted(counts.items()):
        by_state.add_metric([state, channel], count)
    yield by_state
    oldest = session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.state == OutboxState.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
    )
    age = GaugeMetricFamily(
        "mentor_outbox_oldest_due_age_seconds",
        "How long the oldest due, unsent outbox row has been waiting (0: none waiting).",
    )
    age.add_metric([], max(0.0, (now - _aware(oldest)).total_seconds()) if oldest else 0.0)
    yield age


def consult_gauges(session: Session, now: datetime) -> Iterator[Metric]:
    live = (ConsultStatus.OPEN.value, ConsultStatus.ACCEPTED.value)
    by_status = GaugeMetricFamily(
        "mentor_consults", "Open and accepted consults by urgency.", labels=["status", "urgency"]
    )
    counts = {(s, u): 0 for s in live for u in URGENCIES}
    rows = session.execute(
        select(Consult.status, Consult.urgency, func.count())
        .where(Consult.status.in_(live))
        .group_by(Consult.status, Consult.urgency)
    ).tuples()
    for status, urgency, count in rows:
        key = (status, closed(urgency, URGENCIES))
        counts[key] = counts.get(key, 0) + count
    for (status, urgency), count in sorted(counts.items()):
        by_status.add_metric([status, urgency], count)
    yield by_status
    late = GaugeMetricFamily(
        "mentor_consults_unanswered_past_first_wave",
        "Open consults whose first wave passed without an accept, by urgency.",
        labels=["urgency"],
    )
    late_counts = dict.fromkeys(URGENCIES, 0)
    for urgency, count in session.execute(
        select(Consult.urgency, func.count())
        .where(Consult.status == ConsultStatus.OPEN.value, Consult.wave >= WAVE_EVERYONE)
        .group_by(Consult.urgency)
    ).tuples():
        label = closed(urgency, URGENCIES)
        late_counts[label] = late_counts.get(label, 0) + count
    for urgency, count in sorted(late_counts.items()):
        late.add_metric([urgency], count)
    yield late


def coverage_gauge(session: Session, now: datetime, languages: Iterable[str]) -> Metric:
    """Hours of the next 24 with no reachable, routable consultant on call, per language."""
    from mentor_app.pool.coverage import build_grid

    gauge = GaugeMetricFamily(
        "mentor_oncall_coverage_gap_hours",
        "Hours in the next 24 h with nobody reachable on call who speaks the language.",
        labels=["language"],
    )
    until = now + COVERAGE_AHEAD
    for language in languages:
        grid = build_grid(session, now, "UTC", language=language, days=2)
        gaps = sum(
            1
            for _day, cells in grid.rows
            for cell in cells
            if cell.gap and cell.starts_at is not None and cell.starts_at < until
        )
        gauge.add_metric([language], gaps)
    return gauge


def heartbeat_gauges(session: Session, now: datetime) -> Iterator[Metric]:
    """Workers seen and the age of the freshest completed round (from `worker_heartbeats`)."""
    from mentor_app.worker import liveness

    beats = liveness.heartbeats(session)
    seen = GaugeMetricFamily("mentor_workers", "Workers with a heartbeat row.")
    seen.add_metric([], len(beats))
    yield seen
    last = liveness.last_round(session)
    age = GaugeMetricFamily(
        "mentor_worker_last_round_age_seconds",
        "Seconds since any worker last completed a round (-1: never).",
    )
    age.add_metric([], (now - last).total_seconds() if last else -1.0)
    yield age


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
