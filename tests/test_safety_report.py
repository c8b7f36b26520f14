"""The monthly panel report counts mentor safety: visits, alarms by kind, time to acknowledge
(p50/p90), with small counts suppressed like the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentor_app.dashboard import metrics as m
from mentor_app.dashboard import queries, report
from mentor_app.safety.models import Alarm, Visit
from tests.push_helpers import quick_user

T0 = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)


def _seed(db) -> None:  # type: ignore[no-untyped-def]
    mentor = quick_user(db, "mentor")
    coordinator = quick_user(db, "coordinator")
    for n in range(8):
        db.add(
            Visit(mentor_id=mentor, state="ended", started_at=T0 + timedelta(hours=n), due_at=T0)
        )
    db.add(Visit(mentor_id=mentor, state="ended", started_at=T0 + timedelta(days=30), due_at=T0))
    for n in range(6):  # acknowledged after 1..6 minutes
        db.add(
            Alarm(
                mentor_id=mentor,
                kind="missed",
                state="resolved",
                tier=1,
                raised_at=T0 + timedelta(hours=n),
                acknowledged_by_id=coordinator,
                acknowledged_at=T0 + timedelta(hours=n, minutes=n + 1),
            )
        )
    db.add(Alarm(mentor_id=mentor, kind="duress", state="exhausted", tier=3, raised_at=T0))
    db.commit()


def _tables(app, db, suppress: bool) -> dict[str, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        session = app.extensions["mentor_db"].session()
        figures = queries.compute(session, m.parse_month("2026-03", "UTC"))
        session.close()
        table = next(t for t in report.build_tables(figures, suppress) if t.id == "safety")
        return {row.key: [c.csv for c in row.cells] for row in table.rows}


def test_safety_figures_in_the_report_exact_and_suppressed(app, db) -> None:  # type: ignore[no-untyped-def]
    _seed(db)
    exact = _tables(app, db, suppress=False)
    assert exact["visits"][0] == "8"
    assert (exact["missed"][0], exact["duress"][0], exact["sos"][0]) == ("6", "1", "0")
    assert exact["acknowledged"] == ["6", "3.5", "5.5"]  # minutes, interpolated like consults
    suppressed = _tables(app, db, suppress=True)
    assert suppressed["visits"][0] == "8"
    assert (suppressed["duress"][0], suppressed["sos"][0]) == ("<5", "<5")
    assert suppressed["acknowledged"] == ["6", "3.5", "5.5"]
