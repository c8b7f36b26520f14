"""Metrics over a period: what each figure means, computed from plain rows (no database here).

The query layer (`queries.py`) hands this module small aggregated rows; everything below is pure
and tested on hand-computed examples. The definitions are shown on the metrics and report pages
(`DEFINITIONS`), so what the panel reads is exactly what the code computes.

Guide figures come from the playbooks domain through `GUIDE_METRICS_PROVIDER` (see below), so
this module never imports the playbooks tables.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from mentor_app import timeutil
from mentor_app.validation import date_in_range, range_message

URGENCIES = ("urgent", "soon", "routine")
# "none": closed with outcome no_action or without an outcome, or cancelled.
# "in_progress": still open or accepted when the figures were computed.
OUTCOME_CATEGORIES = ("advice", "see_client", "referral", "urgent_risk", "none", "in_progress")
RECORDED_OUTCOMES = frozenset({"advice", "see_client", "referral", "urgent_risk"})
# Consults per consultant in the period: (label, lowest, highest or None for open-ended).
LOAD_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1", 1, 1),
    ("2-3", 2, 3),
    ("4-6", 4, 6),
    ("7-10", 7, 10),
    ("11+", 11, None),
)
MAX_PERIOD_DAYS = 366
ALL = "all"

DEFINITIONS = {
    "belongs": _l(
        "A consult belongs to the period in which it was requested (its creation time, on the "
        "panel's calendar: days begin at midnight in the panel's time zone), whatever happened "
        "to it later."
    ),
    "accept": _l(
        "Time to accept: from the request to the moment a consultant accepted it, over the "
        "consults of the period that were accepted. Median and 90th percentile with linear "
        "interpolation between the two nearest values."
    ),
    "coordinator": _l(
        "Reached the coordinator step: nobody in the pool accepted during the automatic waves, "
        "so the request was escalated to a coordinator."
    ),
    "outcomes": _l(
        "Outcome as recorded at close. 'None' counts consults closed with 'no action' or without "
        "an outcome, and cancelled requests. 'In progress' counts requests still open or accepted "
        "when the figures were computed."
    ),
    "helpful": _l(
        "Rated helpful: of the consults whose mentor answered 'did this help?', the share who "
        "answered yes."
    ),
    "load": _l(
        "Consultant load: how many consultants accepted 1, 2-3, 4-6, 7-10 or 11 and more of the "
        "period's consults. Nobody is named."
    ),
}


class PeriodError(ValueError):
    """A period that cannot be reported on; the message is shown to the coordinator."""


@dataclass(frozen=True)
class Period:
    """Whole days of `zone`'s calendar (the panel's, `PANEL_TIMEZONE`, on the pages)."""

    first_day: date
    last_day: date  # inclusive
    zone: str = "UTC"

    @property
    def start_at(self) -> datetime:
        return timeutil.day_start(self.first_day, self.zone)

    @property
    def end_at(self) -> datetime:
        """Exclusive: the midnight in `zone` after the last day."""
        return timeutil.day_start(self.last_day + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


def parse_period(start: str | None, end: str | None, zone: str = "UTC") -> Period:
    """ISO dates (YYYY-MM-DD), start <= end, at most MAX_PERIOD_DAYS days, both inclusive, as
    days of `zone`."""
    first = _iso_date(start, "start")
    last = _iso_date(end, "end")
    if first > last:
        raise PeriodError(_l("The start date must not be after the end date."))
    period = Period(first, last, zone)
    if period.days > MAX_PERIOD_DAYS:
        raise PeriodError(_l("Choose at most %(days)s days.", days=MAX_PERIOD_DAYS))
    return period


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _iso_date(text: str | None, name: str) -> date:
    if not text or not _ISO_DATE.fullmatch(text):
        if name == "start":
            raise PeriodError(_l("The start date must be a date like 2026-03-31."))
        raise PeriodError(_l("The end date must be a date like 2026-03-31."))
    try:
        day = date.fromisoformat(text)
    except ValueError as err:
        if name == "start":
            raise PeriodError(_l("The start date does not exist.")) from err
        raise PeriodError(_l("The end date does not exist.")) from err
    if not date_in_range(day):
        raise PeriodError(range_message())
    return day


def parse_month(text: str, zone: str = "UTC") -> Period | None:
    """'YYYY-MM' -> the whole month on `zone`'s calendar; None when it is not a real month."""
    match = _MONTH.fullmatch(text or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 2000 <= year <= 9998):
        return None
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), zone)


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks, as PostgreSQL's percentile_cont."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    lower = math.floor(position)
    upper = math.ceil(position)
    low_value, high_value = float(sorted_values[lower]), float(sorted_values[upper])
    return low_value + (high_value - low_value) * (position - lower)


def outcome_category(status: str, outcome: str | None) -> str:
    if status in ("open", "accepted"):
        return "in_progress"
    if status == "closed" and outcome in RECORDED_OUTCOMES:
        return outcome
    return "none"


def load_bucket(consults: int) -> str | None:
    for label, lowest, highest in LOAD_BUCKETS:
        if consults >= lowest and (highest is None or consults <= highest):
            return label
    return None


