"""Metrics: pure rules, and the query layer on a seeded month against hand-computed figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mentor_app.dashboard import metrics as m
from mentor_app.dashboard import queries
from mentor_app.dashboard import report as rep
from tests import dashboard_factories as f

# --- pure rules ---------------------------------------------------------------------------------


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert m.percentile([], 0.5) is None
    assert m.percentile([42], 0.9) == 42
    assert m.percentile([60, 120, 180, 240, 300], 0.5) == 180
    assert m.percentile([60, 120, 180, 240, 300], 0.9) == pytest.approx(276)
    assert m.percentile([600, 900, 1200, 3000], 0.5) == pytest.approx(1050)
    assert m.percentile([600, 900, 1200, 3000], 0.9) == pytest.approx(2460)


def test_outcome_categories() -> None:
    assert m.outcome_category("closed", "advice") == "advice"
    assert m.outcome_category("closed", "urgent_risk") == "urgent_risk"
    assert m.outcome_category("closed", "no_action") == "none"
    assert m.outcome_category("closed", None) == "none"
    assert m.outcome_category("cancelled", None) == "none"
    assert m.outcome_category("open", None) == "in_progress"
    assert m.outcome_category("accepted", None) == "in_progress"


def test_report_names_only_plain_codes() -> None:
    merged = rep.collapse(
        {"general": 9, "general\n": 9, "K-ZZ9Q": 9, "trauma-reminders": 9, "<b>": 9},
        suppress=True,
        pattern=rep._CATEGORY_KEY,
    )
    assert merged == {"general": 9, "trauma-reminders": 9, "other": 27}


def test_load_buckets() -> None:
    assert m.bucket_loads([1, 1, 2, 3, 4, 6, 7, 10, 11, 40]) == {
        "1": 2,
        "2-3": 2,
        "4-6": 2,
        "7-10": 2,
        "11+": 2,
    }
    assert m.load_bucket(0) is None


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-03-02", "2026-03-01", "must not be after"),
        ("2025-01-01", "2026-01-02", "at most 366"),
        ("2026-02-30", "2026-03-01", "does not exist"),
        ("03/01/2026", "2026-03-02", "like 2026-03-31"),
        (None, "2026-03-02", "like 2026-03-31"),
        ("2026-03-01\n", "2026-03-02", "like 2026-03-31"),
        ("2026-03-01", "2026-03-02T00:00", "like 2026-03-31"),
    ],
)
def test_period_validation(start, end, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(m.PeriodError, match=message):
        m.parse_period(start, end)


def test_period_bounds() -> None:
    period = m.parse_period("2025-01-01", "2026-01-01")  # 366 days: the longest allowed
    assert period.days == 366
    march = m.parse_month("2026-03")
    assert march is not None
    assert (march.first_day, march.last_day) == (date(2026, 3, 1), date(2026, 3, 31))
    assert march.end_at.isoformat() == "2026-04-01T00:00:00+00:00"
    # On the panel's calendar: Stockholm's March starts at 23:00 UTC the day before and ends
    # at 22:00 UTC (summer time since the 29th).
    panel = m.parse_month("2026-03", "Europe/Stockholm")
    assert panel is not None
    assert panel.start_at.isoformat() == "2026-02-28T23:00:00+00:00"
    assert panel.end_at.isoformat() == "2026-03-31T22:00:00+00:00"
    december = m.parse_month("2025-12")
    assert december is not None and december.last_day == date(2025, 12, 31)
    for bad in ("2026-13", "2026-00", "1999-12", "26-03", "2026-3", "", "2026-03\n", "2026-03x"):
        assert m.parse_month(bad) is None


# --- the query layer on a seeded month ----------------------------------------------------------


@pytest.fixture
def march(app, db, actors):  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    consultants = [actors.create("consultant")[0] for _ in range(4)]
    f.seed_march(db, mentor, consultants)
    return queries.compute(db, m.parse_month("2026-03", f.PANEL))


def test_counts_by_category(march: m.Metrics) -> None:
    assert march.total == 12
    assert march.by_urgency == {"urgent": 6, "soon": 5, "routine": 1}
    assert march.by_topic == {
        "bereavement-illness-in-family": 6,
        "general": 5,
        "trauma-reminders": 1,
    }
    assert march.by_language == {"sv": 6, "en": 5, "de": 1}
    assert march.by_region == {"stockholm": 6, "unspecified": 5, "berlin": 1}


def test_time_to_accept_median_and_p90(march: m.Metrics) -> None:
    urgent, soon, routine, everything = (
        march.accept[k] for k in ("urgent", "soon", "routine", "all")
    )
    assert (urgent.count, urgent.median_seconds, urgent.p90_seconds) == (5, 180, pytest.approx(276))
    assert soon.count == 4
    assert soon.median_seconds == pytest.approx(1050)
    assert soon.p90_seconds == pytest.approx(2460)
    assert (routine.count, routine.median_seconds, routine.p90_seconds) == (1, 7200, 7200)
    # all ten: 60 120 180 240 300 600 900 1200 3000 7200
    assert everything.count == 10
    assert everything.median_seconds == pytest.approx(450)
    assert everything.p90_seconds == pytest.approx(3420)


def test_coordinator_step_outcomes_and_rating(march: m.Metrics) -> None:
    assert march.reached_coordinator == 3
    assert m.share(march.reached_coordinator, march.total) == pytest.approx(25.0)
    assert march.outcomes == {
        "advice": 4,
        "see_client": 1,
        "referral": 1,
        "urgent_risk": 1,
        "none": 3,  # cancelled, closed with no_action, closed without outcome
        "in_progress": 2,  # one accepted, one open
    }
    assert (march.rated, march.rated_helpful) == (7, 5)
    assert m.share(march.rated_helpful, march.rated) == pytest.approx(500 / 7)


def test_consultant_load(march: m.Metrics) -> None:
    assert march.load == {"1": 2, "2-3": 1, "4-6": 1, "7-10": 0, "11+": 0}
    assert march.consultants_with_consults == 4


def test_guides_not_available_without_provider(app, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(m, "GUIDE_METRICS_PROVIDER", None)
    figures = queries.compute(db, m.parse_month("2026-03", f.PANEL))
    assert figures.guides is None
    table = next(t for t in rep.build_tables(figures, suppress=True) if t.id == "guides")
    assert not table.available


def test_guides_from_a_provider(app, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []

    class Provider:
        def overdue_for_review(self, session, today):  # type: ignore[no-untyped-def]
            return [m.GuideOverdue("trauma-reminders", "Trauma reminders", date(2026, 1, 1))]

        def usage(self, session, start_at, end_at, limit):  # type: ignore[no-untyped-def]
            calls.append((start_at, end_at, limit))
            return [m.GuideUsage("trauma-reminders", "Trauma reminders", 40, 12, 3)]

    monkeypatch.setattr(m, "GUIDE_METRICS_PROVIDER", Provider())
    period = m.parse_month("2026-03", f.PANEL)
    figures = queries.compute(db, period)
    assert calls == [(period.start_at, period.end_at, 10)]
    table = next(t for t in rep.build_tables(figures, suppress=True) if t.id == "guides")
    assert [c.display for c in table.rows[0].cells] == ["40", "12", "<5"]
    assert m.guides_overdue(db, date(2026, 3, 1))[0].slug == "trauma-reminders"


def test_empty_month(app, db) -> None:  # type: ignore[no-untyped-def]
    figures = queries.compute(db, m.parse_month("2026-05"))
    assert figures.total == 0
    assert figures.by_topic == {} and figures.reached_coordinator == 0
    assert all(v == 0 for v in figures.outcomes.values())
    assert all(t.count == 0 and t.median_seconds is None for t in figures.accept.values())
    assert sum(figures.load.values()) == 0
    csv_rows = rep.csv_rows("2026-05", figures.period, True, rep.build_tables(figures, True))
    values = {(s, k): v for s, k, v in csv_rows}
    assert values[("summary", "requests")] == "<5"
    assert values[("summary", "reached_coordinator_share")] == ""  # nothing to divide
    assert values[("time_to_accept.median_minutes", "all")] == ""


def test_month_with_fewer_than_five_is_suppressed(app, db, actors) -> None:  # type: ignore[no-untyped-def]
    mentor, _ = actors.create("mentor")
    consultant, _ = actors.create("consultant")
    for minute in range(3):
        f.consult(
            db,
            mentor,
            datetime(2026, 4, 2, 10, minute, tzinfo=UTC),
            accepted_after=60 * (minute + 1),
            consultant_id=consultant,
            status="closed",
            closed_after=timedelta(hours=1),
            outcome="advice",
            helpful=True,
            coordinator_step=True,
        )
    db.commit()
    figures = queries.compute(db, m.parse_month("2026-04"))
    assert figures.total == 3 and figures.accept["all"].median_seconds == 120  # exact inside
    rows = rep.csv_rows("2026-04", figures.period, True, rep.build_tables(figures, True))
    figures_only = [(s, k, v) for s, k, v in rows if s != "report"]
    # Every count is "<5", every derived figure from them is suppressed or empty.
    assert {v for _, _, v in figures_only} <= {"<5", "suppressed", "", "not_available"}
    values = {(s, k): v for s, k, v in rows}
    assert values[("time_to_accept.median_minutes", "all")] == "suppressed"
    assert values[("summary", "rated_helpful_share")] == "suppressed"
    assert values[("summary", "reached_coordinator_share")] == "suppressed"


def test_report_cells_of_the_seeded_month(march: m.Metrics) -> None:
    rows = rep.csv_rows("2026-03", march.period, True, rep.build_tables(march, suppress=True))
    values = {(s, k): v for s, k, v in rows}
    assert values[("summary", "requests")] == "12"
    assert values[("summary", "accepted")] == "10"
    assert values[("summary", "reached_coordinator")] == "<5"
    assert values[("summary", "reached_coordinator_share")] == "suppressed"  # 3 of 12
    assert values[("summary", "rated")] == "7"
    assert values[("summary", "rated_helpful_share")] == "71.4"
    assert values[("urgency", "urgent")] == "6"
    assert values[("urgency", "routine")] == "<5"
    # rare categories are merged, never named
    assert values[("topic", "other")] == "<5"
    assert ("topic", "trauma-reminders") not in values
    assert values[("language", "other")] == "<5" and ("language", "de") not in values
    assert values[("time_to_accept.median_minutes", "urgent")] == "3.0"
    assert values[("time_to_accept.p90_minutes", "urgent")] == "4.6"
    assert values[("time_to_accept.accepted", "soon")] == "<5"
    assert values[("time_to_accept.median_minutes", "soon")] == "suppressed"
    assert values[("time_to_accept.median_minutes", "all")] == "7.5"
    assert values[("time_to_accept.p90_minutes", "all")] == "57.0"
    assert values[("outcome", "advice")] == "<5"
    assert values[("consultant_load", "4-6")] == "<5"
    assert [k for s, k in values if s == "guides"] == []  # no guide was opened this month


def test_exact_cells_for_the_metrics_page(march: m.Metrics) -> None:
    tables = {t.id: t for t in rep.build_tables(march, suppress=False)}
    summary = {row.key: row.cells[0].display for row in tables["summary"].rows}
    assert summary["reached_coordinator"] == "3"
    assert summary["reached_coordinator_share"] == "25.0%"
    topics = {row.key: row.cells[0].display for row in tables["topic"].rows}
    assert topics == {"bereavement-illness-in-family": "6", "general": "5", "trauma-reminders": "1"}
