"""The coordinator's live view: what needs attention now.

Read every ten seconds by each open dashboard, so every figure is one indexed query: open
consults (status index), accepted since midnight (accepted_at index), reachability of the active
pool. The view names consultants (coordinators must call them) but shows no case codes or notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.consults.models import Consult
from mentor_app.dashboard import metrics as m
from mentor_app.notifications.reachability import Reach, reachability_for
from mentor_app.pool.models import ConsultantProfile
from mentor_app.pool.queries import routable_conditions
from mentor_app.worker import liveness

REACH_LABELS = {
    Reach.NO_DEVICE.value: _l("no device"),
    Reach.FAILING.value: _l("every device failing"),
}
# (key, upper bound of the age in minutes; None = no bound), youngest first.
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("under_5m", 5),
    ("5_15m", 15),
    ("15_60m", 60),
    ("1_4h", 240),
    ("over_4h", None),
)
OPEN_LIST_LIMIT = 50


def age_bucket(age: timedelta) -> str:
    minutes = age.total_seconds() / 60
    for key, upper in AGE_BUCKETS:
        if upper is None or minutes < upper:
            return key
    return AGE_BUCKETS[-1][0]


def start_of_day(now: datetime, timezone: str) -> datetime:
    """Midnight of `now`'s day where the coordinator is (UTC if the zone is unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time.min, tzinfo=zone)


@dataclass(frozen=True)
class OpenConsult:
    id: int
    urgency: str
    topic: str
    language: str
    created_at: datetime
    age_minutes: int
    wave: int
    mentor_told_waiting: bool
    at_coordinator_step: bool


@dataclass(frozen=True)
class UnreachableConsultant:
    user_id: int
    name: str
    status: str  # Reach value: no_device or failing
    devices: int
    failing_since: datetime | None
    # How to reach them another way (coordinators only see this page): tel: and mailto: links.
    email: str = ""
    phone: str | None = None


@dataclass
class Live:
    now: datetime
    day_starts_at: datetime
    open_total: int = 0
    # urgency -> age bucket -> count
    open_by_age: dict[str, dict[str, int]] = field(default_factory=dict)
    waiting_past_first_wave: int = 0
    at_coordinator_step: int = 0
    accepted_today: int = 0
    oldest_open: list[OpenConsult] = field(default_factory=list)
    active_consultants: int = 0
    unreachable: list[UnreachableConsultant] = field(default_factory=list)
    guides_overdue: list[m.GuideOverdue] | None = None
    # No worker completed a round in the last 30 s: alerts are not being sent.
    workers_stalled: bool = False


def worker_banner() -> str:
    """The dashboard's red line while no worker completes rounds (page and live refresh)."""
    return _(
        "Alerts are not being sent. No worker has completed a round in the last 30 seconds: "
        "consult requests and offers wait in the queue. Ask your administrator to check the "
        "worker service."
    )


def empty_grid() -> dict[str, dict[str, int]]:
    return {u: {key: 0 for key, _ in AGE_BUCKETS} for u in m.URGENCIES}


def snapshot(session: Session, now: datetime, timezone: str) -> Live:
    live = Live(now=now, day_starts_at=start_of_day(now, timezone))
    _open_counts(session, live)
    live.oldest_open = _oldest_open(session, now)
    live.accepted_today = (
        session.scalar(
            select(func.count(Consult.id)).where(Consult.accepted_at >= live.day_starts_at)
        )
        or 0
    )
    _pool(session, live)
    live.guides_overdue = m.guides_overdue(session, live.day_starts_at.date())
    live.workers_stalled = liveness.stalled(session, now)
    return live


def _age_case(now: datetime):  # type: ignore[no-untyped-def]
    whens = [
        (Consult.created_at > now - timedelta(minutes=upper), key)
        for key, upper in AGE_BUCKETS
        if upper is not None
    ]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


def _open_counts(session: Session, live: Live) -> None:
    # Bucketed in a subquery: the age thresholds are bound parameters, and PostgreSQL only
    # groups by an expression it can match textually.
    inner = (
        select(
            Consult.urgency.label("urgency"),
            _age_case(live.now).label("bucket"),
            case((Consult.mentor_told_waiting_at.is_not(None), 1), else_=0).label("waiting"),
            case((Consult.coordinator_alerted_at.is_not(None), 1), else_=0).label("escalated"),
        )
        .where(Consult.status == "open")
        .subquery()
    )
    rows = session.execute(
        select(
            inner.c.urgency,
            inner.c.bucket,
            func.count(),
            func.sum(inner.c.waiting),
            func.sum(inner.c.escalated),
        ).group_by(inner.c.urgency, inner.c.bucket)
    ).all()
    grid = empty_grid()
    for urgency, key, count, waiting_count, escalated_count in rows:
        grid.setdefault(urgency, {k: 0 for k, _ in AGE_BUCKETS})[key] += count
        live.open_total += count
        live.waiting_past_first_wave += int(waiting_count or 0)
        live.at_coordinator_step += int(escalated_count or 0)
    live.open_by_age = grid


def _oldest_open(session: Session, now: datetime) -> list[OpenConsult]:
    rows = session.execute(
        select(
            Consult.id,
            Consult.urgency,
            Consult.topic,
            Consult.language,
            Consult.created_at,
            Consult.wave,
            Consult.mentor_told_waiting_at,
            Consult.coordinator_alerted_at,
        )
        .where(Consult.status == "open")
        .order_by(Consult.created_at, Consult.id)
        .limit(OPEN_LIST_LIMIT)
    ).all()
    return [
        OpenConsult(
            id=row.id,
            urgency=row.urgency,
            topic=row.topic,
            language=row.language,
            created_at=row.created_at,
            age_minutes=max(int((now - row.created_at).total_seconds() // 60), 0),
            wave=row.wave,
            mentor_told_waiting=row.mentor_told_waiting_at is not None,
            at_coordinator_step=row.coordinator_alerted_at is not None,
        )
        for row in rows
    ]


def _pool(session: Session, live: Live) -> None:
    # Consultants in standing now (the routable rule: also vetted, credential not lapsed).
    active = session.execute(
        select(User.id, User.display_name, User.email, User.phone)
        .join(ConsultantProfile, ConsultantProfile.user_id == User.id)
        .where(*routable_conditions(live.now))
        .order_by(User.display_name, User.id)
    ).all()
    live.active_consultants = len(active)
    reach = reachability_for(session, [row.id for row in active])
    live.unreachable = [
        UnreachableConsultant(
            user_id=user_id,
            name=name,
            status=reach[user_id].status.value,
            devices=reach[user_id].devices,
            failing_since=reach[user_id].failing_since,
            email=email,
            phone=phone,
        )
        for user_id, name, email, phone in active
        if not reach[user_id].reachable
    ]