def bucket_loads(consults_per_consultant: Iterable[int]) -> dict[str, int]:
    buckets = {label: 0 for label, _, _ in LOAD_BUCKETS}
    for count in consults_per_consultant:
        label = load_bucket(count)
        if label is not None:
            buckets[label] += 1
    return buckets


@dataclass(frozen=True)
class AcceptTimes:
    count: int
    median_seconds: float | None
    p90_seconds: float | None

    @classmethod
    def from_seconds(cls, values: Iterable[float]) -> AcceptTimes:
        ordered = sorted(values)
        return cls(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))


@dataclass(frozen=True)
class StatusRow:
    """One group of the period's consults: same urgency, state, outcome, escalation, rating."""

    urgency: str
    status: str
    outcome: str | None
    reached_coordinator: bool
    helpful: bool | None
    count: int


@dataclass(frozen=True)
class SafetyFigures:
    """Mentor safety in the period (mentor_app/safety/queries.py): visits started, alarms
    raised by kind, and the time from raised to acknowledged."""

    visits: int
    alarms: dict[str, int]  # "missed" / "duress" / "sos" -> count
    acknowledged: int
    ack_median_seconds: float | None
    ack_p90_seconds: float | None


# Other domains' figures for a period: fn(session, period, metrics), called by queries.compute.
EXTRA_FIGURES: list = []


@dataclass
class Metrics:
    period: Period
    total: int = 0
    by_urgency: dict[str, int] = field(default_factory=lambda: dict.fromkeys(URGENCIES, 0))
    by_topic: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)
    # urgency (and "all") -> time to accept
    accept: dict[str, AcceptTimes] = field(default_factory=dict)
    reached_coordinator: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOME_CATEGORIES, 0))
    rated: int = 0
    rated_helpful: int = 0
    load: dict[str, int] = field(default_factory=lambda: bucket_loads([]))
    # None: the playbooks domain has not provided guide figures.
    guides: list[GuideUsage] | None = None
    # None: the safety domain is not wired in.
    safety: SafetyFigures | None = None

    @property
    def consultants_with_consults(self) -> int:
        return sum(self.load.values())


def fold_status_rows(metrics: Metrics, rows: Iterable[StatusRow]) -> None:
    for row in rows:
        metrics.total += row.count
        metrics.by_urgency[row.urgency] = metrics.by_urgency.get(row.urgency, 0) + row.count
        category = outcome_category(row.status, row.outcome)
        metrics.outcomes[category] += row.count
        if row.reached_coordinator:
            metrics.reached_coordinator += row.count
        if row.helpful is not None:
            metrics.rated += row.count
            if row.helpful:
                metrics.rated_helpful += row.count


def fold_category_rows(metrics: Metrics, rows: Iterable[tuple[str, str, str, int]]) -> None:
    """Rows of (topic, language, region, count)."""
    for topic, language, region, count in rows:
        for bucket, key in (
            (metrics.by_topic, topic or "general"),
            (metrics.by_language, language or "unspecified"),
            (metrics.by_region, region or "unspecified"),
        ):
            bucket[key] = bucket.get(key, 0) + count


def empty_accept() -> dict[str, AcceptTimes]:
    return {key: AcceptTimes(0, None, None) for key in (*URGENCIES, ALL)}


def accept_from_seconds(seconds_by_urgency: dict[str, list[float]]) -> dict[str, AcceptTimes]:
    """The portable path: every accepted consult's seconds, grouped by urgency."""
    result = empty_accept()
    everything: list[float] = []
    for urgency, values in seconds_by_urgency.items():
        result[urgency] = AcceptTimes.from_seconds(values)
        everything.extend(values)
    result[ALL] = AcceptTimes.from_seconds(everything)
    return result


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100.0 * part / whole


# --- guide figures: provided by the playbooks domain ---------------------------------------


@dataclass(frozen=True)
class GuideUsage:
    slug: str
    title: str
    opened: int
    helpful_yes: int
    helpful_no: int


@dataclass(frozen=True)
class GuideOverdue:
    slug: str
    title: str
    review_by: date


class GuideMetricsProvider(Protocol):
    """Implemented by the playbooks domain and assigned to GUIDE_METRICS_PROVIDER."""

    def overdue_for_review(self, session: Session, today: date) -> list[GuideOverdue]:
        """Published guides whose review-by date is before `today`, most overdue first."""
        ...

    def usage(
        self, session: Session, start_at: datetime, end_at: datetime, limit: int
    ) -> list[GuideUsage]:
        """The `limit` guides opened most in [start_at, end_at), with did-this-help answers."""
        ...


GUIDE_METRICS_PROVIDER: GuideMetricsProvider | None = None


def guides_overdue(session: Session, today: date) -> list[GuideOverdue] | None:
    """None when no provider is wired: pages then say "not available", never "none"."""
    provider = GUIDE_METRICS_PROVIDER
    return None if provider is None else list(provider.overdue_for_review(session, today))


def guide_usage(session: Session, period: Period, limit: int = 10) -> list[GuideUsage] | None:
    provider = GUIDE_METRICS_PROVIDER
    if provider is None:
        return None
    return list(provider.usage(session, period.start_at, period.end_at, limit))
