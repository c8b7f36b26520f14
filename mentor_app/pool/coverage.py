"""The coverage grid: who is on call in each hour of the coming week, in the coordinator's zone.

Counted: routable consultants (active, vetted, credential valid at that hour) who are reachable
by push now, and on call for any part of the hour (an on-call window, or "available now", minus
a pause). Three queries (candidates with their switches, their windows, their devices) and the
rest is binning in Python, so the page costs the same whatever the number of cells.

Hours are wall-clock hours in the coordinator's zone. On the night clocks go back, the repeated
hour shows the smaller of its two counts (a gap in either is a gap); on the night clocks go
forward, the hour that does not exist is shown as such.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentor_app.accounts.models import User
from mentor_app.notifications.reachability import reachability_for
from mentor_app.pool import policy
from mentor_app.pool.models import (
    ConsultantExpertise,
    ConsultantLanguage,
    ConsultantProfile,
    OnCallWindow,
)
from mentor_app.pool.queries import matching_conditions, routable_conditions

HOUR = timedelta(hours=1)
DAYS = 7


@dataclass(frozen=True)
class Candidate:
    user_id: int
    available_until: datetime | None
    paused_until: datetime | None
    lapses_at: datetime | None  # the credential lapses (timeutil.credential_lapses_at)


def candidates(
    session: Session, at: datetime, language: str | None, expertise: str | None
) -> dict[int, Candidate]:
    rows = session.execute(
        select(
            ConsultantProfile.user_id,
            ConsultantProfile.available_until,
            ConsultantProfile.paused_until,
            ConsultantProfile.credential_lapses_at,
        )
        .join(User, User.id == ConsultantProfile.user_id)
        .where(*routable_conditions(at), *matching_conditions(language, expertise))
    ).tuples()
    return {row[0]: Candidate(*row) for row in rows}


def on_call_intervals(
    session: Session,
    now: datetime,
    start: datetime,
    end: datetime,
    language: str | None = None,
    expertise: str | None = None,
) -> tuple[dict[int, Candidate], dict[int, list[policy.Interval]]]:
    """Candidates routable at `start` and, for each, the merged UTC intervals within
    [start, end) in which they are on call."""
    found = candidates(session, start, language, expertise)
    by_consultant: dict[int, list[policy.Interval]] = defaultdict(list)
    ids_query = (
        select(ConsultantProfile.user_id)
        .join(User, User.id == ConsultantProfile.user_id)
        .where(*routable_conditions(start), *matching_conditions(language, expertise))
    )
    windows = session.execute(
        select(OnCallWindow.consultant_id, OnCallWindow.starts_at, OnCallWindow.ends_at).where(
            OnCallWindow.consultant_id.in_(ids_query),
            OnCallWindow.ends_at > start,
            OnCallWindow.starts_at < end,
        )
    ).tuples()
    for consultant_id, s, e in windows:
        by_consultant[consultant_id].append((s, e))
    result: dict[int, list[policy.Interval]] = {}
    for consultant_id, c in found.items():
        spans = by_consultant.get(consultant_id, [])
        if c.available_until is not None and c.available_until > now:
            spans.append((now, c.available_until))
        holes: list[policy.Interval] = []
        if c.paused_until is not None and c.paused_until > now:
            holes.append((now, c.paused_until))
        if c.lapses_at is not None:
            # The same instant routing stops offering them: the day after the expiry date
            # begins in the consultant's zone, not at UTC midnight.
            holes.append((c.lapses_at, max(c.lapses_at, end)))
        spans = policy.subtract(policy.merge(spans), holes) if holes else policy.merge(spans)
        clipped = [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]
        if clipped:
            result[consultant_id] = clipped
    return found, result


@dataclass
class Cell:
    hour: int
    starts_at: datetime | None  # UTC start of the (first) hour; None: the hour does not exist
    count: int = 0
    past: bool = False

    @property
    def exists(self) -> bool:
        return self.starts_at is not None

    @property
    def gap(self) -> bool:
        return self.exists and not self.past and self.count == 0


@dataclass(frozen=True)
class Gap:
    starts_at: datetime  # UTC
    ends_at: datetime
    local_start: datetime  # the same instants in the grid's zone
    local_end: datetime

    @property
    def same_day(self) -> bool:
        return self.local_start.date() == self.local_end.date()


@dataclass
class Grid:
    zone: str
    start: datetime
    rows: list[tuple[date, list[Cell]]]
    gaps: list[Gap]  # runs of future hours with nobody
    considered: int  # routable, matching, reachable consultants
    unreachable: int  # routable and matching but not reachable now (not counted)
    language_gaps: dict[str, int] = field(default_factory=dict)
    expertise_gaps: dict[str, int] = field(default_factory=dict)

    @property
    def gap_hours(self) -> int:
        return sum(1 for _, cells in self.rows for c in cells if c.gap)


def week_bounds(now: datetime, zone_name: str, days: int = DAYS) -> tuple[datetime, datetime]:
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _cell_ranges(spans: list[policy.Interval], start: datetime, n: int) -> list[tuple[int, int]]:
    """Half-open ranges of hour indices touched by `spans` (sorted, merged)."""
    ranges: list[tuple[int, int]] = []
    for s, e in spans:
        i0 = max(0, int((s - start) // HOUR))
        i1 = min(n, -int(-(e - start) // HOUR))  # ceiling
        if i1 <= i0:
            continue
        if ranges and i0 <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], i1))
        else:
            ranges.append((i0, i1))
    return ranges


def build_grid(
    session: Session,
    now: datetime,
    zone_name: str,
    language: str | None = None,
    expertise: str | None = None,
    days: int = DAYS,
    reachable_only: bool = True,
) -> Grid:
    """`reachable_only=False` counts everyone on call by plan, reachable or not (to tell "nobody
    planned" from "planned, but their phones are not getting through")."""
    zone = ZoneInfo(zone_name)
    start, end = week_bounds(now, zone_name, days)
    n = -int(-(end - start) // HOUR)
    found, spans = on_call_intervals(session, now, start, end, language, expertise)
    reach = reachability_for(session, found)
    reachable = {cid for cid, r in reach.items() if r.reachable or not reachable_only}
    diff = [0] * (n + 1)
    masks: dict[int, int] = {}
    for consultant_id, intervals in spans.items():
        if consultant_id not in reachable:
            continue
        mask = 0
        for i0, i1 in _cell_ranges(intervals, start, n):
            diff[i0] += 1
            diff[i1] -= 1
            mask |= (1 << i1) - (1 << i0)
        masks[consultant_id] = mask
    counts, running = [], 0
    for k in range(n):
        running += diff[k]
        counts.append(running)
    first_future = next((k for k in range(n) if start + (k + 1) * HOUR > now), n)
    grid = Grid(
        zone=zone_name,
        start=start,
        rows=_rows(start, n, counts, now, zone),
        gaps=_gap_ranges(start, counts, first_future, zone),
        considered=len(reachable),
        unreachable=len(found) - len(reachable),
    )
    future = ((1 << n) - 1) & ~((1 << first_future) - 1)
    pool = set(found)
    grid.language_gaps = _gaps_by(session, ConsultantLanguage.language, pool, masks, future)
    grid.expertise_gaps = _gaps_by(session, ConsultantExpertise.tag, pool, masks, future)
    return grid


def _rows(
    start: datetime, n: int, counts: list[int], now: datetime, zone: ZoneInfo
) -> list[tuple[date, list[Cell]]]:
    by_label: dict[tuple[date, int], list[int]] = defaultdict(list)
    for k in range(n):
        local = (start + k * HOUR).astimezone(zone)
        by_label[(local.date(), local.hour)].append(k)
    days = sorted({d for d, _ in by_label})
    rows = []
    for day in days:
        cells = []
        for hour in range(24):
            ks = by_label.get((day, hour))
            if not ks:
                cells.append(Cell(hour, None))
                continue
            cells.append(
                Cell(
                    hour,
                    start + ks[0] * HOUR,
                    count=min(counts[k] for k in ks),
                    past=start + (ks[-1] + 1) * HOUR <= now,
                )
            )
        rows.append((day, cells))
    return rows


def _gap_ranges(start: datetime, counts: list[int], first_future: int, zone: ZoneInfo) -> list[Gap]:
    runs: list[tuple[datetime, datetime]] = []
    for k in range(first_future, len(counts)):
        if counts[k]:
            continue
        s, e = start + k * HOUR, start + (k + 1) * HOUR
        if runs and runs[-1][1] == s:
            runs[-1] = (runs[-1][0], e)
        else:
            runs.append((s, e))
    return [Gap(s, e, s.astimezone(zone), e.astimezone(zone)) for s, e in runs]


def _gaps_by(  # type: ignore[no-untyped-def]
    session: Session, column, pool: set[int], masks: dict[int, int], future: int
) -> dict[str, int]:
    """For each language (or tag) in the routable pool: future hours with nobody counted."""
    if not pool:
        return {}
    table = column.class_
    rows = session.execute(select(table.user_id, column)).tuples()
    union: dict[str, int] = defaultdict(int)
    for user_id, value in rows:
        if user_id in pool:
            union[value] |= masks.get(user_id, 0)
    return {value: (future & ~mask).bit_count() for value, mask in sorted(union.items())}


# --- one hour --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourDetail:
    starts_at: datetime
    on_call: list[int]
    could_cover: list[int]


def hour_detail(
    session: Session,
    now: datetime,
    starts_at: datetime,
    language: str | None = None,
    expertise: str | None = None,
) -> HourDetail:
    """Who is on call in [starts_at, +1h), and the routable, matching consultants who are not
    (the people a coordinator could ask to cover)."""
    found, spans = on_call_intervals(session, now, starts_at, starts_at + HOUR, language, expertise)
    on_call = sorted(spans)
    return HourDetail(starts_at, on_call, sorted(set(found) - set(spans)))
